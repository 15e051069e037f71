import type { ConsensusCore } from '../consensus/interface.js';
import type { Prng } from '../kit/prng.js';
import type { MessageInfo, ProtocolAdapter } from './adapters/types.js';
import type { SimView } from './adversary.js';
import { type Envelope, HeldPool, type Network } from './network.js';

/**
 * An asynchronous scheduler: the adversary, not a delay distribution, orders delivery. Every
 * message goes into a pool; every `stepMs` the scheduler picks which pooled messages to deliver
 * next. Messages it targets (the current wave's likely supporters, coin shares, a chosen victim's
 * traffic) may wait arbitrarily long while later ones pass, with no bound but the run's release
 * deadline, at which everything held is delivered: delivery stays eventual, so liveness is still
 * checked from there.
 */
export class AsyncNetwork implements Network {
  private readonly pool = new HeldPool();
  private nextStepAt = 0;
  /** Targets change with each epoch of `epochMs`: which authors' messages of which kind are starved. */
  private epoch = -1;
  private starvedAuthors = new Set<number>();
  private starvedReceivers = new Set<number>();
  private starveCoin = false;
  private starveKind: MessageInfo['kind'] | 'any' = 'any';

  constructor(
    private readonly adapter: ProtocolAdapter<unknown>,
    private readonly view: SimView,
    private readonly rng: Prng,
    readonly releaseAllAtMs: number,
    readonly tickMs: number,
    private readonly epochMs: number,
  ) {}

  route(envelope: Envelope, nowMs: number): readonly number[] | null {
    if (nowMs >= this.releaseAllAtMs) return [nowMs + 1 + this.rng.int(5)];
    this.pool.hold(envelope);
    return null;
  }

  release(nowMs: number): readonly Envelope[] {
    if (nowMs < this.nextStepAt || nowMs >= this.releaseAllAtMs) return [];
    this.nextStepAt = nowMs + this.tickMs;
    this.retarget(nowMs);
    // Each step delivers a random share of what is not starved, in an order the scheduler picks:
    // later messages regularly overtake earlier ones.
    const ready = this.pool.take((e) => !this.starved(e) && this.rng.chance(0.7));
    this.rng.shuffle(ready);
    // A starved message escapes now and then, so a target is slowed without being cut off forever.
    const escaped = this.pool.take(() => this.rng.chance(0.01));
    return [...ready, ...escaped];
  }

  drain(): readonly Envelope[] {
    return this.pool.drain();
  }

  private starved(envelope: Envelope): boolean {
    if (this.starvedReceivers.has(envelope.toId)) return true;
    const info = this.adapter.classify(envelope.message);
    if (info === null) return false;
    if (this.starveCoin && info.coin) return true;
    return (
      this.starvedAuthors.has(info.author) && (this.starveKind === 'any' || this.starveKind === info.kind)
    );
  }

  /**
   * Picks new targets: up to f + 1 authors (the likely supporters of the wave in progress, whose
   * votes and certificates the commit rule needs), sometimes the coin shares, sometimes one
   * receiver kept in the dark (it falls behind and must catch up).
   */
  private retarget(nowMs: number): void {
    const epoch = Math.floor(nowMs / this.epochMs);
    if (epoch === this.epoch) return;
    this.epoch = epoch;
    const { rng, view } = this;
    const f = Math.floor((view.n - 1) / 3);
    const leading = [...view.honest].sort((a, b) => this.progressOf(b) - this.progressOf(a));
    const count = rng.range(1, f + 1);
    this.starvedAuthors = new Set(
      rng.chance(0.5) ? leading.slice(0, count) : rng.shuffle([...leading]).slice(0, count),
    );
    this.starveKind = rng.pick(['any', 'proposal', 'vote', 'certificate'] as const);
    this.starveCoin = rng.chance(0.4);
    this.starvedReceivers = rng.chance(0.3) ? new Set([rng.pick(view.honest)]) : new Set();
  }

  private progressOf(identity: number): number {
    const core: ConsensusCore<unknown> | null = this.view.core(identity);
    return core === null ? -1 : this.adapter.progress(core);
  }
}
