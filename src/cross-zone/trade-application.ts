import { toHex } from '../crypto/index.js';
import type { Application, TransactionContext } from '../ledger/application.js';
import type { KeyValueState } from '../ledger/state-interface.js';
import type { Transaction } from '../ledger/transaction.js';
import {
  type CrossTrade,
  decodeDecision,
  decodeTrade,
  legOf,
  ShardingError,
  ShardLedger,
} from '../sharding/index.js';
import { cycleOfState, directoryFromState } from './directory.js';
import { StateShardBook } from './state-book.js';

/** Locks a cross-zone trade's debits in this shard (or refuses with a certified abort). Payload: the trade. */
export const CROSS_PREPARE = 'cross.prepare';
/** Applies a trade's decision, proven by its certified votes. Payload: the decision. */
export const CROSS_DECIDE = 'cross.decide';
/** Closes, with an abort vote, a trade this shard never prepared and whose cycle is over. Payload: the trade. */
export const CROSS_EXPIRE = 'cross.expire';

/**
 * The cross-zone trade ledger of a zone shard as a contract on the chain's state: the shard
 * ledger's rules (src/sharding/shard-ledger.ts) with its book in authenticated state.
 *
 * A prepare must be signed by the owner of every account it debits in this shard (an account is
 * named by its owner's hex key), so nobody can lock or spend another member's balance; a
 * one-shard trade applies at once. A prepare of a cycle that is over votes abort (`wrong-cycle`),
 * and so does an expiry, which anyone may send for a trade this shard never prepared once its
 * cycle is over, so that the shards that locked for it release. A decision needs no particular sender: its certified votes
 * are the proof, checked against the shard committees genesis lists, so any master, replacement
 * or validator can carry it.
 */
export const crossZoneApplication: Application = {
  types: [CROSS_PREPARE, CROSS_DECIDE, CROSS_EXPIRE],
  execute(state: KeyValueState, tx: Transaction, context: TransactionContext): void {
    const directory = directoryFromState(state);
    if (directory === null)
      throw new ShardingError('NOT_SHARDED', 'this chain has no shard directory in its genesis', {});
    const ledger = new ShardLedger(context.shardId, context.chainId, 0, new StateShardBook(state), directory);
    const cycle = cycleOfState(state, context.timestampMs) ?? undefined;
    if (tx.type === CROSS_PREPARE) {
      const trade = decodeTrade(tx.payload);
      authorise(trade, context.shardId, toHex(tx.sender));
      if (trade.legs.length === 1) ledger.applyLocal(trade);
      else ledger.prepare(trade, cycle);
      return;
    }
    if (tx.type === CROSS_EXPIRE) {
      if (cycle === undefined)
        throw new ShardingError('NOT_SHARDED', 'this chain has no cycle clock in its genesis', {});
      ledger.expire(decodeTrade(tx.payload), cycle);
      return;
    }
    const decision = decodeDecision(tx.payload);
    ledger.decide(decision);
  },
};

function authorise(trade: CrossTrade, shard: number, sender: string): void {
  const leg = legOf(trade, shard);
  if (leg === undefined)
    throw new ShardingError('BAD_TRADE', `the trade has no part in shard ${shard}`, { shard });
  for (const entry of leg.entries) {
    if ((entry.money < 0n || entry.energy < 0n) && entry.account !== sender)
      throw new ShardingError(
        'UNAUTHORIZED_DEBIT',
        `the prepare debits ${entry.account}, which did not sign it`,
        {
          account: entry.account,
        },
      );
  }
}
