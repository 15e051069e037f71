import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Committee } from '../../src/consensus/interface.js';
import { ed25519KeyPairFromSeed, ed25519Sign } from '../../src/crypto/ed25519.js';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { type BlockHeader, blockHash } from '../../src/ledger/block.js';
import {
  AttestationCollector,
  type CommitProof,
  type CommitStatement,
  encodeCommitProof,
  decodeCommitProof as nodeDecode,
  commitStatementBytes as nodeStatementBytes,
  verifyCommitProof as nodeVerify,
  sameStatement,
  signCommitStatement,
} from '../../src/sharding/index.js';
import {
  type CommitCheck,
  checkCommitProof,
  commitStatementBytes,
  committeeFromNetwork,
  decodeCommitProof,
} from '../../web/src/lib/commit-proof.js';
import type { HeaderFields } from '../../web/src/lib/header.js';

// The browser's commit proof check, written from docs/SHARDING.md, held to the node's own code:
// on proofs the node's collector builds and on every mutation of them, the browser accepts a
// proof exactly when src/sharding's decoder and verifier accept it and it names the block shown.

const enc = (s: string) => new TextEncoder().encode(s);
const keys = Array.from({ length: 8 }, (_, i) =>
  ed25519KeyPairFromSeed(sha256(enc(`portal validator ${i}`))),
);
const outsider = ed25519KeyPairFromSeed(sha256(enc('not a validator')));

function committeeOf(n: number, shardId = 0): Committee {
  return {
    shardId,
    epoch: 0,
    members: keys.slice(0, n).map((k, index) => ({ index, publicKey: k.publicKey })),
  };
}

/** The node's network answer for a committee, as the portal reads it. */
const networkOf = (c: Committee) => ({
  shardId: c.shardId,
  validators: c.members.map((m) => ({ index: m.index, publicKey: toHex(m.publicKey) })),
});

function headerAt(height: number, chainId = 'portal-devnet', tag = 'block'): BlockHeader {
  return {
    chainId,
    shardId: 0,
    height,
    epoch: 0,
    timestampMs: 1_700_000_000_000 + height * 1000,
    previousHash: sha256(enc(`${tag} ${height - 1}`)),
    txRoot: sha256(enc(`txs ${tag} ${height}`)),
    txCount: 3,
    receiptsRoot: sha256(enc(`receipts ${tag} ${height}`)),
    stateRoot: sha256(enc(`state ${tag} ${height}`)),
    randomness: sha256(enc(`coin ${height}`)),
    evidence: enc(`certificate ${height}`),
  };
}

/** The block as GET /api/v1/blocks/{height} returns it. */
function blockJson(h: BlockHeader): HeaderFields {
  return {
    hash: toHex(blockHash(ed25519Scheme, h)),
    chainId: h.chainId,
    shardId: h.shardId,
    height: h.height,
    epoch: h.epoch,
    timestampMs: h.timestampMs,
    previousHash: toHex(h.previousHash),
    txRoot: toHex(h.txRoot),
    txCount: h.txCount,
    receiptsRoot: toHex(h.receiptsRoot),
    stateRoot: toHex(h.stateRoot),
    randomness: toHex(h.randomness),
    evidence: toHex(h.evidence),
  };
}

function statementOf(h: BlockHeader): CommitStatement {
  return {
    chainId: h.chainId,
    shardId: h.shardId,
    epoch: h.epoch,
    height: h.height,
    blockHash: blockHash(ed25519Scheme, h),
    stateRoot: h.stateRoot,
  };
}

const sign = (i: number) => (m: Uint8Array) => ed25519Sign(keys[i]!.seed, m);

/** A proof as validators build it: their attestations fed to the node's collector, in this order. */
function collect(committee: Committee, s: CommitStatement, signers: number[]): Uint8Array {
  const collector = new AttestationCollector(committee, s.chainId);
  for (const i of signers) {
    const outcome = collector.add(signCommitStatement(s, i, sign(i)));
    if (outcome.kind === 'counted' && outcome.proof !== undefined) return encodeCommitProof(outcome.proof);
  }
  throw new Error('no quorum');
}

/** Signatures by whoever is named, encoded as given (the node's encoder checks no order). */
function forge(s: CommitStatement, entries: [signer: number, seed: Uint8Array][]): Uint8Array {
  const message = nodeStatementBytes(s);
  const proof: CommitProof = {
    statement: s,
    signatures: entries.map(([signer, seed]) => ({ signer, signature: ed25519Sign(seed, message) })),
  };
  return encodeCommitProof(proof);
}

/** What the node accepts: its strict decoding, its verifier, and a statement naming this block. */
function nodeAccepts(bytes: Uint8Array, h: BlockHeader, committee: Committee): boolean {
  try {
    const proof = nodeDecode(bytes);
    nodeVerify(proof, committee);
    return sameStatement(proof.statement, statementOf(h));
  } catch {
    return false;
  }
}

