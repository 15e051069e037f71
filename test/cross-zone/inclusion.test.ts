import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writer } from '../../src/codec/index.js';
import type { Committee } from '../../src/consensus/interface.js';
import { encodeShardCommittee, shardCommitteeKey } from '../../src/cross-zone/directory.js';
import { type InclusionEvidence, verifyRootInclusion } from '../../src/cross-zone/inclusion.js';
import { ROOT_SHARD_ID, shardHeadKey } from '../../src/cross-zone/root-application.js';
import { ed25519KeyPairFromSeed, ed25519Sign } from '../../src/crypto/ed25519.js';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { isGridShardError } from '../../src/errors.js';
import { SparseMerkleTree } from '../../src/ledger/sparse-merkle.js';
import {
  type CommitStatement,
  encodeCommitProof,
  signCommitStatement,
  sortedSignatures,
} from '../../src/sharding/index.js';

const CHAIN = 'inclusion';
const enc = (s: string) => new TextEncoder().encode(s);
const seeds = (name: string) => Array.from({ length: 4 }, (_, i) => sha256(enc(`${name} ${i}`)));
const rootSeeds = seeds('root');
const shardSeeds = seeds('shard 2');
const committee = (list: Uint8Array[], shardId: number): Committee => ({
  shardId,
  epoch: 0,
  members: list.map((seed, index) => ({ index, publicKey: ed25519KeyPairFromSeed(seed).publicKey })),
});
const rootCommittee = committee(rootSeeds, ROOT_SHARD_ID);
const shardCommittee = committee(shardSeeds, 2);

function proof(statement: CommitStatement, list: Uint8Array[], signers = [0, 1, 2]): Uint8Array {
  const shares = signers.map((i) => signCommitStatement(statement, i, (m) => ed25519Sign(list[i]!, m)));
  return encodeCommitProof({ statement, signatures: sortedSignatures(shares) });
}

/** A root block recording shard 2's block 17, and that block, each with its committee's proof. */
function evidence(options: { shardBlock?: string; rootSigners?: number[] } = {}): InclusionEvidence {
  const block = { height: 17, blockHash: sha256(enc('block 17')), stateRoot: sha256(enc('state 17')) };
  const state = new SparseMerkleTree(sha256);
  state.set(enc('something else'), enc('x'));
  const headValue = new Writer(80)
    .u64(block.height)
    .fixedBytes(block.blockHash, 32)
    .fixedBytes(block.stateRoot, 32)
    .finish();
  state.set(shardHeadKey(2), headValue);
  const rootStatement = {
    chainId: CHAIN,
    shardId: ROOT_SHARD_ID,
    epoch: 0,
    height: 40,
    blockHash: sha256(enc('root 40')),
    stateRoot: state.root(),
  };
  const shardStatement = {
    chainId: CHAIN,
    shardId: 2,
    epoch: 0,
    height: 17,
    blockHash: options.shardBlock === undefined ? block.blockHash : sha256(enc(options.shardBlock)),
    stateRoot: block.stateRoot,
  };
  return {
    rootCommitProof: proof(rootStatement, rootSeeds, options.rootSigners),
    headValue,
    stateProof: state.prove(shardHeadKey(2)),
    shardCommitProof: proof(shardStatement, shardSeeds),
  };
}

const refused = (run: () => unknown) => assert.throws(run, (e: unknown) => isGridShardError(e));

