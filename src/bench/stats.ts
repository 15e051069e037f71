/** Median of a non-empty list; benchmarks quote medians because these machines are shared and noisy. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Runs `work` (which performs `count` operations) `repeats` times; the median rate in operations/s. */
export function medianRate(repeats: number, count: number, work: () => void): number {
  const rates: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    work();
    rates.push((count * 1000) / (performance.now() - started));
  }
  return median(rates);
}

export function heapUsedMb(): number {
  return round(process.memoryUsage().heapUsed / 1024 / 1024, 1);
}
