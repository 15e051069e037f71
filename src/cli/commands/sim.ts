import type { Command } from 'commander';
import { runBench } from '../../sim/bench.js';
import { type CampaignOptions, replayCommand, runCampaign } from '../../sim/campaign.js';
import { SimError } from '../../sim/errors.js';
import { parseStrategy } from '../../sim/strategies.js';
import { action, EXIT_CHECK_FAILED, EXIT_OK, printJson } from '../output.js';

export interface SimFlags {
  protocol: string;
  nodes: string;
  faulty: string;
  byzantine: string;
  seeds: string;
  seedStart: string;
  transactions: string;
  livenessBoundMs: string;
  wire?: boolean;
  calm?: boolean;
  json?: boolean;
}

function integer(value: string, flag: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new SimError('BAD_OPTIONS', `${flag} must be an integer in ${min} … ${max}, got "${value}"`, {
      flag,
      value,
    });
  }
  return parsed;
}

function protocolName(value: string): string {
  if (value !== 'dag' && value !== 'pbft') {
    throw new SimError('UNKNOWN_PROTOCOL', `--protocol must be dag or pbft, got "${value}"`, { value });
  }
  return value;
}

/** The campaign the flags ask for; bad values are typed SimErrors (exit code 2). */
export function campaignOptionsFrom(flags: SimFlags): CampaignOptions {
  const nodes = integer(flags.nodes, '--nodes', 1, 64);
  return {
    protocol: protocolName(flags.protocol),
    nodes,
    faulty: integer(flags.faulty, '--faulty', 0, Math.floor((nodes - 1) / 3)),
    byzantine: parseStrategy(flags.byzantine),
    seeds: integer(flags.seeds, '--seeds', 1, 1_000_000),
    seedStart: integer(flags.seedStart, '--seed-start', 0, 2 ** 32 - 1),
    transactions: integer(flags.transactions, '--transactions', 1, 100_000),
    livenessBoundMs: integer(flags.livenessBoundMs, '--liveness-bound-ms', 1, 10_000_000),
    wire: flags.wire === true,
    calm: flags.calm === true,
  };
}

export function register(program: Command): void {
  program
    .command('sim')
    .description(
      'deterministic simulation: n validators, a seeded adversarial network and Byzantine validators; checks agreement, validity and liveness per seed',
    )
    .option('--protocol <name>', 'dag or pbft', 'dag')
    .option('--nodes <n>', 'validators', '4')
    .option('--faulty <f>', 'Byzantine validators (at most (n-1)/3)', '1')
    .option(
      '--byzantine <strategy>',
      'silent, equivocate, invalid-signature, bad-coin, flood-future, replay, leader-targeting, or all',
      'all',
    )
    .option('--seeds <k>', 'number of seeds (runs)', '20')
    .option('--seed-start <s>', 'first seed', '1')
    .option('--transactions <count>', 'transactions handed to honest validators per run', '100')
    .option(
      '--liveness-bound-ms <ms>',
      'virtual time allowed after the last fault to commit everything',
      '30000',
    )
    .option('--wire', 'pass every message through its codec')
    .option('--calm', 'no partitions, crashes or drops (delays only)')
    .option('--json', 'print one JSON object')
    .action(
      action((flags: SimFlags) => {
        const options: CampaignOptions = {
          ...campaignOptionsFrom(flags),
          onRun: (result) => {
            if (result.agreementOk && result.validityOk && result.livenessOk) return;
            process.stderr.write(
              `seed ${result.seed} failed (${result.strategies.join(',') || 'no faulty'}): ${result.problems.join('; ')}\n` +
                `  replay: ${replayCommand(options, result.seed)}\n`,
            );
          },
        };
        const report = runCampaign(options, () => performance.now());
        if (flags.json) printJson(report);
        else {
          process.stdout.write(
            `${report.runs} runs of ${report.protocol} (n=${report.nodes}, faulty=${report.faulty}, ${report.byzantine}): ` +
              `${report.agreementViolations} agreement, ${report.validityViolations} validity violations, ` +
              `${report.livenessFailures} liveness failures; ${report.committedTx} transactions committed everywhere\n`,
          );
        }
        const failed = report.agreementViolations + report.validityViolations + report.livenessFailures > 0;
        return failed ? EXIT_CHECK_FAILED : EXIT_OK;
      }),
    );
}

export function registerBench(bench: Command): void {
  bench
    .command('sim')
    .description(
      'simulator throughput and the DAG memory bound: runs per second, virtual latencies, DAG size over a long run',
    )
    .option('--seeds <k>', 'seeds per protocol', '10')
    .option('--long-ms <ms>', 'virtual length of the long run', '60000')
    .option('--json', 'print one JSON object')
    .action(
      action((flags: { seeds: string; longMs: string; json?: boolean }) => {
        const report = runBench({
          seeds: integer(flags.seeds, '--seeds', 1, 10_000),
          longRunMs: integer(flags.longMs, '--long-ms', 1000, 10_000_000),
          clock: () => performance.now(),
        });
        printJson(report);
        return EXIT_OK;
      }),
    );
}
