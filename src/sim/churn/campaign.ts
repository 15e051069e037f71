import { runChurnSimulation } from './run.js';
import type { ChurnOptions, ChurnResult } from './types.js';

export interface ChurnCampaignReport {
  readonly runs: number;
  readonly nodes: number;
  readonly standby: number;
  readonly faulty: number;
  readonly cycles: number;
  readonly keys: 'dkg' | 'dealer';
  /** Runs under the asynchronous scheduler (the rest under the seeded fault plan). */
  readonly asyncRuns: number;
  /** Runs under twins (each Byzantine member as two honest instances split by partitions). */
  readonly twinsRuns: number;
  /** Runs under the colluding brain, and the attacks it carried out in them. */
  readonly colludingRuns: number;
  readonly colludingAttacks: number;
  readonly reconfigurations: number;
  /** Key-generation sessions run by elected committees (above the handovers: sessions that failed). */
  readonly keySessions: number;
  readonly replacedVerifiers: number;
  readonly suspendedNodes: number;
  readonly epochSafetyViolations: number;
  readonly blockDivergences: number;
  readonly livenessFailures: number;
  readonly committedTx: number;
  readonly replayedMessages: number;
  readonly byzantineVotes: number;
  /** Across every handover of every run: median and largest pause, in virtual ms. */
  readonly boundaryPauseP50Ms: number;
  readonly boundaryPauseMaxMs: number;
  /** The latest round of the new epoch at which its first leader was committed, over all handovers. */
  readonly firstCommitRoundMax: number;
  /** How many handovers had their first commit at each round of the new epoch. */
  readonly firstCommitRounds: Readonly<Record<string, number>>;
  /** Per suspended equivocator: ms from the first proof at an honest member to the block that suspended it; the largest. */
  readonly suspensionDelayMaxMs: number;
  readonly failingSeeds: readonly number[];
  readonly elapsedMs: number;
}

/** A run passes when no epoch or agreement check failed, everything committed and nothing else went wrong. */
export function churnRunOk(result: ChurnResult): boolean {
  return (
    result.epochSafetyViolations === 0 &&
    result.blockDivergences === 0 &&
    result.livenessOk &&
    result.problems.length === 0
  );
}

export function churnReplayCommand(run: Omit<ChurnOptions, 'seed'>, seed: number): string {
  return (
    `npx gridshard sim --churn --nodes ${run.nodes} --standby ${run.standby} --faulty ${run.faulty} ` +
    `--byzantine ${run.byzantine} --cycles ${run.cycles} --keys ${run.keys ?? 'dkg'} --transactions ${run.transactions ?? 200}` +
    `${run.adversary === undefined ? '' : ` --adversary ${run.adversary}`}` +
    `${run.calm ? ' --calm' : ''}${run.livenessBoundMs === undefined ? '' : ` --liveness-bound-ms ${run.livenessBoundMs}`} --seeds 1 --seed-start ${seed}`
  );
}

export function runChurnCampaign(
  options: Omit<ChurnOptions, 'seed'> & {
    readonly seeds: number;
    readonly seedStart: number;
    readonly onRun?: (result: ChurnResult) => void;
  },
  now: () => number,
): ChurnCampaignReport {
  const started = now();
  const pauses: number[] = [];
  const failing: number[] = [];
  const totals = {
    reconfigurations: 0,
    replacedVerifiers: 0,
    suspendedNodes: 0,
    epochSafetyViolations: 0,
    blockDivergences: 0,
    livenessFailures: 0,
    committedTx: 0,
    replayedMessages: 0,
    byzantineVotes: 0,
    keySessions: 0,
    asyncRuns: 0,
    twinsRuns: 0,
    colludingRuns: 0,
    colludingAttacks: 0,
  };
  let firstCommitRoundMax = 0;
  let suspensionDelayMaxMs = 0;
  const rounds: Record<string, number> = {};
  for (let k = 0; k < options.seeds; k++) {
    const result = runChurnSimulation({ ...options, seed: options.seedStart + k });
    totals.reconfigurations += result.reconfigurations;
    totals.replacedVerifiers += result.replacedVerifiers;
    totals.suspendedNodes += result.suspendedNodes;
    totals.epochSafetyViolations += result.epochSafetyViolations;
    totals.blockDivergences += result.blockDivergences;
    totals.livenessFailures += result.livenessOk ? 0 : 1;
    totals.committedTx += result.committedTx;
    totals.replayedMessages += result.replayedMessages;
    totals.byzantineVotes += result.byzantineVotes;
    totals.keySessions += result.keySessions;
    totals.asyncRuns += result.scheduler === 'async' ? 1 : 0;
    totals.twinsRuns += result.scheduler === 'twins' ? 1 : 0;
    totals.colludingRuns += result.scheduler === 'colluding' ? 1 : 0;
    totals.colludingAttacks += result.colludingAttacks;
    pauses.push(...result.boundaryPausesMs);
    firstCommitRoundMax = Math.max(firstCommitRoundMax, ...result.firstCommitRounds);
    for (const round of result.firstCommitRounds) rounds[round] = (rounds[round] ?? 0) + 1;
    suspensionDelayMaxMs = Math.max(suspensionDelayMaxMs, ...result.suspensionDelaysMs);
    if (!churnRunOk(result)) failing.push(result.seed);
    options.onRun?.(result);
  }
  pauses.sort((a, b) => a - b);
  return {
    runs: options.seeds,
    nodes: options.nodes,
    standby: options.standby,
    faulty: options.faulty,
    cycles: options.cycles,
    keys: options.keys ?? 'dkg',
    ...totals,
    boundaryPauseP50Ms: pauses[Math.floor(pauses.length / 2)] ?? 0,
    boundaryPauseMaxMs: pauses[pauses.length - 1] ?? 0,
    firstCommitRoundMax,
    firstCommitRounds: rounds,
    suspensionDelayMaxMs,
    failingSeeds: failing,
    elapsedMs: Math.round(now() - started),
  };
}
