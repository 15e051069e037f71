import type { SignatureScheme } from '../crypto/scheme.js';
import { decodeTransaction, encodeTransaction, type Transaction } from './transaction.js';

/**
 * A transaction as it travels inside a validator: decoded once, with its canonical bytes, its
 * hash (the name clients and blocks use) and whether this process has already checked its
 * signature. Carrying the verdict as data is what lets execution skip a second verification of
 * what admission checked, without a side table keyed by hash that could expire or drift.
 */
export interface SignedTransaction {
  readonly tx: Transaction;
  readonly bytes: Uint8Array;
  readonly hash: Uint8Array;
  /** True only when this process verified chain, shard and signature of exactly these bytes. */
  readonly signatureChecked: boolean;
}

/** Decodes canonical bytes (CodecError otherwise); the signature is not checked here. */
export function decodeSignedTransaction(bytes: Uint8Array, scheme: SignatureScheme): SignedTransaction {
  const tx = decodeTransaction(bytes, scheme);
  return { tx, bytes, hash: scheme.hash(bytes), signatureChecked: false };
}

/** Wraps a decoded transaction (a caller that built it, or read it from a store). */
export function signedTransactionOf(
  tx: Transaction,
  scheme: SignatureScheme,
  signatureChecked = false,
): SignedTransaction {
  const bytes = encodeTransaction(tx);
  return { tx, bytes, hash: scheme.hash(bytes), signatureChecked };
}

export function isSignedTransaction(value: Transaction | SignedTransaction): value is SignedTransaction {
  return 'bytes' in value && 'hash' in value && 'tx' in value;
}
