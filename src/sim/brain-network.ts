import type { Prng } from '../kit/prng.js';
import type { Brain } from './adapters/types.js';
import { type Envelope, HeldPool, type Network } from './network.js';

/**
 * The network as the colluding validators' accomplice: short random delays, except that any
 * message the brain wants kept from its receiver is held until the brain lets it go, and at
 * `releaseAllAtMs` at the latest.
 */
export class BrainNetwork implements Network {
  private readonly pool = new HeldPool();

  constructor(
    private readonly brain: Brain,
    private readonly rng: Prng,
    readonly releaseAllAtMs: number,
    private readonly delayMaxMs: number,
  ) {}

  route(envelope: Envelope, nowMs: number): readonly number[] | null {
    const active = nowMs < this.releaseAllAtMs;
    if (active) this.brain.observe(envelope.fromId, envelope.toId, envelope.message);
    if (active && this.brain.holds(envelope.fromId, envelope.toId, envelope.message)) {
      this.pool.hold(envelope);
      return null;
    }
    return [nowMs + 1 + this.rng.int(this.delayMaxMs)];
  }

  release(nowMs: number): readonly Envelope[] {
    if (this.pool.size === 0 || nowMs >= this.releaseAllAtMs) return [];
    return this.pool.take((e) => !this.brain.holds(e.fromId, e.toId, e.message));
  }

  drain(): readonly Envelope[] {
    return this.pool.drain();
  }
}
