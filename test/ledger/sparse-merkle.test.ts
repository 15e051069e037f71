import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256, sm3, toHex } from '../../src/crypto/hash.js';
import { Prng } from '../../src/kit/prng.js';
import { EMPTY_SUBTREE, SparseMerkleTree, verifyStateProof } from '../../src/ledger/sparse-merkle.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('sparse Merkle state', () => {
  it('has the all-zero root when empty and after every key is deleted', () => {
    const tree = new SparseMerkleTree(sha256);
    assert.deepEqual(tree.root(), EMPTY_SUBTREE);
    tree.set(enc('a'), enc('1'));
    tree.set(enc('b'), enc('2'));
    assert.notDeepEqual(tree.root(), EMPTY_SUBTREE);
    tree.delete(enc('a'));
    tree.delete(enc('b'));
    assert.deepEqual(tree.root(), EMPTY_SUBTREE);
  });

  it('gives the same root for the same content whatever the order of writes and deletes', () => {
    const random = new Prng(7);
    const final = new Map<string, string>();
    const a = new SparseMerkleTree(sha256);
    for (let i = 0; i < 2000; i++) {
      const key = `k${random.int(300)}`;
      if (random.int(4) === 0) {
        a.delete(enc(key));
        final.delete(key);
      } else {
        const value = `v${random.int(1_000_000)}`;
        a.set(enc(key), enc(value));
        final.set(key, value);
      }
    }
    const b = new SparseMerkleTree(sha256);
    for (const [key, value] of [...final.entries()].reverse()) b.set(enc(key), enc(value));
    assert.equal(toHex(a.root()), toHex(b.root()));
    assert.equal(a.size, final.size);
    for (const [key, value] of final) assert.deepEqual(a.get(enc(key)), enc(value));
  });

  it('proves membership and non-membership, with SHA-256 and with SM3', () => {
    for (const hash of [sha256, sm3]) {
      const tree = new SparseMerkleTree(hash);
      for (let i = 0; i < 500; i++) tree.set(enc(`member/${i}`), enc(`record ${i}`));
      const root = tree.root();
      for (let i = 0; i < 500; i += 37) {
        const key = enc(`member/${i}`);
        const proof = tree.prove(key);
        assert.equal(proof.terminal.kind, 'leaf');
        assert.equal(verifyStateProof(hash, root, key, enc(`record ${i}`), proof), true);
        assert.equal(verifyStateProof(hash, root, key, enc('forged'), proof), false);
        assert.equal(
          verifyStateProof(hash, root, key, undefined, proof),
          false,
          'a member cannot be proved absent',
        );
      }
      for (let i = 0; i < 50; i++) {
        const key = enc(`absent/${i}`);
        const proof = tree.prove(key);
        assert.equal(verifyStateProof(hash, root, key, undefined, proof), true);
        assert.equal(verifyStateProof(hash, root, key, enc('x'), proof), false);
      }
    }
  });

  it('rejects forged proofs: altered sibling, truncated path, borrowed proof, stale root', () => {
    const tree = new SparseMerkleTree(sha256);
    for (let i = 0; i < 64; i++) tree.set(enc(`k${i}`), enc(`v${i}`));
    const root = tree.root();
    const proof = tree.prove(enc('k5'));
    const altered = proof.siblings.map((s) => s.slice());
    altered[0]![3]! ^= 0x10;
    assert.equal(
      verifyStateProof(sha256, root, enc('k5'), enc('v5'), { ...proof, siblings: altered }),
      false,
    );
    assert.equal(
      verifyStateProof(sha256, root, enc('k5'), enc('v5'), { ...proof, siblings: proof.siblings.slice(1) }),
      false,
    );
    assert.equal(verifyStateProof(sha256, root, enc('k6'), enc('v5'), proof), false);
    // A non-membership proof for an absent key, re-used for a present key, must fail.
    const absent = tree.prove(enc('nobody'));
    assert.equal(verifyStateProof(sha256, root, enc('k5'), undefined, absent), false);
    tree.set(enc('k5'), enc('changed'));
    assert.equal(verifyStateProof(sha256, tree.root(), enc('k5'), enc('v5'), proof), false);
  });
});
