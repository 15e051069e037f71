import type { AdmittedTransaction } from '../validator/mempool.js';

/** What a whole validator offers a client: its mempool's door, and the proposal after it. */
export interface ProposingValidator<E> {
  admit(bytes: Uint8Array, nowMs: number): AdmittedTransaction;
  handle(
    input: { readonly kind: 'propose'; readonly transactions: readonly AdmittedTransaction[] },
    nowMs: number,
  ): E[];
}

/**
 * Client transactions through a validator's mempool, as at the node's API: what it admits it
 * proposes. A refused copy (one already pending or committed) is dropped: the client's other copy
 * stands.
 */
export function admitAndPropose<E>(
  validator: ProposingValidator<E>,
  transactions: readonly Uint8Array[],
  nowMs: number,
): E[] {
  const admitted: AdmittedTransaction[] = [];
  for (const bytes of transactions) {
    try {
      admitted.push(validator.admit(bytes, nowMs));
    } catch {
      // Refused: see above.
    }
  }
  return validator.handle({ kind: 'propose', transactions: admitted }, nowMs);
}
