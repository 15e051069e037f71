import { GridShardError } from '../errors.js';

export type ClientErrorCode =
  | 'HTTP_ERROR'
  | 'TIMEOUT'
  | 'UNREACHABLE'
  | 'ABORTED'
  /** The transaction's nonce was used by another transaction: these bytes can never commit. */
  | 'SUPERSEDED'
  /** A node named another hash for the bytes sent: the client hashes with the wrong suite. */
  | 'HASH_MISMATCH';

/**
 * A failure of a call to the API; an answer of a node carries its RFC 9457 status, code and
 * detail, and a busy node's 429 or 503 the wait it asked for (`retryAfterMs`, from `Retry-After`)
 * when the client did not wait it out.
 */
export class ClientError extends GridShardError<
  ClientErrorCode,
  { status?: number; code?: string; detail?: string; retryAfterMs?: number }
> {}
