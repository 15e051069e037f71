import {
  CYCLE_STATE_KEY,
  DIRECTORY_STATE_KEY,
  encodeCycleClock,
  encodeDirectory,
} from '../cross-zone/directory.js';
import { ROOT_SHARD_ID } from '../cross-zone/root-application.js';
import { crossAccountKey, encodeAccountRecord } from '../cross-zone/state-book.js';
import { checkEd25519PublicKey } from '../crypto/ed25519.js';
import { fromHex } from '../crypto/hash.js';
import type { StateEntry } from '../ledger/genesis.js';
import { NodeError } from './errors.js';

export interface ShardMemberJson {
  /** Hex of the raw Ed25519 public key. */
  readonly publicKey: string;
  /** Its HTTP API, where masters and the root committee reach it. */
  readonly api: string;
}

/**
 * A sharded system as every one of its chains knows it: the committee of each zone shard and of
 * the root committee (keys and APIs), the length of a cycle (masters are drawn per cycle), and
 * the opening cross-zone balances of the accounts homed in this chain's shard. The committees'
 * keys go into the chain's state (`shards/directory`), so a decision's certified votes and a
 * shard block's commit proof are checked by the contracts against genesis alone.
 */
export interface ShardingGenesisJson {
  readonly cycleMs: number;
  readonly shards: readonly {
    readonly shardId: number;
    readonly validators: readonly ShardMemberJson[];
    /**
     * A shard whose committee is re-elected every cycle (its genesis has a `handover` section):
     * its standby nodes, which may join the committee, so that every chain can reach them.
     */
    readonly standby?: readonly ShardMemberJson[];
  }[];
  readonly root: { readonly validators: readonly ShardMemberJson[] };
  readonly accounts?: readonly {
    readonly account: string;
    readonly money: string;
    readonly energy: string;
  }[];
}

const MAX_SHARDS = 1024;
const MAX_ACCOUNTS = 10_000;

function bad(message: string): NodeError {
  return new NodeError('BAD_GENESIS', `genesis: sharding: ${message}`, {});
}

function checkMembers(members: unknown, where: string, least = 1, seen = new Set<string>()): void {
  if (!Array.isArray(members) || members.length < least || members.length > 100)
    throw bad(`${where} must list ${least} to 100 nodes`);
  members.forEach((m: Partial<ShardMemberJson> | null, i) => {
    if (typeof m?.publicKey !== 'string' || !/^[0-9a-f]{64}$/.test(m.publicKey))
      throw bad(`${where}[${i}].publicKey must be 64 hex characters`);
    try {
      checkEd25519PublicKey(fromHex(m.publicKey));
    } catch (error) {
      throw bad(`${where}[${i}].publicKey: ${(error as Error).message}`);
    }
    if (seen.has(m.publicKey)) throw bad(`${where}[${i}] repeats a key`);
    seen.add(m.publicKey);
    if (typeof m.api !== 'string' || !/^https?:\/\//.test(m.api))
      throw bad(`${where}[${i}].api must be an http(s) URL`);
  });
}

/** Checks the section for a chain of shard `shardId` (a zone shard, or ROOT_SHARD_ID). */
export function checkShardingGenesis(json: unknown, shardId: number): ShardingGenesisJson {
  const s = json as Partial<ShardingGenesisJson> | null;
  if (typeof s !== 'object' || s === null) throw bad('must be an object');
  if (!Number.isInteger(s.cycleMs) || (s.cycleMs as number) < 1000 || (s.cycleMs as number) > 86_400_000)
    throw bad('cycleMs must be an integer from 1,000 to 86,400,000');
  if (!Array.isArray(s.shards) || s.shards.length < 1 || s.shards.length > MAX_SHARDS)
    throw bad(`shards must list 1 to ${MAX_SHARDS} zone shards`);
  s.shards.forEach((shard, i) => {
    if (shard?.shardId !== i) throw bad(`shards[${i}].shardId must be ${i}`);
    const seen = new Set<string>();
    checkMembers(shard.validators, `shards[${i}].validators`, 1, seen);
    if (shard.standby !== undefined) checkMembers(shard.standby, `shards[${i}].standby`, 0, seen);
  });
  checkMembers(s.root?.validators, 'root.validators');
  if (shardId !== ROOT_SHARD_ID && shardId >= s.shards.length)
    throw bad(`this chain's shard ${shardId} is not in the list`);
  if (s.accounts !== undefined) {
    if (!Array.isArray(s.accounts) || s.accounts.length > MAX_ACCOUNTS)
      throw bad(`accounts must be a list of at most ${MAX_ACCOUNTS}`);
    const seen = new Set<string>();
    s.accounts.forEach((a, i) => {
      if (typeof a?.account !== 'string' || a.account.length < 1 || a.account.length > 64)
        throw bad(`accounts[${i}].account must be 1 to 64 characters`);
      if (seen.has(a.account)) throw bad(`accounts[${i}] repeats ${a.account}`);
      seen.add(a.account);
      for (const field of ['money', 'energy'] as const)
        if (typeof a[field] !== 'string' || !/^[0-9]{1,18}$/.test(a[field]))
          throw bad(`accounts[${i}].${field} must be a decimal string of 1 to 18 digits`);
    });
  }
  return s as ShardingGenesisJson;
}

/** What the section puts in block 0's state: the shard directory, the cycle clock and the opening balances. */
export function shardingGenesisState(sharding: ShardingGenesisJson, genesisTimeMs: number): StateEntry[] {
  return [
    { key: CYCLE_STATE_KEY, value: encodeCycleClock(genesisTimeMs, sharding.cycleMs) },
    {
      key: DIRECTORY_STATE_KEY,
      value: encodeDirectory(
        sharding.shards.map((shard) => ({
          shardId: shard.shardId,
          publicKeys: shard.validators.map((v) => fromHex(v.publicKey)),
        })),
      ),
    },
    ...(sharding.accounts ?? []).map((a) => ({
      key: crossAccountKey(a.account),
      value: encodeAccountRecord({
        money: BigInt(a.money),
        energy: BigInt(a.energy),
        lockedMoney: 0n,
        lockedEnergy: 0n,
      }),
    })),
  ];
}
