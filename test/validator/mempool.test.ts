import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MAX_TRANSACTION_BYTES as DAG_MAX_ENTRY_BYTES } from '../../src/consensus/dag/codec.js';
import { MAX_TRANSACTION_BYTES as PBFT_MAX_ENTRY_BYTES } from '../../src/consensus/pbft/codec.js';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { encodeKvPut, KV_PUT, keyValueApplication } from '../../src/ledger/application.js';
import type { KeyValueState } from '../../src/ledger/state-interface.js';
import { LedgerStore } from '../../src/ledger/store.js';
import { encodeTransaction, signTransaction, type Transaction } from '../../src/ledger/transaction.js';
import { DEFAULT_MEMPOOL_LIMITS, Mempool } from '../../src/validator/mempool.js';

const root = mkdtempSync(join(tmpdir(), 'gridshard-mempool-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

const enc = (s: string) => new TextEncoder().encode(s);
const chain = { chainId: 'mempool', shardId: 0 };
const params = { ...chain, scheme: 'ed25519-sha256' as const, genesisTimeMs: 1000 };
const alice = ed25519Scheme.signer(sha256(enc('alice')));
const put = (nonce: bigint, value: string) =>
  signTransaction(alice, { ...chain, type: KV_PUT, payload: encodeKvPut(enc('k'), enc(value)), nonce });

function emptyState(): KeyValueState {
  const map = new Map<string, Uint8Array>();
  return {
    get: (key) => map.get(toHex(key)),
    set: (key, value) => void map.set(toHex(key), value),
    delete: (key) => void map.delete(toHex(key)),
  };
}

const refusal = (code: string, cause?: string) => (error: { code: string; data: { cause?: string } }) =>
  error.code === code && (cause === undefined || error.data.cause === cause);

describe('mempool admission', () => {
  it('refuses a byte-order mark in front of a signed chain id or type; the hash it returns is the one stored', async () => {
    const mempool = new Mempool(ed25519Scheme, chain);
    const state = emptyState();
    const tx = put(0n, 'v');
    const bytes = encodeTransaction(tx);
    const typeAt = 1 + 1 + chain.chainId.length + 4;
    for (const at of [1, typeAt]) {
      const marked = new Uint8Array([
        ...bytes.subarray(0, at),
        bytes[at]! + 3,
        0xef,
        0xbb,
        0xbf,
        ...bytes.subarray(at + 1),
      ]);
      assert.throws(() => mempool.admit(marked, state, 0), refusal('BAD_TRANSACTION'));
    }
    assert.equal(mempool.size, 0);

    const admitted = mempool.admit(bytes, state, 0);
    const store = await LedgerStore.create(join(root, 'bom'), params, keyValueApplication);
    try {
      const block = await store.append([admitted.tx], { timestampMs: 2000 });
      assert.deepEqual(block.txHashes, [admitted.hash], 'the submitter finds its hash in the block');
      const located = await store.readTransaction(admitted.hash);
      assert.deepEqual(new Uint8Array(located?.bytes ?? []), bytes);
    } finally {
      await store.close();
    }
  });

  it('admits no transaction larger than the consensus cores order, so none it admits is dropped unordered', () => {
    assert.ok(DEFAULT_MEMPOOL_LIMITS.maxTransactionBytes <= DAG_MAX_ENTRY_BYTES);
    assert.ok(DEFAULT_MEMPOOL_LIMITS.maxTransactionBytes <= PBFT_MAX_ENTRY_BYTES);
    const mempool = new Mempool(ed25519Scheme, chain);
    const state = emptyState();
    const sized = (nonce: bigint, valueBytes: number) =>
      encodeTransaction(
        signTransaction(alice, {
          ...chain,
          type: KV_PUT,
          payload: encodeKvPut(enc('k'), new Uint8Array(valueBytes)),
          nonce,
        }),
      );
    // A payload the ledger accepts whose transaction is over the cores' entry limit.
    const over = sized(0n, 65_450);
    assert.ok(over.length > DAG_MAX_ENTRY_BYTES, `${over.length} bytes`);
    assert.throws(() => mempool.admit(over, state, 0), refusal('BAD_TRANSACTION'));
    const fits = sized(0n, 65_300);
    assert.ok(fits.length <= DAG_MAX_ENTRY_BYTES, `${fits.length} bytes`);
    mempool.admit(fits, state, 0);
    assert.equal(mempool.size, 1);
  });

  it('holds one transaction per sender and nonce until it commits or expires', () => {
    const mempool = new Mempool(ed25519Scheme, chain);
    const state = emptyState();
    const conflicting = Array.from({ length: 50 }, (_, i) => encodeTransaction(put(0n, `value ${i}`)));
    const outcomes = conflicting.map((bytes) => {
      try {
        return mempool.admit(bytes, state, 0);
      } catch (error) {
        return error as { code: string };
      }
    });
    const first = outcomes[0] as { hash: Uint8Array };
    assert.ok(first.hash instanceof Uint8Array);
    assert.deepEqual(
      outcomes.slice(1).map((o) => (o as { code: string }).code),
      Array(49).fill('DUPLICATE_TRANSACTION'),
    );
    assert.equal(mempool.size, 1);
    // Another nonce of the same sender is unaffected.
    mempool.admit(encodeTransaction(put(1n, 'next')), state, 0);
    assert.equal(mempool.size, 2);

    mempool.committed(first.hash);
    const replacement = mempool.admit(conflicting[1]!, state, 1);
    assert.equal(mempool.size, 2, 'the nonce is free again once its holder left the pool');
    assert.throws(() => mempool.admit(conflicting[2]!, state, 2), refusal('DUPLICATE_TRANSACTION'));
    mempool.expire(2 + DEFAULT_MEMPOOL_LIMITS.expiryMs);
    assert.equal(mempool.size, 0);
    mempool.admit(conflicting[2]!, state, 3 + DEFAULT_MEMPOOL_LIMITS.expiryMs);
    assert.notDeepEqual(replacement.hash, first.hash);
  });

  it('refuses a sender whose key is a small-order point, with a signature valid for any message', async () => {
    const weakKey = new Uint8Array(32);
    weakKey[0] = 1;
    // R = the identity, S = 0: [S]B = R + [k]A holds for every k when A is the identity.
    const universal = new Uint8Array(64);
    universal[0] = 1;
    const forged: Transaction = {
      ...chain,
      type: KV_PUT,
      payload: encodeKvPut(enc('k'), enc('forged')),
      sender: weakKey,
      nonce: 0n,
      signature: universal,
    };
    const mempool = new Mempool(ed25519Scheme, chain);
    assert.throws(
      () => mempool.admit(encodeTransaction(forged), emptyState(), 0),
      refusal('BAD_TRANSACTION', 'BAD_PUBLIC_KEY'),
    );
    // Ordered anyway (by a faulty validator), it executes to a refusal and changes nothing.
    const store = await LedgerStore.create(join(root, 'weak'), params, keyValueApplication);
    try {
      const rootBefore = store.stateRoot;
      const block = await store.append([forged], { timestampMs: 2000 });
      assert.equal(block.receipts[0]!.ok, false);
      assert.equal(block.receipts[0]!.code, 'BAD_PUBLIC_KEY');
      assert.deepEqual(store.stateRoot, rootBefore);
    } finally {
      await store.close();
    }
  });
});
