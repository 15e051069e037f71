import { GridShardError } from '../errors.js';

export type NetworkErrorCode =
  | 'FRAME_TOO_LARGE'
  | 'BAD_FRAME'
  | 'UNKNOWN_PEER'
  | 'NOT_STARTED'
  | 'BAD_ADDRESS'
  | 'MESSAGE_TOO_LARGE'
  | 'BAD_MESSAGE';

export class NetworkError extends GridShardError<NetworkErrorCode, Record<string, unknown>> {}
