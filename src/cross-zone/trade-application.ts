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
import { directoryFromState } from './directory.js';
import { StateShardBook } from './state-book.js';

/** Locks a cross-zone trade's debits in this shard (or refuses with a certified abort). Payload: the trade. */
export const CROSS_PREPARE = 'cross.prepare';
/** Applies a trade's decision, proven by its certified votes. Payload: the decision. */
export const CROSS_DECIDE = 'cross.decide';

/**
 * The cross-zone trade ledger of a zone shard as a contract on the chain's state: the shard
 * ledger's rules (src/sharding/shard-ledger.ts) with its book in authenticated state.
 *
 * A prepare must be signed by the owner of every account it debits in this shard (an account is
 * named by its owner's hex key), so nobody can lock or spend another member's balance; a
 * one-shard trade applies at once. A decision needs no particular sender: its certified votes
 * are the proof, checked against the shard committees genesis lists, so any master, replacement
 * or validator can carry it.
 */
export const crossZoneApplication: Application = {
  types: [CROSS_PREPARE, CROSS_DECIDE],
  execute(state: KeyValueState, tx: Transaction, context: TransactionContext): void {
    const directory = directoryFromState(state);
    if (directory === null)
      throw new ShardingError('NOT_SHARDED', 'this chain has no shard directory in its genesis', {});
    const ledger = new ShardLedger(context.shardId, context.chainId, 0, new StateShardBook(state), directory);
    if (tx.type === CROSS_PREPARE) {
      const trade = decodeTrade(tx.payload);
      authorise(trade, context.shardId, toHex(tx.sender));
      if (trade.legs.length === 1) ledger.applyLocal(trade);
      else ledger.prepare(trade);
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
