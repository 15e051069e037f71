import { decodeExact, type Reader } from '../codec/reader.js';
import { varuintLength, Writer } from '../codec/writer.js';
import { LedgerError } from './errors.js';
import type { KeyValueState, ReadableState } from './state-interface.js';
import type { Transaction } from './transaction.js';

/**
 * What the ledger asks of the application that executes ordered transactions. Determinism
 * requirements, which every implementation must meet:
 *  1. The outcome depends only on the state before, the transaction and the context.
 *  2. No clock, no randomness other than `context.randomness`, no I/O.
 *  3. Refusal is a thrown GridShardError; its code becomes the receipt and nothing is written.
 */
export interface TransactionContext {
  readonly chainId: string;
  readonly shardId: number;
  readonly height: number;
  readonly timestampMs: number;
  readonly randomness: Uint8Array;
  readonly txIndex: number;
  readonly txHash: Uint8Array;
}

/** What a block gives the begin-block hook: the block's identity, time and randomness. */
export type BlockContext = Omit<TransactionContext, 'txIndex' | 'txHash'>;

export interface Application {
  /** The transaction types this application executes. */
  readonly types: readonly string[];
  execute(state: KeyValueState, tx: Transaction, context: TransactionContext): void;
  /**
   * Runs once per block before its transactions, under the same determinism requirements: work
   * that block time alone triggers (deadlines nobody sends a transaction for). Its writes enter
   * the block's state like a transaction's. If it throws, the executor drops all of its writes
   * for that block and records the failure (src/ledger/executor.ts), and the block goes on.
   */
  beginBlock?(state: KeyValueState, context: BlockContext): void;
  /**
   * The earliest block time at which `beginBlock` has work in this state (null: none). A
   * validator with nothing else to order proposes a time marker then, and cuts a block without
   * transactions once the ordered markers reach it, so deadlines act on an idle chain too.
   */
  nextDueMs?(state: ReadableState): number | null;
}

/** Routes each transaction to the application that declares its type. */
export class ApplicationRouter implements Application {
  private readonly byType = new Map<string, Application>();
  private readonly hooked: Application[];
  /** Applications with a due time: a hook's, or time that must reach the chain for another reason. */
  private readonly timed: Application[];

  constructor(applications: readonly Application[]) {
    this.hooked = [...new Set(applications)].filter((application) => application.beginBlock !== undefined);
    this.timed = [...new Set(applications)].filter((application) => application.nextDueMs !== undefined);
    for (const application of applications) {
      for (const type of application.types) {
        if (this.byType.has(type)) throw new Error(`two applications declare transaction type ${type}`);
        this.byType.set(type, application);
      }
    }
  }

  get types(): string[] {
    return [...this.byType.keys()].sort();
  }

  execute(state: KeyValueState, tx: Transaction, context: TransactionContext): void {
    const application = this.byType.get(tx.type);
    if (application === undefined) {
      throw new LedgerError('UNKNOWN_TX_TYPE', `no contract executes transactions of type "${tx.type}"`, {
        type: tx.type,
      });
    }
    application.execute(state, tx, context);
  }

  /**
   * Each routed application's hook, in the order the applications were given. They share one
   * fate: if one throws, the executor drops the writes of all of them for that block.
   */
  beginBlock(state: KeyValueState, context: BlockContext): void {
    for (const application of this.hooked) application.beginBlock!(state, context);
  }

  nextDueMs(state: ReadableState): number | null {
    let earliest: number | null = null;
    for (const application of this.timed) {
      const due = application.nextDueMs?.(state) ?? null;
      if (due !== null && (earliest === null || due < earliest)) earliest = due;
    }
    return earliest;
  }
}

/**
 * A plain key-value contract: `kv.put` stores a value under a key of the sender's choosing, in the
 * sender's own namespace. Generated chains and the ledger's tests and benchmarks use it.
 */
export const KV_PUT = 'kv.put';
export const MAX_KV_KEY_LENGTH = 256;
export const MAX_KV_VALUE_LENGTH = 4096;

export function encodeKvPut(key: Uint8Array, value: Uint8Array): Uint8Array {
  return new Writer(16 + key.length + value.length).bytes(key).bytes(value).finish();
}

export function kvStateKey(sender: Uint8Array, key: Uint8Array): Uint8Array {
  // Sized exactly ('kv', then two length-prefixed fields), so the writer's buffer is the key.
  const length = 3 + varuintLength(sender.length) + sender.length + varuintLength(key.length) + key.length;
  return new Writer(length).string('kv').bytes(sender).bytes(key).finish();
}

export const keyValueApplication: Application = {
  types: [KV_PUT],
  execute(state, tx) {
    const { key, value } = decodeExact(tx.payload, (reader: Reader) => ({
      key: reader.bytesField(MAX_KV_KEY_LENGTH),
      value: reader.bytesField(MAX_KV_VALUE_LENGTH),
    }));
    state.set(kvStateKey(tx.sender, key), value);
  },
};
