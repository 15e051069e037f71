import { bytesEqual } from '../crypto/hash.js';
import { isGridShardError } from '../errors.js';
import type { Application } from '../ledger/application.js';
import type { StateEntry } from '../ledger/genesis.js';
import type { KeyValueState, ReadableState } from '../ledger/state-interface.js';
import { type MarketTransaction, marketTransactionRecord } from './actions.js';
import { runDueDeadlines } from './deadlines.js';
import { MarketError } from './errors.js';
import { executeMarketTransaction, initMarket } from './executor.js';
import type { MarketPlugins } from './handler-context.js';
import { MemoryState } from './memory-state.js';
import type { MarketConfig } from './records.js';
import { MarketStore } from './store.js';

/** The ledger transaction type whose payload is a signed market transaction. */
export const MARKET_TX_TYPE = 'market';

/**
 * The market contracts as a ledger application. A market transaction travels as the payload of
 * the ledger's envelope and keeps its own signature and nonce, so a regulator can check any
 * market record on its own; the envelope must be signed by the same key, so one member cannot
 * carry another member's market transaction. Block time and height come from the block.
 * Before each block's transactions, every cycle whose deadline has passed moves by its genesis
 * rule (`runDueDeadlines`), so no cycle waits for someone to send `advanceCycle`.
 */
export function marketApplication(
  plugins?: MarketPlugins | ((state: KeyValueState) => MarketPlugins | undefined),
): Application {
  return {
    types: [MARKET_TX_TYPE],
    execute(state, tx, context) {
      let marketTx: MarketTransaction;
      try {
        marketTx = marketTransactionRecord.decode(tx.payload);
      } catch (error) {
        throw new MarketError(
          'BAD_ACTION',
          `payload is not a market transaction: ${isGridShardError(error) ? error.message : String(error)}`,
          {},
        );
      }
      if (!bytesEqual(marketTx.sender, tx.sender)) {
        throw new MarketError(
          'BAD_SIGNATURE',
          'the market transaction is signed by another key than the envelope',
          {},
        );
      }
      const result = executeMarketTransaction(
        state,
        marketTx,
        { chainId: context.chainId, blockTimeMs: context.timestampMs, height: context.height },
        typeof plugins === 'function' ? plugins(state) : plugins,
      );
      if (!result.ok) throw result.error;
    },
    nextDueMs(state) {
      return new MarketStore(readOnly(state)).earliestDeadlineMs() ?? null;
    },
    beginBlock(state, context) {
      runDueDeadlines(
        state,
        { chainId: context.chainId, blockTimeMs: context.timestampMs, height: context.height },
        () => (typeof plugins === 'function' ? plugins(state) : plugins),
      );
    },
  };
}

/** The market's genesis records (configuration and operators) as the ledger's initial state. */
export function marketGenesisState(config: MarketConfig): StateEntry[] {
  const state = new MemoryState();
  initMarket(state, config);
  return [...state.sortedEntries()].map(([key, value]) => ({ key, value }));
}

/** A state to read through the market store; asking when work is due never writes. */
function readOnly(state: ReadableState): KeyValueState {
  return {
    get: (key) => state.get(key),
    set() {
      throw new TypeError('a read-only market state was written');
    },
    delete() {
      throw new TypeError('a read-only market state was written');
    },
  };
}
