import { GridShardError } from '../errors.js';

export type CodecErrorCode =
  | 'UNEXPECTED_END'
  | 'TRAILING_BYTES'
  | 'NON_MINIMAL'
  | 'NON_CANONICAL'
  | 'UNKNOWN_VERSION'
  | 'INVALID_VALUE'
  | 'OUT_OF_RANGE';

export class CodecError extends GridShardError<CodecErrorCode, { offset?: number; [key: string]: unknown }> {}
