import type { KeyObject } from 'node:crypto';
import { ed25519KeyPairFromSeed, ed25519PrivateKeyObject } from '../crypto/index.js';
import { StateOverlay } from '../ledger/overlay.js';
import type { KeyValueState } from '../ledger/state-interface.js';
import {
  type ExecutionContext,
  type MarketAction,
  type MarketTransaction,
  signMarketTransaction,
} from './actions.js';
import { runDueDeadlines } from './deadlines.js';
import type { MarketError } from './errors.js';
import { executeMarketTransaction, type MarketResult } from './executor.js';
import type { MarketPlugins } from './handler-context.js';

export interface RecordedTransaction {
  readonly tx: MarketTransaction;
  readonly context: ExecutionContext;
}

export interface Signer {
  readonly publicKey: Uint8Array;
  readonly privateKey: KeyObject;
}

export function signerFromSeed(seed: Uint8Array): Signer {
  const pair = ed25519KeyPairFromSeed(seed);
  return { publicKey: pair.publicKey, privateKey: ed25519PrivateKeyObject(pair.seed) };
}

/**
 * Drives the market the way a chain would: each transaction is signed with the sender's next
 * nonce and executed in its own block, block time advancing by a fixed step. For the simulator
 * and tests; on a running chain the node feeds blocks ordered by consensus instead.
 */
export class MarketDriver {
  height = 0;
  private readonly nonces = new Map<string, bigint>();
  transactions = 0;
  rejected = 0;
  /** Every executed transaction with its block context, when set to an array. */
  log: RecordedTransaction[] | null = null;
  /**
   * Run the ledger's begin-block work (due deadlines) at each block before its transaction, as
   * a chain does; a throw there drops that work for the block, as the ledger's executor does.
   */
  runDeadlines = false;
  /** Called at each block once its begin-block work is done, before its transaction. */
  onBlockStart: (() => void) | null = null;

  constructor(
    readonly state: KeyValueState,
    readonly chainId: string,
    public blockTimeMs: number,
    private readonly blockStepMs = 1000,
    private readonly plugins?: MarketPlugins,
  ) {}

  sign(signer: Signer, action: MarketAction): MarketTransaction {
    const name = Buffer.from(signer.publicKey).toString('hex');
    const nonce = this.nonces.get(name) ?? 0n;
    return signMarketTransaction(this.chainId, signer, nonce, action);
  }

  /** Executes a signed transaction in a block of its own; on success the signer's local nonce moves on. */
  execute(tx: MarketTransaction): MarketResult {
    const context = this.beginBlock();
    this.transactions++;
    this.log?.push({ tx, context });
    const result = executeMarketTransaction(this.state, tx, context, this.plugins);
    if (result.ok) this.nonces.set(Buffer.from(tx.sender).toString('hex'), tx.nonce + 1n);
    else this.rejected++;
    return result;
  }

  /** A block without transactions: only its begin-block work runs, when `runDeadlines` is set. */
  emptyBlock(): void {
    this.beginBlock();
  }

  private beginBlock(): ExecutionContext {
    this.height++;
    this.blockTimeMs += this.blockStepMs;
    const context = { chainId: this.chainId, blockTimeMs: this.blockTimeMs, height: this.height };
    if (this.runDeadlines) {
      const overlay = new StateOverlay(this.state);
      try {
        runDueDeadlines(overlay, context, this.plugins);
        overlay.commitTo();
      } catch {
        // Dropped for this block, as on the ledger.
      }
    }
    this.onBlockStart?.();
    return context;
  }

  /** Signs and executes; returns the result whether accepted or refused. */
  submit(signer: Signer, action: MarketAction): MarketResult {
    return this.execute(this.sign(signer, action));
  }

  /** Signs and executes, and throws the refusal: for steps that must succeed. */
  must(signer: Signer, action: MarketAction): Record<string, unknown> {
    const result = this.submit(signer, action);
    if (!result.ok) throw result.error;
    return result.detail;
  }

  /** Moves block time forward, e.g. past a gate closure or the end of delivery. */
  advanceTo(blockTimeMs: number): void {
    if (blockTimeMs > this.blockTimeMs) this.blockTimeMs = blockTimeMs;
  }
}

export function expectError(result: MarketResult): MarketError {
  if (result.ok) throw new Error(`expected a refusal, got success of ${result.type}`);
  return result.error;
}
