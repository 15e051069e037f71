import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeEquivocationProof,
  type EquivocationProof,
  encodeEquivocationProof,
  type Header,
  headerDigest,
  headerSigningBytes,
} from '../../src/consensus/dag/index.js';
import type { Committee } from '../../src/consensus/interface.js';
import { ed25519KeyPairFromSeed, ed25519Sign } from '../../src/crypto/ed25519.js';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { type ChainState, genesisChain } from '../../src/ledger/chain-state.js';
import { decodeSignedTransaction } from '../../src/ledger/signed-transaction.js';
import { encodeTransaction, signTransaction } from '../../src/ledger/transaction.js';
import { equivocationsIn } from '../../src/node/credit-audit.js';
import { committeeGenesisEntry, readCommittee } from '../../src/roles/committee-state.js';
import { EquivocationReporter } from '../../src/roles/equivocation-reporter.js';
import {
  ROLES_EQUIVOCATION,
  readSuspension,
  rolesApplication,
} from '../../src/roles/evidence-application.js';
import { creditScores } from '../../src/sharding/index.js';

const enc = (s: string) => new TextEncoder().encode(s);
const keys = Array.from({ length: 4 }, (_, i) => ed25519KeyPairFromSeed(sha256(enc(`member ${i}`))));
const committee: Committee = {
  shardId: 3,
  epoch: 0,
  members: keys.map((k, index) => ({ index, publicKey: k.publicKey })),
};

function signedHeader(author: number, round: number, text: string, signer = author): Header {
  const h: Header = {
    author,
    round,
    parents: [],
    weakParents: [],
    transactions: [enc(text)],
    coinShare: null,
    signature: new Uint8Array(64),
  };
  return { ...h, signature: ed25519Sign(keys[signer]!.seed, headerSigningBytes(committee, headerDigest(h))) };
}

const proof: EquivocationProof = {
  epoch: 0,
  author: 2,
  round: 5,
  first: signedHeader(2, 5, 'one'),
  second: signedHeader(2, 5, 'two'),
};
const reporter = ed25519Scheme.signer(sha256(enc('anyone')));

function chain(withCommittee = true): ChainState {
  return genesisChain(
    {
      chainId: 'roles-test',
      shardId: 3,
      scheme: 'ed25519-sha256',
      genesisTimeMs: 0,
      ...(withCommittee ? { initialState: [committeeGenesisEntry(committee)] } : {}),
    },
    rolesApplication,
  );
}

function evidenceTx(payload: Uint8Array, nonce: bigint) {
  const tx = signTransaction(reporter, {
    chainId: 'roles-test',
    shardId: 3,
    type: ROLES_EQUIVOCATION,
    payload,
    nonce,
  });
  return decodeSignedTransaction(encodeTransaction(tx), ed25519Scheme);
}

