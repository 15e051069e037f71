import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writer } from '../../src/codec/writer.js';
import { sha256 } from '../../src/crypto/hash.js';
import { ed25519Scheme, sm2Scheme } from '../../src/crypto/scheme.js';
import { decodeBlockHeader, encodeBlockHeader } from '../../src/ledger/block.js';
import { genesisHeader } from '../../src/ledger/genesis.js';
import {
  checkTransaction,
  decodeTransaction,
  encodeTransaction,
  signTransaction,
  transactionSigningBytes,
} from '../../src/ledger/transaction.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('transaction envelope', () => {
  for (const scheme of [ed25519Scheme, sm2Scheme]) {
    it(`round-trips and verifies under ${scheme.id}`, () => {
      const signer = scheme.signer(sha256(enc('seller')));
      const tx = signTransaction(signer, {
        chainId: 'c1',
        shardId: 3,
        type: 'kv.put',
        payload: enc('p'),
        nonce: 7n,
      });
      const bytes = encodeTransaction(tx);
      const decoded = decodeTransaction(bytes, scheme);
      assert.deepEqual(decoded, {
        ...tx,
        payload: new Uint8Array(tx.payload),
        sender: new Uint8Array(tx.sender),
      });
      assert.deepEqual(encodeTransaction(decoded), bytes);
      checkTransaction(scheme, decoded, { chainId: 'c1', shardId: 3 });
    });
  }

  it('refuses the wrong chain, the wrong shard, a bad signature and a foreign signer', () => {
    const signer = ed25519Scheme.signer(sha256(enc('a')));
    const tx = signTransaction(signer, {
      chainId: 'c1',
      shardId: 0,
      type: 'kv.put',
      payload: enc('p'),
      nonce: 0n,
    });
    assert.throws(() => checkTransaction(ed25519Scheme, tx, { chainId: 'c2', shardId: 0 }), {
      code: 'WRONG_CHAIN',
    });
    assert.throws(() => checkTransaction(ed25519Scheme, tx, { chainId: 'c1', shardId: 1 }), {
      code: 'WRONG_SHARD',
    });
    const altered = { ...tx, nonce: 1n };
    assert.throws(() => checkTransaction(ed25519Scheme, altered, { chainId: 'c1', shardId: 0 }), {
      code: 'BAD_SIGNATURE',
    });
    const other = ed25519Scheme.signer(sha256(enc('b')));
    const foreign = { ...tx, sender: other.publicKey };
    assert.throws(() => checkTransaction(ed25519Scheme, foreign, { chainId: 'c1', shardId: 0 }), {
      code: 'BAD_SIGNATURE',
    });
  });

  it('rejects trailing bytes, truncation, unknown versions, non-minimal lengths and wrong key sizes', () => {
    const signer = ed25519Scheme.signer(sha256(enc('a')));
    const bytes = encodeTransaction(
      signTransaction(signer, { chainId: 'c1', shardId: 0, type: 'kv.put', payload: enc('p'), nonce: 0n }),
    );
    assert.throws(() => decodeTransaction(new Uint8Array([...bytes, 0]), ed25519Scheme), {
      code: 'TRAILING_BYTES',
    });
    for (let cut = 0; cut < bytes.length; cut += 7) {
      assert.throws(() => decodeTransaction(bytes.subarray(0, cut), ed25519Scheme), { name: 'CodecError' });
    }
    const future = bytes.slice();
    future[0] = 9;
    assert.throws(() => decodeTransaction(future, ed25519Scheme), { code: 'UNKNOWN_VERSION' });
    // The chain id's length 2 written as the two-byte varint 0x82 0x00.
    const nonMinimal = new Uint8Array([bytes[0]!, 0x82, 0x00, ...bytes.subarray(2)]);
    assert.throws(() => decodeTransaction(nonMinimal, ed25519Scheme), { code: 'NON_MINIMAL' });
    // An Ed25519 envelope read as SM2 has a 32-byte sender where 65 are needed.
    assert.throws(() => decodeTransaction(bytes, sm2Scheme), { name: 'CodecError', code: 'INVALID_VALUE' });
  });

  it('signs a domain-separated message', () => {
    const signing = transactionSigningBytes({
      chainId: 'c1',
      shardId: 0,
      type: 't',
      payload: new Uint8Array(0),
      sender: new Uint8Array(32),
      nonce: 0n,
    });
    assert.equal(new TextDecoder().decode(signing.subarray(0, 15)), 'gridshard/tx/v1');
  });
});

describe('block header', () => {
  it('round-trips exactly and rejects a wrong-length hash field', () => {
    const header = genesisHeader(ed25519Scheme, {
      chainId: 'c1',
      shardId: 0,
      scheme: 'ed25519-sha256',
      genesisTimeMs: 1,
    });
    const bytes = encodeBlockHeader(header);
    assert.deepEqual(encodeBlockHeader(decodeBlockHeader(bytes)), bytes);
    assert.throws(() => decodeBlockHeader(bytes.subarray(0, bytes.length - 1)), { name: 'CodecError' });
    assert.throws(() => new Writer().fixedBytes(new Uint8Array(31), 32), { name: 'CodecError' });
  });
});
