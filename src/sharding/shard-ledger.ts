import { toHex } from '../crypto/index.js';
import { type CrossDecision, decisionOutcome, type Outcome, type ShardDirectory } from './cross-decision.js';
import { type CrossTrade, type LegEntry, legOf, tradeId } from './cross-trade.js';
import type { VoteStatement, VoteVerdict } from './cross-vote.js';
import { ShardingError } from './errors.js';
import { type AccountRecord, MemoryShardBook, type ShardBook, type TradeStatus } from './shard-book.js';

export type { TradeStatus } from './shard-book.js';

export interface Balance {
  readonly money: bigint;
  readonly energy: bigint;
}

/** What applying a decision did: nothing for a trade already closed here (a replay, or its own abort vote), else its outcome. */
export type DecisionEffect =
  | { readonly kind: 'applied'; readonly outcome: Outcome }
  | { readonly kind: 'closed' };

/**
 * One shard's part of the cross-shard protocol, as a deterministic state machine run by every
 * validator of the shard on the shard's committed order: the accounts homed in the shard, the
 * locks of trades it voted to commit, and a record of every trade it has seen, kept so that a
 * replayed prepare gets the vote already given, a replayed decision changes nothing, and a lock
 * is released only by a decision proven for exactly that trade.
 *
 * - `prepare` locks the debits of the shard's leg (vote commit) or refuses (vote abort);
 * - `decide` applies the leg (commit) or releases the locks (abort), once;
 * - `applyLocal` runs a trade whose accounts all live here, at once.
 */
export class ShardLedger {
  readonly book: ShardBook;
  /** Breaches of "nothing spent twice": a balance below what it must hold. Always 0 unless a bug. */
  overdrafts = 0;

  /** `accounts`: the opening balances (kept in memory), or the book that holds the shard's state. */
  constructor(
    readonly shard: number,
    readonly chainId: string,
    readonly epoch: number,
    accounts: Iterable<readonly [string, Balance]> | ShardBook,
    private readonly directory: ShardDirectory,
  ) {
    this.book = isBook(accounts) ? accounts : new MemoryShardBook(accounts);
  }

  /**
   * Executes a trade's prepare: returns the statement this shard's validators sign, or null for a
   * trade with no leg here (or a one-shard trade, which goes through `applyLocal`). A trade seen
   * before gets the verdict it got the first time.
   */
  prepare(trade: CrossTrade, cycle?: number): VoteStatement | null {
    const leg = legOf(trade, this.shard);
    if (leg === undefined || trade.legs.length < 2 || trade.chainId !== this.chainId) return null;
    const id = tradeId(trade);
    const key = toHex(id);
    const known = this.book.trade(key);
    if (known !== undefined) return this.statement(id, known.verdict);
    const verdict: VoteVerdict =
      cycle !== undefined && !tradeOpen(trade, cycle)
        ? { kind: 'abort', reason: 'wrong-cycle' }
        : this.lockable(leg.entries);
    this.book.putTrade(key, {
      entries: leg.entries,
      verdict,
      status: verdict.kind === 'commit' ? 'locked' : 'aborted',
    });
    if (verdict.kind === 'commit') this.lock(leg.entries, 1n);
    return this.statement(id, verdict);
  }

  /**
   * Closes a trade this shard has not prepared once its cycle is over (`cycle` is the shard's
   * current cycle, from its block time): the shard votes abort (`wrong-cycle`), so the shards that
   * locked for it get a certified abort and release, and a prepare arriving later is refused. It
   * is ordered in the shard's consensus like a prepare, so exactly one of the two counts. A trade
   * already seen keeps the verdict it got. Throws TRADE_NOT_EXPIRED while the trade may still be
   * prepared.
   */
  expire(trade: CrossTrade, cycle: number): VoteStatement {
    const leg = legOf(trade, this.shard);
    if (leg === undefined || trade.legs.length < 2 || trade.chainId !== this.chainId)
      throw new ShardingError('BAD_TRADE', `the trade has no part in shard ${this.shard} to expire`);
    const id = tradeId(trade);
    const key = toHex(id);
    const known = this.book.trade(key);
    if (known !== undefined) return this.statement(id, known.verdict);
    if (tradeOpen(trade, cycle))
      throw new ShardingError(
        'TRADE_NOT_EXPIRED',
        `a trade of cycle ${trade.cycle} may still be prepared in cycle ${cycle}`,
        {
          tradeCycle: trade.cycle,
          cycle,
        },
      );
    const verdict: VoteVerdict = { kind: 'abort', reason: 'wrong-cycle' };
    this.book.putTrade(key, { entries: leg.entries, verdict, status: 'aborted' });
    return this.statement(id, verdict);
  }

  /** The statement this shard gave on a trade it prepared (or closed by an abort), if any. */
  statementOf(id: Uint8Array): VoteStatement | undefined {
    const record = this.book.trade(toHex(id));
    return record === undefined ? undefined : this.statement(id, record.verdict);
  }

