import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256 } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import {
  checkTransaction,
  decodeTransaction,
  encodeTransaction,
  signTransaction,
} from '../../src/ledger/transaction.js';

const enc = (s: string) => new TextEncoder().encode(s);
const BOM = [0xef, 0xbb, 0xbf];
const chain = { chainId: 'c1', shardId: 0 };
const signer = ed25519Scheme.signer(sha256(enc('malleability')));
const tx = signTransaction(signer, { ...chain, type: 'kv.put', payload: enc('p'), nonce: 0n });
const bytes = encodeTransaction(tx);

/** The envelope with a byte-order mark put in front of the string field that starts at `at`. */
function withBom(at: number): Uint8Array {
  const length = bytes[at]!;
  return new Uint8Array([...bytes.subarray(0, at), length + 3, ...BOM, ...bytes.subarray(at + 1)]);
}
const CHAIN_ID_AT = 1;
const TYPE_AT = 1 + 1 + chain.chainId.length + 4;

describe('transaction encodings', () => {
  it('a byte-order mark in front of the chain id or type makes another transaction, whose signature fails', () => {
    assert.equal(bytes[TYPE_AT], 'kv.put'.length);
    for (const at of [CHAIN_ID_AT, TYPE_AT]) {
      const marked = withBom(at);
      const decoded = decodeTransaction(marked, ed25519Scheme);
      assert.deepEqual(encodeTransaction(decoded), marked, 'the mark is part of the value');
      assert.notDeepEqual(decoded, tx);
      assert.throws(
        () => checkTransaction(ed25519Scheme, decoded, chain),
        (error: { code: string }) => error.code === 'WRONG_CHAIN' || error.code === 'BAD_SIGNATURE',
      );
    }
  });

  it('decodes only what re-encodes to the same bytes', () => {
    const empty = new Uint8Array([bytes[0]!, 0, ...bytes.subarray(2 + chain.chainId.length)]);
    assert.throws(() => decodeTransaction(empty, ed25519Scheme), { name: 'CodecError' });
    const long = encodeTransaction({ ...tx, type: 'é'.repeat(32) });
    assert.equal(decodeTransaction(long, ed25519Scheme).type, 'é'.repeat(32));
    assert.throws(() => encodeTransaction({ ...tx, type: 'é'.repeat(33) }), { code: 'INVALID_PAYLOAD' });
  });
});
