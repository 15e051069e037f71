/**
 * A genesis file the reader trusts, pinned in this browser: commit proofs are then checked against
 * the committee it names rather than the keys the node lists, so a node serving another committee
 * (and proofs signed by it) is refused. The file is identified by the SHA-256 of its bytes, which
 * the reader compares with `sha256sum genesis.json` on a copy obtained out of band. Only what the
 * check needs is kept (genesis-store.ts): the hash, the chain, the shard and the validators' keys.
 */
import type { CommitteeKeys } from './commit-proof.js';
import { fromHex, toHex } from './hex.js';
import { sha256 } from './sha256.js';

export interface TrustedGenesis {
  readonly name: string;
  /** SHA-256 of the file's bytes, hex. */
  readonly sha256: string;
  readonly chainId: string;
  readonly shardId: number;
  readonly validators: readonly { readonly index: number; readonly publicKey: string }[];
}

export class GenesisFileError extends Error {
  override readonly name = 'GenesisFileError';
}

/** Larger than any genesis the node writes (its grid model included). */
export const MAX_GENESIS_BYTES = 16 * 1024 * 1024;
const MAX_VALIDATORS = 1024;
const CHAIN_ID = /^[\s\S]{1,64}$/;
export const KEY_HEX = /^[0-9a-f]{64}$/;

/** Reads the fields the check needs from a genesis file's bytes; anything malformed is refused. */
export function parseGenesisFile(name: string, bytes: Uint8Array): TrustedGenesis {
  if (bytes.length > MAX_GENESIS_BYTES)
    throw new GenesisFileError(`the file is larger than ${MAX_GENESIS_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new GenesisFileError('the file is not JSON');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new GenesisFileError('a genesis file is a JSON object');
  const g = json as Record<string, unknown>;
  if (g.version !== 1) throw new GenesisFileError('unknown genesis version (this portal reads version 1)');
  if (typeof g.chainId !== 'string' || !CHAIN_ID.test(g.chainId))
    throw new GenesisFileError('chainId is missing or too long');
  if (!Number.isSafeInteger(g.shardId) || (g.shardId as number) < 0)
    throw new GenesisFileError('shardId is not a whole number');
  if (!Array.isArray(g.validators) || g.validators.length === 0 || g.validators.length > MAX_VALIDATORS)
    throw new GenesisFileError(`validators must list 1 to ${MAX_VALIDATORS} validators`);
  const validators = g.validators.map((v: unknown, i: number) => {
    const entry = (v ?? {}) as Record<string, unknown>;
    if (entry.index !== i) throw new GenesisFileError(`validator ${i}: index must be ${i}`);
    if (typeof entry.publicKey !== 'string' || !KEY_HEX.test(entry.publicKey))
      throw new GenesisFileError(`validator ${i}: publicKey must be 32 bytes of lower-case hex`);
    return { index: i, publicKey: entry.publicKey };
  });
  return {
    name: name.slice(0, 200),
    sha256: toHex(sha256(bytes)),
    chainId: g.chainId,
    shardId: g.shardId as number,
    validators,
  };
}

/** The committee a pinned genesis names: its validators sign every block of epoch 0. */
export function committeeFromGenesis(genesis: TrustedGenesis): CommitteeKeys {
  return {
    shardId: genesis.shardId,
    epoch: 0,
    members: genesis.validators.map((v) => ({
      index: v.index,
      publicKey: fromHex(v.publicKey, 'publicKey'),
    })),
  };
}

/** Whether the node lists exactly the committee the pinned genesis names. */
export function sameCommittee(
  genesis: TrustedGenesis,
  network: {
    readonly shardId: number;
    readonly validators: readonly { readonly index: number; readonly publicKey: string }[];
  },
): boolean {
  return (
    network.shardId === genesis.shardId &&
    network.validators.length === genesis.validators.length &&
    network.validators.every((v, i) => v.index === i && v.publicKey === genesis.validators[i]!.publicKey)
  );
}
