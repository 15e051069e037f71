import { decodeExact, type Reader, Writer } from '../codec/index.js';
import type { Committee } from '../consensus/interface.js';
import type { StateEntry } from '../ledger/genesis.js';
import type { ReadableState } from '../ledger/state-interface.js';
import { MAX_COMMITTEE_SIZE } from '../sharding/quorum.js';

/**
 * Where genesis writes the chain's own consensus committee, so contracts can check what its
 * members signed (equivocation evidence) with nothing but the state.
 */
export const COMMITTEE_STATE_KEY = new TextEncoder().encode('roles/committee');

export function committeeGenesisEntry(committee: Committee): StateEntry {
  const w = new Writer(16 + committee.members.length * 33);
  w.u32(committee.shardId).u64(committee.epoch);
  w.array(committee.members, (ww, m) => ww.fixedBytes(m.publicKey, 32));
  return { key: COMMITTEE_STATE_KEY, value: w.finish() };
}

/** The committee genesis recorded, or null on a chain whose state has none. */
export function readCommittee(state: ReadableState): Committee | null {
  const bytes = state.get(COMMITTEE_STATE_KEY);
  if (bytes === undefined) return null;
  return decodeExact(bytes, (r: Reader) => {
    const shardId = r.u32();
    const epoch = r.u64();
    const keys = r.array((rr) => rr.fixedBytes(32), MAX_COMMITTEE_SIZE);
    return { shardId, epoch, members: keys.map((publicKey, index) => ({ index, publicKey })) };
  });
}
