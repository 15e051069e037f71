import { GridShardError } from '../errors.js';

/** Why the mempool refused a client's transaction (the API maps each code to an HTTP status). */
export type AdmissionErrorCode =
  | 'BAD_TRANSACTION'
  | 'DUPLICATE_TRANSACTION'
  | 'STALE_NONCE'
  | 'NONCE_TOO_FAR'
  | 'MEMPOOL_FULL'
  | 'SENDER_LIMIT';

export class AdmissionError extends GridShardError<AdmissionErrorCode, Record<string, unknown>> {}

/** Why a validator refused a block it was given to follow. */
export type ValidatorErrorCode =
  /** The node orders this epoch itself: it executes its own order, not a peer's blocks. */
  | 'NOT_A_FOLLOWER'
  /** Not the block after this node's head. */
  | 'BLOCK_OUT_OF_ORDER'
  /** Executed here, the block's transactions give another block: it does not follow from this state. */
  | 'BLOCK_MISMATCH';

export class ValidatorError extends GridShardError<ValidatorErrorCode, Record<string, unknown>> {}
