/**
 * How long a refused client should wait before sending again (`Retry-After`, whole seconds).
 * Every answer is clamped to 1 … 30 s: below a second the header cannot say it, and past 30 s
 * a client does better to try another validator than to wait for this one.
 */
export const MIN_RETRY_AFTER_S = 1;
export const MAX_RETRY_AFTER_S = 30;

/** A wait in milliseconds as a `Retry-After` value: rounded up, then clamped. */
export function retryAfterSeconds(waitMs: number): number {
  if (!Number.isFinite(waitMs)) return MAX_RETRY_AFTER_S;
  return Math.min(MAX_RETRY_AFTER_S, Math.max(MIN_RETRY_AFTER_S, Math.ceil(waitMs / 1000)));
}

/**
 * The wait asked of a client whose transaction a full mempool refused: the time the shard needs
 * to commit what is pending now at the rate it committed recently. By then the pool has room
 * for as many transactions again, so clients told this do not all come back into a pool that is
 * still full. With no commit in the recent window the wait is the longest one.
 */
export function drainSeconds(pending: number, committedPerSecond: number): number {
  if (committedPerSecond <= 0) return MAX_RETRY_AFTER_S;
  return retryAfterSeconds((pending / committedPerSecond) * 1000);
}

/**
 * The shard's recent commit rate, counted from the blocks the node announces: transactions per
 * second over a sliding window, on the API's clock.
 */
export class CommitRate {
  private readonly blocks: { atMs: number; count: number }[] = [];
  private total = 0;

  constructor(private readonly windowMs = 10_000) {}

  record(count: number, nowMs: number): void {
    this.blocks.push({ atMs: nowMs, count });
    this.total += count;
    this.trim(nowMs);
  }

  perSecond(nowMs: number): number {
    this.trim(nowMs);
    return (this.total * 1000) / this.windowMs;
  }

  private trim(nowMs: number): void {
    while (this.blocks.length > 0 && this.blocks[0]!.atMs <= nowMs - this.windowMs) {
      this.total -= this.blocks.shift()!.count;
    }
  }
}
