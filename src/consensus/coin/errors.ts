import { GridShardError } from '../../errors.js';

export type CoinErrorCode = 'BAD_PARAMETERS' | 'BAD_KEY' | 'BAD_SHARE_ENCODING' | 'NOT_ENOUGH_SHARES';

export class CoinError extends GridShardError<CoinErrorCode, Record<string, unknown>> {}
