import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Committee } from '../../src/consensus/interface.js';
import { ed25519KeyPairFromSeed, ed25519Sign } from '../../src/crypto/ed25519.js';
import { sha256 } from '../../src/crypto/hash.js';
import {
  type CommitProof,
  type CommitStatement,
  decodeCommitProof as decode,
  encodeCommitProof,
  type RootBlock,
  RootFollower,
  RootLedger,
  rootBlockHash,
  type ShardDirectory,
  ShardingError,
  signCommitStatement,
  sortedSignatures,
} from '../../src/sharding/index.js';

const CHAIN = 'zone-shards';
const ROOT = 0xffff;
const enc = (s: string) => new TextEncoder().encode(s);

function committee(shardId: number): { committee: Committee; seeds: Uint8Array[] } {
  const seeds = Array.from({ length: 4 }, (_, i) => sha256(enc(`committee ${shardId} member ${i}`)));
  return {
    seeds,
    committee: {
      shardId,
      epoch: 0,
      members: seeds.map((seed, index) => ({ index, publicKey: ed25519KeyPairFromSeed(seed).publicKey })),
    },
  };
}

const shard = committee(2);
const root = committee(ROOT);
const directory: ShardDirectory = {
  committee: (id, epoch) =>
    epoch !== 0 ? undefined : id === 2 ? shard.committee : id === ROOT ? root.committee : undefined,
};

function prove(statement: CommitStatement, seeds: Uint8Array[], signers = [0, 1, 3]): CommitProof {
  const attestations = signers.map((i) =>
    signCommitStatement(statement, i, (m) => ed25519Sign(seeds[i]!, m)),
  );
  return { statement, signatures: sortedSignatures(attestations) };
}

function shardProof(height: number, block = 'block'): CommitProof {
  return prove(
    {
      chainId: CHAIN,
      shardId: 2,
      epoch: 0,
      height,
      blockHash: sha256(enc(`${block} ${height}`)),
      stateRoot: sha256(enc(`state ${height}`)),
    },
    shard.seeds,
  );
}

/** Root blocks as the root committee would cut and prove them. */
function rootChain(entriesPerBlock: Uint8Array[][]): RootBlock[] {
  const ledger = new RootLedger(CHAIN, directory);
  let previous: Uint8Array = new Uint8Array(32);
  return entriesPerBlock.map((entries, i) => {
    const height = i + 1;
    for (const entry of entries) ledger.include(decode(entry));
    const blockHash = rootBlockHash(previous, ROOT, height, entries);
    previous = blockHash;
    const proof = prove(
      { chainId: CHAIN, shardId: ROOT, epoch: 0, height, blockHash, stateRoot: ledger.digest() },
      root.seeds,
    );
    return { height, entries, proof };
  });
}

const refused = (e: unknown) => e instanceof ShardingError && e.code === 'BAD_COMMIT_PROOF';

describe('root chain follower', () => {
  it('proves a shard block final from genesis committees and proofs alone', () => {
    const blocks = rootChain([
      [encodeCommitProof(shardProof(1))],
      [encodeCommitProof(shardProof(3)), encodeCommitProof(shardProof(2))],
    ]);
    const follower = new RootFollower(CHAIN, ROOT, root.committee, directory);
    for (const block of blocks) follower.accept(block);
    assert.equal(follower.finalHeight(2), 3);
    assert.deepEqual(follower.finalBlock(2, 2)?.blockHash, sha256(enc('block 2')));
  });

  it('refuses a root block whose entries, order, state root or inner proofs were tampered with', () => {
    const blocks = rootChain([[encodeCommitProof(shardProof(1))], [encodeCommitProof(shardProof(2))]]);
    const fresh = () => {
      const follower = new RootFollower(CHAIN, ROOT, root.committee, directory);
      follower.accept(blocks[0]!);
      return follower;
    };
    // Another shard block swapped in under the root committee's proof.
    const swapped = { ...blocks[1]!, entries: [encodeCommitProof(shardProof(2, 'other'))] };
    assert.throws(() => fresh().accept(swapped), refused);
    // A root block out of order.
    assert.throws(() => new RootFollower(CHAIN, ROOT, root.committee, directory).accept(blocks[1]!), refused);
    // The root proof signed by only two members.
    const short = {
      ...blocks[1]!,
      proof: { ...blocks[1]!.proof, signatures: blocks[1]!.proof.signatures.slice(0, 2) },
    };
    assert.throws(() => fresh().accept(short), refused);
    // A root committee that certified a block holding a forged shard proof: the follower checks the
    // shard's own signatures and refuses it, and the state root it signed is not reached.
    const forged = {
      ...shardProof(2),
      signatures: shardProof(2).signatures.map((s) => ({ ...s, signature: new Uint8Array(64) })),
    };
    const lying = rootChain([[encodeCommitProof(shardProof(1))]]);
    const follower = new RootFollower(CHAIN, ROOT, root.committee, directory);
    follower.accept(lying[0]!);
    const previous = lying[0]!.proof.statement.blockHash;
    const entries = [encodeCommitProof(forged)];
    const blockHash = rootBlockHash(previous, ROOT, 2, entries);
    const proof = prove(
      { chainId: CHAIN, shardId: ROOT, epoch: 0, height: 2, blockHash, stateRoot: new Uint8Array(32) },
      root.seeds,
    );
    assert.throws(() => follower.accept({ height: 2, entries, proof }), refused);
    assert.equal(follower.finalHeight(2), 1, 'nothing from the refused block was taken');
  });
});
