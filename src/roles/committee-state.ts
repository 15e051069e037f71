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

/** Where a committee that handed over stays, so what it signed can still be checked. */
export function pastCommitteeKey(epoch: number): Uint8Array {
  return new TextEncoder().encode(`roles/committee/${epoch}`);
}

/** The committee serving now (genesis's, or the last one handed over to); null when none is recorded. */
export function readCommittee(state: ReadableState): Committee | null {
  return decodeCommittee(state.get(COMMITTEE_STATE_KEY));
}

/** The committee that served `epoch` on this chain: the current one or a past one; null if none did. */
export function readCommitteeOfEpoch(state: ReadableState, epoch: number): Committee | null {
  const current = readCommittee(state);
  if (current === null || current.epoch === epoch) return current;
  if (epoch > current.epoch) return null;
  return decodeCommittee(state.get(pastCommitteeKey(epoch)));
}

function decodeCommittee(bytes: Uint8Array | undefined): Committee | null {
  if (bytes === undefined) return null;
  return decodeExact(bytes, (r: Reader) => {
    const shardId = r.u32();
    const epoch = r.u64();
    const keys = r.array((rr) => rr.fixedBytes(32), MAX_COMMITTEE_SIZE);
    return { shardId, epoch, members: keys.map((publicKey, index) => ({ index, publicKey })) };
  });
}

/**
 * The members of `committee` that were not in the committee of the epoch before (committee
 * indices): they join from following the chain. None for the genesis epoch, or when the chain kept
 * no record of the epoch before.
 */
export function newcomersOf(state: ReadableState, committee: Committee): number[] {
  if (committee.epoch === 0) return [];
  const previous = readCommitteeOfEpoch(state, committee.epoch - 1);
  if (previous === null) return [];
  const before = new Set(previous.members.map((m) => Buffer.from(m.publicKey).toString('hex')));
  return committee.members.flatMap((m, i) =>
    before.has(Buffer.from(m.publicKey).toString('hex')) ? [] : [i],
  );
}
