import { GridShardError } from '../../errors.js';

export type ConsensusBenchErrorCode =
  /** An option out of range or of the wrong kind. */
  | 'BAD_OPTION'
  /** The protocol asked for is not built into this checkout. */
  | 'PROTOCOL_UNAVAILABLE';

export class ConsensusBenchError extends GridShardError<
  ConsensusBenchErrorCode,
  { [key: string]: unknown }
> {}
