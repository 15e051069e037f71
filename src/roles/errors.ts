import { GridShardError } from '../errors.js';

export type RolesErrorCode =
  /** The chain's state holds no committee (a chain made before genesis recorded it). */
  | 'NO_COMMITTEE'
  /** Equivocation evidence that does not prove two signed, conflicting headers of one member. */
  | 'BAD_EVIDENCE'
  /** The member is suspended already: the first proof stands. */
  | 'ALREADY_SUSPENDED';

export class RolesError extends GridShardError<RolesErrorCode, Record<string, unknown>> {}
