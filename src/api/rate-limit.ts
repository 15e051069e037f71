/** A token bucket per client address; old buckets are dropped so the table stays bounded. */
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
      if (this.buckets.size >= this.maxClients) this.buckets.clear();
      bucket = { tokens: this.perSecond, at: nowMs };
      this.buckets.set(client, bucket);
    }
    bucket.tokens = Math.min(this.perSecond, bucket.tokens + ((nowMs - bucket.at) * this.perSecond) / 1000);
    bucket.at = nowMs;
    if (bucket.tokens < count) return false;
    bucket.tokens -= count;
    return true;
  }
}
