import { quorumSize } from '../consensus/interface.js';
import { bytesEqual, toHex } from '../crypto/index.js';
import type { CrossDecision, ShardDirectory } from './cross-decision.js';
import { type CrossTrade, legOf, tradeId } from './cross-trade.js';
import {
  type CertifiedVote,
  type VoteShare,
  type VoteStatement,
  verifyVoteShare,
  voteStatementBytes,
} from './cross-vote.js';
import { sortedSignatures } from './quorum.js';

interface Desk {
  readonly trade: CrossTrade;
  /** shard → statement bytes (hex) → signer → share */
  readonly shares: Map<number, Map<string, Map<number, VoteShare>>>;
  readonly votes: Map<number, CertifiedVote>;
  decision: CrossDecision | null;
}

export interface DeskAnswer {
  /** The trade's decision, once its votes settle it. */
  readonly decision: CrossDecision | null;
  /** True the first time the decision exists. */
  readonly fresh: boolean;
  /** Shards of the trade without a certified vote yet: their prepare is worth relaying. */
  readonly missing: readonly number[];
}

/**
 * What an honest master does with the vote shares it receives: checks each against its shard's
 * committee and the trade it names, certifies a shard's vote at a quorum of one statement, and
 * forms the decision as soon as the votes settle it (one certified abort, or commits from every
 * shard). It never decides anything the votes do not prove, so a master can only help or delay.
 */
export class MasterDesk {
  private readonly desks = new Map<string, Desk>();
  /** Two certified votes of one shard for one trade that differ: a broken shard. Always 0 unless one is. */
  conflictingVotes = 0;
  refusedShares = 0;

  constructor(private readonly directory: ShardDirectory) {}

  receive(trade: CrossTrade, share: VoteShare): DeskAnswer | null {
    const id = tradeId(trade);
    const key = toHex(id);
    let known = this.desks.get(key);
    // A desk whose certified votes a later handover retired starts again: its decision would be
    // refused wherever it went, and the shards' resent shares, signed afresh, certify anew.
    if (known !== undefined && this.holdsRetiredVote(known)) {
      this.desks.delete(key);
      known = undefined;
    }
    // Once decided, a share can change nothing here: it only tells that its signer still waits,
    // and the answer is the decision, which proves itself wherever it goes.
    if (known?.decision) return { decision: known.decision, fresh: false, missing: [] };
    const { statement } = share;
    // Nor can a share of the very statement its shard already certified here: it is not checked.
    const certified = known?.votes.get(statement.shard);
    if (certified !== undefined && sameVoteStatement(certified.statement, statement))
      return { decision: null, fresh: false, missing: this.missing(known!) };
    const committee = this.directory.committee(statement.shard, statement.epoch);
    try {
      if (committee === undefined || legOf(trade, statement.shard) === undefined)
        throw new Error('not in trade');
      if (this.directory.retired?.(statement.shard, statement.epoch) === true) throw new Error('retired');
      if (toHex(statement.tradeId) !== toHex(id) || statement.chainId !== trade.chainId)
        throw new Error('other trade');
      verifyVoteShare(share, committee, this.directory.sharedChecks);
    } catch {
      this.refusedShares++;
      return null;
    }
    let desk = this.desks.get(key);
    if (desk === undefined) {
      desk = { trade, shares: new Map(), votes: new Map(), decision: null };
      this.desks.set(key, desk);
    }
    // Shares keep being counted until the trade is decided, so a second certified verdict of one
    // shard (which needs more than f of its validators to sign both) would be seen.
    if (desk.decision === null) this.count(desk, share, committee!.members.length);
    const fresh = desk.decision === null && this.settle(desk);
    return { decision: desk.decision, fresh, missing: this.missing(desk) };
  }

  private holdsRetiredVote(desk: Desk): boolean {
    const retired = this.directory.retired;
    if (retired === undefined) return false;
    for (const vote of desk.votes.values())
      if (retired(vote.statement.shard, vote.statement.epoch)) return true;
    return false;
  }

  private missing(desk: Desk): number[] {
    return desk.trade.legs.map((leg) => leg.shard).filter((shard) => !desk.votes.has(shard));
  }

  private count(desk: Desk, share: VoteShare, committeeSize: number): void {
    const { statement } = share;
    let byStatement = desk.shares.get(statement.shard);
    if (byStatement === undefined) {
      byStatement = new Map();
      desk.shares.set(statement.shard, byStatement);
    }
    const statementKey = toHex(voteStatementBytes(statement));
    let signers = byStatement.get(statementKey);
    if (signers === undefined) {
      signers = new Map();
      byStatement.set(statementKey, signers);
    }
    signers.set(share.signer, share);
    if (signers.size < quorumSize(committeeSize)) return;
    const certified = { statement, signatures: sortedSignatures(signers.values()) };
    const known = desk.votes.get(statement.shard);
    if (known !== undefined && toHex(voteStatementBytes(known.statement)) !== statementKey)
      this.conflictingVotes++;
    if (known === undefined) desk.votes.set(statement.shard, certified);
  }

  /** Forms the decision if the votes settle it; true if it did now. */
  private settle(desk: Desk): boolean {
    const abort = [...desk.votes.values()].find((vote) => vote.statement.verdict.kind === 'abort');
    if (abort !== undefined) desk.decision = { trade: desk.trade, votes: [abort] };
    else if (desk.votes.size === desk.trade.legs.length)
      desk.decision = {
        trade: desk.trade,
        votes: [...desk.votes.values()].sort((a, b) => a.statement.shard - b.statement.shard),
      };
    return desk.decision !== null;
  }

  /** Certified votes held, for a Byzantine master to misuse. */
  certifiedVotes(): CertifiedVote[] {
    return [...this.desks.values()].flatMap((desk) => [...desk.votes.values()]);
  }

  decisions(): CrossDecision[] {
    return [...this.desks.values()].flatMap((desk) => (desk.decision === null ? [] : [desk.decision]));
  }

  /** Trades with a desk here. */
  get size(): number {
    return this.desks.size;
  }

  /** Drops a trade's desk (one its shard has closed); shares arriving later start a new one. */
  forget(tradeIdHex: string): void {
    this.desks.delete(tradeIdHex);
  }

  /** The trade ids with a desk, oldest first. */
  tradeIds(): IterableIterator<string> {
    return this.desks.keys();
  }
}

function sameVoteStatement(a: VoteStatement, b: VoteStatement): boolean {
  return bytesEqual(voteStatementBytes(a), voteStatementBytes(b));
}
