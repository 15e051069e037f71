/**
 * A token bucket per client address. The table is bounded: when full, the client seen least
 * recently loses its bucket (and starts again with a full one), never everyone at once.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly maxClients = 10_000,
  ) {}

  /** Takes `count` tokens at once, or none when fewer are left (a batch is admitted whole or not). */
  take(client: string, nowMs: number, count = 1): boolean {
    let bucket = this.buckets.get(client);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxClients) {
        const stalest = this.buckets.keys().next().value;
        if (stalest !== undefined) this.buckets.delete(stalest);
      }
      bucket = { tokens: this.perSecond, at: nowMs };
    } else {
      this.buckets.delete(client);
    }
    // Re-inserted on every use, so the map's order is least recently seen first.
    this.buckets.set(client, bucket);
    bucket.tokens = Math.min(
      this.perSecond,
      bucket.tokens + (Math.max(0, nowMs - bucket.at) * this.perSecond) / 1000,
    );
    bucket.at = nowMs;
    if (bucket.tokens < count) return false;
    bucket.tokens -= count;
    return true;
  }

  /** Milliseconds until `count` tokens are back (after a refused `take`); does not take any. */
  waitMs(client: string, nowMs: number, count = 1): number {
    const bucket = this.buckets.get(client);
    if (bucket === undefined) return 0;
    const tokens = Math.min(
      this.perSecond,
      bucket.tokens + (Math.max(0, nowMs - bucket.at) * this.perSecond) / 1000,
    );
    // A batch larger than the whole bucket never fits: Infinity, which the caller clamps.
    if (count > this.perSecond) return Number.POSITIVE_INFINITY;
    return Math.max(0, ((count - tokens) * 1000) / this.perSecond);
  }
}
