import type { KeyObject } from 'node:crypto';
import { Writer } from '../codec/index.js';
import { ed25519KeyPairFromSeed, ed25519PrivateKeyObject, sha256 } from '../crypto/index.js';
import { StateOverlay } from '../ledger/overlay.js';
import type { KeyValueState } from '../ledger/state-interface.js';
import type { ExecutionContext, MarketAction, TransactionContext } from './actions.js';
import { runDueDeadlines } from './deadlines.js';
import type { MarketError } from './errors.js';
import { executeMarketAction, type MarketResult } from './executor.js';
import type { MarketPlugins } from './handler-context.js';

/** One executed action with its sender and transaction context, enough to replay it. */
export interface RecordedAction {
  readonly sender: Uint8Array;
  readonly action: MarketAction;
  readonly context: TransactionContext;
}

/** A member's key pair; the driver only needs the public key, a chain's envelope the private one. */
export interface Signer {
  readonly publicKey: Uint8Array;
  readonly privateKey: KeyObject;
}

/** Who sends an action through the driver: a public key, or anything that carries one. */
export type Actor = Uint8Array | { readonly publicKey: Uint8Array };

export function signerFromSeed(seed: Uint8Array): Signer {
  const pair = ed25519KeyPairFromSeed(seed);
  return { publicKey: pair.publicKey, privateKey: ed25519PrivateKeyObject(pair.seed) };
}

const senderOf = (actor: Actor) => (actor instanceof Uint8Array ? actor : actor.publicKey);

/**
 * Drives the market the way a chain would, without the ledger: each action runs in a block of
 * its own, block time advancing by a fixed step. The sender is taken as authenticated, which on a
 * chain the ledger's envelope does (signature and nonce); here nothing is signed. For the
 * simulator and tests; on a running chain the node feeds blocks ordered by consensus instead.
 */
export class MarketDriver {
  height = 0;
  transactions = 0;
  rejected = 0;
  /** Every executed action with its context, when set to an array. */
  log: RecordedAction[] | null = null;
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

  /** Executes `action` for `actor` in a block of its own; returns the result, accepted or refused. */
  submit(actor: Actor, action: MarketAction): MarketResult {
    const sender = senderOf(actor);
    const block = this.beginBlock();
    const context: TransactionContext = { ...block, txHash: this.txHash(sender) };
    this.transactions++;
    this.log?.push({ sender, action, context });
    const result = executeMarketAction(this.state, sender, action, context, this.plugins);
    if (!result.ok) this.rejected++;
    return result;
  }

  /** Executes and throws the refusal: for steps that must succeed. */
  must(actor: Actor, action: MarketAction): Record<string, unknown> {
    const result = this.submit(actor, action);
    if (!result.ok) throw result.error;
    return result.detail;
  }

  /** A block without transactions: only its begin-block work runs, when `runDeadlines` is set. */
  emptyBlock(): void {
    this.beginBlock();
  }

  /** Moves block time forward, e.g. past a gate closure or the end of delivery. */
  advanceTo(blockTimeMs: number): void {
    if (blockTimeMs > this.blockTimeMs) this.blockTimeMs = blockTimeMs;
  }

  /**
   * Stands in for the ledger transaction's hash: one transaction per block, so chain, height and
   * sender name it uniquely within a run.
   */
  private txHash(sender: Uint8Array): Uint8Array {
    return sha256(
      new Writer(96).string('gridshard/market-driver-tx').string(this.chainId).u64(this.height).finish(),
      sender,
    );
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
}

export function expectError(result: MarketResult): MarketError {
  if (result.ok) throw new Error(`expected a refusal, got success of ${result.type}`);
  return result.error;
}
