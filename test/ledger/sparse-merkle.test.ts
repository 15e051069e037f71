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
  it('keeps the state-root format: fixed content has the roots it has always had', () => {
    const expected = {
      sha256: 'ea2266b5fc1f6e5bcdee2032b818eab0cc2ebab44402a97b321a6eb319ecd660',
      sm3: 'ccdcd096cd8ea2627a5205cfe7f0e6512278293137926aeaa98990a3e7976eb9',
    };
    for (const [name, hash] of [
      ['sha256', sha256],
      ['sm3', sm3],
    ] as const) {
      const tree = new SparseMerkleTree(hash);
      for (let i = 0; i < 50; i++) tree.set(enc(`meter/${i}`), enc(`${i * 7} Wh`));
      for (let i = 0; i < 50; i += 3) tree.delete(enc(`meter/${i}`));
      tree.set(enc('meter/1'), enc('updated'));
      assert.equal(toHex(tree.root()), expected[name], name);
    }
  });

  it('hashes at root time only what changed: each key path once, each value once, shared branches once', () => {
    let calls = 0;
    const counting = (...parts: Uint8Array[]) => {
      calls++;
      return sha256(...parts);
    };
    const tree = new SparseMerkleTree(counting);
    const plain = new SparseMerkleTree(sha256);
    for (let i = 0; i < 1000; i++) {
      tree.set(enc(`account/${i}`), enc('0'));
      plain.set(enc(`account/${i}`), enc('0'));
    }
    tree.root();
    // Existing keys rewritten many times: no path hash, and nothing hashed before the root.
    calls = 0;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 10; i++) tree.set(enc(`account/${i}`), enc(`${round}`));
    }
    assert.equal(calls, 0);
    for (let i = 0; i < 10; i++) plain.set(enc(`account/${i}`), enc('4'));
    assert.equal(toHex(tree.root()), toHex(plain.root()));
    // Ten leaves (a value hash and a leaf hash each) and the branches above them, each once:
    // at most 10 paths of about log2(1000) + a few branches, far fewer where the paths meet.
    assert.ok(calls >= 20 && calls <= 20 + 10 * 16, `calls=${calls}`);
    // A root with nothing changed hashes nothing; a proof reuses the cached value hash.
    calls = 0;
    tree.root();
    const proof = tree.prove(enc('account/3'));
    assert.equal(calls, 1); // the proof hashes the key to find its path, nothing else
    assert.equal(verifyStateProof(sha256, tree.root(), enc('account/3'), enc('4'), proof), true);
  });

  it('reads and writes by key string as by bytes, and takes string-keyed values over', () => {
    const byBytes = new SparseMerkleTree(sha256);
    const byString = new SparseMerkleTree(sha256);
    for (let i = 0; i < 200; i++) {
      const key = enc(`k/${i}\u00ff`);
      byBytes.set(key, enc(`v${i}`));
      byString.setByString(String.fromCharCode(...key), enc(`v${i}`));
    }
    byBytes.delete(enc('k/7\u00ff'));
    byString.deleteByString(String.fromCharCode(...enc('k/7\u00ff')));
    assert.equal(toHex(byBytes.root()), toHex(byString.root()));
    assert.equal(byString.get(enc('k/7\u00ff')), undefined);
    assert.deepEqual(byString.getByString(String.fromCharCode(...enc('k/8\u00ff'))), enc('v8'));
    assert.deepEqual(
      [...byString.entries()].map(([k]) => toHex(k)).sort(),
      [...byBytes.entries()].map(([k]) => toHex(k)).sort(),
    );
    // Bytes written through `set` are copied: changing the caller's array changes nothing.
    const value = enc('mutable');
    byBytes.set(enc('x'), value);
    value[0] = 0;
    assert.deepEqual(byBytes.get(enc('x')), enc('mutable'));
  });

  it('places a batch of writes as one write at a time does: seeded batches of sets and deletes', () => {
    const random = new Prng(11);
    // `batched` computes its root once per batch; `stepwise` after every single write, so each of
    // its writes is placed alone. Batches range from one write to a few hundred, over a key space
    // small enough that keys are rewritten, deleted, deleted before ever being placed and written
    // again after a delete within one batch.
    const batched = new SparseMerkleTree(sha256);
    const stepwise = new SparseMerkleTree(sha256);
    const content = new Map<number, Uint8Array>();
    for (let batch = 0; batch < 60; batch++) {
      const size = batch % 7 === 0 ? 1 + random.int(400) : 1 + random.int(40);
      for (let i = 0; i < size; i++) {
        const k = random.int(batch < 20 ? 60 : 600);
        const key = enc(`key/${k}`);
        if (random.float() < 0.3) {
          batched.delete(key);
          stepwise.delete(key);
          content.delete(k);
        } else {
          const value = enc(`v${batch}.${i}`);
          batched.set(key, value);
          stepwise.set(key, value);
          content.set(k, value);
        }
        stepwise.root();
      }
      const root = batched.root();
      assert.equal(toHex(root), toHex(stepwise.root()), `batch ${batch}`);
      for (let k = 0; k < 600; k += 37) {
        const key = enc(`key/${k}`);
        const value = content.get(k);
        assert.deepEqual(batched.get(key), value);
        assert.ok(verifyStateProof(sha256, root, key, value, batched.prove(key)), `batch ${batch} key ${k}`);
      }
    }
    const rebuilt = new SparseMerkleTree(sha256);
    for (const [k, value] of content) rebuilt.set(enc(`key/${k}`), value);
    assert.equal(toHex(rebuilt.root()), toHex(batched.root()));
  });
});
