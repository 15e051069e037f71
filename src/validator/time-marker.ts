/**
 * Consensus orders bytes, and a block needs a time every validator agrees on. Each validator puts
 * a marker with its own clock in front of the transactions it proposes; a block's time is the
 * latest marker in its batch, never earlier than its parent and at most MAX_STEP_MS later (so a
 * lying proposer can only nudge time forward slowly). Ledger transactions start with version
 * byte 1, so the 0xff prefix cannot be mistaken for one.
 */
const MARKER_PREFIX = [0xff, 0x54]; // 0xff 'T'
export const MAX_STEP_MS = 60_000;

export function timeMarker(nowMs: number): Uint8Array {
  const out = new Uint8Array(10);
  out.set(MARKER_PREFIX, 0);
  new DataView(out.buffer).setBigUint64(2, BigInt(Math.max(0, Math.floor(nowMs))));
  return out;
}

export function readTimeMarker(bytes: Uint8Array): number | null {
  if (bytes.length !== 10 || bytes[0] !== MARKER_PREFIX[0] || bytes[1] !== MARKER_PREFIX[1]) return null;
  const value = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(2);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(value);
}

export function blockTime(previousMs: number, markers: readonly number[]): number {
  if (markers.length === 0) return previousMs;
  const latest = Math.max(...markers);
  return Math.min(Math.max(previousMs, latest), previousMs + MAX_STEP_MS);
}
