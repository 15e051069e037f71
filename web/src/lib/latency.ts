/**
 * Commit latency over a recent window, from the cumulative histogram a validator reports in its
 * status (GET /api/v1/status, `commitLatency`): the difference of two readings is the histogram of
 * the transactions that committed between them. Pure; the readings carry the time they were taken.
 */

export interface LatencyHistogram {
  readonly count: number;
  readonly sumSeconds: number;
  readonly buckets: readonly { readonly leSeconds: number; readonly count: number }[];
}

export interface LatencyReading {
  readonly atMs: number;
  readonly histogram: LatencyHistogram;
}

export interface LatencyFigures {
  /** Transactions admitted at the node that committed in the window. */
  readonly count: number;
  readonly meanMs: number | null;
  /**
   * Where 95 % of them fell: at or below a bucket bound, or over the largest bound; null when
   * none committed or the node reports no buckets.
   */
  readonly p95: { readonly within: boolean; readonly boundMs: number } | null;
  /** How much time the figures cover (shorter than the window until enough readings exist). */
  readonly spanMs: number;
}

/**
 * The figures of the transactions that committed between the oldest reading of the window (or
 * the last one before it, so the window is covered whole) and the newest. Readings in time order;
 * a count that goes down means the node restarted, and readings before that are ignored.
 */
export function latencyOver(
  readings: readonly LatencyReading[],
  nowMs: number,
  windowMs: number,
): LatencyFigures {
  const none: LatencyFigures = { count: 0, meanMs: null, p95: null, spanMs: 0 };
  const newest = readings.at(-1);
  if (newest === undefined) return none;
  let first = readings.length - 1;
  while (first > 0) {
    const before = readings[first - 1]!;
    if (before.histogram.count > readings[first]!.histogram.count) break;
    first--;
    if (before.atMs <= nowMs - windowMs) break;
  }
  const oldest = readings[first]!;
  const count = newest.histogram.count - oldest.histogram.count;
  const spanMs = newest.atMs - oldest.atMs;
  if (count <= 0) return { ...none, spanMs };
  const sum = newest.histogram.sumSeconds - oldest.histogram.sumSeconds;
  const earlier = new Map(oldest.histogram.buckets.map((b) => [b.leSeconds, b.count]));
  const target = Math.ceil(count * 0.95);
  const buckets = newest.histogram.buckets.slice().sort((a, b) => a.leSeconds - b.leSeconds);
  const bound = buckets.find((b) => b.count - (earlier.get(b.leSeconds) ?? 0) >= target);
  const largest = buckets.at(-1);
  const p95 =
    bound !== undefined
      ? { within: true, boundMs: bound.leSeconds * 1000 }
      : largest === undefined
        ? null
        : { within: false, boundMs: largest.leSeconds * 1000 };
  return { count, meanMs: (sum * 1000) / count, p95, spanMs };
}

/** Keeps the readings a window needs: those inside it and the last one before it. */
export function pruneReadings<T extends { readonly atMs: number }>(
  readings: readonly T[],
  nowMs: number,
  windowMs: number,
): T[] {
  const inside = readings.findIndex((r) => r.atMs > nowMs - windowMs);
  if (inside === -1) return readings.slice(-1);
  return readings.slice(Math.max(0, inside - 1));
}
