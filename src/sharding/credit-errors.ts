import { GridShardError } from '../errors.js';

export type CreditErrorCode =
  /** Cycle evidence that the chain could not have recorded (see `tallyCycle`). */
  | 'BAD_CREDIT_EVIDENCE'
  /** A weight, carry or score that is not a whole number in its range. */
  | 'BAD_CREDIT_WEIGHTS'
  /** Role lists naming a node twice or a node that is not a valid index. */
  | 'BAD_ROLES';

export class CreditError extends GridShardError<CreditErrorCode, Record<string, unknown>> {}
