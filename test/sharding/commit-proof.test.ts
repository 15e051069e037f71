import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Committee } from '../../src/consensus/interface.js';
import { ed25519KeyPairFromSeed, ed25519Sign } from '../../src/crypto/ed25519.js';
import { sha256 } from '../../src/crypto/hash.js';
import {
  AttestationCollector,
  type CommitStatement,
  decodeCommitProof,
  encodeCommitProof,
  signCommitStatement,
  verifyCommitProof,
} from '../../src/sharding/index.js';

const enc = (s: string) => new TextEncoder().encode(s);
const keys = Array.from({ length: 7 }, (_, i) => ed25519KeyPairFromSeed(sha256(enc(`validator ${i}`))));
const committee: Committee = {
  shardId: 2,
  epoch: 5,
  members: keys.map((k, index) => ({ index, publicKey: k.publicKey })),
};
const sign = (i: number) => (message: Uint8Array) => ed25519Sign(keys[i]!.seed, message);

function statement(height: number, block = 'block'): CommitStatement {
  return {
    chainId: 'zone-shards',
    shardId: 2,
    epoch: 5,
    height,
    blockHash: sha256(enc(`${block} ${height}`)),
    stateRoot: sha256(enc(`root ${block} ${height}`)),
  };
}

describe('commit proofs', () => {
  it('complete at 2f + 1 signatures of one statement, verify, and round-trip canonically', () => {
    const collector = new AttestationCollector(committee, 'zone-shards');
    const s = statement(10);
    // n = 7, f = 2: the fifth distinct signer completes the proof, in any arrival order.
    const outcomes = [6, 1, 4, 1, 0, 3].map((i) => collector.add(signCommitStatement(s, i, sign(i))));
    assert.deepEqual(
      outcomes.map((o) => o.kind),
      ['counted', 'counted', 'counted', 'duplicate', 'counted', 'counted'],
    );
    assert.equal(outcomes[4]!.kind === 'counted' && outcomes[4]!.proof, undefined);
    const last = outcomes[5]!;
    assert.ok(last.kind === 'counted' && last.proof !== undefined);
    const proof = last.proof;
    assert.deepEqual(
      proof.signatures.map((x) => x.signer),
      [0, 1, 3, 4, 6],
    );
    verifyCommitProof(proof, committee);
    const bytes = encodeCommitProof(proof);
    assert.deepEqual(decodeCommitProof(bytes), proof);
    assert.deepEqual(encodeCommitProof(decodeCommitProof(bytes)), bytes);
    // A sixth signature adds nothing: the height already has its proof.
    const after = collector.add(signCommitStatement(s, 2, sign(2)));
    assert.ok(after.kind === 'counted' && after.proof === undefined);
  });

  it('refuses a proof short of a quorum, with a foreign or repeated signer, or checked against another committee', () => {
    const s = statement(11);
    const signatures = [0, 1, 2, 3, 4].map((signer) => ({
      signer,
      signature: sign(signer)(new Uint8Array()),
    }));
    const good = {
      statement: s,
      signatures: [0, 1, 2, 3, 4].map((i) => ({
        signer: i,
        signature: signCommitStatement(s, i, sign(i)).signature,
      })),
    };
    verifyCommitProof(good, committee);
    const refused = (proof: typeof good, c: Committee, pattern: RegExp) =>
      assert.throws(
        () => verifyCommitProof(proof, c),
        (e: { code?: string; message?: string }) => {
          assert.equal(e.code, 'BAD_COMMIT_PROOF');
          assert.match(e.message ?? '', pattern);
          return true;
        },
      );
    refused(
      { ...good, signatures: good.signatures.slice(0, 4) },
      committee,
      /4 signatures, a committee of 7 needs 5/,
    );
    refused({ ...good, signatures: signatures }, committee, /validator 0 does not verify/);
    refused(
      { ...good, signatures: [...good.signatures.slice(0, 4), good.signatures[3]!] },
      committee,
      /distinct and in increasing order/,
    );
    refused(
      {
        ...good,
        signatures: [...good.signatures.slice(0, 4), { signer: 9, signature: good.signatures[0]!.signature }],
      },
      committee,
      /validator 9 is not in the committee/,
    );
    refused(good, { ...committee, epoch: 6 }, /checked against the committee of shard 2 epoch 6/);
    // The same signatures over another height, block or root prove nothing.
    refused({ ...good, statement: statement(12) }, committee, /does not verify/);
    refused({ ...good, statement: { ...s, stateRoot: sha256(enc('other')) } }, committee, /does not verify/);
  });

  it('keeps the first statement a validator signed for a height and returns the second as evidence', () => {
    const collector = new AttestationCollector(committee, 'zone-shards');
    const honest = statement(20, 'honest');
    const forged = statement(20, 'forged');
    // f = 2 validators sign both blocks; the other five sign only the honest one.
    for (const i of [0, 1])
      assert.equal(collector.add(signCommitStatement(forged, i, sign(i))).kind, 'counted');
    const conflicts = [0, 1].map((i) => collector.add(signCommitStatement(honest, i, sign(i))));
    for (const [j, outcome] of conflicts.entries()) {
      assert.ok(outcome.kind === 'conflict');
      assert.equal(outcome.evidence.signer, j);
      assert.equal(outcome.evidence.first.statement.blockHash, forged.blockHash);
      assert.equal(outcome.evidence.second.statement.blockHash, honest.blockHash);
    }
    const proofs = [2, 3, 4, 5, 6]
      .map((i) => collector.add(signCommitStatement(honest, i, sign(i))))
      .filter((o) => o.kind === 'counted' && o.proof !== undefined);
    assert.equal(proofs.length, 1, 'five honest signatures prove the honest block');
    // The forged block can never reach a quorum: only its two equivocators counted for it.
  });

  it('refuses a bad signature, an outsider, another chain or shard before recording anything', () => {
    const collector = new AttestationCollector(committee, 'zone-shards');
    const s = statement(30);
    const good = signCommitStatement(s, 3, sign(3));
    assert.throws(() => collector.add({ ...good, signature: sign(4)(new Uint8Array(1)) }), {
      code: 'BAD_ATTESTATION',
    });
    assert.throws(() => collector.add({ ...good, signer: 7 }), { code: 'BAD_ATTESTATION' });
    assert.throws(() => collector.add(signCommitStatement({ ...s, chainId: 'other' }, 3, sign(3))), {
      code: 'BAD_ATTESTATION',
    });
    assert.throws(() => collector.add(signCommitStatement({ ...s, shardId: 1 }, 3, sign(3))), {
      code: 'BAD_ATTESTATION',
    });
    assert.equal(collector.add(good).kind, 'counted', 'nothing of the refused ones was recorded');
    collector.pruneBelow(31);
    assert.equal(collector.add(signCommitStatement(s, 4, sign(4))).kind, 'duplicate', 'pruned height');
  });

  it('decodes strictly: trailing bytes, unknown version, descending signers, absurd counts', () => {
    const s = statement(40);
    const proof = {
      statement: s,
      signatures: [0, 1, 2, 3, 4].map((i) => ({
        signer: i,
        signature: signCommitStatement(s, i, sign(i)).signature,
      })),
    };
    const bytes = encodeCommitProof(proof);
    assert.throws(() => decodeCommitProof(new Uint8Array([...bytes, 0])), { code: 'TRAILING_BYTES' });
    assert.throws(() => decodeCommitProof(new Uint8Array([2, ...bytes.subarray(1)])), {
      code: 'UNKNOWN_VERSION',
    });
    assert.throws(() => decodeCommitProof(bytes.subarray(0, bytes.length - 1)), { code: 'UNEXPECTED_END' });
    const swapped = encodeCommitProof({
      ...proof,
      signatures: [proof.signatures[1]!, proof.signatures[0]!, ...proof.signatures.slice(2)],
    });
    assert.throws(() => decodeCommitProof(swapped), { code: 'NON_CANONICAL' });
    const head = encodeCommitProof({ ...proof, signatures: [] });
    const absurd = new Uint8Array([...head.subarray(0, head.length - 1), 0xff, 0xff, 0x03]);
    assert.throws(() => decodeCommitProof(absurd), { code: 'OUT_OF_RANGE' });
  });
});
