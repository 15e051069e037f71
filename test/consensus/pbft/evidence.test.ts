import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ValidatorInit } from '../../../src/consensus/interface.js';
import {
  batchDigest,
  type CommitMessage,
  decodeCommitEvidence,
  encodeCommitEvidence,
  Keyring,
  PbftError,
  pbftGenesis,
  verifyCommitEvidence,
  verifyCommitProof,
} from '../../../src/consensus/pbft/index.js';
import { Cluster, tx } from './cluster.js';

const inits: ValidatorInit[] = pbftGenesis(4, new Uint8Array(32).fill(9));
const committee = inits[0]!.committee;
const keyrings = inits.map((init) => new Keyring(init.committee, init.signingSeed));
const transactions = [tx('a'), tx('b'), tx('c')];
const proposer = 1;
const digest = batchDigest(proposer, transactions);

function commit(from: number, view = 0, sequence = 5, d = digest, signer = from): CommitMessage {
  return keyrings[signer]!.sign<CommitMessage>({ type: 'commit', from, view, sequence, digest: d });
}

function refused(evidence: Uint8Array, batch = { sequence: 5, proposer, transactions }, reason?: RegExp) {
  assert.throws(
    () => verifyCommitEvidence(committee, evidence, batch),
    (error: unknown) =>
      error instanceof PbftError &&
      error.code === 'BAD_PROOF' &&
      (reason === undefined || reason.test(error.message)),
  );
}

describe('pbft commit evidence', () => {
  it('accepts 2f + 1 valid commits over the batch digest and names the view', () => {
    const evidence = encodeCommitEvidence([commit(0, 2), commit(2, 2), commit(3, 2)], []);
    const verified = verifyCommitEvidence(committee, evidence, { sequence: 5, proposer, transactions });
    assert.equal(verified.view, 2);
    assert.deepEqual(verified.digest, digest);
  });

  it('refuses forged or insufficient evidence', () => {
    const good = [commit(0), commit(1), commit(2)];
    // Other transactions, proposer or sequence than the commits signed.
    refused(encodeCommitEvidence(good, []), {
      sequence: 5,
      proposer,
      transactions: [tx('a'), tx('x'), tx('c')],
    });
    refused(encodeCommitEvidence(good, []), { sequence: 5, proposer: 2, transactions });
    refused(encodeCommitEvidence(good, []), { sequence: 6, proposer, transactions }, /sequence/);
    // Too few commits, or one validator counted twice.
    refused(encodeCommitEvidence(good.slice(0, 2), []), undefined, /2 valid commits/);
    refused(encodeCommitEvidence([commit(0), commit(1), commit(1)], []), undefined, /twice/);
    // A commit signed by someone else than its sender, or a signature bit flipped.
    refused(
      encodeCommitEvidence([commit(0), commit(1), commit(2, 0, 5, digest, 3)], []),
      undefined,
      /verify/,
    );
    const flipped = commit(2);
    const signature = new Uint8Array(flipped.signature);
    signature[0]! ^= 1;
    refused(encodeCommitEvidence([commit(0), commit(1), { ...flipped, signature }], []), undefined, /verify/);
    // Commits of two views, a sender outside the committee, and an empty certificate.
    refused(encodeCommitEvidence([commit(0, 0), commit(1, 0), commit(2, 1)], []), undefined, /view/);
    const outsider = keyrings[3]!.sign<CommitMessage>({
      type: 'commit',
      from: 7,
      view: 0,
      sequence: 5,
      digest,
    });
    refused(encodeCommitEvidence([commit(0), commit(1), outsider], []), undefined, /verify/);
    refused(encodeCommitEvidence([], []), undefined, /empty/);
    // Bytes that are not evidence at all.
    refused(new Uint8Array([1, 2, 3]), undefined, /malformed/);
  });

  it('rebuilds the decided batch from dropped entries, and refuses entries that do not fit', () => {
    const commits = [commit(0), commit(1), commit(3)];
    const kept = [transactions[0]!, transactions[2]!];
    const evidence = encodeCommitEvidence(commits, [{ position: 1, bytes: transactions[1]! }]);
    assert.equal(
      verifyCommitEvidence(committee, evidence, { sequence: 5, proposer, transactions: kept }).view,
      0,
    );
    refused(encodeCommitEvidence(commits, []), { sequence: 5, proposer, transactions: kept });
    refused(encodeCommitEvidence(commits, [{ position: 7, bytes: transactions[1]! }]), {
      sequence: 5,
      proposer,
      transactions: kept,
    });
    assert.throws(() =>
      decodeCommitEvidence(
        encodeCommitEvidence(commits, [
          { position: 1, bytes: tx('x') },
          { position: 1, bytes: tx('y') },
        ]),
      ),
    );
  });

  it('verifies every batch a cluster commits', () => {
    const c = new Cluster(4, 5);
    c.submit(1, [tx('same')]);
    c.submit(2, [tx('same')]);
    c.submit(0, [tx('same'), tx('other')]);
    for (let k = 0; k < 20; k++) c.submit(k % 4, [tx(`t${k}`)]);
    c.run(5_000);
    const committeeOfCluster = c.inits[0]!.committee;
    for (let i = 0; i < 4; i++) {
      assert.equal(c.log(i).length, 22);
      for (const [k, batch] of c.committed[i]!.entries()) {
        const verified = verifyCommitProof(committeeOfCluster, batch.evidence, batch.proof, {
          sequence: batch.round,
          proposer: batch.proposer,
          transactions: batch.transactions,
        });
        assert.equal(verified.sequence, batch.sequence);
        // The evidence a block records holds no commit: the same at every validator.
        assert.deepEqual(batch.evidence, c.committed[0]![k]!.evidence);
        assert.equal(decodeCommitEvidence(batch.evidence).commits.length, 0);
      }
    }
  });
});
