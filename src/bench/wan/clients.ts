import type { Prng } from '../../kit/prng.js';
import type { Engine } from './engine.js';
import type { CrossTrade, Tracked } from './entries.js';
import type { ShardChain } from './shard-chain.js';
import type { Wan } from './wan.js';

/** Clients hand in trades every 10 ms. */
const TICK_MS = 10;
/** Local trades handed to one validator in one tick travel as one cohort of at most this many. */
const COHORT_MAX = 50;
/** A market cycle (src/sim/sharded/workload.ts): a trade takes its cycle's masters. */
export const CYCLE_MS = 1000;
/** Trades a shard's clients start with in flight, in the adaptive mode. */
const FIRST_WINDOW = 20;
/** The window is steered every this many ticks (500 ms), from what closed in the last two steps. */
const STEER_TICKS = 50;

/** How much the clients hand in: an adaptive closed loop, or a fixed rate. */
export type Offered =
  | {
      readonly kind: 'adaptive';
      readonly maxPerShard: number;
      /** In flight: this many times what the closing rate and the fastest closing latency need. */
      readonly gain: number;
    }
  | { readonly kind: 'rate'; readonly perShardPerSec: number };

interface Steering {
  window: number;
  /** Closed since the last step and in the step before, local and cross-shard apart. */
  closed: [number, number];
  previous: [number, number];
  /** Fastest closing latency seen, local and cross-shard. */
  fastestMs: [number, number];
}

/**
 * Adaptive: each shard's clients keep a window of trades in flight (handed in, not yet closed at
 * every validator of their shards) and steer it every 500 ms to twice what the shard's closing
 * rate over the last second times its fastest closing latency needs, for local and cross-shard
 * trades apart: the window they would need with no queue at all, doubled. While the shard has
 * spare capacity the rate follows the window and the window doubles; at saturation the rate stops
 * growing and the window settles with about one fastest latency of queueing. So the shard is
 * saturated without the unbounded queue of an open loop past its capacity (which would also lock
 * cross-shard trades longer, and each lock costs resends). Rate: a fixed rate per shard.
 *
 * A trade is cross-shard with probability `crossRatio`, then paying sellers in one other shard,
 * or two with probability 1/4 (as the sharded simulator's workload); the client hands the prepare
 * to one validator of each of its shards, a local trade to one validator of its shard.
 */
export class Clients {
  private readonly inFlight: number[];
  private readonly owed: number[];
  private readonly steering: Steering[];
  private ticks = 0;
  private nextId = 1;

  constructor(
    private readonly engine: Engine,
    private readonly wan: Wan,
    private readonly rng: Prng,
    private readonly chains: readonly ShardChain[],
    private readonly offered: Offered,
    private readonly crossRatio: number,
  ) {
    this.inFlight = chains.map(() => 0);
    this.owed = chains.map(() => 0);
    this.steering = chains.map(() => ({
      window: FIRST_WINDOW,
      closed: [0, 0],
      previous: [0, 0],
      fastestMs: [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY],
    }));
  }

  start(): void {
    this.engine.at(0, () => this.tick());
  }

  /** The adaptive windows' mean, in trades per shard. */
  meanWindow(): number {
    return this.steering.reduce((sum, s) => sum + s.window, 0) / this.steering.length;
  }

  /** An item closed everywhere: its origin's clients may hand in as many more. */
  closed(item: Tracked): void {
    this.inFlight[item.origin]! -= item.count;
    const steering = this.steering[item.origin]!;
    const kind = 'shards' in item ? 1 : 0;
    steering.closed[kind] += item.count;
    steering.fastestMs[kind] = Math.min(steering.fastestMs[kind], this.engine.now - item.bornMs);
  }

  private steer(s: Steering, maxPerShard: number, gain: number): void {
    let needed = 0;
    for (const kind of [0, 1] as const) {
      const perMs = (s.closed[kind] + s.previous[kind]) / (2 * STEER_TICKS * TICK_MS);
      if (Number.isFinite(s.fastestMs[kind])) needed += perMs * s.fastestMs[kind];
      s.previous[kind] = s.closed[kind];
      s.closed[kind] = 0;
    }
    if (needed > 0) s.window = Math.max(10, Math.min(maxPerShard, Math.ceil(gain * needed)));
  }

  private tick(): void {
    const K = this.chains.length;
    const now = this.engine.now;
    this.ticks++;
    for (let s = 0; s < K; s++) {
      const chain = this.chains[s]!;
      let free: number;
      if (this.offered.kind === 'adaptive') {
        const steering = this.steering[s]!;
        if (this.ticks % STEER_TICKS === 0) this.steer(steering, this.offered.maxPerShard, this.offered.gain);
        free = steering.window - this.inFlight[s]!;
      } else {
        this.owed[s]! += (this.offered.perShardPerSec * TICK_MS) / 1000;
        free = Math.floor(this.owed[s]!);
        this.owed[s]! -= free;
      }
      if (free <= 0) continue;
      this.inFlight[s]! += free;
      let local = 0;
      for (let i = 0; i < free; i++) {
        if (K > 1 && this.rng.chance(this.crossRatio)) this.cross(s, now);
        else local++;
      }
      while (local > 0) {
        const count = Math.min(COHORT_MAX, local);
        local -= count;
        const cohort: Tracked = { bornMs: now, count, closeLeft: chain.size, finalLeft: 1, origin: s };
        const v = this.rng.int(chain.size);
        this.engine.at(now + this.wan.clientDelayMs(chain.base + v), () =>
          chain.feed(v, [{ kind: 'local', cohort }]),
        );
      }
    }
    this.engine.at(now + TICK_MS, () => this.tick());
  }

  private cross(origin: number, now: number): void {
    const K = this.chains.length;
    const others = Array.from({ length: K - 1 }, (_, i) => (i >= origin ? i + 1 : i));
    this.rng.shuffle(others);
    const shards = [origin, ...others.slice(0, K > 2 && this.rng.chance(0.25) ? 2 : 1)];
    const size = this.chains[origin]!.size;
    const trade: CrossTrade = {
      id: this.nextId++,
      bornMs: now,
      count: 1,
      closeLeft: size * shards.length,
      finalLeft: shards.length,
      origin,
      shards,
      cycle: Math.floor(now / CYCLE_MS),
      prepareWave: shards.map(() => -1),
      decisionWave: shards.map(() => -1),
      desks: new Map(),
      decided: false,
      relayedAt: new Map(),
      heardAt: new Map(),
      sentAt: new Map(),
      verifiedBy: new Set(),
    };
    for (const shard of shards) {
      const chain = this.chains[shard]!;
      const v = this.rng.int(chain.size);
      this.engine.at(now + this.wan.clientDelayMs(chain.base + v), () =>
        chain.feed(v, [{ kind: 'prepare', trade }]),
      );
    }
  }
}
