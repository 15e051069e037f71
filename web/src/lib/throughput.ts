/**
 * Figures derived from the blocks this browser received (newest first); pure, so tests check them.
 * Rates use the local arrival times: block timestamps come from consensus time markers and may lag
 * the wall clock (docs/NODE.md), which the last figure shows.
 */
import type { Received } from './types.js';

export interface Throughput {
  readonly blocks: number;
  readonly txPerSecond: number | null;
  readonly meanBlockIntervalMs: number | null;
  /** How far the newest block's consensus time is behind this browser's clock when it arrived. */
  readonly blockTimeLagMs: number | null;
}

export function throughput(received: readonly Received[]): Throughput {
  const n = received.length;
  if (n === 0) return { blocks: 0, txPerSecond: null, meanBlockIntervalMs: null, blockTimeLagMs: null };
  const newest = received[0]!;
  const blockTimeLagMs = newest.receivedAtMs - newest.block.timestampMs;
  if (n < 2) return { blocks: n, txPerSecond: null, meanBlockIntervalMs: null, blockTimeLagMs };
  const oldest = received[n - 1]!;
  const spanMs = newest.receivedAtMs - oldest.receivedAtMs;
  // Transactions of the blocks after the oldest one, over the time between their arrivals.
  const txs = received.slice(0, n - 1).reduce((sum, r) => sum + r.block.txCount, 0);
  return {
    blocks: n,
    txPerSecond: spanMs > 0 ? (txs * 1000) / spanMs : null,
    meanBlockIntervalMs: spanMs / (n - 1),
    blockTimeLagMs,
  };
}

/** A duration in the largest unit that keeps it readable. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${Math.round(ms)} ms`;
  if (abs < 120_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (abs < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  if (abs < 172_800_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.round(ms / 86_400_000)} d`;
}

export interface RecentThroughput {
  /** Blocks and transactions that arrived in the window. */
  readonly blocks: number;
  readonly transactions: number;
  /** Over the window, or over the time since the stream opened when that is shorter. */
  readonly txPerSecond: number;
  /** Transactions per slice of `sliceMs`, oldest first, the last ending now. */
  readonly slices: readonly number[];
}

/** A block's arrival at this browser: when, and how many transactions it holds. */
export interface Arrival {
  readonly atMs: number;
  readonly txCount: number;
}

/**
 * Throughput of the last `windowMs` from block arrivals (any order), by arrival time;
 * `openedAtMs` is when the stream opened, so a page open for 10 s does not divide by a minute.
 */
export function recentThroughput(
  arrivals: readonly Arrival[],
  nowMs: number,
  openedAtMs: number,
  windowMs = 60_000,
  sliceMs = 5_000,
): RecentThroughput {
  const start = nowMs - windowMs;
  const slices = new Array<number>(Math.ceil(windowMs / sliceMs)).fill(0);
  let blocks = 0;
  let transactions = 0;
  for (const a of arrivals) {
    if (a.atMs <= start || a.atMs > nowMs) continue;
    blocks++;
    transactions += a.txCount;
    const slice = Math.min(slices.length - 1, Math.floor((a.atMs - start - 1) / sliceMs));
    slices[slice]! += a.txCount;
  }
  const coveredMs = Math.min(windowMs, Math.max(1, nowMs - openedAtMs));
  return { blocks, transactions, txPerSecond: (transactions * 1000) / coveredMs, slices };
}
