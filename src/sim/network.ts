import type { Prng } from '../kit/prng.js';
import type { FaultPlan } from './faults.js';

/** One message between two running instances (a twinned identity has two). */
export interface Envelope {
  readonly from: number;
  readonly to: number;
  /** The identity the receiver sees as the sender. */
  readonly fromId: number;
  readonly toId: number;
  readonly message: unknown;
}

/**
 * Who decides when a message arrives. `route` gives the delivery times of one send (none: the
 * link loses it for good; two: a duplicate), or null to hold it: a held message stays with the
 * network until `release` hands it back, and at `releaseAllAtMs` at the latest, so delivery is
 * eventual whatever the scheduler does before.
 */
export interface Network {
  route(envelope: Envelope, nowMs: number): readonly number[] | null;
  release(nowMs: number): readonly Envelope[];
  readonly releaseAllAtMs: number;
  /** When set, the runner calls `release` at least this often until releaseAllAtMs. */
  readonly tickMs?: number;
  /** Held messages (the runner flushes them at releaseAllAtMs). */
  drain(): readonly Envelope[];
}

/**
 * The seeded network of the fault plan: link delays with a heavy tail, duplicates, losses the
 * link retransmits, one partition that heals, and extra delay on the validator the protocol
 * relies on next when leader targeting is on. Nothing is ever held.
 */
export class PlanNetwork implements Network {
  /** Set by the runner after every input when the plan targets the leader. */
  target: number | null = null;
  readonly releaseAllAtMs = 0;

  constructor(
    private readonly plan: FaultPlan,
    private readonly rng: Prng,
  ) {}

  route(envelope: Envelope, nowMs: number): number[] {
    const { plan, rng } = this;
    const from = envelope.fromId;
    const to = envelope.toId;
    let delay = rng.range(plan.delayMinMs, plan.delayMaxMs);
    if (rng.chance(plan.slowProbability)) delay += rng.int(plan.slowExtraMaxMs);
    if (this.target !== null && (from === this.target || to === this.target)) delay += plan.targetDelayMs;
    // A dropped packet is sent again by the link after its retransmission timeout.
    while (rng.chance(plan.dropProbability)) delay += plan.retransmitMs;
    let at = nowMs + delay;
    const partition = plan.partition;
    if (partition !== null && nowMs < partition.healMs && at >= partition.startMs) {
      if (partition.side.has(from) !== partition.side.has(to))
        at = Math.max(at, partition.healMs + rng.int(50));
    }
    const times = [at];
    if (rng.chance(plan.duplicateProbability)) times.push(at + rng.int(100));
    return times;
  }

  release(): readonly Envelope[] {
    return [];
  }

  drain(): readonly Envelope[] {
    return [];
  }
}

/** A held-message pool the adversarial schedulers share: kept in send order, released by a predicate. */
export class HeldPool {
  private held: Envelope[] = [];

  get size(): number {
    return this.held.length;
  }

  hold(envelope: Envelope): void {
    this.held.push(envelope);
  }

  /** Removes and returns the held envelopes `free` accepts, oldest first. */
  take(free: (envelope: Envelope) => boolean): Envelope[] {
    if (this.held.length === 0) return [];
    const out: Envelope[] = [];
    const kept: Envelope[] = [];
    for (const envelope of this.held) (free(envelope) ? out : kept).push(envelope);
    this.held = kept;
    return out;
  }

  drain(): Envelope[] {
    const out = this.held;
    this.held = [];
    return out;
  }
}
