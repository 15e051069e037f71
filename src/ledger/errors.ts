import { GridShardError } from '../errors.js';

export type LedgerErrorCode =
  | 'WRONG_CHAIN'
  | 'WRONG_SHARD'
  | 'BAD_SIGNATURE'
  | 'BAD_PUBLIC_KEY'
  | 'BAD_NONCE'
  | 'NONCE_TOO_FAR'
  | 'BAD_PARENT'
  | 'BAD_HEIGHT'
  | 'BAD_TX_ROOT'
  | 'BAD_STATE_ROOT'
  | 'BAD_PROOF'
  | 'BLOCK_MISMATCH'
  | 'UNKNOWN_TX_TYPE'
  | 'INVALID_PAYLOAD'
  | 'STORE_CLOSED'
  | 'STORE_EXISTS'
  | 'STORE_MISSING'
  | 'STORE_CORRUPT';

export class LedgerError extends GridShardError<LedgerErrorCode, Record<string, unknown>> {}
