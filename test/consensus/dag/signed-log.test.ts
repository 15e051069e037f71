import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DagCore,
  DagError,
  type DagMessage,
  dagProtocol,
  digestKey,
  type Header,
  headerDigest,
  headerSigningBytes,
} from '../../../src/consensus/dag/index.js';
import { decodeDagSignedRecord, encodeDagSignedRecord } from '../../../src/consensus/dag/signed-log.js';
import type { ConsensusEffect } from '../../../src/consensus/interface.js';
import { ed25519Sign } from '../../../src/crypto/index.js';
import { Cluster, txs } from './harness.js';

type HeaderMessage = Extract<DagMessage, { type: 'header' }>;

/** Every (slot → digests) that `signer` put its signature on, as headers and as votes. */
function signedSlots(cluster: Cluster, signer: number): Map<string, Set<string>> {
  const slotOf = new Map<string, string>();
  for (const { message } of cluster.sent)
    if (message.type === 'header')
      slotOf.set(digestKey(headerDigest(message.header)), `${message.header.author}:${message.header.round}`);
  const signed = new Map<string, Set<string>>();
  const add = (slot: string, digest: string) => {
    const set = signed.get(slot) ?? new Set<string>();
    set.add(digest);
    signed.set(slot, set);
  };
  for (const { from, message } of cluster.sent) {
    if (from !== signer) continue;
    if (message.type === 'header') {
      const slot = `header ${message.header.author}:${message.header.round}`;
      add(slot, digestKey(headerDigest(message.header)));
    } else if (message.type === 'vote') {
      const digest = digestKey(message.vote.headerDigest);
      add(`vote ${slotOf.get(digest) ?? 'unknown'}`, digest);
    }
  }
  return signed;
}

function assertNoEquivocation(cluster: Cluster, signer: number): void {
  for (const [slot, digests] of signedSlots(cluster, signer))
    assert.equal(digests.size, 1, `validator ${signer} signed ${digests.size} statements for ${slot}`);
}

function votesIn(effects: ConsensusEffect<DagMessage>[]): string[] {
  return effects.flatMap((e) =>
    e.kind === 'send' && e.message.type === 'vote' ? [digestKey(e.message.vote.headerDigest)] : [],
  );
}

type Record = ReturnType<typeof decodeDagSignedRecord>;

/** A certificate some validator broadcast. */
function certificateOf(cluster: Cluster) {
  const sent = cluster.sent.find((s) => s.message.type === 'certificate');
  return sent === undefined
    ? null
    : (sent.message as Extract<DagMessage, { type: 'certificate' }>).certificate;
}

/**
 * Runs in small steps until `victim` dies right after a record `pick` selects; returns that
 * record and the victim's snapshot from the step before (what a periodic snapshot would hold).
 */
function runUntilCrash(
  cluster: Cluster,
  victim: number,
  pick: (record: Record) => boolean,
  stepMs: number,
): { record: Record; before: Uint8Array } {
  let before = cluster.cores[victim]!.snapshot();
  cluster.crashAfterRecord.set(victim, (bytes) => pick(decodeDagSignedRecord(bytes)));
  for (let step = 0; step < 400 && !cluster.down.has(victim); step++) {
    before = cluster.cores[victim]!.snapshot();
    cluster.run(cluster.now + stepMs);
  }
  assert.ok(cluster.down.has(victim), 'the validator signed what the test waits for');
  return { record: decodeDagSignedRecord(cluster.records[victim]!.at(-1)!), before };
}

