import { bytesEqual, toHex } from '../crypto/hash.js';
import type { SignatureScheme } from '../crypto/scheme.js';
import { isGridShardError } from '../errors.js';
import { checkNonce, readNonceWindow } from '../ledger/nonces.js';
import type { SignedTransaction } from '../ledger/signed-transaction.js';
import type { ReadableState } from '../ledger/state-interface.js';
import {
  checkTransaction,
  decodeTransaction,
  encodeTransaction,
  type Transaction,
} from '../ledger/transaction.js';
import { AdmissionError } from './errors.js';

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
  // The largest entry either consensus core orders (both codecs' MAX_TRANSACTION_BYTES): one the
  // pool admitted above it would be dropped by the core's proposer, its hash handed out for a
  // transaction never ordered.
  maxTransactionBytes: 64 * 1024,
  expiryMs: 120_000,
};

interface PendingEntry {
  readonly sender: string;
  /** `sender:nonce`, the slot this transaction holds. */
  readonly slot: string;
  readonly admittedAtMs: number;
}

/** What admission returns: the transaction decoded once, its signature checked here. */
export type AdmittedTransaction = SignedTransaction;

/**
 * The door for transactions from clients: it decodes, checks the chain, shard and signature,
 * refuses nonces already used or too far ahead, duplicates, and senders or totals over their
 * limits, each with a typed error. What passes goes to consensus; it leaves the pool once committed.
 *
 * It admits only bytes that are the canonical encoding of their transaction, and names the
 * transaction by the hash of those bytes, which are the bytes the ledger stores: the hash a client
 * is given is the one it will find in a block. It holds one transaction per (sender, nonce): a
 * second, different transaction for a pending nonce could only fail at execution after taking
 * block space, so it is refused (DUPLICATE_TRANSACTION) until the first commits or expires.
 */
export class Mempool {
  private readonly pending = new Map<string, PendingEntry>();
  private readonly perSender = new Map<string, number>();
  /** `sender:nonce` → id of the pending transaction holding that nonce. */
  private readonly slots = new Map<string, string>();

  constructor(
    private readonly scheme: SignatureScheme,
    private readonly chain: { readonly chainId: string; readonly shardId: number },
    private readonly limits: MempoolLimits = DEFAULT_MEMPOOL_LIMITS,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  admit(bytes: Uint8Array, state: ReadableState, nowMs: number): AdmittedTransaction {
    if (bytes.length > this.limits.maxTransactionBytes) {
      throw new AdmissionError(
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
        throw new AdmissionError('BAD_TRANSACTION', `${error.code}: ${error.message}`, { cause: error.code });
      }
      throw error;
    }
    // The ledger stores the re-encoded transaction; admitting only bytes equal to it keeps the
    // returned hash and the stored one the same even if a decoder ever grew lenient.
    const stored = encodeTransaction(tx);
    if (!bytesEqual(stored, bytes)) {
      throw new AdmissionError('BAD_TRANSACTION', 'NON_CANONICAL: transaction bytes are not canonical', {
        cause: 'NON_CANONICAL',
      });
    }
    const hash = this.scheme.hash(stored);
    const id = toHex(hash);
    if (this.pending.has(id))
      throw new AdmissionError('DUPLICATE_TRANSACTION', 'transaction is already pending', { hash: id });
    const sender = toHex(tx.sender);
    const slot = `${sender}:${tx.nonce}`;
    const holder = this.slots.get(slot);
    if (holder !== undefined) {
      throw new AdmissionError(
        'DUPLICATE_TRANSACTION',
        `another transaction from this sender with nonce ${tx.nonce} is already pending`,
        { hash: id, pending: holder, nonce: tx.nonce.toString() },
      );
    }
    try {
      checkNonce(readNonceWindow(state, tx.sender), tx.nonce);
    } catch (error) {
      if (isGridShardError(error)) {
        const code = error.code === 'BAD_NONCE' ? 'STALE_NONCE' : 'NONCE_TOO_FAR';
        throw new AdmissionError(code, error.message, { nonce: tx.nonce.toString() });
      }
      throw error;
    }
    const count = this.perSender.get(sender) ?? 0;
    if (count >= this.limits.maxPendingPerSender) {
      throw new AdmissionError('SENDER_LIMIT', `sender has ${count} transactions pending`, { sender });
    }
    if (this.pending.size >= this.limits.maxPending) {
      throw new AdmissionError('MEMPOOL_FULL', 'too many pending transactions; retry later', {
        size: this.pending.size,
      });
    }
    this.pending.set(id, { sender, slot, admittedAtMs: nowMs });
    this.slots.set(slot, id);
    this.perSender.set(sender, count + 1);
    return { tx, bytes: stored, hash, signatureChecked: true };
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
    if (this.slots.get(entry.slot) === id) this.slots.delete(entry.slot);
    const left = (this.perSender.get(entry.sender) ?? 1) - 1;
    if (left <= 0) this.perSender.delete(entry.sender);
    else this.perSender.set(entry.sender, left);
  }
}