function browser(bytes: Uint8Array, h: BlockHeader | HeaderFields, committee: Committee): CommitCheck {
  const block = 'hash' in h ? h : blockJson(h);
  return checkCommitProof(toHex(bytes), block, committeeFromNetwork(networkOf(committee)));
}

/** Asserts the browser and the node agree on `bytes`, and returns the browser's answer. */
function agree(bytes: Uint8Array, h: BlockHeader, committee: Committee, what: string): CommitCheck {
  const answer = browser(bytes, h, committee);
  assert.equal(answer.ok, nodeAccepts(bytes, h, committee), `${what}: ${JSON.stringify(answer)}`);
  return answer;
}

const four = committeeOf(4);
const block5 = headerAt(5);
const proof5 = collect(four, statementOf(block5), [2, 0, 3]);

describe('commit proofs checked in the browser', () => {
  it('sign the same bytes and decode the same proof as the node', () => {
    const s = statementOf(block5);
    assert.equal(toHex(commitStatementBytes(s)), toHex(nodeStatementBytes(s)));
    const decoded = decodeCommitProof(proof5);
    const expected = nodeDecode(proof5);
    assert.deepEqual(
      decoded.signatures.map((x) => [x.signer, toHex(x.signature)]),
      expected.signatures.map((x) => [x.signer, toHex(x.signature)]),
    );
    assert.equal(decoded.statement.chainId, expected.statement.chainId);
    assert.equal(toHex(decoded.statement.blockHash), toHex(expected.statement.blockHash));
  });

  it('accept what the node accepts: every quorum of committees of 1, 4 and 7', () => {
    const one = committeeOf(1);
    assert.deepEqual(agree(collect(one, statementOf(block5), [0]), block5, one, 'n=1'), {
      ok: true,
      signers: [0],
      quorum: 1,
      size: 1,
    });
    for (const signers of [
      [0, 1, 2],
      [0, 1, 3],
      [0, 2, 3],
      [1, 2, 3],
    ]) {
      const answer = agree(collect(four, statementOf(block5), signers), block5, four, `n=4 ${signers}`);
      assert.deepEqual(answer, { ok: true, signers, quorum: 3, size: 4 });
    }
    // All four in one proof: a proof may carry more than a quorum.
    const all = forge(
      statementOf(block5),
      [0, 1, 2, 3].map((i) => [i, keys[i]!.seed]),
    );
    assert.equal(agree(all, block5, four, 'n=4 all').ok, true);
    const seven = committeeOf(7);
    const answer = agree(collect(seven, statementOf(block5), [6, 1, 4, 0, 3]), block5, seven, 'n=7');
    assert.deepEqual(answer, { ok: true, signers: [0, 1, 3, 4, 6], quorum: 5, size: 7 });
  });

  it('refuse a changed bit in any field or signature, as the node does', () => {
    // Every bit of the version, statement, count and signer indices; in each signature byte one
    // bit (rotating through the eight), since each such case costs a verification on both sides.
    const signaturesStart = proof5.length - 3 * 65;
    const isSignatureByte = (i: number) => i >= signaturesStart && (i - signaturesStart) % 65 !== 0;
    let refused = 0;
    for (let byte = 0; byte < proof5.length; byte++)
      for (const bit of isSignatureByte(byte) ? [byte % 8] : [0, 1, 2, 3, 4, 5, 6, 7]) {
        const mutated = proof5.slice();
        mutated[byte]! ^= 1 << bit;
        const answer = agree(mutated, block5, four, `byte ${byte} bit ${bit}`);
        assert.equal(answer.ok, false, `byte ${byte} bit ${bit}`);
        refused++;
      }
    assert.equal(refused, signaturesStart * 8 + 3 * 8 + 3 * 64);
  });

  it('refuse a quorum short by one, a repeated or descending signer, and a signer outside the committee', () => {
    const s = statementOf(block5);
    const seed = (i: number) => keys[i]!.seed;
    const cases: [string, Uint8Array, string][] = [
      [
        'two of four',
        forge(s, [
          [0, seed(0)],
          [1, seed(1)],
        ]),
        'belowQuorum',
      ],
      [
        'signer repeated',
        forge(s, [
          [0, seed(0)],
          [1, seed(1)],
          [1, seed(1)],
        ]),
        'malformed',
      ],
      [
        'signers descending',
        forge(s, [
          [0, seed(0)],
          [2, seed(2)],
          [1, seed(1)],
        ]),
        'malformed',
      ],
      [
        'index beyond the committee',
        forge(s, [
          [0, seed(0)],
          [1, seed(1)],
          [4, seed(4)],
        ]),
        'outsider',
      ],
      [
        'outsider in a member’s place',
        forge(s, [
          [0, seed(0)],
          [1, seed(1)],
          [3, outsider.seed],
        ]),
        'signature',
      ],
      [
        'member signs for another',
        forge(s, [
          [0, seed(0)],
          [1, seed(1)],
          [2, seed(3)],
        ]),
        'signature',
      ],
    ];
    for (const [what, bytes, reason] of cases) {
      const answer = agree(bytes, block5, four, what);
      assert.equal(answer.ok ? 'accepted' : answer.reason, reason, what);
    }
    // A committee member's key served differently: that member's signature no longer counts.
    const swapped: Committee = {
      ...four,
      members: four.members.map((m) => (m.index === 2 ? { index: 2, publicKey: outsider.publicKey } : m)),
    };
    assert.equal(agree(proof5, block5, swapped, 'swapped key').ok, false);
    // Weak or malformed keys: the node refuses them, and so does the browser.
    for (const weak of [new Uint8Array(32), Uint8Array.of(1, ...new Uint8Array(31)), new Uint8Array(31)]) {
      const c: Committee = {
        ...four,
        members: four.members.map((m) => (m.index === 0 ? { index: 0, publicKey: weak } : m)),
      };
      assert.equal(agree(proof5, block5, c, `weak key ${toHex(weak)}`).ok, false);
    }
  });

  it('refuse a non-canonical signature scalar the node refuses', () => {
    const s = statementOf(block5);
    const proof = nodeDecode(proof5);
    // S + L verifies the same equation but is a second encoding: both sides must refuse it.
    const L = (1n << 252n) + 27742317777372353535851937790883648493n;
    const first = proof.signatures[0]!;
    let scalar = 0n;
    for (let i = 31; i >= 0; i--) scalar = (scalar << 8n) | BigInt(first.signature[32 + i]!);
    scalar += L;
    const signature = first.signature.slice();
    for (let i = 0; i < 32; i++) signature[32 + i] = Number((scalar >> BigInt(8 * i)) & 0xffn);
    const bytes = encodeCommitProof({
      statement: s,
      signatures: proof.signatures.map((x, i) => (i === 0 ? { signer: x.signer, signature } : x)),
    });
    assert.equal(agree(bytes, block5, four, 'S + L').ok, false);
  });

  it('refuse another block’s statement, another committee, and a header that does not re-hash', () => {
    const other = [
      ['next block', headerAt(6)],
      ['same height, other block', headerAt(5, 'portal-devnet', 'fork')],
      ['other chain', headerAt(5, 'another-chain')],
    ] as const;
    for (const [what, h] of other) {
      const bytes = collect(four, statementOf(h), [0, 1, 2]);
      assert.equal(agree(bytes, h, four, `${what} on its own block`).ok, true);
      const answer = agree(bytes, block5, four, what);
      assert.equal(answer.ok ? 'accepted' : answer.reason, 'otherBlock', what);
    }
    const shard1 = committeeOf(4, 1);
    const answer = agree(proof5, block5, shard1, 'committee of shard 1');
    assert.equal(answer.ok ? 'accepted' : answer.reason, 'otherCommittee');
    const forgedRoot = { ...blockJson(block5), stateRoot: toHex(sha256(enc('invented'))) };
    assert.deepEqual(browser(proof5, forgedRoot, four), { ok: false, reason: 'header' });
  });

  it('decode as strictly as the node: version, trailing bytes, counts, lengths, text', () => {
    const hex = toHex(proof5);
    const bad = [
      ['version 2', `02${hex.slice(2)}`],
      ['trailing byte', `${hex}00`],
      ['truncated', hex.slice(0, -2)],
      ['not hex', `${hex.slice(0, -1)}g`],
    ];
    for (const [what, h] of bad) {
      const answer = checkCommitProof(h!, blockJson(block5), committeeFromNetwork(networkOf(four)));
      assert.equal(answer.ok ? 'accepted' : answer.reason, 'malformed', what);
    }
    // Hand-built bodies after the statement: a count over 1,024, a non-minimal varint signer.
    const statementHex = toHex(nodeStatementBytes(statementOf(block5))).slice(
      toHex(enc('gridshard/commit-statement')).length + 2,
    );
    const sig = '11'.repeat(64);
    for (const [what, body] of [
      ['1,025 signatures', `810800${sig}`],
      ['signer 0 as two bytes', `018000${sig}`],
    ] as const) {
      const bytes = Buffer.from(`01${statementHex}${body}`, 'hex');
      assert.throws(() => nodeDecode(bytes), what);
      assert.throws(() => decodeCommitProof(bytes), what);
    }
    // A leading byte-order mark is part of the chain id on both sides, not dropped.
    const bom = headerAt(5, '\u{feff}bom-chain');
    const bytes = collect(four, statementOf(bom), [0, 1, 2]);
    assert.equal(agree(bytes, bom, four, 'BOM chain id').ok, true);
    assert.equal(decodeCommitProof(bytes).statement.chainId, '\u{feff}bom-chain');
  });
});
