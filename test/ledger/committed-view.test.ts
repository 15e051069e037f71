import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sha256 } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { Prng } from '../../src/kit/prng.js';
import { encodeKvPut, KV_PUT, keyValueApplication, kvStateKey } from '../../src/ledger/application.js';
import { SparseMerkleTree, type StateSnapshot, verifyStateProof } from '../../src/ledger/sparse-merkle.js';
import { LedgerStore } from '../../src/ledger/store.js';
import { signTransaction } from '../../src/ledger/transaction.js';

const root = mkdtempSync(join(tmpdir(), 'gridshard-view-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
const enc = (s: string) => new TextEncoder().encode(s);
const params = { chainId: 'test', shardId: 0, scheme: 'ed25519-sha256' as const, genesisTimeMs: 1000 };

describe('state snapshots', () => {
  it('keep their root, values and proofs while the tree changes, and leave the root computation as it was', () => {
    const random = new Prng(7);
    const tree = new SparseMerkleTree(sha256);
    const plain = new SparseMerkleTree(sha256);
    const taken: { snapshot: StateSnapshot; values: Map<number, Uint8Array> }[] = [];
    const current = new Map<number, Uint8Array>();
    for (let step = 0; step < 3000; step++) {
      const k = random.int(400);
      const key = enc(`key-${k}`);
      if (random.float() < 0.25) {
        tree.delete(key);
        plain.delete(key);
        current.delete(k);
      } else {
        const value = enc(`value-${step}`);
        tree.set(key, value);
        plain.set(key, value);
        current.set(k, value);
      }
      if (step % 97 === 0) taken.push({ snapshot: tree.snapshot(), values: new Map(current) });
    }
    assert.deepEqual(tree.root(), plain.root(), 'a tree with snapshots has the root of one without');
    const rebuilt = new SparseMerkleTree(sha256);
    for (const [k, value] of current) rebuilt.set(enc(`key-${k}`), value);
    assert.deepEqual(tree.root(), rebuilt.root());
    for (const { snapshot, values } of taken) {
      const fresh = new SparseMerkleTree(sha256);
      for (const [k, value] of values) fresh.set(enc(`key-${k}`), value);
      assert.deepEqual(snapshot.root, fresh.root(), 'a snapshot keeps the root it was taken at');
      for (let k = 0; k < 400; k += 13) {
        const key = enc(`key-${k}`);
        const value = snapshot.get(key);
        assert.deepEqual(value, values.get(k));
        assert.ok(verifyStateProof(sha256, snapshot.root, key, value, snapshot.prove(key)));
      }
    }
  });
});

describe('committed view of the ledger store', () => {
  const alice = ed25519Scheme.signer(sha256(enc('alice')));
  const put = (nonce: bigint, value: string) =>
    signTransaction(alice, {
      chainId: 'test',
      shardId: 0,
      type: KV_PUT,
      payload: encodeKvPut(enc('meter'), enc(value)),
      nonce,
    });
  const meterKey = kvStateKey(alice.publicKey, enc('meter'));

  it('shows the previous block, whole, while the next one is executed and not yet written', async () => {
    const store = await LedgerStore.create(join(root, 'paused'), params, keyValueApplication);
    await store.append([put(0n, 'one')], { timestampMs: 2000 });
    const before = store.committed;
    let reached!: () => void;
    const atWrite = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const appending = store.append([put(1n, 'two')], {
      timestampMs: 3000,
      beforeWrite: async () => {
        reached();
        await gate;
      },
    });
    await atWrite;
    // Executed, not written: every read is still block 1.
    assert.equal(store.committed, before);
    assert.equal(store.head.height, 1);
    assert.deepEqual(store.stateRoot, before.header.stateRoot);
    assert.deepEqual(store.getState(meterKey), enc('one'));
    assert.ok(verifyStateProof(sha256, before.stateRoot, meterKey, enc('one'), store.proveState(meterKey)));
    release();
    const block = await appending;
    const now = store.committed;
    assert.equal(now.height, 2);
    assert.deepEqual(now.hash, block.hash);
    assert.deepEqual(now.stateRoot, block.header.stateRoot);
    assert.deepEqual(now.getState(meterKey), enc('two'));
    // The earlier view still answers for block 1.
    assert.deepEqual(before.getState(meterKey), enc('one'));
    assert.ok(verifyStateProof(sha256, before.stateRoot, meterKey, enc('one'), before.proveState(meterKey)));
    await store.close();
  });

  it('publishes nothing of a block whose write failed', async () => {
    const store = await LedgerStore.create(join(root, 'failed'), params, keyValueApplication);
    await store.append([put(0n, 'one')], { timestampMs: 2000 });
    const before = store.committed;
    await assert.rejects(
      store.append([put(1n, 'two')], {
        timestampMs: 3000,
        beforeWrite: async () => {
          throw new Error('disk gone');
        },
      }),
      /disk gone/,
    );
    assert.equal(store.committed, before);
    assert.deepEqual(store.getState(meterKey), enc('one'));
    await assert.rejects(store.append([put(1n, 'two')], { timestampMs: 3000 }), { code: 'STORE_CLOSED' });
    await store.close();
    const reopened = await LedgerStore.open(join(root, 'failed'), keyValueApplication);
    assert.equal(reopened.head.height, 1);
    assert.deepEqual(reopened.stateRoot, before.stateRoot);
    await reopened.close();
  });
});
