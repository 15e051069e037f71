import { GridShardError } from '../errors.js';

export type CreditErrorCode =
  /** Cycle evidence that the chain could not have recorded (see `tallyCycle`). */
  | 'BAD_CREDIT_EVIDENCE'
  /** A weight, carry or score that is not a whole number in its range. */
  | 'BAD_CREDIT_WEIGHTS'
  /** Role lists naming a node twice or a node that is not a valid index. */
  | 'BAD_ROLES'
  /** A cycle asked for before the chain holds a block of a later cycle. */
  | 'CYCLE_NOT_CLOSED'
  /** Credit is scored from the DAG's certificates; a PBFT chain records none. */
  | 'CREDIT_NEEDS_DAG';

export class CreditError extends GridShardError<CreditErrorCode, Record<string, unknown>> {}
