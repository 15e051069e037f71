import type { Histogram } from 'prom-client';

export interface CommitLatencyFigures {
  readonly count: number;
  readonly sumSeconds: number;
  /** Cumulative counts per upper bound; the +Inf bucket is `count` itself (JSON has no Infinity). */
  readonly buckets: { readonly leSeconds: number; readonly count: number }[];
}

/** The commit-latency histogram as plain figures, for GET /api/v1/status. */
export async function commitLatencyFigures(histogram: Pick<Histogram, 'get'>): Promise<CommitLatencyFigures> {
  const { values } = await histogram.get();
  let count = 0;
  let sumSeconds = 0;
  const buckets: { leSeconds: number; count: number }[] = [];
  for (const v of values) {
    const name = v.metricName ?? '';
    if (name.endsWith('_count')) count = v.value;
    else if (name.endsWith('_sum')) sumSeconds = v.value;
    else if (name.endsWith('_bucket')) {
      const le = Number(v.labels.le);
      if (Number.isFinite(le)) buckets.push({ leSeconds: le, count: v.value });
    }
  }
  buckets.sort((a, b) => a.leSeconds - b.leSeconds);
  return { count, sumSeconds, buckets };
}
