import { GridShardError } from '../errors.js';

export type NetworkErrorCode =
  | 'FRAME_TOO_LARGE'
  | 'BAD_FRAME'
  | 'UNKNOWN_PEER'
  | 'NOT_STARTED'
  | 'BAD_ADDRESS';

export class NetworkError extends GridShardError<NetworkErrorCode, Record<string, unknown>> {}
