import { GridShardError } from '../errors.js';

export type RolesErrorCode =
  /** The chain's state holds no committee (a chain made before genesis recorded it). */
  | 'NO_COMMITTEE'
  /** A handover vote on a chain whose genesis sets no handover cycle (its committee is fixed). */
  | 'NO_HANDOVER'
  /** Equivocation evidence that does not prove two signed, conflicting headers of one member. */
  | 'BAD_EVIDENCE'
  /** The member is suspended already: the first proof stands. */
  | 'ALREADY_SUSPENDED'
  /** A key-generation transaction that breaks the session's rules (malformed, a repeat, no such session). */
  | 'BAD_DKG'
  /** A key-generation step outside its phase (by block height). */
  | 'DKG_PHASE'
  /** The sender is not the session member the step needs. */
  | 'NOT_A_MEMBER'
  /** The session's outcome was asked for before it closed, or it qualified too few dealers. */
  | 'DKG_NOT_DONE'
  /** A session is open, or the last one closed too recently, for a new one to open. */
  | 'DKG_BUSY'
  /** A handover vote for another epoch than the one after the current committee's. */
  | 'HANDOVER_EPOCH'
  /** A handover vote that is malformed: no member, a key twice or invalid, a bad signature. */
  | 'BAD_HANDOVER'
  /** The member voted for this epoch's handover already: one vote each. */
  | 'ALREADY_VOTED'
  /** The next committee is elected and generating its keys: no vote counts until it takes over. */
  | 'HANDOVER_PENDING';

export class RolesError extends GridShardError<RolesErrorCode, Record<string, unknown>> {}
