import { blockJson } from '../../src/api/chain-routes.js';
import type { Committee } from '../../src/consensus/interface.js';
import { ed25519Sign, toHex } from '../../src/crypto/index.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { type BlockHeader, blockHash } from '../../src/ledger/block.js';
import { AttestationCollector, encodeCommitProof, signCommitStatement } from '../../src/sharding/index.js';

/** A header as `GET /api/v1/blocks/{height}` serves it. */
export function headerJson(header: BlockHeader): Record<string, unknown> {
  return blockJson({ header, hash: blockHash(ed25519Scheme, header), txHashes: [], receipts: [] });
}

/**
 * The hex commit proof of `header` as `GET /api/v1/blocks/{height}/commit-proof` serves it, signed
 * by the first three of `seeds` as members 0, 1, 2 of `committee`.
 */
export function commitProofHex(
  header: BlockHeader,
  committee: Committee,
  chainId: string,
  seeds: readonly Uint8Array[],
): string {
  const collector = new AttestationCollector(committee, chainId);
  const statement = {
    chainId,
    shardId: committee.shardId,
    epoch: committee.epoch,
    height: header.height,
    blockHash: blockHash(ed25519Scheme, header),
    stateRoot: header.stateRoot,
  };
  for (let i = 0; i < 3; i++) {
    const outcome = collector.add(signCommitStatement(statement, i, (m) => ed25519Sign(seeds[i]!, m)));
    if (outcome.kind === 'counted' && outcome.proof !== undefined)
      return toHex(encodeCommitProof(outcome.proof));
  }
  throw new Error('three signatures make no proof for this committee');
}
