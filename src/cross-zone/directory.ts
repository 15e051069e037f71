import { decodeExact, type Reader, Writer } from '../codec/index.js';
import type { Committee } from '../consensus/interface.js';
import { sha256, toHex } from '../crypto/index.js';
import type { ReadableState } from '../ledger/state-interface.js';
import { MAX_COMMITTEE_SIZE, type ShardDirectory, VOTE_EPOCHS_AFTER_HANDOVER } from '../sharding/index.js';

/** Where every chain of a sharded system keeps the committees of all its zone shards (genesis). */
export const DIRECTORY_STATE_KEY = new TextEncoder().encode('shards/directory');
const MAX_SHARDS = 1024;

export interface ShardCommitteeKeys {
  readonly shardId: number;
  readonly publicKeys: readonly Uint8Array[];
}

export function encodeDirectory(shards: readonly ShardCommitteeKeys[]): Uint8Array {
  return new Writer(64 + shards.length * 140)
    .array(shards, (w, shard) =>
      w.u32(shard.shardId).array(shard.publicKeys, (k, key) => k.fixedBytes(key, 32)),
    )
    .finish();
}

export function decodeDirectory(bytes: Uint8Array): ShardCommitteeKeys[] {
  return decodeExact(bytes, (r: Reader) =>
    r.array(
      (s) => ({ shardId: s.u32(), publicKeys: s.array((k) => k.fixedBytes(32), MAX_COMMITTEE_SIZE) }),
      MAX_SHARDS,
    ),
  );
}

/** The committees of epoch 0, as genesis lists them. */
export function directoryOf(shards: readonly ShardCommitteeKeys[]): ShardDirectory {
  const committees = new Map<number, Committee>(
    shards.map((shard) => [
      shard.shardId,
      {
        shardId: shard.shardId,
        epoch: 0,
        members: shard.publicKeys.map((publicKey, index) => ({ index, publicKey })),
      },
    ]),
  );
  return { committee: (shard, epoch) => (epoch === 0 ? committees.get(shard) : undefined) };
}

const cache = new Map<string, ShardDirectory>();

/**
 * The shard committees this chain knows: genesis's for epoch 0, and each later one its chain
 * recorded from a proven handover (`shards.committee`, committee-application.ts). A committee is
 * retired for cross-zone votes once this chain has recorded the one `VOTE_EPOCHS_AFTER_HANDOVER`
 * epochs after it: one lookup, and records only grow. Null on a chain that is not sharded.
 */
export function directoryFromState(state: ReadableState): ShardDirectory | null {
  const bytes = state.get(DIRECTORY_STATE_KEY);
  if (bytes === undefined) return null;
  const id = toHex(sha256(bytes));
  let genesis = cache.get(id);
  if (genesis === undefined) {
    genesis = directoryOf(decodeDirectory(bytes));
    if (cache.size > 16) cache.clear();
    cache.set(id, genesis);
  }
  const atGenesis = genesis;
  return {
    committee: (shard, epoch) =>
      epoch === 0 ? atGenesis.committee(shard, 0) : (readShardCommittee(state, shard, epoch) ?? undefined),
    retired: (shard, epoch) => voteEpochRetired(state, shard, epoch),
  };
}

/** Whether this chain has recorded `shard`'s committee far enough past `epoch` to retire its votes. */
export function voteEpochRetired(state: ReadableState, shard: number, epoch: number): boolean {
  return state.get(shardCommitteeKey(shard, epoch + VOTE_EPOCHS_AFTER_HANDOVER)) !== undefined;
}

/**
 * Where a chain records the committee a shard handed over to in `epoch` (≥ 1): its members' keys
 * and the credit each was elected with.
 */
export function shardCommitteeKey(shard: number, epoch: number): Uint8Array {
  return new TextEncoder().encode(`shards/committee/${shard}/${epoch}`);
}

export function encodeShardCommittee(members: readonly Uint8Array[], credit: readonly number[]): Uint8Array {
  const w = new Writer(16 + members.length * 36).array(members, (ww, key) => ww.fixedBytes(key, 32));
  return w.array(credit, (ww, value) => ww.u32(value)).finish();
}

function decodeShardCommittee(bytes: Uint8Array): { keys: Uint8Array[]; credit: number[] } {
  return decodeExact(bytes, (r: Reader) => ({
    keys: r.array((k) => k.fixedBytes(32), MAX_COMMITTEE_SIZE),
    credit: r.array((k) => k.u32(), MAX_COMMITTEE_SIZE),
  }));
}

/** The committee of `shard` in `epoch` ≥ 1 that this chain recorded, or null. */
export function readShardCommittee(state: ReadableState, shard: number, epoch: number): Committee | null {
  const bytes = state.get(shardCommitteeKey(shard, epoch));
  if (bytes === undefined) return null;
  const { keys } = decodeShardCommittee(bytes);
  return { shardId: shard, epoch, members: keys.map((publicKey, index) => ({ index, publicKey })) };
}

/** The credit each member of `shard`'s committee of `epoch` ≥ 1 was elected with, by index, or null. */
export function readShardCredit(state: ReadableState, shard: number, epoch: number): number[] | null {
  const bytes = state.get(shardCommitteeKey(shard, epoch));
  return bytes === undefined ? null : decodeShardCommittee(bytes).credit;
}

/** Where every chain of a sharded system keeps the clock of its cycles: genesis time and cycle length. */
export const CYCLE_STATE_KEY = new TextEncoder().encode('shards/cycle');

export function encodeCycleClock(genesisTimeMs: number, cycleMs: number): Uint8Array {
  return new Writer(16).u64(genesisTimeMs).u32(cycleMs).finish();
}

/** The cycle clock genesis wrote into the state, or null on a chain whose genesis sets none. */
export function readCycleClock(state: ReadableState): { genesisTimeMs: number; cycleMs: number } | null {
  const bytes = state.get(CYCLE_STATE_KEY);
  if (bytes === undefined) return null;
  return decodeExact(bytes, (r: Reader) => ({ genesisTimeMs: r.u64(), cycleMs: r.u32() }));
}

/** The cycle a block of time `timestampMs` is in, or null on a chain whose genesis sets no cycle clock. */
export function cycleOfState(state: ReadableState, timestampMs: number): number | null {
  const clock = readCycleClock(state);
  if (clock === null) return null;
  return Math.max(0, Math.floor((timestampMs - clock.genesisTimeMs) / clock.cycleMs));
}