describe('equivocation evidence on the chain', () => {
  it('genesis records the committee, and reads it back', () => {
    const state = chain();
    const read = readCommittee({ get: (key) => state.view().getState(key) });
    assert.deepEqual(read, committee);
  });

  it('suspends a member on the first valid proof, keeps the proof, and refuses the rest', () => {
    const state = chain();
    const forged: EquivocationProof = { ...proof, second: signedHeader(2, 5, 'two', 1) };
    const same: EquivocationProof = { ...proof, second: proof.first };
    const block = state.execute(
      [
        evidenceTx(encodeEquivocationProof(forged), 0n),
        evidenceTx(encodeEquivocationProof(same), 1n),
        evidenceTx(enc('not a proof'), 2n),
        evidenceTx(encodeEquivocationProof(proof), 3n),
        evidenceTx(encodeEquivocationProof({ ...proof, second: signedHeader(2, 5, 'three') }), 4n),
      ],
      { timestampMs: 10 },
    );
    assert.deepEqual(
      block.receipts.map((r) => [r.ok, r.code]),
      [
        [false, 'BAD_EVIDENCE'],
        [false, 'BAD_EVIDENCE'],
        [false, block.receipts[2]!.code],
        [true, ''],
        [false, 'ALREADY_SUSPENDED'],
      ],
    );
    assert.notEqual(block.receipts[2]!.code, '', 'a malformed payload is refused with its codec error');
    const suspension = readSuspension({ get: (key) => block.view.getState(key) }, 2);
    assert.ok(suspension !== undefined);
    assert.equal(suspension.round, 5);
    assert.equal(suspension.height, 1);
    assert.deepEqual(suspension.proof, encodeEquivocationProof(proof));
    assert.equal(readSuspension({ get: (key) => block.view.getState(key) }, 1), undefined);
  });

  it('reads a proof encoded before proofs named their epoch as one of the genesis committee', () => {
    const current = encodeEquivocationProof(proof);
    assert.deepEqual([current[0], current[1]], [2, 0], 'version 2, then epoch 0 in one byte');
    const legacy = Uint8Array.from([1, ...current.subarray(2)]);
    assert.deepEqual(decodeEquivocationProof(legacy), proof);
    const block = chain().execute([evidenceTx(legacy, 0n)], { timestampMs: 10 });
    assert.equal(block.receipts[0]!.ok, true);
    assert.throws(() => decodeEquivocationProof(Uint8Array.from([3, ...current.subarray(1)])), /version 3/);
  });

  it('refuses evidence on a chain whose genesis recorded no committee', () => {
    const block = chain(false).execute([evidenceTx(encodeEquivocationProof(proof), 0n)], { timestampMs: 10 });
    assert.equal(block.receipts[0]!.code, 'NO_COMMITTEE');
  });

  it('reads a block’s valid proofs for the credit audit, and the score suspends their author', async () => {
    const forged: EquivocationProof = { ...proof, second: signedHeader(2, 5, 'two', 1) };
    const transactions = [encodeEquivocationProof(forged), encodeEquivocationProof(proof), enc('junk')].map(
      (payload, i) => evidenceTx(payload, BigInt(i)).bytes,
    );
    const chainView = {
      head: 1,
      scheme: ed25519Scheme,
      block: async () => ({ timestampMs: 0, evidence: new Uint8Array(0) }),
      transactions: async () => transactions,
      batchProofs: async () => undefined,
    };
    const found = await equivocationsIn(chainView, 1, committee);
    assert.equal(found.length, 1, 'only the proof whose signatures verify');
    const scores = creditScores({
      committeeSize: 4,
      firstRound: 5,
      lastRound: 5,
      vertices: [],
      equivocations: found,
    });
    assert.deepEqual([...scores.suspended], [2]);
  });

  it('the node reports each proven member once, again only if the chain still lacks it after a while', () => {
    let now = 1000;
    const sent: Uint8Array[] = [];
    const state = chain();
    const proofs: EquivocationProof[] = [proof];
    const watcher = new EquivocationReporter({
      chainId: 'roles-test',
      shardId: 3,
      signingSeed: sha256(enc('validator seed')),
      proofs: () => proofs,
      state: () => {
        const view = state.view();
        return { get: (key) => view.getState(key) };
      },
      submit: (bytes) => {
        sent.push(bytes);
      },
      now: () => now,
      warn: () => {},
    });
    assert.equal(watcher.check(), 1);
    assert.equal(watcher.check(), 0, 'not twice while it may still be in flight');
    now += 10_000;
    assert.equal(watcher.check(), 1, 'sent again: the chain still lacks it');
    assert.equal(
      toHex(decodeSignedTransaction(sent[1]!, ed25519Scheme).tx.payload),
      toHex(encodeEquivocationProof(proof)),
    );
    // Once a block holds it, nothing more is sent.
    const block = state.execute([decodeSignedTransaction(sent[0]!, ed25519Scheme)], { timestampMs: 20 });
    assert.equal(block.receipts[0]!.ok, true);
    now += 10_000;
    assert.equal(watcher.check(), 0, 'the chain holds the suspension');
    assert.notDeepEqual(
      decodeSignedTransaction(sent[0]!, ed25519Scheme).tx.sender,
      ed25519Scheme.signer(sha256(enc('validator seed'))).publicKey,
      'a key of its own, not the validator’s',
    );
  });
});
