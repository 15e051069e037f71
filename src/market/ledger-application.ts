import type { Signer } from '../crypto/scheme.js';
import type { Application } from '../ledger/application.js';
import type { StateEntry } from '../ledger/genesis.js';
import type { KeyValueState, ReadableState } from '../ledger/state-interface.js';
import { signTransaction, type Transaction } from '../ledger/transaction.js';
import { decodeMarketPayload, encodeMarketPayload, type MarketAction } from './actions.js';
import { runDueDeadlines } from './deadlines.js';
import { executeDecodedAction, initMarket } from './executor.js';
import type { MarketPlugins } from './handler-context.js';
import { MemoryState } from './memory-state.js';
import type { MarketConfig } from './records.js';
import { MarketStore } from './store.js';

/** The ledger transaction type whose payload is a market action (`encodeMarketPayload`). */
export const MARKET_TX_TYPE = 'market';

/**
 * The market contracts as a ledger application. The ledger's envelope is a market action's only
 * signature and only nonce: by the time `execute` runs, the ledger has checked the envelope's
 * chain, shard and signature and consumed its nonce from the sender's window, so the envelope's
 * sender is the authenticated actor and the payload is the action alone. The ledger consumes that
 * nonce even when the market refuses the action (src/ledger/executor.ts), so signed bytes never
 * execute twice, and a refusal writes nothing else. Records that stand for a member's signature
 * (contract acceptances) keep the transaction's hash, which the block's Merkle proof ties to the
 * envelope. Block time and height come from the block. Before each block's transactions, every
 * cycle whose deadline has passed moves by its genesis rule (`runDueDeadlines`), so no cycle
 * waits for someone to send `advanceCycle`.
 */
export function marketApplication(
  plugins?: MarketPlugins | ((state: KeyValueState) => MarketPlugins | undefined),
): Application {
  return {
    types: [MARKET_TX_TYPE],
    execute(state, tx, context) {
      const action = decodeMarketPayload(tx.payload);
      const result = executeDecodedAction(
        state,
        tx.sender,
        action,
        {
          chainId: context.chainId,
          blockTimeMs: context.timestampMs,
          height: context.height,
          txHash: context.txHash,
        },
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

/**
 * The ledger transaction that carries `action` for the signer: the envelope's signature and nonce
 * are the action's only ones.
 */
export function signMarketEnvelope(
  signer: Signer,
  envelope: { readonly chainId: string; readonly shardId: number; readonly nonce: bigint },
  action: MarketAction,
): Transaction {
  return signTransaction(signer, { ...envelope, type: MARKET_TX_TYPE, payload: encodeMarketPayload(action) });
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
