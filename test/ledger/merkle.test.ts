import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { Prng } from '../../src/kit/prng.js';
import {
  merkleInclusionProof,
  merkleLeafHash,
  merkleNodeHash,
  merkleRoot,
  verifyMerkleInclusion,
} from '../../src/ledger/merkle.js';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => new TextEncoder().encode(`trade ${i}`));

/** The RFC 6962 definition, written recursively, as an independent reference. */
function referenceRoot(items: Uint8Array[]): Uint8Array {
  if (items.length === 0) return sha256();
  if (items.length === 1) return merkleLeafHash(sha256, items[0]!);
  let k = 1;
  while (k * 2 < items.length) k *= 2;
  return merkleNodeHash(sha256, referenceRoot(items.slice(0, k)), referenceRoot(items.slice(k)));
}

describe('transaction Merkle tree', () => {
  it('matches the RFC 6962 recursive definition for every size up to 70', () => {
    for (let n = 0; n <= 70; n++)
      assert.equal(toHex(merkleRoot(sha256, leaves(n))), toHex(referenceRoot(leaves(n))), `n=${n}`);
  });

  it('matches the reference when leaves repeat, as the receipts of a block mostly do', () => {
    const prng = new Prng(5);
    const kinds = [
      new Uint8Array([1, 0]),
      new Uint8Array([0, 9, 66, 65, 68]),
      new Uint8Array([0, 3, 66, 65, 68]),
    ];
    for (let n = 1; n <= 70; n++) {
      // Long runs of one receipt with an occasional other one, and an all-equal list.
      const items = Array.from({ length: n }, () => kinds[prng.int(8) === 0 ? 1 + prng.int(2) : 0]!);
      assert.equal(toHex(merkleRoot(sha256, items)), toHex(referenceRoot(items)), `n=${n}`);
      const same = Array.from({ length: n }, () => kinds[0]!);
      assert.equal(toHex(merkleRoot(sha256, same)), toHex(referenceRoot(same)), `same n=${n}`);
      const index = prng.int(n);
      const proof = merkleInclusionProof(sha256, items, index);
      assert.equal(verifyMerkleInclusion(sha256, items[index]!, proof, merkleRoot(sha256, items)), true);
    }
  });

  it('hashes a run of equal leaves once per level', () => {
    let calls = 0;
    const counting = (...parts: Uint8Array[]) => {
      calls++;
      return sha256(...parts);
    };
    const ok = new Uint8Array([1, 0]);
    merkleRoot(
      counting,
      Array.from({ length: 1000 }, () => ok),
    );
    // One leaf hash, then one parent per level (10 levels for 1,000 leaves, plus the odd carries).
    assert.ok(calls <= 1 + 2 * 10, `calls=${calls}`);
  });

  it('proves every leaf of trees of many sizes', () => {
    for (const n of [1, 2, 3, 5, 8, 13, 64, 100]) {
      const items = leaves(n);
      const root = merkleRoot(sha256, items);
      for (let i = 0; i < n; i++) {
        const proof = merkleInclusionProof(sha256, items, i);
        assert.ok(proof.siblings.length <= Math.ceil(Math.log2(n)));
        assert.equal(verifyMerkleInclusion(sha256, items[i]!, proof, root), true, `n=${n} i=${i}`);
      }
    }
  });

  it('rejects forged proofs: wrong leaf, wrong index, altered or extra siblings, wrong size', () => {
    const items = leaves(13);
    const root = merkleRoot(sha256, items);
    const proof = merkleInclusionProof(sha256, items, 6);
    assert.equal(verifyMerkleInclusion(sha256, items[7]!, proof, root), false);
    assert.equal(verifyMerkleInclusion(sha256, items[6]!, { ...proof, leafIndex: 7 }, root), false);
    assert.equal(verifyMerkleInclusion(sha256, items[6]!, { ...proof, leafCount: 7 }, root), false);
    const altered = proof.siblings.map((s) => s.slice());
    altered[1]![0]! ^= 1;
    assert.equal(verifyMerkleInclusion(sha256, items[6]!, { ...proof, siblings: altered }, root), false);
    assert.equal(
      verifyMerkleInclusion(sha256, items[6]!, { ...proof, siblings: [...proof.siblings, sha256()] }, root),
      false,
    );
    assert.equal(
      verifyMerkleInclusion(sha256, items[6]!, { ...proof, siblings: proof.siblings.slice(1) }, root),
      false,
    );
    assert.equal(verifyMerkleInclusion(sha256, items[6]!, { ...proof, leafIndex: -1 }, root), false);
  });

  it('does not let an inner node pass for a leaf', () => {
    const items = leaves(4);
    const root = merkleRoot(sha256, items);
    const inner = merkleNodeHash(
      sha256,
      merkleLeafHash(sha256, items[0]!),
      merkleLeafHash(sha256, items[1]!),
    );
    const forged = {
      leafIndex: 0,
      leafCount: 2,
      siblings: [
        merkleNodeHash(sha256, merkleLeafHash(sha256, items[2]!), merkleLeafHash(sha256, items[3]!)),
      ],
    };
    // The inner node's preimage presented as a "leaf" hashes with the leaf prefix, so it fails.
    const preimage = new Uint8Array([
      ...merkleLeafHash(sha256, items[0]!),
      ...merkleLeafHash(sha256, items[1]!),
    ]);
    assert.equal(verifyMerkleInclusion(sha256, preimage, forged, root), false);
    assert.notEqual(toHex(inner), toHex(merkleLeafHash(sha256, preimage)));
  });
});
