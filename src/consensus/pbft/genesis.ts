import { Writer } from '../../codec/index.js';
import { ed25519KeyPairFromSeed, sha256 } from '../../crypto/index.js';
import type { Committee, ValidatorInit } from '../interface.js';
import { PbftError } from './errors.js';

const GENESIS_DOMAIN = 'gridshard/pbft/genesis';

/**
 * A test or benchmark committee of n validators whose signing seeds derive from one 32-byte seed,
 * so a run is reproducible from that seed. Real deployments load keys from their keystores.
 */
export function pbftGenesis(n: number, seed: Uint8Array, shardId = 0, epoch = 0): ValidatorInit[] {
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    throw new PbftError('BAD_INIT', `committee size must be 1 … 1024, got ${n}`, { n });
  }
  if (seed.length !== 32) {
    throw new PbftError('BAD_INIT', `genesis seed must be 32 bytes, got ${seed.length}`, {
      length: seed.length,
    });
  }
  const seeds = Array.from({ length: n }, (_, index) =>
    sha256(new Writer(64).string(GENESIS_DOMAIN).fixedBytes(seed, 32).u32(index).finish()),
  );
  const committee: Committee = {
    shardId,
    epoch,
    members: seeds.map((s, index) => ({ index, publicKey: ed25519KeyPairFromSeed(s).publicKey })),
  };
  return seeds.map((signingSeed, index) => ({ committee, index, signingSeed }));
}

/** The primary of a view: validators take turns in index order. */
export function pbftPrimaryOf(view: number, n: number): number {
  return view % n;
}
