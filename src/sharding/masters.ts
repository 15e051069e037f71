import { Writer } from '../codec/index.js';
import { compareBytes, sha256 } from '../crypto/index.js';

const DOMAIN = 'gridshard/masters/v1';

/**
 * The master order of one shard for one cycle: the first is the cycle's master, the rest are its
 * replacements in turn. Each candidate's rank is a hash of the beacon (a common-coin value nobody
 * knows before f + 1 honest validators release their shares, and nobody can bias), the cycle,
 * the shard and the candidate, so the draw cannot be predicted before the beacon or ground after.
 */
export function drawMasters(
  beacon: Uint8Array,
  cycle: number,
  shard: number,
  candidates: readonly number[],
): number[] {
  const ranked = candidates.map((candidate) => ({
    candidate,
    rank: sha256(new Writer(96).string(DOMAIN).bytes(beacon).u64(cycle).u32(shard).u32(candidate).finish()),
  }));
  ranked.sort((a, b) => compareBytes(a.rank, b.rank) || a.candidate - b.candidate);
  return ranked.map((r) => r.candidate);
}
