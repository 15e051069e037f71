import type { Prng } from '../kit/prng.js';

/**
 * The network adversary of one run, drawn from the seed: link delays with a heavy tail,
 * duplicates, drops that the link retransmits, one partition that heals, one honest validator
 * that crashes and restarts from its snapshot, and (for leader targeting) extra delay on
 * whichever validator the protocol relies on next.
 */
export interface FaultPlan {
  readonly delayMinMs: number;
  readonly delayMaxMs: number;
  readonly slowProbability: number;
  readonly slowExtraMaxMs: number;
  readonly duplicateProbability: number;
  readonly dropProbability: number;
  readonly retransmitMs: number;
  readonly partition: {
    readonly startMs: number;
    readonly healMs: number;
    readonly side: ReadonlySet<number>;
  } | null;
  readonly crash: { readonly node: number; readonly atMs: number; readonly restartMs: number } | null;
  readonly targetDelayMs: number;
  /** Transactions are handed to honest validators during [0, txWindowMs). */
  readonly txWindowMs: number;
}

export function drawFaultPlan(
  rng: Prng,
  size: number,
  honest: readonly number[],
  targeting: boolean,
): FaultPlan {
  let partition: FaultPlan['partition'] = null;
  if (size > 1 && rng.chance(0.5)) {
    const startMs = rng.range(100, 1200);
    const members = rng.shuffle(Array.from({ length: size }, (_, i) => i));
    const sideSize = rng.range(1, size - 1);
    partition = {
      startMs,
      healMs: startMs + rng.range(100, 1000),
      side: new Set(members.slice(0, sideSize)),
    };
  }
  let crash: FaultPlan['crash'] = null;
  if (honest.length > 1 && rng.chance(0.5)) {
    const atMs = rng.range(100, 1500);
    crash = { node: rng.pick(honest), atMs, restartMs: atMs + rng.range(100, 1200) };
  }
  return {
    delayMinMs: 1,
    delayMaxMs: rng.range(10, 60),
    slowProbability: 0.1,
    slowExtraMaxMs: rng.range(50, 400),
    duplicateProbability: 0.03,
    dropProbability: rng.pick([0, 0.02, 0.1]),
    retransmitMs: rng.range(50, 200),
    partition,
    crash,
    targetDelayMs: targeting ? rng.range(200, 500) : 0,
    txWindowMs: 1500,
  };
}

/** When every fault of the plan is over: the liveness bound counts from here. */
export function faultsEndMs(plan: FaultPlan): number {
  return Math.max(plan.txWindowMs, plan.partition?.healMs ?? 0, plan.crash?.restartMs ?? 0);
}
