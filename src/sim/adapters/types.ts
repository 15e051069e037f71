import type {
  ConsensusCore,
  ConsensusEffect,
  ConsensusInput,
  ValidatorIndex,
  ValidatorInit,
} from '../../consensus/interface.js';
import type { Prng } from '../../kit/prng.js';
import type { SimView } from '../adversary.js';

/** What a scheduler may know of a message without understanding the protocol. */
export interface MessageInfo {
  /** DAG round, or PBFT sequence (view-change messages: the new view). */
  readonly round: number;
  /** Whose statement it carries (the header author, the voter, the PBFT sender). */
  readonly author: number;
  /** A proposal, a vote, a certificate or anything else (requests, sync, checkpoints). */
  readonly kind: 'proposal' | 'vote' | 'certificate' | 'other';
  /** It carries a coin share (DAG coin rounds). */
  readonly coin: boolean;
}

/**
 * Watches what one honest validator signs: `signed` returns a description of the conflict when
 * the message contradicts something the same validator signed before, else null. `observe`
 * sees every message in flight (a vote names a digest; the header behind it tells its slot).
 */
export interface EquivocationMonitor {
  observe(message: unknown): void;
  signed(identity: number, message: unknown): string | null;
}

/** The faulty identities' shared brain: their inputs, their outputs, and a say over the network. */
export interface Brain {
  handle(identity: number, input: ConsensusInput<unknown>, nowMs: number): ConsensusEffect<unknown>[];
  snapshot(identity: number): Uint8Array;
  /** Sees every message sent by anyone (before it is routed). */
  observe(from: number, to: number, message: unknown): void;
  /** True while the message must wait (the brain asks the network to hold it). */
  holds(from: number, to: number, message: unknown): boolean;
}

export interface BrainContext {
  readonly inits: readonly ValidatorInit[];
  readonly view: SimView;
  readonly rng: Prng;
  /** Creates an honest core of the protocol (a faulty validator's well-behaved half). */
  create(init: ValidatorInit): ConsensusCore<unknown>;
  /** Where the brain reports each attack it carried out. */
  readonly attacks: string[];
  /** The brain attacks until then, and behaves afterwards (liveness is checked from there). */
  readonly activeUntilMs: number;
  /** The longest delay of a message the network does not hold. */
  readonly maxDelayMs: number;
}

/**
 * What the simulator needs to know of a protocol beyond the common boundary: how to deal a
 * genesis, how a Byzantine validator forges that protocol's messages, and whom the protocol
 * relies on next (for the leader-targeting scheduler). Forging hooks return null when the message
 * gives nothing to forge.
 */
export interface ProtocolAdapter<M> {
  readonly name: string;
  genesis(n: number, seed: Uint8Array): ValidatorInit[];
  create(init: ValidatorInit): ConsensusCore<M>;
  /** A conflicting message for the same slot, validly signed by the same author. */
  equivocate(message: M, init: ValidatorInit, rng: Prng): M | null;
  /** A copy with a broken signature, or a certificate whose votes are forged. */
  corrupt(message: M, init: ValidatorInit, rng: Prng): M | null;
  /**
   * The validator's init with a wrong coin key share: its proposals stay validly signed and
   * certifiable, but every coin share it makes fails verification. Null for a protocol with no coin.
   */
  badCoinInit(init: ValidatorInit, rng: Prng): ValidatorInit | null;
  /** A message claiming a round or view far in the future. */
  farFuture(message: M, init: ValidatorInit, rng: Prng): M | null;
  /** The validator the protocol relies on next, as honest validators currently see it. */
  reliedOn(honest: readonly ConsensusCore<M>[]): ValidatorIndex | null;
  encode(message: M): Uint8Array;
  decode(bytes: Uint8Array): M;
  /** Round, author and kind of a message, for schedulers that pick their targets. */
  classify(message: M): MessageInfo | null;
  /** A fresh monitor of honest equivocation for one run. */
  equivocationMonitor(): EquivocationMonitor;
  /** The colluding faulty validators' brain for this protocol. */
  brain(context: BrainContext): Brain;
  /** How far a validator has committed (DAG wave, PBFT executed batches), for schedulers. */
  progress(core: ConsensusCore<M>): number;
}

/** Random bytes from the simulation's generator (never the OS's: runs must replay). */
export function randomBytes(rng: Prng, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.int(256);
  return out;
}

export function flipBit(bytes: Uint8Array, rng: Prng): Uint8Array {
  const out = new Uint8Array(bytes);
  if (out.length > 0) {
    const at = rng.int(out.length);
    out[at] = out[at]! ^ (1 << rng.int(8));
  }
  return out;
}
