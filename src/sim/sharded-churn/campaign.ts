import { runShardedChurnSimulation } from './run.js';
import type { ShardedChurnOptions, ShardedChurnResult } from './types.js';

export interface ShardedChurnCampaignReport {
  readonly runs: number;
  readonly shards: number;
  readonly nodesPerShard: number;
  readonly standby: number;
  readonly faultyPerShard: number;
  readonly cycles: number;
  readonly keys: 'dkg' | 'dealer';
  /** Runs in which two honest nodes of one chain held different blocks at a height. */
  readonly agreementViolations: number;
  readonly blockDivergences: number;
  readonly livenessFailures: number;
  readonly atomicityViolations: number;
  readonly conservationViolations: number;
  readonly finalityViolations: number;
  readonly crossShardCommitted: number;
  readonly crossShardAborted: number;
  readonly crossMessagesLost: number;
  readonly reconfigurations: number;
  readonly replacedVerifiers: number;
  readonly suspendedNodes: number;
  readonly epochSafetyViolations: number;
  readonly committeeRecordViolations: number;
  readonly forgedCertificates: number;
  readonly byzantineShares: number;
  readonly leakedKeyDecisions: number;
  readonly replayedMessages: number;
  /** Chains (zone shards and roots, over all runs) under the asynchronous scheduler. */
  readonly asyncChains: number;
  /** Chains under twins (each Byzantine member as two honest instances split by partitions). */
  readonly twinsChains: number;
  /** Chains under the colluding brain, and the attacks it carried out in them. */
  readonly colludingChains: number;
  readonly colludingAttacks: number;
  readonly boundaryPauseP50Ms: number;
  readonly boundaryPauseMaxMs: number;
  readonly firstCommitRoundMax: number;
  /** Per suspended equivocator, ms from its first proof at an honest member to its suspension: the largest. */
  readonly suspensionDelayMaxMs: number;
  readonly failingSeeds: readonly number[];
  readonly elapsedMs: number;
}

/** A run passes when every check held, everything was decided and handed over, and nothing else went wrong. */
export function shardedChurnRunOk(result: ShardedChurnResult): boolean {
  return (
    result.livenessOk &&
    result.blockDivergences === 0 &&
    result.epochSafetyViolations === 0 &&
    result.committeeRecordViolations === 0 &&
    result.atomicityViolations === 0 &&
    result.conservationViolations === 0 &&
    result.finalityViolations === 0 &&
    result.problems.length === 0
  );
}

export function shardedChurnReplayCommand(run: Omit<ShardedChurnOptions, 'seed'>, seed: number): string {
  return (
    `npx gridshard sim --sharded --churn --shards ${run.shards} --nodes-per-shard ${run.nodesPerShard} ` +
    `--standby ${run.standby} --faulty-per-shard ${run.faultyPerShard} --byzantine ${run.byzantine} ` +
    `--cycles ${run.cycles} --keys ${run.keys ?? 'dealer'} --transactions ${run.trades ?? 24}` +
    `${run.adversary === undefined ? '' : ` --adversary ${run.adversary}`}` +
    `${run.stalkOpenTrades ? ' --stalk-open-trades' : ''}` +
    `${run.calm ? ' --calm' : ''}${run.livenessBoundMs === undefined ? '' : ` --liveness-bound-ms ${run.livenessBoundMs}`}` +
    ` --seeds 1 --seed-start ${seed}`
  );
}

export async function runShardedChurnCampaign(
  options: Omit<ShardedChurnOptions, 'seed'> & {
    readonly seeds: number;
    readonly seedStart: number;
    readonly onRun?: (result: ShardedChurnResult) => void;
  },
  now: () => number,
): Promise<ShardedChurnCampaignReport> {
  const started = now();
  const failing: number[] = [];
  const pauses: number[] = [];
  const totals = {
    agreementViolations: 0,
    blockDivergences: 0,
    livenessFailures: 0,
    atomicityViolations: 0,
    conservationViolations: 0,
    finalityViolations: 0,
    crossShardCommitted: 0,
    crossShardAborted: 0,
    crossMessagesLost: 0,
    reconfigurations: 0,
    replacedVerifiers: 0,
    suspendedNodes: 0,
    epochSafetyViolations: 0,
    committeeRecordViolations: 0,
    forgedCertificates: 0,
    byzantineShares: 0,
    leakedKeyDecisions: 0,
    replayedMessages: 0,
    asyncChains: 0,
    twinsChains: 0,
    colludingChains: 0,
    colludingAttacks: 0,
  };
  let firstCommitRoundMax = 0;
  let suspensionDelayMaxMs = 0;
  for (let k = 0; k < options.seeds; k++) {
    const result = await runShardedChurnSimulation({ ...options, seed: options.seedStart + k });
    totals.agreementViolations += result.blockDivergences > 0 ? 1 : 0;
    totals.blockDivergences += result.blockDivergences;
    totals.livenessFailures += result.livenessOk ? 0 : 1;
    totals.atomicityViolations += result.atomicityViolations;
    totals.conservationViolations += result.conservationViolations;
    totals.finalityViolations += result.finalityViolations;
    totals.crossShardCommitted += result.crossCommitted;
    totals.crossShardAborted += result.crossAborted;
    totals.crossMessagesLost += result.crossMessagesLost;
    totals.reconfigurations += result.reconfigurations;
    totals.replacedVerifiers += result.replacedVerifiers;
    totals.suspendedNodes += result.suspendedNodes;
    totals.epochSafetyViolations += result.epochSafetyViolations;
    totals.committeeRecordViolations += result.committeeRecordViolations;
    totals.forgedCertificates += result.forgedCertificates;
    totals.byzantineShares += result.byzantineShares;
    totals.leakedKeyDecisions += result.leakedKeyDecisions;
    totals.replayedMessages += result.replayedMessages;
    totals.asyncChains += result.schedulers.filter((s) => s === 'async').length;
    totals.twinsChains += result.schedulers.filter((s) => s === 'twins').length;
    totals.colludingChains += result.schedulers.filter((s) => s === 'colluding').length;
    totals.colludingAttacks += result.colludingAttacks;
    pauses.push(...result.boundaryPausesMs);
    firstCommitRoundMax = Math.max(firstCommitRoundMax, ...result.firstCommitRounds);
    suspensionDelayMaxMs = Math.max(suspensionDelayMaxMs, ...result.suspensionDelaysMs);
    if (!shardedChurnRunOk(result)) failing.push(result.seed);
    options.onRun?.(result);
  }
  pauses.sort((a, b) => a - b);
  return {
    runs: options.seeds,
    shards: options.shards,
    nodesPerShard: options.nodesPerShard,
    standby: options.standby,
    faultyPerShard: options.faultyPerShard,
    cycles: options.cycles,
    keys: options.keys ?? 'dealer',
    ...totals,
    boundaryPauseP50Ms: pauses[Math.floor(pauses.length / 2)] ?? 0,
    boundaryPauseMaxMs: pauses[pauses.length - 1] ?? 0,
    firstCommitRoundMax,
    suspensionDelayMaxMs,
    failingSeeds: failing,
    elapsedMs: Math.round(now() - started),
  };
}
