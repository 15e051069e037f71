/** Nearest-rank percentile of unsorted samples (0 when there are none). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * Latencies in 1 ms buckets up to `capMs` (10 minutes unless told; larger ones land in the last
 * bucket): fixed memory however long the run, percentiles exact to the bucket width.
 */
export class LatencyHistogram {
  private static readonly BUCKET_MS = 1;
  private readonly counts: Uint32Array;
  private total = 0;

  constructor(capMs = 600_000) {
    this.counts = new Uint32Array(Math.max(1, Math.ceil(capMs / LatencyHistogram.BUCKET_MS)));
  }

  add(ms: number): void {
    const bucket = Math.min(this.counts.length - 1, Math.max(0, Math.floor(ms / LatencyHistogram.BUCKET_MS)));
    this.counts[bucket]!++;
    this.total++;
  }

  get count(): number {
    return this.total;
  }

  /** Nearest-rank percentile, as the upper edge of its bucket (0 when empty). */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let bucket = 0; bucket < this.counts.length; bucket++) {
      seen += this.counts[bucket]!;
      if (seen >= rank) return (bucket + 1) * LatencyHistogram.BUCKET_MS;
    }
    return this.counts.length * LatencyHistogram.BUCKET_MS;
  }
}
