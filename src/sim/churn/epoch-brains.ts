import type { Committee, ConsensusCore, ValidatorInit } from '../../consensus/interface.js';
import type { Prng } from '../../kit/prng.js';
import type { EpochMessage } from '../../validator/epochs.js';
import type { Brain, ProtocolAdapter } from '../adapters/types.js';
import type { SimView } from '../adversary.js';
import { type Envelope, HeldPool, type Network } from '../network.js';

/** The longest delay of a message the brains let through (as in the consensus simulator). */
export const BRAIN_DELAY_MAX_MS = 8;

/** What the chain tells the brains of one epoch's committee when its first faulty member starts it. */
export interface EpochBrainSetup {
  readonly committee: Committee;
  /** Chain node of each member, by committee index. */
  readonly nodes: readonly number[];
  /** Every member's validator init, by committee index (the brain runs the faulty ones' cores). */
  readonly inits: readonly ValidatorInit[];
  readonly faulty: readonly number[];
  /** The live core of the member at a committee index, in this epoch (null while down or not there yet). */
  readonly core: (index: number) => ConsensusCore<unknown> | null;
}

interface EpochBrain {
  readonly brain: Brain;
  /** Chain node → committee index, for this epoch. */
  readonly indexOf: ReadonlyMap<number, number>;
}

/**
 * The consensus simulator's colluding adversary over a committee that hands over: one brain per
 * epoch whose committee holds a faulty member, built when the first of them starts that epoch,
 * which drives every faulty member's core of the epoch and holds the epoch's messages its attacks
 * need held. A message of an epoch without a brain, or to or from a node outside that epoch's
 * committee, goes with a short random delay. Every brain behaves from `releaseAllAtMs` on, when
 * everything still held goes out.
 */
export class EpochBrains implements Network {
  private readonly brains = new Map<number, EpochBrain>();
  private readonly pool = new HeldPool();

  constructor(
    private readonly adapter: ProtocolAdapter<unknown>,
    private readonly rng: Prng,
    private readonly now: () => number,
    readonly releaseAllAtMs: number,
    /** Where the brains report each attack they carried out. */
    readonly attacks: string[],
  ) {}

  /** The brain of the setup's epoch, built on the first call. */
  brainFor(setup: EpochBrainSetup): Brain {
    const epoch = setup.committee.epoch;
    const known = this.brains.get(epoch);
    if (known !== undefined) return known.brain;
    const size = setup.committee.members.length;
    const view: SimView = {
      n: size,
      honest: Array.from({ length: size }, (_, i) => i).filter((i) => !setup.faulty.includes(i)),
      faulty: setup.faulty,
      now: this.now,
      core: setup.core,
    };
    const brain = this.adapter.brain({
      inits: setup.inits,
      view,
      rng: this.rng.fork(epoch),
      create: (init) => this.adapter.create(init),
      attacks: this.attacks,
      activeUntilMs: this.releaseAllAtMs,
      maxDelayMs: BRAIN_DELAY_MAX_MS,
    });
    this.brains.set(epoch, { brain, indexOf: new Map(setup.nodes.map((node, index) => [node, index])) });
    return brain;
  }

  /** Epochs a brain drove. */
  get epochs(): number {
    return this.brains.size;
  }

  route(envelope: Envelope, nowMs: number): readonly number[] | null {
    if (nowMs < this.releaseAllAtMs && this.holds(envelope, true)) {
      this.pool.hold(envelope);
      return null;
    }
    return [nowMs + 1 + this.rng.int(BRAIN_DELAY_MAX_MS)];
  }

  release(nowMs: number): readonly Envelope[] {
    if (this.pool.size === 0 || nowMs >= this.releaseAllAtMs) return [];
    return this.pool.take((envelope) => !this.holds(envelope, false));
  }

  drain(): readonly Envelope[] {
    return this.pool.drain();
  }

  /** Whether the brain of the envelope's epoch keeps it back (and, when routing, shows it the message first). */
  private holds(envelope: Envelope, observe: boolean): boolean {
    const { epoch, message } = envelope.message as EpochMessage<unknown>;
    const entry = this.brains.get(epoch);
    if (entry === undefined) return false;
    const from = entry.indexOf.get(envelope.fromId);
    const to = entry.indexOf.get(envelope.toId);
    if (from === undefined || to === undefined) return false;
    if (observe) entry.brain.observe(from, to, message);
    return entry.brain.holds(from, to, message);
  }
}
