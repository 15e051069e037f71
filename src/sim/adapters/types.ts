import type { ConsensusCore, ValidatorIndex, ValidatorInit } from '../../consensus/interface.js';
import type { Prng } from '../prng.js';

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
