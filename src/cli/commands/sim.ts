import type { Command } from 'commander';
import { runSimBench } from '../../bench/sim.js';
import { loadHighs } from '../../grid/highs.js';
import { parseAdversary } from '../../sim/adversary.js';
import { type CampaignOptions, replayCommand, runCampaign, runPassed } from '../../sim/campaign.js';
import { churnReplayCommand, churnRunOk, runChurnCampaign } from '../../sim/churn/campaign.js';
import type { ChurnAdversary, ChurnOptions } from '../../sim/churn/types.js';
import { SimError } from '../../sim/errors.js';
import { runShardedCampaign, shardedReplayCommand } from '../../sim/sharded/campaign.js';
import { shardedRunOk } from '../../sim/sharded/run.js';
import type { ShardedOptions } from '../../sim/sharded/types.js';
import {
  runShardedChurnCampaign,
  shardedChurnReplayCommand,
  shardedChurnRunOk,
} from '../../sim/sharded-churn/campaign.js';
import type { ShardedChurnOptions } from '../../sim/sharded-churn/types.js';
import { parseStrategy } from '../../sim/strategies.js';
import { runTwinsExhaustive } from '../../sim/twins-campaign.js';
import { WORKLOADS, type WorkloadName } from '../../sim/workload.js';
import { action, EXIT_CHECK_FAILED, EXIT_OK, printJson } from '../output.js';

