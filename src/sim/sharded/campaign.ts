import { runShardedSimulation, shardedRunOk } from './run.js';
import type { ShardedOptions, ShardedResult } from './types.js';

export interface ShardedCampaignOptions extends Omit<ShardedOptions, 'seed'> {
  readonly seeds: number;
  readonly seedStart: number;
  readonly onRun?: (result: ShardedResult) => void;
}

export interface ShardedCampaignReport {
  readonly runs: number;
  readonly shards: number;
  readonly nodesPerShard: number;
  readonly faultyPerShard: number;
  readonly byzantineMaster: boolean;
  readonly crossRatio: number;
  readonly agreementViolations: number;
  readonly livenessFailures: number;
  readonly equivocationViolations: number;
  readonly stateRootDivergences: number;
  readonly atomicityViolations: number;
  readonly doubleSpends: number;
  readonly conservationViolations: number;
  readonly finalityViolations: number;
  readonly crossShardCommitted: number;
  readonly crossShardAborted: number;
  readonly localCommitted: number;
  readonly refusedDecisions: number;
  readonly crossMessagesLost: number;
  /** Committees (of all runs) whose messages went through the asynchronous scheduler. */
  readonly asyncCommittees: number;
  /** Committees (of all runs) whose faulty validators the colluding brain drove, and its attacks. */
  readonly colludingCommittees: number;
  readonly colludingAttacks: number;
  /** Committees (of all runs) whose faulty validators ran as twins, and those where an honest core proved the twin's equivocation. */
  readonly twinsCommittees: number;
  readonly twinsProven: number;
  readonly failingSeeds: readonly number[];
  readonly wallMs: number;
}

/** The command that replays one seed of the campaign on its own. */
export function shardedReplayCommand(options: Omit<ShardedOptions, 'seed'>, seed: number): string {
  return (
    `npx gridshard sim --sharded --shards ${options.shards} --nodes-per-shard ${options.nodesPerShard} ` +
    `--faulty-per-shard ${options.faultyPerShard} --byzantine ${options.byzantine}` +
    `${options.byzantineMaster ? ' --byzantine-master' : ''} --cross-ratio ${options.crossRatio} ` +
    `--transactions ${options.trades ?? 40} --seeds 1 --seed-start ${seed} --json`
  );
}

export function runShardedCampaign(
  options: ShardedCampaignOptions,
  clock: () => number,
): ShardedCampaignReport {
  const started = clock();
  const totals = {
    agreementViolations: 0,
    livenessFailures: 0,
    equivocationViolations: 0,
    stateRootDivergences: 0,
    atomicityViolations: 0,
    doubleSpends: 0,
    conservationViolations: 0,
    finalityViolations: 0,
    crossShardCommitted: 0,
    crossShardAborted: 0,
    localCommitted: 0,
    refusedDecisions: 0,
    crossMessagesLost: 0,
    asyncCommittees: 0,
    colludingCommittees: 0,
    colludingAttacks: 0,
    twinsCommittees: 0,
    twinsProven: 0,
  };
  const failingSeeds: number[] = [];
  const { seeds, seedStart, onRun, ...run } = options;
  for (let seed = seedStart; seed < seedStart + seeds; seed++) {
    const result = runShardedSimulation({ ...run, seed });
    onRun?.(result);
    if (!shardedRunOk(result)) failingSeeds.push(seed);
    if (!result.agreementOk) totals.agreementViolations++;
    if (!result.livenessOk) totals.livenessFailures++;
    if (!result.equivocationOk) totals.equivocationViolations++;
    totals.stateRootDivergences += result.stateRootDivergences;
    totals.atomicityViolations += result.atomicityViolations;
    totals.doubleSpends += result.doubleSpends;
    totals.conservationViolations += result.conservationViolations;
    totals.finalityViolations += result.finalityViolations;
    totals.crossShardCommitted += result.crossShardCommitted;
    totals.crossShardAborted += result.crossShardAborted;
    totals.localCommitted += result.localCommitted;
    totals.asyncCommittees += result.schedulers.filter((scheduler) => scheduler === 'async').length;
    totals.colludingCommittees += result.schedulers.filter((scheduler) => scheduler === 'colluding').length;
    totals.colludingAttacks += result.colludingAttacks;
    totals.twinsCommittees += result.schedulers.filter((scheduler) => scheduler === 'twins').length;
    totals.twinsProven += result.twinsProven;
    totals.refusedDecisions += Object.values(result.refusedDecisions).reduce((a, b) => a + b, 0);
    totals.crossMessagesLost += result.crossMessagesLost;
  }
  return {
    runs: seeds,
    shards: run.shards,
    nodesPerShard: run.nodesPerShard,
    faultyPerShard: run.faultyPerShard,
    byzantineMaster: run.byzantineMaster,
    crossRatio: run.crossRatio,
    ...totals,
    failingSeeds,
    wallMs: Math.round(clock() - started),
  };
}
