import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { encodeKvPut, KV_PUT } from '../../src/ledger/application.js';
import { type BlockHeader, blockHash } from '../../src/ledger/block.js';
import { merkleInclusionProof, merkleRoot } from '../../src/ledger/merkle.js';
import { SparseMerkleTree } from '../../src/ledger/sparse-merkle.js';
import { encodeTransaction, signTransaction } from '../../src/ledger/transaction.js';
import { headerMatchesHash } from '../../web/src/lib/header.js';
import { verifyInclusion } from '../../web/src/lib/merkle.js';
import { decodeEnvelope, decodePayload, signatureValid } from '../../web/src/lib/transaction.js';
import { checkState, checkTransaction, type StateAnswer, type TxAnswer } from '../../web/src/lib/verify.js';

// The browser's verifiers are written from docs/LEDGER.md; these tests hold them to the node's own
// encoders and proofs, and check that any tampering turns "verified" into "not verified".

const enc = (s: string) => new TextEncoder().encode(s);
const alice = ed25519Scheme.signer(sha256(enc('alice')));
const txs = Array.from({ length: 7 }, (_, i) =>
  encodeTransaction(
    signTransaction(alice, {
      chainId: 'web-test',
      shardId: 0,
      type: KV_PUT,
      payload: encodeKvPut(enc(`meter-${i}`), enc(`${i * 10}`)),
      nonce: BigInt(i),
    }),
  ),
);
const txHashes = txs.map((bytes) => sha256(bytes));

const state = new SparseMerkleTree(sha256);
for (let i = 0; i < 40; i++) state.set(enc(`key-${i}`), enc(`value-${i}`));

const header: BlockHeader = {
  chainId: 'web-test',
  shardId: 0,
  height: 5,
  epoch: 0,
  timestampMs: 1_700_000_123_456,
  previousHash: sha256(enc('previous')),
  txRoot: merkleRoot(sha256, txHashes),
  txCount: txs.length,
  receiptsRoot: sha256(enc('receipts')),
  stateRoot: state.root(),
  randomness: sha256(enc('coin')),
  evidence: enc('certificate bytes'),
};
const block = {
  hash: toHex(blockHash(ed25519Scheme, header)),
  chainId: header.chainId,
  shardId: header.shardId,
  height: header.height,
  epoch: header.epoch,
  timestampMs: header.timestampMs,
  previousHash: toHex(header.previousHash),
  txRoot: toHex(header.txRoot),
  txCount: header.txCount,
  receiptsRoot: toHex(header.receiptsRoot),
  stateRoot: toHex(header.stateRoot),
  randomness: toHex(header.randomness),
  evidence: toHex(header.evidence),
};

function txAnswer(index: number): TxAnswer {
  const proof = merkleInclusionProof(sha256, txHashes, index);
  return {
    hash: toHex(txHashes[index]!),
    height: header.height,
    index,
    bytes: toHex(txs[index]!),
    txRoot: block.txRoot,
    proof: { leafIndex: index, leafCount: proof.leafCount, siblings: proof.siblings.map(toHex) },
  };
}

function stateAnswer(key: string): StateAnswer {
  const k = enc(key);
  const proof = state.prove(k);
  const value = state.get(k);
  return {
    key: toHex(k),
    value: value === undefined ? null : toHex(value),
    stateRoot: block.stateRoot,
    height: header.height,
    proof: {
      siblings: proof.siblings.map(toHex),
      terminal:
        proof.terminal.kind === 'empty'
          ? { kind: 'empty' }
          : { kind: 'leaf', path: toHex(proof.terminal.path), valueHash: toHex(proof.terminal.valueHash) },
    },
  };
}

const flip = (hex: string, at = 0) =>
  hex.slice(0, at) + ((Number.parseInt(hex[at]!, 16) ^ 1).toString(16) as string) + hex.slice(at + 1);