describe('a shard block’s inclusion in the root chain, from proofs alone', () => {
  it('proves the block the root records, signed by both committees', () => {
    const proven = verifyRootInclusion(2, rootCommittee, shardCommittee, evidence());
    assert.equal(proven.height, 17);
    assert.equal(proven.blockHash, toHex(sha256(enc('block 17'))));
    assert.equal(proven.rootHeight, 40);
  });

  it('refuses a short root proof, a forged head, another block, and the wrong committee', () => {
    refused(() => verifyRootInclusion(2, rootCommittee, shardCommittee, evidence({ rootSigners: [0, 1] })));
    const good = evidence();
    const forgedHead = new Uint8Array(good.headValue!);
    forgedHead[7] = 99; // height 99 instead of 17
    refused(() => verifyRootInclusion(2, rootCommittee, shardCommittee, { ...good, headValue: forgedHead }));
    refused(() => verifyRootInclusion(2, rootCommittee, shardCommittee, evidence({ shardBlock: 'a fork' })));
    refused(() => verifyRootInclusion(2, rootCommittee, rootCommittee, good));
    refused(() => verifyRootInclusion(3, rootCommittee, shardCommittee, good));
    refused(() => verifyRootInclusion(2, rootCommittee, shardCommittee, { ...good, headValue: null }));
  });

  it('proves a block of a later epoch against the committee the root recorded, and nothing else', () => {
    // Shard 2 handed over: epoch 1's committee keeps three members and takes a new one.
    const epoch1Seeds = [shardSeeds[0]!, shardSeeds[1]!, shardSeeds[2]!, sha256(enc('shard 2 standby'))];
    const epoch1Keys = epoch1Seeds.map((seed) => ed25519KeyPairFromSeed(seed).publicKey);
    const block = { height: 31, blockHash: sha256(enc('block 31')), stateRoot: sha256(enc('state 31')) };
    const state = new SparseMerkleTree(sha256);
    const headValue = new Writer(80)
      .u64(31)
      .fixedBytes(block.blockHash, 32)
      .fixedBytes(block.stateRoot, 32)
      .finish();
    state.set(shardHeadKey(2), headValue);
    const record = encodeShardCommittee(epoch1Keys, [5_000, 6_000, 7_000, 8_000]);
    state.set(shardCommitteeKey(2, 1), record);
    const root = (signers = rootSeeds) =>
      proof(
        {
          chainId: CHAIN,
          shardId: ROOT_SHARD_ID,
          epoch: 0,
          height: 55,
          blockHash: sha256(enc('root 55')),
          stateRoot: state.root(),
        },
        signers,
      );
    // Signed by epoch 1's members 1, 2 and 3 (3 being the one that joined).
    const statement = { chainId: CHAIN, shardId: 2, epoch: 1, ...block };
    const shardProof = (signers: number[]) => {
      const shares = signers.map((i) =>
        signCommitStatement(statement, i, (m) => ed25519Sign(epoch1Seeds[i]!, m)),
      );
      return encodeCommitProof({ statement, signatures: sortedSignatures(shares) });
    };
    const good: InclusionEvidence = {
      rootCommitProof: root(),
      headValue,
      stateProof: state.prove(shardHeadKey(2)),
      shardCommitProof: shardProof([1, 2, 3]),
      shardCommittee: {
        rootCommitProof: root(),
        value: record,
        stateProof: state.prove(shardCommitteeKey(2, 1)),
      },
    };
    assert.equal(verifyRootInclusion(2, rootCommittee, shardCommittee, good).height, 31);
    // Without the record, with a record the root never signed, or an altered one: refused.
    const { shardCommittee: _omitted, ...bare } = good;
    refused(() => verifyRootInclusion(2, rootCommittee, shardCommittee, bare));
    refused(() =>
      verifyRootInclusion(2, rootCommittee, shardCommittee, {
        ...good,
        shardCommittee: { ...good.shardCommittee!, rootCommitProof: root(shardSeeds) },
      }),
    );
    const altered = encodeShardCommittee(
      [...epoch1Keys.slice(0, 3), ed25519KeyPairFromSeed(sha256(enc('intruder'))).publicKey],
      [5_000, 6_000, 7_000, 8_000],
    );
    refused(() =>
      verifyRootInclusion(2, rootCommittee, shardCommittee, {
        ...good,
        shardCommittee: { ...good.shardCommittee!, value: altered },
      }),
    );
    // The genesis committee's signatures do not make a block of epoch 1 (member 3 left).
    const byGenesis = (() => {
      const shares = [0, 1, 3].map((i) =>
        signCommitStatement(statement, i, (m) => ed25519Sign(shardSeeds[i]!, m)),
      );
      return encodeCommitProof({ statement, signatures: sortedSignatures(shares) });
    })();
    refused(() =>
      verifyRootInclusion(2, rootCommittee, shardCommittee, { ...good, shardCommitProof: byGenesis }),
    );
  });
});
