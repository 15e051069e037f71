import { ed25519KeyPairFromSeed, sha256 } from '../../crypto/index.js';
import { dealCoinKeys } from '../coin/index.js';
import { validitySize } from '../interface.js';
import { DagError } from './errors.js';
import type { DagConfig, DagValidatorInit } from './types.js';

const encoder = new TextEncoder();

/**
 * A reproducible genesis of n validators from one 32-byte seed: each validator's Ed25519 signing
 * seed and its share of the coin key (threshold f + 1). For tests, simulations and benchmarks;
 * a real network deals from fresh entropy or runs a distributed key generation.
 */
export function dagGenesis(
  n: number,
  seed: Uint8Array,
  options: { shardId?: number; epoch?: number; config?: Partial<DagConfig> } = {},
): DagValidatorInit[] {
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new DagError('BAD_INIT', `committee size ${n} is out of range`, { n });
  if (seed.length !== 32) throw new DagError('BAD_INIT', 'genesis seed must be 32 bytes');
  const signingSeeds = Array.from({ length: n }, (_, i) =>
    sha256(encoder.encode(`gridshard/genesis/signing/${i}`), seed),
  );
  const members = signingSeeds.map((s, index) => ({ index, publicKey: ed25519KeyPairFromSeed(s).publicKey }));
  const committee = { shardId: options.shardId ?? 0, epoch: options.epoch ?? 0, members };
  const deal = dealCoinKeys(n, validitySize(n), sha256(encoder.encode('gridshard/genesis/coin'), seed));
  return signingSeeds.map((signingSeed, index) => ({
    committee,
    index,
    signingSeed,
    coinSecretShare: deal.secretShares[index]!,
    coinPublicKeys: deal.publicKeys,
    ...(options.config === undefined ? {} : { config: options.config }),
  }));
}