export interface SimFlags {
  protocol: string;
  nodes: string;
  faulty: string;
  byzantine: string;
  adversary?: string;
  twinsExhaustive?: boolean;
  twinsScenario?: string;
  seeds: string;
  seedStart: string;
  transactions: string;
  livenessBoundMs: string;
  wire?: boolean;
  calm?: boolean;
  stalkOpenTrades?: boolean;
  execute?: boolean;
  workload?: string;
  json?: boolean;
  sharded?: boolean;
  shards?: string;
  nodesPerShard?: string;
  faultyPerShard?: string;
  byzantineMaster?: boolean;
  crossRatio?: string;
  churn?: boolean;
  standby?: string;
  cycles?: string;
  keys?: string;
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

function workloadName(value: string | undefined, execute: boolean): WorkloadName {
  if (value === undefined) return 'kv';
  if (!(WORKLOADS as readonly string[]).includes(value))
    throw new SimError('BAD_OPTIONS', `--workload must be kv or market, got "${value}"`, { value });
  if (value === 'market' && !execute)
    throw new SimError('BAD_OPTIONS', '--workload market needs --execute (it runs the market contracts)', {});
  return value as WorkloadName;
}

/** The campaign the flags ask for; bad values are typed SimErrors (exit code 2). */
export function campaignOptionsFrom(flags: SimFlags): CampaignOptions {
  const nodes = integer(flags.nodes, '--nodes', 1, 64);
  return {
    protocol: protocolName(flags.protocol),
    nodes,
    faulty: integer(flags.faulty, '--faulty', 0, Math.floor((nodes - 1) / 3)),
    byzantine: parseStrategy(flags.byzantine),
    ...seedRange(flags),
    transactions: integer(flags.transactions, '--transactions', 1, 100_000),
    livenessBoundMs: integer(flags.livenessBoundMs, '--liveness-bound-ms', 1, 10_000_000),
    wire: flags.wire === true,
    calm: flags.calm === true,
    execute: flags.execute === true,
    workload: workloadName(flags.workload, flags.execute === true),
    ...(flags.adversary === undefined ? {} : { adversary: parseAdversary(flags.adversary) }),
  };
}

/** `--twins-exhaustive`: every bounded twins scenario of n = 4 under one seed. */
function twinsExhaustive(flags: SimFlags): number {
  const nodes = integer(flags.nodes, '--nodes', 4, 4);
  const only =
    flags.twinsScenario === undefined
      ? undefined
      : integer(flags.twinsScenario, '--twins-scenario', 0, 10_000);
  const seed = integer(flags.seedStart, '--seed-start', 0, 2 ** 32 - 1);
  const report = runTwinsExhaustive(
    {
      protocol: protocolName(flags.protocol),
      nodes: nodes as 4,
      seed,
      // 59 runs: each gets 4 transactions unless --transactions says otherwise (100 is the flag's default).
      transactions: flags.transactions === '100' ? 4 : integer(flags.transactions, '--transactions', 1, 1000),
      phaseMs: 200,
      livenessBoundMs: integer(flags.livenessBoundMs, '--liveness-bound-ms', 1, 10_000_000),
      ...(only === undefined ? {} : { only }),
    },
    () => performance.now(),
  );
  for (const failure of report.failing) {
    process.stderr.write(
      `twins scenario ${failure.index} failed (${failure.scenario}): ${failure.problems.join('; ')}\n` +
        `  replay: npx gridshard sim --protocol ${report.protocol} --twins-exhaustive --nodes 4 --seed-start ${seed} --twins-scenario ${failure.index} --json\n`,
    );
  }
  if (flags.json) printJson(report);
  else {
    process.stdout.write(
      `${report.scenarios} twins scenarios of ${report.protocol} (n=4, twin ${report.twinIdentity}): ${report.violations} violations\n`,
    );
  }
  return report.violations > 0 ? EXIT_CHECK_FAILED : EXIT_OK;
}

/**
 * `--sharded`: K zone shards and a root committee per seed. The adversary is each committee's
 * seeded fault plan and Byzantine validators, Byzantine masters, and lost and replayed cross-shard
 * messages; the colluding, twins and async schedulers drive one committee and are not offered here.
 */
function sharded(flags: SimFlags): number {
  if (flags.adversary !== undefined && flags.adversary !== 'all')
    throw new SimError(
      'BAD_OPTIONS',
      `--sharded takes --adversary all or none, got "${flags.adversary}"`,
      {},
    );
  if (flags.protocol !== 'dag')
    throw new SimError('BAD_OPTIONS', '--sharded runs the DAG protocol in every committee', {});
  const crossRatioFlag = flags.crossRatio ?? '0.2';
  const crossRatio = Number(crossRatioFlag);
  if (!/^\d+(\.\d+)?$/.test(crossRatioFlag.trim()) || !(crossRatio >= 0 && crossRatio <= 1))
    throw new SimError('BAD_OPTIONS', `--cross-ratio must be a number in 0 … 1, got "${crossRatioFlag}"`, {});
  const nodesPerShard = integer(flags.nodesPerShard ?? '4', '--nodes-per-shard', 1, 32);
  const run: Omit<ShardedOptions, 'seed'> = {
    shards: integer(flags.shards ?? '4', '--shards', 1, 16),
    nodesPerShard,
    faultyPerShard: integer(
      flags.faultyPerShard ?? '1',
      '--faulty-per-shard',
      0,
      Math.floor((nodesPerShard - 1) / 3),
    ),
    byzantine: parseStrategy(flags.byzantine),
    byzantineMaster: flags.byzantineMaster === true,
    crossRatio,
    trades: integer(flags.transactions === '100' ? '40' : flags.transactions, '--transactions', 1, 10_000),
    livenessBoundMs: integer(flags.livenessBoundMs, '--liveness-bound-ms', 1, 10_000_000),
  };
  const report = runShardedCampaign(
    {
      ...run,
      ...seedRange(flags),
      onRun: printFailure(shardedRunOk, (seed) => shardedReplayCommand(run, seed)),
    },
    () => performance.now(),
  );
  return finish(
    flags,
    report,
    `${report.runs} sharded runs (${report.shards} shards × ${report.nodesPerShard}, ${report.faultyPerShard} faulty each${report.byzantineMaster ? ', Byzantine masters' : ''}): ` +
      `${report.agreementViolations} agreement, ${report.atomicityViolations} atomicity, ${report.doubleSpends} double-spend, ` +
      `${report.conservationViolations} conservation, ${report.finalityViolations} finality violations, ${report.livenessFailures} liveness failures; ` +
      `${report.crossShardCommitted} cross-shard trades committed, ${report.crossShardAborted} aborted`,
  );
}

/** The seeds a campaign runs: how many, from which. */
function seedRange(flags: SimFlags): { seeds: number; seedStart: number } {
  return {
    seeds: integer(flags.seeds, '--seeds', 1, 1_000_000),
    seedStart: integer(flags.seedStart, '--seed-start', 0, 2 ** 32 - 1),
  };
}

/** Prints a failing seed with its problems and the command that replays it. */
function printFailure<R extends { readonly seed: number; readonly problems: readonly string[] }>(
  ok: (result: R) => boolean,
  replay: (seed: number) => string,
): (result: R) => void {
  return (result) => {
    if (ok(result)) return;
    process.stderr.write(
      `seed ${result.seed} failed: ${result.problems.join('; ')}\n  replay: ${replay(result.seed)}\n`,
    );
  };
}

/** The report as JSON or its summary line; exit 1 when a seed failed. */
function finish(
  flags: SimFlags,
  report: { readonly failingSeeds: readonly number[] },
  summary: string,
): number {
  if (flags.json) printJson(report);
  else process.stdout.write(`${summary}\n`);
  return report.failingSeeds.length > 0 ? EXIT_CHECK_FAILED : EXIT_OK;
}

function keySource(value: string | undefined, fallback: 'dkg' | 'dealer' = 'dkg'): 'dkg' | 'dealer' {
  if (value === undefined || value === 'dkg' || value === 'dealer') return value ?? fallback;
  throw new SimError('BAD_OPTIONS', `--keys must be dkg or dealer, got "${value}"`, { value });
}

/** The scheduler draw of `--churn` runs (`crash-loss` is the fault plan's name elsewhere). */
function churnAdversary(value: string | undefined): { adversary?: ChurnAdversary } {
  if (value === undefined) return {};
  if (value === 'crash-loss') return { adversary: 'fault-plan' };
  const known: readonly string[] = ['fault-plan', 'async', 'twins', 'colluding', 'all'];
  if (known.includes(value)) return { adversary: value as ChurnAdversary };
  throw new SimError(
    'BAD_OPTIONS',
    `--churn takes --adversary fault-plan (or crash-loss), async, twins, colluding or all, got "${value}"`,
    { value },
  );
}

/**
 * `--churn`: one committee that hands over every cycle to the committee its credit elects, with
 * standby nodes following the chain, under the seeded fault plan, the asynchronous scheduler,
 * twins or the colluding brain (`--adversary`), Byzantine members, replayed old-epoch messages and
 * Byzantine handover votes.
 */
function churn(flags: SimFlags, boundGiven: boolean): number {
  if (flags.protocol !== 'dag') throw new SimError('BAD_OPTIONS', '--churn runs the DAG protocol', {});
  const nodes = integer(flags.nodes, '--nodes', 1, 32);
  const run: Omit<ChurnOptions, 'seed'> = {
    nodes,
    standby: integer(flags.standby ?? '1', '--standby', 0, 16),
    faulty: integer(flags.faulty, '--faulty', 0, Math.floor((nodes - 1) / 3)),
    byzantine: parseStrategy(flags.byzantine),
    ...churnAdversary(flags.adversary),
    cycles: integer(flags.cycles ?? '3', '--cycles', 1, 100),
    keys: keySource(flags.keys),
    transactions: integer(flags.transactions, '--transactions', 1, 100_000),
    // Unless given, the simulator's own default: 30 s and a cycle per handover.
    ...(boundGiven
      ? { livenessBoundMs: integer(flags.livenessBoundMs, '--liveness-bound-ms', 1, 10_000_000) }
      : {}),
    ...(flags.calm ? { calm: true } : {}),
  };
  const report = runChurnCampaign(
    {
      ...run,
      ...seedRange(flags),
      onRun: printFailure(churnRunOk, (seed) => churnReplayCommand(run, seed)),
    },
    () => performance.now(),
  );
  return finish(
    flags,
    report,
    `${report.runs} churn runs (n=${report.nodes} + ${report.standby} standby, faulty=${report.faulty}, ${report.cycles} cycles): ` +
      `${report.reconfigurations} reconfigurations, ${report.replacedVerifiers} replaced verifiers; ` +
      `${report.epochSafetyViolations} epoch safety violations, ${report.blockDivergences} block divergences, ` +
      `${report.livenessFailures} liveness failures`,
  );
}

/**
 * `--sharded --churn`: K zone shards whose committees hand over every cycle and a root committee,
 * whole validators on every chain, cross-zone trades through the node's relay, each chain under
 * the fault plan, the asynchronous scheduler, twins or the colluding brain with Byzantine members, replayed old-epoch messages
 * and forged committee certificates.
 */
async function shardedChurn(flags: SimFlags, command: Command): Promise<number> {
  if (flags.protocol !== 'dag') throw new SimError('BAD_OPTIONS', '--sharded runs the DAG protocol', {});
  if (flags.byzantineMaster || command.getOptionValueSource('crossRatio') === 'cli')
    throw new SimError(
      'BAD_OPTIONS',
      '--sharded --churn sends every trade across two zones through the relays of the zones’ validators; --byzantine-master and --cross-ratio are not offered',
      {},
    );
  const nodesPerShard = integer(flags.nodesPerShard ?? '4', '--nodes-per-shard', 1, 16);
  const given = (name: string) => command.getOptionValueSource(name) === 'cli';
  const run: Omit<ShardedChurnOptions, 'seed'> = {
    shards: integer(flags.shards ?? '4', '--shards', 2, 8),
    nodesPerShard,
    standby: integer(flags.standby ?? '1', '--standby', 0, 8),
    faultyPerShard: integer(
      flags.faultyPerShard ?? '1',
      '--faulty-per-shard',
      0,
      Math.floor((nodesPerShard - 1) / 3),
    ),
    byzantine: parseStrategy(flags.byzantine),
    ...churnAdversary(flags.adversary),
    cycles: integer(flags.cycles ?? '3', '--cycles', 1, 20),
    // The dealer unless asked: a key generation per handover per shard makes every run longer.
    keys: keySource(given('keys') ? flags.keys : undefined, 'dealer'),
    trades: integer(given('transactions') ? flags.transactions : '24', '--transactions', 0, 10_000),
    ...(given('livenessBoundMs')
      ? { livenessBoundMs: integer(flags.livenessBoundMs, '--liveness-bound-ms', 1, 10_000_000) }
      : {}),
    ...(flags.calm ? { calm: true } : {}),
    ...(flags.stalkOpenTrades ? { stalkOpenTrades: true } : {}),
  };
  const report = await runShardedChurnCampaign(
    {
      ...run,
      ...seedRange(flags),
      onRun: printFailure(shardedChurnRunOk, (seed) => shardedChurnReplayCommand(run, seed)),
    },
    () => performance.now(),
  );
  return finish(
    flags,
    report,
    `${report.runs} sharded churn runs (${report.shards} shards × ${report.nodesPerShard} + ${report.standby} standby, ${report.faultyPerShard} faulty each, ${report.cycles} cycles): ` +
      `${report.reconfigurations} reconfigurations, ${report.replacedVerifiers} replaced verifiers, ${report.suspendedNodes} suspended; ` +
      `${report.epochSafetyViolations} epoch safety, ${report.agreementViolations} agreement, ${report.committeeRecordViolations} committee record, ` +
      `${report.atomicityViolations} atomicity, ${report.conservationViolations} conservation, ${report.finalityViolations} finality violations, ` +
      `${report.livenessFailures} liveness failures; ${report.crossShardCommitted} cross-zone trades committed, ${report.crossShardAborted} aborted`,
  );
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
    .option(
      '--adversary <model>',
      'colluding, twins, async, crash-loss, or all (rotates by seed); without it, the seeded fault plan; with --churn, each chain’s scheduler: fault-plan, async, twins, colluding or all',
    )
    .option('--twins-exhaustive', 'run every bounded twins scenario for n = 4 (59) under --seed-start')
    .option('--twins-scenario <index>', 'with --twins-exhaustive: only this scenario (replay)')
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
    .option(
      '--stalk-open-trades',
      'with --sharded --churn: the leaked-keys adversary also certifies aborts of trades another shard still holds locked, with each newer leaked committee',
    )
    .option(
      '--execute',
      'whole validators: signed ledger transactions through mempool, consensus, block cut and execution; honest state roots compared block by block',
    )
    .option(
      '--workload <name>',
      'with --execute: kv (signed key-value puts) or market (one trading cycle with conservation checks)',
      'kv',
    )
    .option('--sharded', 'K zone shards and a root committee, with cross-shard trades and Byzantine masters')
    .option('--shards <k>', 'with --sharded: zone shards', '4')
    .option('--nodes-per-shard <n>', 'with --sharded: validators per shard (and in the root committee)', '4')
    .option(
      '--faulty-per-shard <f>',
      'with --sharded: Byzantine validators per shard (and in the root committee)',
      '1',
    )
    .option(
      '--byzantine-master',
      "with --sharded: each cycle one shard's first master is its faulty validator",
    )
    .option('--cross-ratio <r>', 'with --sharded: share of trades spanning zones', '0.2')
    .option(
      '--churn',
      'a committee handed over every cycle to the one its credit elects, standby nodes following (with --sharded: every zone shard’s)',
    )
    .option('--standby <k>', 'with --churn: standby nodes outside the genesis committee (per shard)', '1')
    .option('--cycles <c>', 'with --churn: handovers per run (per shard)', '3')
    .option(
      '--keys <source>',
      "with --churn: each new committee's coin keys from a key generation on the chain (dkg) or a seeded dealer (dealer; the default with --sharded)",
      'dkg',
    )
    .option('--json', 'print one JSON object')
    .action(
      action(async (flags: SimFlags, command: Command) => {
        if (flags.twinsExhaustive) return twinsExhaustive(flags);
        if (flags.sharded && flags.churn) return shardedChurn(flags, command);
        if (flags.sharded) return sharded(flags);
        if (flags.churn) return churn(flags, command.getOptionValueSource('livenessBoundMs') === 'cli');
        const campaign = campaignOptionsFrom(flags);
        // The simulator builds the node's application itself; HiGHS loads asynchronously, so here.
        const highs = campaign.workload === 'market' ? await loadHighs() : undefined;
        const options: CampaignOptions = {
          ...campaign,
          ...(highs === undefined ? {} : { highs }),
          onRun: (result) => {
            if (runPassed(result)) return;
            const who = result.adversary ?? (result.strategies.join(',') || 'no faulty');
            process.stderr.write(
              `seed ${result.seed} failed (${who}): ${result.problems.join('; ')}\n` +
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
              `${report.livenessFailures} liveness failures, ${report.equivocationViolations} honest equivocations; ` +
              `${report.committedTx} transactions committed everywhere` +
              (report.execution === undefined
                ? ''
                : `; ${report.execution.blocks} blocks, ${report.execution.executedTx} transactions executed, ${report.execution.stateRootDivergences} state-root divergences, ${report.execution.conservationViolations} conservation violations`) +
              '\n',
          );
        }
        const failed = report.failingSeeds.length > 0;
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
    .option(
      '--churn',
      'a committee handed over every cycle to the one its credit elects, standby nodes following',
    )
    .option('--standby <k>', 'with --churn: standby nodes outside the genesis committee', '1')
    .option('--cycles <c>', 'with --churn: handovers per run', '3')
    .option(
      '--keys <source>',
      "with --churn: each new committee's coin keys from a key generation on the chain (dkg) or a seeded dealer (dealer)",
      'dkg',
    )
    .option('--json', 'print one JSON object')
    .action(
      action((flags: { seeds: string; longMs: string; json?: boolean }) => {
        const report = runSimBench({
          seeds: integer(flags.seeds, '--seeds', 1, 10_000),
          longRunMs: integer(flags.longMs, '--long-ms', 1000, 10_000_000),
          clock: () => performance.now(),
        });
        printJson(report);
        return EXIT_OK;
      }),
    );
}
