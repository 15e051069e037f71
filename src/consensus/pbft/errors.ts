import { GridShardError } from '../../errors.js';

export type PbftErrorCode =
  /** A message's signature does not verify against its sender's committee key. */
  | 'BAD_SIGNATURE'
  /** The sender is not a committee member, or claims to be someone it is not. */
  | 'UNKNOWN_SENDER'
  /** A proof inside a message (checkpoint, prepared or commit certificate) does not hold. */
  | 'BAD_PROOF'
  /** The validator init does not fit the committee (index, key or snapshot mismatch). */
  | 'BAD_INIT'
  /** A snapshot written by a different validator, committee or format. */
  | 'BAD_SNAPSHOT'
  /** A record of the validator's own signed log that does not decode or belongs to someone else. */
  | 'BAD_SIGNED_LOG';

export class PbftError extends GridShardError<PbftErrorCode, { [key: string]: unknown }> {}
