import { GridShardError } from '../errors.js';

export type SimErrorCode =
  | 'BAD_OPTIONS'
  | 'UNKNOWN_PROTOCOL'
  | 'UNKNOWN_STRATEGY'
  | 'UNKNOWN_ADVERSARY'
  | 'PROTOCOL_UNAVAILABLE';

export class SimError extends GridShardError<SimErrorCode, Record<string, unknown>> {}