  /**
   * Applies a decision once its votes prove an outcome (BAD_DECISION / BAD_VOTE otherwise, with
   * nothing changed). An abort reaching a shard that never saw the prepare closes the trade
   * there, so a prepare arriving later is refused instead of locking for ever.
   */
  decide(decision: CrossDecision): DecisionEffect {
    const leg = legOf(decision.trade, this.shard);
    if (leg === undefined || decision.trade.chainId !== this.chainId)
      throw new ShardingError('BAD_DECISION', `the trade has no part in shard ${this.shard}`);
    const outcome = decisionOutcome(decision, this.directory);
    const id = tradeId(decision.trade);
    const key = toHex(id);
    const record = this.book.trade(key);
    if (record === undefined) {
      if (outcome.kind === 'commit')
        throw new ShardingError('BAD_DECISION', 'a commit for a trade this shard never prepared');
      this.book.putTrade(key, {
        entries: leg.entries,
        verdict: { kind: 'abort', reason: 'decided-elsewhere' },
        status: 'aborted',
      });
      return { kind: 'applied', outcome };
    }
    if (record.status !== 'locked') {
      // Closed already; a proof of the other outcome would mean a shard certified two votes.
      if ((record.status === 'committed') !== (outcome.kind === 'commit'))
        throw new ShardingError('BAD_DECISION', `the trade is already ${record.status} in this shard`);
      return { kind: 'closed' };
    }
    this.lock(record.entries, -1n);
    if (outcome.kind === 'commit') this.credit(record.entries);
    this.book.putTrade(key, { ...record, status: outcome.kind === 'commit' ? 'committed' : 'aborted' });
    return { kind: 'applied', outcome };
  }

  /** A trade whose only leg is this shard's: applied at once if funded; false (nothing changed) if not, or if seen before. */
  applyLocal(trade: CrossTrade): boolean {
    const leg = legOf(trade, this.shard);
    if (leg === undefined || trade.legs.length !== 1 || trade.chainId !== this.chainId) return false;
    const key = toHex(tradeId(trade));
    if (this.book.trade(key) !== undefined) return false;
    const verdict = this.lockable(leg.entries);
    this.book.putTrade(key, {
      entries: leg.entries,
      verdict,
      status: verdict.kind === 'commit' ? 'committed' : 'aborted',
    });
    if (verdict.kind !== 'commit') return false;
    this.credit(leg.entries);
    return true;
  }

  status(id: Uint8Array): TradeStatus | undefined {
    return this.book.trade(toHex(id))?.status;
  }

  balance(account: string): AccountRecord | undefined {
    return this.book.account(account);
  }

  /** Money and energy held in this shard's accounts (locked amounts included); in-memory books only. */
  totals(): Balance {
    return this.memoryBook().totals();
  }

  /** A digest of the whole state, equal at every honest validator after the same order; in-memory books only. */
  digest(): Uint8Array {
    return this.memoryBook().digest(this.shard);
  }

  private memoryBook(): MemoryShardBook {
    if (!(this.book instanceof MemoryShardBook))
      throw new Error('a chain-held shard book commits to its content through the state root');
    return this.book;
  }

  private statement(id: Uint8Array, verdict: VoteVerdict): VoteStatement {
    return { chainId: this.chainId, tradeId: id, shard: this.shard, epoch: this.epoch, verdict };
  }

  /** Commit if every account is homed here and can cover its debits beside what is already locked. */
  private lockable(entries: readonly LegEntry[]): VoteVerdict {
    for (const entry of entries) {
      const account = this.book.account(entry.account);
      if (account === undefined) return { kind: 'abort', reason: 'unknown-account' };
      if (
        (entry.money < 0n && account.money - account.lockedMoney < -entry.money) ||
        (entry.energy < 0n && account.energy - account.lockedEnergy < -entry.energy)
      )
        return { kind: 'abort', reason: 'insufficient-funds' };
    }
    return { kind: 'commit' };
  }

  /** Adds (sign 1) or releases (sign -1) the debits of a leg. */
  private lock(entries: readonly LegEntry[], sign: bigint): void {
    for (const entry of entries) {
      const account = this.book.account(entry.account)!;
      this.put(entry.account, {
        ...account,
        lockedMoney: account.lockedMoney + (entry.money < 0n ? sign * -entry.money : 0n),
        lockedEnergy: account.lockedEnergy + (entry.energy < 0n ? sign * -entry.energy : 0n),
      });
    }
  }

  /** Moves a leg's amounts into (and out of) its accounts. */
  private credit(entries: readonly LegEntry[]): void {
    for (const entry of entries) {
      const account = this.book.account(entry.account)!;
      this.put(entry.account, {
        ...account,
        money: account.money + entry.money,
        energy: account.energy + entry.energy,
      });
    }
  }

  private put(name: string, account: AccountRecord): void {
    if (
      account.lockedMoney < 0n ||
      account.lockedEnergy < 0n ||
      account.money < account.lockedMoney ||
      account.energy < account.lockedEnergy
    )
      this.overdrafts++;
    this.book.putAccount(name, account);
  }
}

function isBook(value: unknown): value is ShardBook {
  return typeof (value as Partial<ShardBook>).putTrade === 'function';
}

/** Cycles a trade may be prepared in: its own and the next, so one started late in its cycle still has time. */
export const TRADE_OPEN_CYCLES = 2;

/**
 * Whether a shard in `cycle` may still prepare the trade: not expired, and not from beyond the next
 * cycle (a client's clock a little ahead of the shard's block time is no reason to abort).
 */
export function tradeOpen(trade: CrossTrade, cycle: number): boolean {
  return trade.cycle <= cycle + 1 && cycle < trade.cycle + TRADE_OPEN_CYCLES;
}
