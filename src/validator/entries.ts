import type { SignatureScheme } from '../crypto/scheme.js';
import { decodeSignedTransaction, type SignedTransaction } from '../ledger/signed-transaction.js';
import { readTimeMarker } from './time-marker.js';

/**
 * What one entry of a consensus batch is. Consensus orders opaque bytes; this module alone says
 * how the validator reads them: a time marker (see time-marker.ts), a ledger transaction, or
 * bytes that are neither, which every validator skips alike.
 */
export type BatchEntry =
  | { readonly kind: 'marker'; readonly timeMs: number }
  | { readonly kind: 'transaction'; readonly signed: SignedTransaction }
  | { readonly kind: 'invalid' };

const INVALID: BatchEntry = { kind: 'invalid' };

/**
 * Reads batch entries once per validator. An entry is read when the validator first meets it (a
 * header to vote on, its own proposal) and again when its batch is executed; the second reading
 * is a lookup by the entry's bytes object, which is the one consensus carried from the header to
 * the committed batch. Transactions this validator admitted are remembered with their checked
 * signature, so execution does not verify them again.
 */
export class EntryReader {
  private readonly read = new WeakMap<Uint8Array, BatchEntry>();

  constructor(private readonly scheme: SignatureScheme) {}

  /** A transaction admitted here (signature checked): its bytes read as it. */
  remember(signed: SignedTransaction): void {
    this.read.set(signed.bytes, { kind: 'transaction', signed });
  }

  entry(bytes: Uint8Array): BatchEntry {
    const known = this.read.get(bytes);
    if (known !== undefined) return known;
    const entry = readEntry(bytes, this.scheme);
    this.read.set(bytes, entry);
    return entry;
  }

  /** What a validator votes for: markers and transactions that decode (signatures come later). */
  accepts(bytes: Uint8Array): boolean {
    return this.entry(bytes).kind !== 'invalid';
  }
}

function readEntry(bytes: Uint8Array, scheme: SignatureScheme): BatchEntry {
  const timeMs = readTimeMarker(bytes);
  if (timeMs !== null) return { kind: 'marker', timeMs };
  try {
    return { kind: 'transaction', signed: decodeSignedTransaction(bytes, scheme) };
  } catch {
    return INVALID;
  }
}
