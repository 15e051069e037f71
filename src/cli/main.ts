import { Command } from 'commander';
import * as benchAllCommands from './commands/bench-all.js';
import * as consensusCommands from './commands/consensus.js';
import * as creditCommands from './commands/credit.js';
import * as cryptoCommands from './commands/crypto.js';
import * as gridCommands from './commands/grid.js';
import * as inclusionCommands from './commands/inclusion.js';
import * as keygenCommands from './commands/keygen.js';
import * as ledgerCommands from './commands/ledger.js';
import * as marketCommands from './commands/market.js';
import * as nodeCommands from './commands/node.js';
import * as shardingCommands from './commands/sharding.js';
import * as simCommands from './commands/sim.js';
import * as startCommands from './commands/start.js';
import { exitQuietlyOnClosedStdout } from './output.js';

/** Each area adds its own commands and its `bench <area>` subcommand. */
interface CommandArea {
  register(program: Command): void;
  registerBench(bench: Command): void;
}

const areas: CommandArea[] = [
  ledgerCommands,
  cryptoCommands,
  consensusCommands,
  simCommands,
  shardingCommands,
  gridCommands,
  marketCommands,
  nodeCommands,
  inclusionCommands,
  creditCommands,
  keygenCommands,
  startCommands,
  benchAllCommands,
];

export function buildProgram(): Command {
  const program = new Command('gridshard')
    .description('GridShard: a permissioned blockchain for distributed power trading')
    .version('0.1.0');
  const bench = program
    .command('bench')
    .description('benchmarks that print one JSON object of measured figures (medians over repeats)');
  for (const area of areas) {
    area.register(program);
    area.registerBench(bench);
  }
  return program;
}

exitQuietlyOnClosedStdout();
await buildProgram().parseAsync(process.argv);
