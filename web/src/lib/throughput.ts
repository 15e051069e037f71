/** Figures derived from the blocks this browser received (newest first); pure, so tests check them. */
import type { Received } from './block-stream.js';

export interface Throughput {
  readonly blocks: number;
  readonly txPerSecond: number | null;
  readonly meanBlockIntervalMs: number | null;
  readonly lastArrivalDelayMs: number | null;
}

export function throughput(received: readonly Received[]): Throughput {
  const n = received.length;
  if (n === 0) return { blocks: 0, txPerSecond: null, meanBlockIntervalMs: null, lastArrivalDelayMs: null };
  const newest = received[0]!;
  const lastArrivalDelayMs = Math.max(0, newest.receivedAtMs - newest.block.timestampMs);
  if (n < 2) return { blocks: n, txPerSecond: null, meanBlockIntervalMs: null, lastArrivalDelayMs };
  const oldest = received[n - 1]!;
  const spanMs = newest.block.timestampMs - oldest.block.timestampMs;
  // Transactions of the blocks after the oldest one, over the consensus time they span.
  const txs = received.slice(0, n - 1).reduce((sum, r) => sum + r.block.txCount, 0);
  return {
    blocks: n,
    txPerSecond: spanMs > 0 ? (txs * 1000) / spanMs : null,
    meanBlockIntervalMs: spanMs / (n - 1),
    lastArrivalDelayMs,
  };
}
