import { GridShardError } from '../errors.js';

export type ShardingErrorCode =
  /** A zone map that does not split the feeder into contiguous, disjoint zones covering every bus. */
  | 'BAD_ZONE_MAP'
  /** A bus the zone map does not place. */
  | 'UNKNOWN_BUS'
  /** A commit proof that does not prove its statement for the committee it is checked against. */
  | 'BAD_COMMIT_PROOF'
  /** An attestation whose signer, statement or signature is wrong. */
  | 'BAD_ATTESTATION'
  /** A cross-shard trade that is malformed, mints value, or names a shard twice. */
  | 'BAD_TRADE'
  /** A cross-shard vote whose statement, signers or signatures are wrong. */
  | 'BAD_VOTE'
  /** A cross-shard decision its votes do not prove, or that contradicts what the shard recorded. */
  | 'BAD_DECISION'
  /** A cross-shard vote of a committee succeeded too long ago to speak for its shard (long-range keys). */
  | 'RETIRED_VOTE'
  /** A prepare that debits an account whose key did not sign it. */
  | 'UNAUTHORIZED_DEBIT'
  /** A cross-shard transaction on a chain whose genesis names no shard directory. */
  | 'NOT_SHARDED'
  /** A shard block the root chain already holds (or one below its head). */
  | 'STALE_SHARD_BLOCK'
  /** An expiry asked for a trade whose cycle is not over. */
  | 'TRADE_NOT_EXPIRED'
  /** Evidence that does not prove a shard block's inclusion in the root chain. */
  | 'BAD_INCLUSION'
  /** A shard committee's handover whose votes do not prove it for the committee before. */
  | 'BAD_COMMITTEE_CHANGE'
  /** A shard committee handover this chain has recorded already (or one that skips an epoch). */
  | 'STALE_COMMITTEE_CHANGE';

export class ShardingError extends GridShardError<ShardingErrorCode, Record<string, unknown>> {}
