import { GridShardError } from '../errors.js';

/**
 * Codes for every way a market input can be refused. Transactions that fail leave the state
 * untouched; callers switch on the code, the payload names the offending field or record.
 */
export type MarketErrorCode =
  | 'BAD_INPUT'
  | 'BAD_ACTION'
  | 'BAD_PAYLOAD'
  | 'BAD_SENDER'
  | 'NOT_AUTHORISED'
  | 'UNKNOWN_MEMBER'
  | 'MEMBER_NOT_ACTIVE'
  | 'DUPLICATE'
  | 'NOT_FOUND'
  | 'WRONG_CYCLE_STATE'
  | 'GATE_CLOSED'
  | 'GATE_NOT_CLOSED'
  | 'CAPACITY_EXCEEDED'
  | 'PRICE_OUT_OF_RANGE'
  | 'COMMITMENT_MISMATCH'
  | 'SEALED_MARKET'
  | 'DEADLINE_PASSED'
  | 'NOT_DUE'
  | 'BAD_CONFIG';

export class MarketError extends GridShardError<MarketErrorCode, { [key: string]: unknown }> {}
