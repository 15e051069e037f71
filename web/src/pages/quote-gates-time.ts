/**
 * The time the next block would carry: a block's time is its validators' clock, never earlier than
 * the newest block and at most 60 s later (src/node/time-marker.ts). The gates are judged by block
 * time, so this, not the browser's clock, says whether a gate is still ahead.
 */
export const MAX_BLOCK_STEP_MS = 60_000;
export const nextBlockTimeMs = (newestBlockMs: number, browserNowMs: number) =>
  Math.min(Math.max(newestBlockMs, browserNowMs), newestBlockMs + MAX_BLOCK_STEP_MS);
