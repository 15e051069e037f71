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
