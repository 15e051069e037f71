import { decodeExact, type Reader, Writer } from '../codec/index.js';
import type { Committee } from '../consensus/interface.js';
import { sha256, toHex } from '../crypto/index.js';
import type { ReadableState } from '../ledger/state-interface.js';
import { MAX_COMMITTEE_SIZE, type ShardDirectory } from '../sharding/index.js';

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

/** The committees of epoch 0 (the devnet's only epoch until reconfiguration runs on the root chain). */
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

/** The directory genesis put in this chain's state, or null on a chain that is not sharded. */
export function directoryFromState(state: ReadableState): ShardDirectory | null {
  const bytes = state.get(DIRECTORY_STATE_KEY);
  if (bytes === undefined) return null;
  const id = toHex(sha256(bytes));
  let directory = cache.get(id);
  if (directory === undefined) {
    directory = directoryOf(decodeDirectory(bytes));
    if (cache.size > 16) cache.clear();
    cache.set(id, directory);
  }
  return directory;
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
