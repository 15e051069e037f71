import type { Prng } from '../kit/prng.js';

export type WorkloadName = 'kv' | 'market';
export const WORKLOADS: readonly WorkloadName[] = ['kv', 'market'];

/**
 * One client transaction of a run: when it is handed over, to which validator, and its bytes, or
 * how the client signs it at that moment after reading the state of the validator it is about to
 * hand it to (the instance given), as a client of the API reads its nonce first. A client that is
 * still waiting for what the step needs answers null and is asked again CLIENT_WAIT_MS later.
 */
export interface PlannedTransaction {
  readonly atMs: number;
  readonly to: number;
  readonly tx: Uint8Array | ((instance: number, nowMs: number) => Uint8Array | null);
}

export const CLIENT_WAIT_MS = 100;

/**
 * The key-value workload: `count` transactions evenly over the window, each to a drawn honest
 * validator; `bytes` turns the k-th tag into the transaction (raw tag bytes without `--execute`).
 */
export function kvSchedule(
  seed: number,
  count: number,
  windowMs: number,
  rng: Prng,
  honest: readonly number[],
  bytes: (k: number, tag: string) => Uint8Array,
): PlannedTransaction[] {
  const out: PlannedTransaction[] = [];
  for (let k = 0; k < count; k++) {
    const atMs = Math.floor((k * windowMs) / count);
    const tag = `sim/${seed}/${k}/${rng.next().toString(16)}`;
    const tx = bytes(k, tag);
    out.push({ atMs, to: rng.pick(honest), tx });
  }
  return out;
}
