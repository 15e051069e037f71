import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dealCoinKeys } from '../../../src/consensus/coin/index.js';
import {
  type DagCore,
  DagError,
  type DagMessage,
  dagProtocol,
  decodeCertificateEvidence,
  encodeCertificateEvidence,
  type Header,
  headerDigest,
  headerSigningBytes,
  verifyCertificateEvidence,
  verifyVertexProof,
} from '../../../src/consensus/dag/index.js';
import type { CommittedBatch } from '../../../src/consensus/interface.js';
import { ed25519Sign } from '../../../src/crypto/index.js';
import { Cluster, txs } from './harness.js';

function votesIn(effects: { kind: string; message?: DagMessage }[]): number {
  return effects.filter((e) => e.kind === 'send' && e.message?.type === 'vote').length;
}

describe('DAG core', () => {
  it('commits the same sequence at every validator, each transaction once', () => {
    const cluster = new Cluster(4);
    cluster.start();
    for (let i = 0; i < 4; i++) cluster.submit(i, txs(`v${i}`, 25));
    cluster.run(1000);
    const reference = cluster.committedTransactions(0);
    assert.equal(reference.length, 100);
    assert.equal(new Set(reference).size, 100);
    for (let i = 1; i < 4; i++) assert.deepEqual(cluster.committedTransactions(i), reference);
    cluster.commits[0]!.forEach((batch, k) => {
      assert.equal(batch.sequence, k);
      assert.equal(batch.randomness.length, 32);
    });
  });

  it('keeps committing with one validator cut off, and the cut validator catches up', () => {
    const cluster = new Cluster(4, 2);
    cluster.cut.add(3);
    cluster.start();
    cluster.submit(0, txs('a', 20));
    cluster.run(800);
    assert.equal(cluster.committedTransactions(0).length, 20);
    assert.equal(cluster.committedTransactions(3).length, 0);
    cluster.cut.delete(3);
    cluster.submit(3, txs('b', 10));
    cluster.run(2000);
    const reference = cluster.committedTransactions(0);
    assert.equal(reference.length, 30);
    assert.deepEqual(cluster.committedTransactions(3), reference);
  });

  it('catches up from f + 1 matching checkpoints once peers collected the history it missed', () => {
    const cluster = new Cluster(4, 9, { gcDepthRounds: 6, minRoundIntervalMs: 50 });
    cluster.cut.add(3);
    cluster.start();
    cluster.submit(0, txs('early', 15));
    cluster.run(1200);
    const peer = cluster.cores[0]!.stats();
    assert.ok(peer.gcRound > 2, `peers collected rounds below ${peer.gcRound}`);
    cluster.cut.delete(3);
    cluster.submit(3, txs('late', 5));
    cluster.run(2500);
    const reference = cluster.committedTransactions(0);
    assert.equal(reference.length, 20);
    assert.deepEqual(cluster.committedTransactions(3), reference);
    // The path taken was state sync, not vertex fetching.
    assert.ok(cluster.sent.some((m) => m.to === 3 && m.message.type === 'sync-response'));
  });

  it('catches up after its peers ordered more than 2,048 batches without it, empty vertices included', () => {
    // Every ordered vertex is a batch, so an idle committee of four orders about 8 a second: a
    // window of 2,048 retained batches (the earlier default) left a validator away for four
    // minutes unable ever to catch up. Rounds run fast here so the test reaches it quickly.
    const cluster = new Cluster(4, 9, { minRoundIntervalMs: 10, idleRoundIntervalMs: 10 });
    cluster.cut.add(3);
    cluster.start();
    cluster.submit(0, txs('early', 15));
    let until = 0;
    while (cluster.commits[0]!.length <= 2100) cluster.run((until += 1000));
    cluster.cut.delete(3);
    cluster.submit(3, txs('late', 5));
    cluster.run(until + 6000);
    const reference = cluster.committedTransactions(0);
    assert.equal(reference.length, 20);
    assert.deepEqual(cluster.committedTransactions(3), reference);
    assert.ok(cluster.commits[3]!.length > 2100, 'and every batch it missed');
  });

  it('takes up the order after a ledger copied past what its peers retain, from an agreed checkpoint', () => {
    // Peers keep only 256 batches: validator 3, cut off for a thousand, cannot be served them and
    // stays where it is. Its node copies the blocks instead (final by their commit proofs) and
    // restarts the core with `orderedThrough`, the last sequence the copied ledger holds.
    const config = {
      minRoundIntervalMs: 10,
      idleRoundIntervalMs: 10,
      retainedBatches: 256,
      gcDepthRounds: 6,
    };
    const cluster = new Cluster(4, 9, config);
    cluster.cut.add(3);
    cluster.start();
    cluster.submit(0, txs('early', 15));
    let until = 0;
    while (cluster.commits[0]!.length <= 1000) cluster.run((until += 500));
    // Back on the network it would ask for sequence 0 and never be answered; f + 1 peers' answers
    // tell it that no one holds that any more.
    assert.equal(cluster.cores[3]!.beyondRetainedWindow, false);
    cluster.cut.delete(3);
    cluster.run((until += 2000));
    assert.equal(cluster.cores[3]!.beyondRetainedWindow, true, 'the node is told to copy blocks');
    assert.equal(cluster.commits[3]!.length, 0);
    for (const i of [0, 1, 2]) assert.equal(cluster.cores[i]!.beyondRetainedWindow, false);
    cluster.cut.add(3);
    const peer = cluster.commits[0]!;
    let through = -1;
    for (const batch of peer)
      if (batch.endsCommit && batch.sequence < peer.length - 30) through = batch.sequence;
    assert.ok(through > 900);
    const saved = cluster.cores[3]!.snapshot();
    const key = (b: CommittedBatch) =>
      `${b.sequence}/${b.round}/${b.proposer}/${Buffer.from(b.evidence).toString('hex')}`;

    cluster.replace(
      3,
      dagProtocol.create({ ...cluster.inits[3]!, recovered: saved, orderedThrough: through }) as DagCore,
    );
    cluster.feed(3, { kind: 'start' });
    cluster.cut.delete(3);
    cluster.submit(3, txs('late', 5));
    cluster.run(until + 5000);
    const taken = cluster.commits[3]!;
    assert.ok(taken.length > 0 && taken[0]!.sequence === through + 1, 'it starts right after the copy');
    const reference = cluster.commits[0]!.filter((b) => b.sequence > through).slice(0, taken.length);
    assert.deepEqual(taken.map(key), reference.map(key));
    assert.ok(cluster.committedTransactions(0).includes('late-4'));
    assert.ok(cluster.committedTransactions(3).includes('late-4'));
    // A position the core has passed already changes nothing.
    const ahead = dagProtocol.create({
      ...cluster.inits[0]!,
      recovered: cluster.cores[0]!.snapshot(),
      orderedThrough: 5,
    }) as DagCore;
    assert.deepEqual(ahead.snapshot(), cluster.cores[0]!.snapshot());
  });

  it('garbage-collects old rounds so the DAG stays bounded on a long run', () => {
    const cluster = new Cluster(4, 3, { gcDepthRounds: 10, minRoundIntervalMs: 20 });
    cluster.start();
    const sizes: number[] = [];
    for (let step = 1; step <= 6; step++) {
      cluster.submit(step % 4, txs(`s${step}`, 5));
      cluster.run(step * 350);
      sizes.push(cluster.cores[0]!.stats().dagSize);
    }
    const stats = cluster.cores[0]!.stats();
    assert.ok(stats.round > 60, `round ${stats.round}`);
    // Window of gcDepth rounds plus the uncommitted tail, times n, whatever the run length.
    assert.ok(Math.max(...sizes) < 4 * 20, `sizes ${sizes.join(',')}`);
    assert.equal(cluster.committedTransactions(0).length, 30);
  });

  it('keeps the window of committed batches for lagging peers within its byte bound', () => {
    const cluster = new Cluster(4, 5, { minRoundIntervalMs: 20, retainedBatchBytes: 4000 });
    cluster.start();
    const bytes: number[] = [];
    for (let step = 1; step <= 12; step++) {
      const payload = (k: number) => new TextEncoder().encode(`${step}-${k}-${'x'.repeat(90)}`);
      cluster.submit(
        step % 4,
        Array.from({ length: 8 }, (_, k) => payload(k)),
      );
      cluster.run(step * 300);
      bytes.push(cluster.cores[0]!.stats().retainedBatchBytes);
    }
    assert.equal(cluster.committedTransactions(0).length, 96);
    // Twelve batches of ~1 kB each were committed; the window never holds more than its bound.
    assert.ok(Math.max(...bytes) <= 4000, `retained bytes ${bytes.join(',')}`);
    assert.ok(cluster.cores[0]!.stats().retainedBatches >= 1);
  });

  it('marks where each decision ends, identically at every validator', () => {
    const cluster = new Cluster(4, 6);
    cluster.start();
    for (let step = 1; step <= 5; step++) {
      for (let i = 0; i < 4; i++) cluster.submit(i, txs(`d${step}v${i}`, 3));
      cluster.run(step * 400);
    }
    const ends = cluster.commits.map((batches) => batches.map((b) => b.endsCommit));
    const shortest = Math.min(...ends.map((e) => e.length));
    assert.ok(shortest >= 10, `batches committed ${shortest}`);
    for (const e of ends) assert.deepEqual(e.slice(0, shortest), ends[0]!.slice(0, shortest));
    const decisions = ends[0]!.filter(Boolean).length;
    assert.ok(
      decisions >= 2 && decisions < ends[0]!.length,
      `${decisions} decisions over ${ends[0]!.length} batches`,
    );
    // Batches of one decision share the coin's value; a new decision starts after each end.
    const batches = cluster.commits[0]!;
    for (let k = 1; k < batches.length; k++) {
      const sameDecision = !batches[k - 1]!.endsCommit;
      if (sameDecision) assert.deepEqual(batches[k]!.randomness, batches[k - 1]!.randomness);
    }
  });

  it('gives every committed batch a certificate anyone can check against its transactions', () => {
    const cluster = new Cluster(4, 7);
    cluster.start();
    for (let i = 0; i < 4; i++) cluster.submit(i, txs(`cert${i}`, 4));
    cluster.run(2000);
    const committee = cluster.inits[0]!.committee;
    const batches = cluster.commits[0]!;
    assert.ok(batches.length >= 4);
    for (const batch of batches) {
      const certificate = verifyVertexProof(committee, batch.evidence, batch.proof, batch.transactions);
      assert.equal(certificate.author, batch.proposer);
      assert.equal(certificate.round, batch.round);
      assert.ok(certificate.votes.length >= 3);
      assert.equal(decodeCertificateEvidence(batch.evidence).votes.length, 0, 'no vote in the evidence');
    }
    // What goes into a block is the same at every validator, whatever quorum each one holds.
    for (let i = 1; i < 4; i++) {
      const theirs = cluster.commits[i]!;
      for (let k = 0; k < Math.min(theirs.length, batches.length); k++)
        assert.deepEqual(theirs[k]!.evidence, batches[k]!.evidence, `validator ${i}, batch ${k}`);
    }
    const batch = batches[0]!;
    const altered = [...batch.transactions.slice(1), new TextEncoder().encode('inserted')];
    assert.throws(() => verifyVertexProof(committee, batch.evidence, batch.proof, altered), {
      code: 'BAD_CERTIFICATE',
    });
    assert.throws(() => verifyVertexProof(committee, batches[1]!.evidence, batch.proof, batch.transactions), {
      code: 'BAD_CERTIFICATE',
    });
    // Two of the three votes replaced by copies of the first: one distinct voter is no quorum.
    const decoded = decodeCertificateEvidence(batch.proof);
    const first = decoded.votes[0]!;
    const forged = encodeCertificateEvidence({
      header: {
        author: decoded.author,
        round: decoded.round,
        parents: decoded.parents,
        weakParents: decoded.weakParents,
        transactions: batch.transactions,
        coinShare: decoded.coinShare,
        signature: new Uint8Array(64),
      },
      votes: decoded.votes.map(() => first),
    });
    assert.throws(() => verifyCertificateEvidence(committee, forged, batch.transactions), /1 valid votes/);
    assert.throws(() => verifyCertificateEvidence(committee, forged.subarray(1), batch.transactions), {
      code: 'BAD_CERTIFICATE',
    });
  });

  it('votes only for headers whose every entry the application accepts', () => {
    const refuses = (entry: Uint8Array) => new TextDecoder().decode(entry) !== 'poison';
    const cluster = new Cluster(4, 8);
    // Validator 0 lacks the check (as a faulty one would) and proposes an entry the others refuse.
    for (const [i, init] of cluster.inits.entries()) {
      if (i > 0) cluster.replace(i, dagProtocol.create({ ...init, acceptsEntry: refuses }) as DagCore);
    }
    cluster.start();
    cluster.submit(0, [new TextEncoder().encode('poison'), ...txs('with-poison', 2)]);
    cluster.submit(1, txs('clean', 3));
    cluster.run(3000);
    for (let i = 1; i < 4; i++) {
      assert.deepEqual(cluster.committedTransactions(i), ['clean-0', 'clean-1', 'clean-2'], `validator ${i}`);
    }
  });

  it('slows to the idle pace with nothing to order and speeds up at the first transaction', () => {
    const cluster = new Cluster(4, 9, { minRoundIntervalMs: 20, idleRoundIntervalMs: 500 });
    cluster.start();
    cluster.run(5000);
    const idleRounds = cluster.cores[0]!.stats().round;
    // 5 s at one round per 500 ms, give or take the first rounds and message delays.
    assert.ok(idleRounds >= 8 && idleRounds <= 13, `idle rounds ${idleRounds}`);
    cluster.submit(2, txs('wake', 3));
    const submittedAt = cluster.now;
    let committedAt = Number.NaN;
    for (let t = submittedAt + 20; t <= submittedAt + 2000 && Number.isNaN(committedAt); t += 20) {
      cluster.run(t);
      if (cluster.committedTransactions(0).length === 3) committedAt = cluster.now;
    }
    assert.ok(committedAt - submittedAt < 600, `committed ${committedAt - submittedAt} ms after submission`);
    cluster.run(cluster.now + 5000);
    const roundsAfter = cluster.cores[0]!.stats().round - idleRounds;
    assert.ok(roundsAfter < 25, `back to the idle pace: ${roundsAfter} rounds in ~5.6 s`);
  });

  it('never certifies a vertex whose coin share fails its proof, and still commits everything', () => {
    const cluster = new Cluster(4, 10);
    const wrongDeal = dealCoinKeys(4, 2, new Uint8Array(32).fill(99));
    cluster.replace(
      1,
      dagProtocol.create({ ...cluster.inits[1]!, coinSecretShare: wrongDeal.secretShares[1]! }) as DagCore,
    );
    cluster.start();
    cluster.submit(0, txs('c', 20));
    cluster.run(1200);
    const badShares = cluster.sent.filter(
      (m) =>
        m.from === 1 && m.message.type === 'certificate' && m.message.certificate.header.coinShare !== null,
    );
    assert.equal(badShares.length, 0, 'a vertex with a bad share was certified');
    const badHeaders = cluster.sent.filter(
      (m) => m.from === 1 && m.message.type === 'header' && m.message.header.coinShare !== null,
    );
    assert.ok(badHeaders.length > 0, 'the validator with the wrong key proposed coin-round headers');
    const reference = cluster.committedTransactions(0);
    assert.equal(reference.length, 20);
    for (let i = 1; i < 4; i++) assert.deepEqual(cluster.committedTransactions(i), reference);
  });

  it('votes once per author and round: a conflicting header gets no vote', () => {
    const cluster = new Cluster(4, 4);
    cluster.start();
    const first = cluster.sent.find((s) => s.from === 0 && s.message.type === 'header')!.message as Extract<
      DagMessage,
      { type: 'header' }
    >;
    const fresh = dagProtocol.create(cluster.inits[1]!) as DagCore;
    assert.equal(votesIn(fresh.handle({ kind: 'message', from: 0, message: first }, 0)), 1);
    const unsigned: Header = { ...first.header, transactions: [new Uint8Array([1, 2, 3])] };
    const conflicting: Header = {
      ...unsigned,
      signature: ed25519Sign(
        cluster.inits[0]!.signingSeed,
        headerSigningBytes(cluster.inits[0]!.committee, headerDigest(unsigned)),
      ),
    };
    assert.equal(
      votesIn(
        fresh.handle({ kind: 'message', from: 0, message: { type: 'header', header: conflicting } }, 1),
      ),
      0,
    );
    // The same header again is answered with the same vote (the author may have lost it).
    assert.equal(votesIn(fresh.handle({ kind: 'message', from: 0, message: first }, 2)), 1);
  });

  it('ignores headers with a bad signature, from a relay, or far in the future', () => {
    const cluster = new Cluster(4, 5);
    cluster.start();
    const header = (
      cluster.sent.find((s) => s.from === 0 && s.message.type === 'header')!.message as Extract<
        DagMessage,
        { type: 'header' }
      >
    ).header;
    const core = dagProtocol.create(cluster.inits[1]!) as DagCore;
    const badSig = { ...header, signature: new Uint8Array(64) };
    assert.equal(
      votesIn(core.handle({ kind: 'message', from: 0, message: { type: 'header', header: badSig } }, 0)),
      0,
    );
    assert.equal(
      votesIn(core.handle({ kind: 'message', from: 2, message: { type: 'header', header } }, 0)),
      0,
    );
    const far = { ...header, round: 1_000_001, parents: header.parents };
    assert.equal(
      votesIn(core.handle({ kind: 'message', from: 0, message: { type: 'header', header: far } }, 0)),
      0,
    );
    assert.equal(core.stats().dagSize, 0);
  });

  it('rejects certificates with forged or too few votes', () => {
    const cluster = new Cluster(4, 6);
    cluster.start();
    cluster.run(200);
    const certificate = cluster.sent.find((s) => s.message.type === 'certificate')!.message as Extract<
      DagMessage,
      { type: 'certificate' }
    >;
    const genuine = certificate.certificate;
    const fresh = () => dagProtocol.create(cluster.inits[3]!) as DagCore;
    const forged = {
      ...genuine,
      votes: genuine.votes.map((v, k) => (k === 0 ? { ...v, signature: new Uint8Array(64).fill(9) } : v)),
    };
    const a = fresh();
    a.handle({ kind: 'message', from: 0, message: { type: 'certificate', certificate: forged } }, 0);
    assert.equal(a.stats().dagSize, 0);
    const b = fresh();
    b.handle(
      {
        kind: 'message',
        from: 0,
        message: { type: 'certificate', certificate: { ...genuine, votes: genuine.votes.slice(0, 2) } },
      },
      0,
    );
    assert.equal(b.stats().dagSize, 0);
    const duplicated = { ...genuine, votes: [genuine.votes[0]!, genuine.votes[0]!, genuine.votes[1]!] };
    const c = fresh();
    c.handle({ kind: 'message', from: 0, message: { type: 'certificate', certificate: duplicated } }, 0);
    assert.equal(c.stats().dagSize, 0);
    const d = fresh();
    d.handle({ kind: 'message', from: 0, message: certificate }, 0);
    assert.equal(d.stats().dagSize, 1);
  });

  it('resumes from a snapshot without losing or repeating commits', () => {
    const cluster = new Cluster(4, 7);
    cluster.start();
    cluster.submit(2, txs('x', 10));
    cluster.run(800);
    const saved = cluster.cores[2]!.snapshot();
    const restored = dagProtocol.create({ ...cluster.inits[2]!, recovered: saved }) as DagCore;
    assert.deepEqual(restored.snapshot(), saved);
    cluster.replace(2, restored);
    cluster.feed(2, { kind: 'start' });
    cluster.submit(2, txs('y', 10));
    cluster.run(1800);
    const reference = cluster.committedTransactions(0);
    assert.equal(reference.length, 20);
    assert.deepEqual(cluster.committedTransactions(2), reference);
  });

  it('refuses transactions no peer could decode and beyond the queue bound (back-pressure)', () => {
    const cluster = new Cluster(4, 12, { maxPendingTransactions: 5 });
    const core = cluster.cores[0]!;
    core.handle({ kind: 'transactions', transactions: [new Uint8Array(70_000)] }, 0);
    assert.equal(core.refusedTransactions, 1);
    core.handle({ kind: 'transactions', transactions: txs('q', 8) }, 0);
    assert.equal(core.refusedTransactions, 4);
    assert.equal(core.stats().pending, 5);
  });

  it('refuses a corrupt snapshot and a bad init with typed errors', () => {
    const cluster = new Cluster(4, 8);
    assert.throws(
      () => dagProtocol.create({ ...cluster.inits[0]!, recovered: new Uint8Array([1, 2, 3]) }),
      DagError,
    );
    assert.throws(() => dagProtocol.create({ ...cluster.inits[0]!, index: 9 }), DagError);
  });
});
