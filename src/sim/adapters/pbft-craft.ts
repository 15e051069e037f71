import type { ValidatorInit } from '../../consensus/interface.js';
import { type PbftMessage, signingBytes, type UnsignedPbftMessage } from '../../consensus/pbft/index.js';
import { signWithSeed } from './seed-signer.js';

/** A PBFT message signed again with a validator's real key after its contents were changed. */
export function resign<M extends PbftMessage>(message: M, init: ValidatorInit): M {
  const { signature: _drop, ...unsigned } = message;
  const bytes = signingBytes(unsigned as UnsignedPbftMessage, init.committee.shardId, init.committee.epoch);
  return { ...message, signature: signWithSeed(init.signingSeed, bytes) };
}