describe('DAG signed log', () => {
  it('encodes each record kind canonically and refuses anything else with a typed error', () => {
    const cluster = new Cluster(4, 21);
    cluster.start();
    const header = (cluster.sent.find((s) => s.message.type === 'header')!.message as HeaderMessage).header;
    const vote = { kind: 'vote', author: 2, round: 7, digest: headerDigest(header) } as const;
    cluster.run(300);
    const certificate = certificateOf(cluster);
    assert.ok(certificate !== null, 'a certificate formed');
    const references = { kind: 'references', certificates: [certificate, certificate] } as const;
    for (const record of [{ kind: 'header', header } as const, vote, references]) {
      const bytes = encodeDagSignedRecord(record);
      assert.deepEqual(encodeDagSignedRecord(decodeDagSignedRecord(bytes)), bytes);
      assert.throws(() => decodeDagSignedRecord(bytes.subarray(0, bytes.length - 1)), DagError);
      assert.throws(() => decodeDagSignedRecord(new Uint8Array([...bytes, 0])), DagError);
    }
    assert.throws(
      () => dagProtocol.create({ ...cluster.inits[0]!, signedLog: [new Uint8Array([1, 9, 9])] }),
      (e: unknown) => e instanceof DagError && e.code === 'BAD_SIGNED_LOG',
    );
    // A header of another validator in this validator's log is not its own signature.
    const foreign = encodeDagSignedRecord({ kind: 'header', header: { ...header, author: 1 } });
    assert.throws(
      () => dagProtocol.create({ ...cluster.inits[0]!, signedLog: [foreign] }),
      (e: unknown) => e instanceof DagError && e.code === 'BAD_SIGNED_LOG',
    );
  });

  it('records a header and each vote once, before the statement is sent, never on retransmission', () => {
    const cluster = new Cluster(4, 22);
    cluster.start();
    cluster.submit(0, txs('r', 5));
    cluster.run(400);
    for (let i = 0; i < 4; i++) {
      const records = cluster.records[i]!.map(decodeDagSignedRecord);
      const headers = records.filter((r) => r.kind === 'header');
      const sentHeaders = new Set(
        cluster.sent
          .filter((s) => s.from === i && s.message.type === 'header')
          .map((s) => digestKey(headerDigest((s.message as HeaderMessage).header))),
      );
      assert.equal(headers.length, sentHeaders.size, 'one record per header, however often it is resent');
      const votes = records.filter((r) => r.kind === 'vote');
      assert.equal(new Set(votes.map((v) => `${v.author}:${v.round}`)).size, votes.length);
      // Each header past round 1 comes right after the certificates it references, exactly those.
      records.forEach((record, k) => {
        if (record.kind !== 'header' || record.header.round === 1) return;
        const before = records[k - 1];
        assert.ok(before?.kind === 'references', `validator ${i}'s header of round ${record.header.round}`);
        assert.deepEqual(
          before.certificates.map((c) => digestKey(headerDigest(c.header))).sort(),
          [...record.header.parents, ...record.header.weakParents.map((w) => w.digest)].map(digestKey).sort(),
        );
      });
    }
    // Within one effect list the record comes before the statement it covers.
    const fresh = dagProtocol.create(cluster.inits[3]!) as DagCore;
    const effects = fresh.handle({ kind: 'start' }, 0);
    const recordAt = effects.findIndex((e) => e.kind === 'persist-signed');
    const headerAt = effects.findIndex((e) => e.kind === 'broadcast' && e.message.type === 'header');
    assert.ok(recordAt >= 0 && recordAt < headerAt, 'the record goes first');
  });

  it('replaying records an up-to-date snapshot already holds changes nothing', () => {
    const cluster = new Cluster(4, 23);
    cluster.start();
    cluster.submit(1, txs('s', 8));
    cluster.run(700);
    const saved = cluster.cores[1]!.snapshot();
    const restored = dagProtocol.create({
      ...cluster.inits[1]!,
      recovered: saved,
      signedLog: cluster.records[1]!,
    }) as DagCore;
    assert.deepEqual(restored.snapshot(), saved);
  });

  for (const seed of [31, 32]) {
    it(`a validator killed right after recording its header re-sends that header, never another (seed ${seed})`, () => {
      const cluster = new Cluster(4, seed, { minRoundIntervalMs: 20 });
      cluster.start();
      for (let i = 0; i < 4; i++) cluster.submit(i, txs(`a${i}`, 10));
      cluster.run(150);
      const old = cluster.cores[0]!.snapshot();
      const mark = cluster.records[0]!.length;
      const oldRound = cluster.cores[0]!.stats().round;
      // Several rounds after the snapshot, validator 0 dies right after recording a header.
      cluster.run(300 + (seed % 3) * 40);
      const { record } = runUntilCrash(cluster, 0, (r) => r.kind === 'header', 5);
      assert.equal(record.kind, 'header');
      const header = (record as Extract<Record, { kind: 'header' }>).header;
      assert.ok(
        header.round > oldRound + 1,
        `the snapshot (round ${oldRound}) is older than round ${header.round}`,
      );
      const core = dagProtocol.create({
        ...cluster.inits[0]!,
        recovered: old,
        signedLog: cluster.records[0]!.slice(mark),
      }) as DagCore;
      assert.equal(core.stats().round, header.round);
      cluster.replace(0, core);
      const before = cluster.records[0]!.length;
      cluster.feed(0, { kind: 'start' });
      assert.equal(cluster.records[0]!.length, before, 'a restart signs nothing new by itself');
      const resent = cluster.sent.at(-1)!;
      assert.equal(resent.message.type, 'header');
      assert.equal(
        digestKey(headerDigest((resent.message as HeaderMessage).header)),
        digestKey(headerDigest(header)),
        'the header signed before the crash goes out again',
      );
      for (let i = 0; i < 4; i++) cluster.submit(i, txs(`c${i}`, 10));
      cluster.run(cluster.now + 800);
      assertNoEquivocation(cluster, 0);
      const reference = cluster.committedTransactions(1);
      assert.ok(reference.length >= 80, `progress after the crash: ${reference.length}`);
      // From the old snapshot, validator 0 delivers some sequences again (a node skips those it
      // applied); every delivery matches the others' batch of that sequence.
      const agreed = new Map(cluster.commits[1]!.map((b) => [b.sequence, b.transactions]));
      for (const batch of cluster.commits[0]!) {
        const other = agreed.get(batch.sequence);
        if (other !== undefined) assert.deepEqual(batch.transactions, other, `sequence ${batch.sequence}`);
      }
      assert.ok(Math.max(...cluster.commits[0]!.map((b) => b.sequence)) >= agreed.size - 2, 'caught up');
    });
  }

  it('a validator killed right after recording a vote never votes for a conflicting header of that slot', () => {
    const cluster = new Cluster(4, 41, { minRoundIntervalMs: 20 });
    cluster.start();
    for (let i = 0; i < 4; i++) cluster.submit(i, txs(`v${i}`, 6));
    cluster.run(200);
    // Validator 1 dies right after recording a vote for a header of validator 0.
    const mark = cluster.records[1]!.length;
    const crash = runUntilCrash(cluster, 1, (r) => r.kind === 'vote' && r.author === 0, 5);
    const old = crash.before;
    const voted = crash.record as Extract<Record, { kind: 'vote' }>;
    const original = cluster.sent.find(
      (s) =>
        s.message.type === 'header' && digestKey(headerDigest(s.message.header)) === digestKey(voted.digest),
    )!.message as HeaderMessage;
    // Validator 0 turns Byzantine: the same slot, other transactions, properly signed.
    const unsigned: Header = { ...original.header, transactions: [new TextEncoder().encode('conflict')] };
    const conflicting: Header = {
      ...unsigned,
      signature: ed25519Sign(
        cluster.inits[0]!.signingSeed,
        headerSigningBytes(cluster.inits[0]!.committee, headerDigest(unsigned)),
      ),
    };
    const restart = (signedLog: Uint8Array[] | undefined) =>
      dagProtocol.create({
        ...cluster.inits[1]!,
        recovered: old,
        ...(signedLog === undefined ? {} : { signedLog }),
      }) as DagCore;

    // Without its log the validator forgets the vote and signs the conflicting header.
    const amnesiac = restart(undefined);
    amnesiac.handle({ kind: 'start' }, cluster.now);
    const forgetful = amnesiac.handle(
      { kind: 'message', from: 0, message: { type: 'header', header: conflicting } },
      cluster.now,
    );
    assert.deepEqual(votesIn(forgetful), [digestKey(headerDigest(conflicting))]);

    // With it, the conflicting header gets nothing, and the original gets the same vote again.
    const core = restart(cluster.records[1]!.slice(mark));
    core.handle({ kind: 'start' }, cluster.now);
    for (let k = 0; k < 3; k++) {
      const effects = core.handle(
        { kind: 'message', from: 0, message: { type: 'header', header: conflicting } },
        cluster.now + k,
      );
      assert.deepEqual(votesIn(effects), []);
      assert.ok(!effects.some((e) => e.kind === 'persist-signed'), 'nothing new is signed');
    }
    const again = core.handle({ kind: 'message', from: 0, message: original }, cluster.now + 5);
    assert.deepEqual(votesIn(again), [digestKey(voted.digest)]);
    assert.ok(!again.some((e) => e.kind === 'persist-signed'), 'a resent vote is not a new signature');

    // Back in the cluster, with the conflicting header delivered too, it still signs one thing per slot.
    cluster.replace(1, core);
    cluster.feed(1, { kind: 'message', from: 0, message: { type: 'header', header: conflicting } });
    for (let i = 0; i < 4; i++) cluster.submit(i, txs(`w${i}`, 6));
    cluster.run(cluster.now + 1500);
    assertNoEquivocation(cluster, 1);
    assert.ok(cluster.committedTransactions(1).length >= 48, 'progress');
    assert.deepEqual(cluster.committedTransactions(1), cluster.committedTransactions(2));
  });

  it('a header certified after the snapshot that holds it is never proposed again after a restart', () => {
    // A short window: by the restart the peers have collected the header's round and ignore it.
    const cluster = new Cluster(4, 51, { minRoundIntervalMs: 20, gcDepthRounds: 4 });
    cluster.start();
    cluster.run(100);
    cluster.submit(0, txs('once', 5));
    const carries = (h: Header) =>
      h.author === 0 && h.transactions.some((t) => Buffer.from(t).toString().startsWith('once-'));
    const headerSent = () =>
      cluster.sent.find((s) => s.from === 0 && s.message.type === 'header' && carries(s.message.header));
    for (let step = 0; step < 300 && headerSent() === undefined; step++) cluster.run(cluster.now + 1);
    const header = (headerSent()?.message as HeaderMessage | undefined)?.header;
    assert.ok(header !== undefined, 'validator 0 proposed the transactions');
    // The periodic snapshot catches the header while it still waits for votes.
    const snapshot = cluster.cores[0]!.snapshot();
    const mark = cluster.records[0]!.length;
    const digest = digestKey(headerDigest(header));
    const certified = () =>
      cluster.sent.some(
        (s) =>
          s.from === 0 &&
          s.message.type === 'certificate' &&
          digestKey(headerDigest(s.message.certificate.header)) === digest,
      );
    for (let step = 0; step < 300 && !certified(); step++) cluster.run(cluster.now + 1);
    assert.ok(certified(), 'the header was certified after the snapshot');
    // It dies before signing another header; the others go on for many rounds.
    cluster.kill(0);
    const since = cluster.records[0]!.slice(mark);
    assert.ok(
      since.every((r) => decodeDagSignedRecord(r).kind === 'vote'),
      'no later header in the log',
    );
    cluster.run(cluster.now + 500);
    const core = dagProtocol.create({
      ...cluster.inits[0]!,
      recovered: snapshot,
      signedLog: since,
    }) as DagCore;
    cluster.replace(0, core);
    cluster.feed(0, { kind: 'start' });
    for (let i = 1; i < 4; i++) cluster.submit(i, txs(`after${i}`, 4));
    cluster.run(cluster.now + 1500);
    for (const i of [0, 1]) {
      const once = cluster.committedTransactions(i).filter((t) => t.startsWith('once-'));
      assert.deepEqual(
        once.sort(),
        txs('once', 5)
          .map((t) => Buffer.from(t).toString())
          .sort(),
      );
    }
    assert.ok(
      cluster.committedTransactions(1).filter((t) => t.startsWith('after')).length === 12,
      'progress',
    );
  });
});