describe('portal verifiers', () => {
  it('re-hash a block header to the hash the node computes, and reject any changed field', () => {
    assert.equal(headerMatchesHash(block), true);
    assert.equal(headerMatchesHash({ ...block, timestampMs: block.timestampMs + 1 }), false);
    assert.equal(headerMatchesHash({ ...block, txRoot: flip(block.txRoot) }), false);
    assert.equal(headerMatchesHash({ ...block, evidence: `${block.evidence}00` }), false);
    assert.equal(headerMatchesHash({ ...block, stateRoot: 'not hex' }), false);
  });

  it('verify every transaction of the block and refuse a tampered proof, bytes or header', () => {
    for (let i = 0; i < txs.length; i++) assert.equal(checkTransaction(txAnswer(i), block).verified, true);
    const good = txAnswer(3);
    const tamperedSibling = {
      ...good,
      proof: { ...good.proof, siblings: good.proof.siblings.map((s, i) => (i === 0 ? flip(s, 10) : s)) },
    };
    const checked = checkTransaction(tamperedSibling, block);
    assert.deepEqual(
      [checked.headerHash, checked.content, checked.proof, checked.verified],
      [true, true, false, false],
    );
    const wrongIndex = { ...good, index: 4, proof: { ...good.proof, leafIndex: 4 } };
    assert.equal(checkTransaction(wrongIndex, block).verified, false);
    const droppedSibling = { ...good, proof: { ...good.proof, siblings: good.proof.siblings.slice(1) } };
    assert.equal(checkTransaction(droppedSibling, block).verified, false);
    const otherBytes = { ...good, bytes: toHex(txs[2]!) };
    assert.equal(checkTransaction(otherBytes, block).content, false);
    const forgedRoot = { ...block, txRoot: flip(block.txRoot) };
    assert.equal(checkTransaction(good, forgedRoot).headerHash, false);
    assert.equal(
      checkTransaction({ ...good, proof: { ...good.proof, siblings: ['zz'] } }, block).verified,
      false,
    );
  });

  it('check inclusion for every tree size against the node’s own proofs', () => {
    for (let n = 1; n <= 33; n++) {
      const leaves = Array.from({ length: n }, (_, i) => sha256(enc(`leaf ${i}`)));
      const root = merkleRoot(sha256, leaves);
      for (let i = 0; i < n; i++) {
        const proof = merkleInclusionProof(sha256, leaves, i);
        assert.equal(verifyInclusion(leaves[i]!, proof, root), true, `n=${n} i=${i}`);
        assert.equal(verifyInclusion(leaves[(i + 1) % n]!, proof, root), n === 1, `n=${n} i=${i} other leaf`);
      }
    }
  });

  it('verify state membership and non-membership proofs, and refuse altered ones', () => {
    const present = stateAnswer('key-7');
    assert.equal(checkState(present, block).verified, true);
    const absent = stateAnswer('no such key');
    assert.equal(absent.value, null);
    assert.equal(checkState(absent, block).verified, true);
    assert.equal(checkState({ ...present, value: toHex(enc('value-8')) }, block).verified, false);
    assert.equal(checkState({ ...absent, value: toHex(enc('invented')) }, block).verified, false);
    assert.equal(checkState({ ...present, value: null }, block).verified, false);
    const otherSibling = {
      ...present,
      proof: { ...present.proof, siblings: present.proof.siblings.map((s, i) => (i === 0 ? flip(s) : s)) },
    };
    assert.equal(checkState(otherSibling, block).verified, false);
    assert.equal(checkState({ ...present, stateRoot: flip(block.stateRoot) }, block).verified, false);
  });

  it('decode a transaction envelope and its kv.put payload, and check its signature', () => {
    const envelope = decodeEnvelope(txs[4]!);
    assert.equal(envelope.type, KV_PUT);
    assert.equal(envelope.nonce, 4n);
    assert.equal(toHex(envelope.sender), toHex(alice.publicKey));
    assert.equal(signatureValid(envelope), true);
    assert.deepEqual(decodePayload(envelope.type, envelope.payload), {
      kind: 'kv.put',
      key: 'meter-4',
      value: '40',
    });
    const forged = txs[4]!.slice();
    forged[forged.length - 1]! ^= 1;
    assert.equal(signatureValid(decodeEnvelope(forged)), false);
    assert.throws(() => decodeEnvelope(txs[4]!.subarray(0, 20)));
    assert.throws(() => decodeEnvelope(new Uint8Array([...txs[4]!, 0])));
  });
});
