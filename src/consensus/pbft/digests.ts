import { createHash } from 'node:crypto';
import { Writer } from '../../codec/index.js';

const TRANSACTIONS_DOMAIN = 'gridshard/pbft/transactions';

/**
 * The digest of a transaction list, in its canonical form (count, then each transaction with its
 * length). Signatures and batch digests cover this instead of the transactions themselves, so a
 * large batch is hashed once per validator however many times it is signed, checked or voted on.
 * Memoised per list object: decoded messages and proposals keep their list.
 */
const memo = new WeakMap<readonly Uint8Array[], Uint8Array>();

export function transactionsDigest(transactions: readonly Uint8Array[]): Uint8Array {
  const known = memo.get(transactions);
  if (known !== undefined) return known;
  const hash = createHash('sha256');
  hash.update(TRANSACTIONS_DOMAIN);
  hash.update(new Writer(8).varuint(transactions.length).finish());
  for (const tx of transactions) {
    hash.update(new Writer(8).varuint(tx.length).finish());
    hash.update(tx);
  }
  const digest = new Uint8Array(hash.digest());
  memo.set(transactions, digest);
  return digest;
}
