import { CodecError, decodeExact, Writer } from '../codec/index.js';
import type { Committee, SharedChecks } from '../consensus/interface.js';
import { bytesEqual } from '../crypto/hash.js';
import { type CrossTrade, encodeTrade, legOf, MAX_TRADE_LEGS, readTrade, tradeId } from './cross-trade.js';
import {
  type AbortReason,
  type CertifiedVote,
  readCertifiedVote,
  type VoteStatement,
  verifyCertifiedVote,
  writeCertifiedVote,
} from './cross-vote.js';
import { ShardingError } from './errors.js';

/** Where a checker finds the committee of a shard in an epoch (from genesis and the root chain). */
export interface ShardDirectory {
  committee(shard: number, epoch: number): Committee | undefined;
  /**
   * A memo of signature checks: one validator's own (a signature it verified once is not verified
   * again by it), or in a simulation one shared by the validators of the process.
   */
  readonly sharedChecks?: SharedChecks;
  /**
   * True for a vote statement the checker knows first-hand to be its own shard's: its own ledger
   * executed that prepare to that verdict. Such a vote proves nothing the checker does not know,
   * so its signatures are not checked; any other statement, of its shard or not, is.
   */
  readonly ownVote?: (statement: VoteStatement) => boolean;
  /**
   * True when votes of `shard`'s committee of `epoch` no longer count here: the checker has seen
   * that shard hand over `VOTE_EPOCHS_AFTER_HANDOVER` more times since (absent: never retired).
   */
  readonly retired?: (shard: number, epoch: number) => boolean;
}

/**
 * How many handovers after its own a committee's cross-zone votes still count. Members who left a
 * committee are watched by nobody, and their keys may leak; without a bound, a quorum of an old
 * committee's keys could certify a vote for a trade still open today and commit one side of it
 * alone. One epoch of grace covers validators and masters that have not yet seen the latest
 * handover; honest validators sign every resent vote afresh with their current committee, so a
 * trade still waiting after that gets votes that count.
 */
export const VOTE_EPOCHS_AFTER_HANDOVER = 2;

/**
 * A cross-shard decision is the trade and the certified votes that settle it; it does not state
 * its outcome, the votes do. Commit needs a certified commit vote from every shard of the trade;
 * abort needs one certified abort vote from any of them. Each shard certifies at most one vote
 * per trade (its order executes the prepare once), so two valid decisions for one trade always
 * have the same outcome: agreement on the decision follows from the shards' own consensus, and
 * whoever carries it (a master, a replacement, any validator) can delay it but not change it.
 */
export interface CrossDecision {
  readonly trade: CrossTrade;
  /** Ascending by shard, each shard once. */
  readonly votes: readonly CertifiedVote[];
}

export type Outcome =
  | { readonly kind: 'commit' }
  | { readonly kind: 'abort'; readonly shard: number; readonly reason: AbortReason };

const VERSION = 1;

/**
 * Checks every vote (bound to this trade's id, from a shard of the trade, certified by a quorum
 * of that shard's committee) and returns what the votes prove. Throws BAD_DECISION (or BAD_VOTE)
 * for a decision that proves nothing: a vote for another trade or from a shard outside it, a
 * forged or short certificate, or commit votes that leave a shard out; RETIRED_VOTE for a vote
 * of a committee the directory has retired.
 */
export function decisionOutcome(decision: CrossDecision, directory: ShardDirectory): Outcome {
  const { trade, votes } = decision;
  const id = tradeId(trade);
  let previous = -1;
  let abort: Outcome | null = null;
  for (const vote of votes) {
    const { statement } = vote;
    if (statement.chainId !== trade.chainId || !bytesEqual(statement.tradeId, id))
      throw new ShardingError('BAD_DECISION', `the vote of shard ${statement.shard} is for another trade`, {
        shard: statement.shard,
      });
    if (statement.shard <= previous)
      throw new ShardingError('BAD_DECISION', 'votes must come from distinct shards in increasing order', {
        shard: statement.shard,
      });
    previous = statement.shard;
    if (legOf(trade, statement.shard) === undefined)
      throw new ShardingError('BAD_DECISION', `shard ${statement.shard} has no part in the trade`, {
        shard: statement.shard,
      });
    const committee = directory.committee(statement.shard, statement.epoch);
    if (committee === undefined)
      throw new ShardingError(
        'BAD_DECISION',
        `no committee is known for shard ${statement.shard} epoch ${statement.epoch}`,
        { shard: statement.shard, epoch: statement.epoch },
      );
    if (directory.retired?.(statement.shard, statement.epoch) === true)
      throw new ShardingError(
        'RETIRED_VOTE',
        `shard ${statement.shard}'s committee of epoch ${statement.epoch} has been succeeded and its votes no longer count`,
        { shard: statement.shard, epoch: statement.epoch },
      );
    if (directory.ownVote?.(statement) !== true) verifyCertifiedVote(vote, committee, directory.sharedChecks);
    if (abort === null && statement.verdict.kind === 'abort')
      abort = { kind: 'abort', shard: statement.shard, reason: statement.verdict.reason };
  }
  if (abort !== null) return abort;
  if (votes.length !== trade.legs.length)
    throw new ShardingError(
      'BAD_DECISION',
      `commit needs the votes of all ${trade.legs.length} shards of the trade, got ${votes.length}`,
      { votes: votes.length, shards: trade.legs.length },
    );
  return { kind: 'commit' };
}

export function encodeDecision(decision: CrossDecision): Uint8Array {
  const writer = new Writer(512)
    .u8(VERSION)
    .bytes(encodeTrade(decision.trade))
    .varuint(decision.votes.length);
  for (const vote of decision.votes) writeCertifiedVote(writer, vote);
  return writer.finish();
}

/** Strict: CodecError on malformed bytes; nothing is verified here (see decisionOutcome). */
export function decodeDecision(bytes: Uint8Array): CrossDecision {
  return decodeExact(bytes, (reader) => {
    reader.version([VERSION], 'cross-shard decision');
    const trade = decodeExact(reader.bytesField(64 * 1024), readTrade);
    const count = reader.varuint();
    if (count > MAX_TRADE_LEGS)
      throw new CodecError('OUT_OF_RANGE', `${count} votes exceed any trade`, { count });
    const votes: CertifiedVote[] = [];
    for (let i = 0; i < count; i++) votes.push(readCertifiedVote(reader));
    return { trade, votes };
  });
}
