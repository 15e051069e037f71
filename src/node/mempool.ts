import { toHex } from '../crypto/hash.js';
import type { SignatureScheme } from '../crypto/scheme.js';
import { isGridShardError } from '../errors.js';
import { checkNonce, readNonceWindow } from '../ledger/nonces.js';
import type { KeyValueState } from '../ledger/state-interface.js';
import { checkTransaction, decodeTransaction, type Transaction } from '../ledger/transaction.js';
import { NodeError } from './errors.js';

export interface MempoolLimits {
  /** Transactions admitted and not yet committed, in total. */
  readonly maxPending: number;
  readonly maxPendingPerSender: number;
  readonly maxTransactionBytes: number;
  /** Admitted transactions not committed within this are forgotten (their sender may resend). */
  readonly expiryMs: number;
}

export const DEFAULT_MEMPOOL_LIMITS: MempoolLimits = {
  maxPending: 50_000,
  maxPendingPerSender: 1_000,
  maxTransactionBytes: 70 * 1024,
  expiryMs: 120_000,
};

interface PendingEntry {
  readonly sender: string;
  readonly admittedAtMs: number;
}

export interface AdmittedTransaction {
  readonly hash: Uint8Array;
  readonly tx: Transaction;
  readonly bytes: Uint8Array;
}

/**
 * The door for transactions from clients: it decodes, checks the chain, shard and signature,
 * refuses nonces already used or too far ahead, duplicates, and senders or totals over their
 * limits, each with a typed error. What passes goes to consensus; it leaves the pool once committed.
 */
export class Mempool {
  private readonly pending = new Map<string, PendingEntry>();
  private readonly perSender = new Map<string, number>();

  constructor(
    private readonly scheme: SignatureScheme,
    private readonly chain: { readonly chainId: string; readonly shardId: number },
    private readonly limits: MempoolLimits = DEFAULT_MEMPOOL_LIMITS,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  admit(bytes: Uint8Array, state: KeyValueState, nowMs: number): AdmittedTransaction {
    if (bytes.length > this.limits.maxTransactionBytes) {
      throw new NodeError(
        'BAD_TRANSACTION',
        `transaction of ${bytes.length} bytes exceeds ${this.limits.maxTransactionBytes}`,
        {},
      );
    }
    let tx: Transaction;
    try {
      tx = decodeTransaction(bytes, this.scheme);
      checkTransaction(this.scheme, tx, this.chain);
    } catch (error) {
      if (isGridShardError(error)) {
        throw new NodeError('BAD_TRANSACTION', `${error.code}: ${error.message}`, { cause: error.code });
      }
      throw error;
    }
    const hash = this.scheme.hash(bytes);
    const id = toHex(hash);
    if (this.pending.has(id))
      throw new NodeError('DUPLICATE_TRANSACTION', 'transaction is already pending', { hash: id });
    try {
      checkNonce(readNonceWindow(state, tx.sender), tx.nonce);
    } catch (error) {
      if (isGridShardError(error)) {
        const code = error.code === 'BAD_NONCE' ? 'STALE_NONCE' : 'NONCE_TOO_FAR';
        throw new NodeError(code, error.message, { nonce: tx.nonce.toString() });
      }
      throw error;
    }
    const sender = toHex(tx.sender);
    const count = this.perSender.get(sender) ?? 0;
    if (count >= this.limits.maxPendingPerSender) {
      throw new NodeError('SENDER_LIMIT', `sender has ${count} transactions pending`, { sender });
    }
    if (this.pending.size >= this.limits.maxPending) {
      throw new NodeError('MEMPOOL_FULL', 'too many pending transactions; retry later', {
        size: this.pending.size,
      });
    }
    this.pending.set(id, { sender, admittedAtMs: nowMs });
    this.perSender.set(sender, count + 1);
    return { hash, tx, bytes };
  }

  /** Called for every committed transaction hash. */
  committed(hash: Uint8Array): void {
    this.forget(toHex(hash));
  }

  /** Drops what waited longer than the expiry; returns how many. */
  expire(nowMs: number): number {
    let dropped = 0;
    for (const [id, entry] of this.pending) {
      if (nowMs - entry.admittedAtMs > this.limits.expiryMs) {
        this.forget(id);
        dropped++;
      }
    }
    return dropped;
  }

  private forget(id: string): void {
    const entry = this.pending.get(id);
    if (entry === undefined) return;
    this.pending.delete(id);
    const left = (this.perSender.get(entry.sender) ?? 1) - 1;
    if (left <= 0) this.perSender.delete(entry.sender);
    else this.perSender.set(entry.sender, left);
  }
}
