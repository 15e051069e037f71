import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CodecError } from '../../src/codec/index.js';
import type { CommittedBatch, ConsensusInput } from '../../src/consensus/interface.js';
import { Prng } from '../../src/kit/prng.js';
import {
  ComplianceCluster,
  dagSubject,
  pbftSubject,
  type Subject,
  transactions,
} from './compliance-harness.js';

/**
 * What every `ConsensusCore` must do, whatever the protocol: the same suite runs against the DAG
 * and against PBFT, through `ConsensusProtocol` and `ConsensusCore` only.
 */
function complianceSuite<M>(subject: Subject<M>): void {
  describe(`ConsensusCore compliance: ${subject.name}`, () => {
    /** The whole log of a validator is the same as the reference, each transaction once. */
    function assertSameLog(cluster: ComplianceCluster<M>, i: number, reference: readonly string[]): void {
      assert.deepEqual(cluster.log(i), reference, `validator ${i} committed another order`);
      assert.deepEqual(
        cluster.commits[i]!.map((b) => b.sequence),
        cluster.commits[i]!.map((_, k) => k),
        `validator ${i} committed sequences with a gap`,
      );
      assert.deepEqual(cluster.repeated[i], [], `validator ${i} committed a sequence twice`);
    }

    /** Feeds an input at the time of the validator's last one and returns what it did. */
    function probe(cluster: ComplianceCluster<M>, i: number, input: ConsensusInput<M>) {
      // An empty submission first lets the core do whatever time alone allows at `now`, so the
      // probe's own effects (if any) are due to the probe.
      cluster.feed(i, { kind: 'transactions', transactions: [] });
      const before = cluster.core(i).snapshot();
      const effects = cluster.core(i).handle(input, cluster.now);
      return { effects, changed: !Buffer.from(before).equals(Buffer.from(cluster.core(i).snapshot())) };
    }

    for (const seed of [1, 2]) {
      it(`a 4-validator cluster commits every transaction exactly once, in one order everywhere (seed ${seed})`, () => {
        const cluster = new ComplianceCluster(subject, 4, seed);
        cluster.start();
        const submitted: string[] = [];
        for (let i = 0; i < 4; i++) {
          const batch = transactions(`s${seed}-v${i}`, 5);
          submitted.push(...batch.map((tx) => Buffer.from(tx).toString()));
          cluster.submit(i, batch);
        }
        cluster.run(20_000, () => cluster.allCommitted(submitted.length));
        const reference = cluster.log(0);
        assert.deepEqual([...reference].sort(), [...submitted].sort());
        for (let i = 0; i < 4; i++) assertSameLog(cluster, i, reference);
        const boundaries = cluster.commits[0]!.map((b) => b.endsCommit);
        for (let i = 1; i < 4; i++)
          assert.deepEqual(
            cluster.commits[i]!.map((b) => b.endsCommit),
            boundaries,
          );
      });
    }

    it('a validator restored from its snapshot goes on without committing anything twice', () => {
      const cluster = new ComplianceCluster(subject, 4, 3);
      cluster.start();
      cluster.submit(2, transactions('before', 6));
      cluster.run(20_000, () => cluster.allCommitted(6));
      const saved = cluster.crash(2);
      // A snapshot restores exactly what was saved.
      const restored = subject.protocol.create({ ...cluster.inits[2]!, recovered: saved });
      assert.deepEqual(restored.snapshot(), saved);
      cluster.submit(0, transactions('while-down', 4));
      cluster.run(cluster.now + 300);
      cluster.restart(2, saved);
      cluster.submit(2, transactions('after', 4));
      cluster.run(60_000, () => cluster.allCommitted(14));
      const reference = cluster.log(0);
      assert.equal(reference.length, 14);
      assert.equal(new Set(reference).size, 14);
      for (let i = 1; i < 4; i++) assertSameLog(cluster, i, reference);
    });

    for (const seed of [4, 5]) {
      it(`replaying the signed log after a crash keeps a validator from signing a conflicting statement (seed ${seed})`, () => {
        const victim = 0;
        const cluster = new ComplianceCluster(subject, 4, seed);
        cluster.start();
        for (let i = 0; i < 4; i++) cluster.submit(i, transactions(`a${i}`, 3));
        cluster.run(20_000, () => cluster.allCommitted(12));
        // The snapshot is taken here; the validator then signs more before it dies, right after
        // making its third record since then durable (the statement itself may never leave).
        const saved = cluster.core(victim).snapshot();
        const mark = cluster.records[victim]!.length;
        let seen = 0;
        cluster.crashAfterRecord.set(victim, () => ++seen === 3);
        for (let i = 0; i < 4; i++) cluster.submit(i, transactions(`b${i}`, 3));
        cluster.run(cluster.now + 20_000, () => cluster.cores[victim] === null);
        assert.equal(cluster.cores[victim], null, 'the validator signed three statements after the snapshot');
        const signedLog = cluster.records[victim]!.slice(mark);
        assert.equal(signedLog.length, 3);
        cluster.restart(victim, saved, signedLog);
        for (let i = 0; i < 4; i++) cluster.submit(i, transactions(`c${i}`, 3));
        cluster.run(cluster.now + 3_000);
        for (const [slot, values] of subject.statements(cluster.sent, victim))
          assert.equal(values.size, 1, `validator ${victim} signed ${values.size} statements for ${slot}`);
        // Restored from an older snapshot, the validator may order a stretch again: the same batches
        // (the evidence may name another quorum of the same decision).
        const decision = ({ evidence: _, ...rest }: CommittedBatch) => rest;
        for (const { first, again } of cluster.repeated[victim]!)
          assert.deepEqual(decision(again), decision(first));
        // Whatever the crash cost, the validators still agree on one order.
        const logs = [0, 1, 2, 3].map((i) => cluster.log(i));
        const longest = logs.reduce((a, b) => (b.length > a.length ? b : a));
        for (const log of logs) assert.deepEqual(log, longest.slice(0, log.length));
        assert.ok(cluster.log(0).length >= 24, 'the committee kept committing after the restart');
      });
    }

    for (const seed of [7, 8, 9]) {
      it(`the committee commits again after every validator crashed at once, each from an older snapshot and its signed records since (seed ${seed})`, () => {
        const cluster = new ComplianceCluster(subject, 4, seed);
        cluster.start();
        for (let i = 0; i < 4; i++) cluster.submit(i, transactions(`a${i}`, 3));
        cluster.run(20_000, () => cluster.allCommitted(12));
        // Each validator's last snapshot, then a few rounds' worth of signatures on top of it: what
        // a node holds on disk when the whole committee loses power together. What they held only
        // in memory (the certificates of the last rounds) is gone everywhere.
        const saved = [0, 1, 2, 3].map((i) => cluster.core(i).snapshot());
        const marks = [0, 1, 2, 3].map((i) => cluster.records[i]!.length);
        for (let i = 0; i < 4; i++) cluster.submit(i, transactions(`b${i}`, 3));
        cluster.run(cluster.now + 150 + (seed % 3) * 40);
        const logs = [0, 1, 2, 3].map((i) => cluster.records[i]!.slice(marks[i]));
        assert.ok(
          logs.every((log) => log.length > 0),
          'every validator signed something after its snapshot',
        );
        for (let i = 0; i < 4; i++) cluster.crash(i);
        for (let i = 0; i < 4; i++) cluster.restart(i, saved[i], logs[i]);
        for (let i = 0; i < 4; i++) cluster.submit(i, transactions(`c${i}`, 3));
        const after = (i: number) => cluster.log(i).filter((tx) => tx.startsWith('c')).length;
        cluster.run(cluster.now + 60_000, () => [0, 1, 2, 3].every((i) => after(i) === 12));
        assert.deepEqual(
          [0, 1, 2, 3].map(after),
          [12, 12, 12, 12],
          `replay: seed ${seed}; the committee did not commit after the restart`,
        );
        const all = [0, 1, 2, 3].map((i) => cluster.log(i));
        const longest = all.reduce((a, b) => (b.length > a.length ? b : a));
        for (const log of all) assert.deepEqual(log, longest.slice(0, log.length));
      });
    }

    it('ignores messages from outside the committee without a throw', () => {
      const cluster = new ComplianceCluster(subject, 4, 6);
      cluster.start();
      cluster.submit(0, transactions('m', 4));
      cluster.run(20_000, () => cluster.allCommitted(4));
      const real = cluster.sent.filter((s) => s.from === 1).map((s) => s.message);
      assert.ok(real.length > 0);
      for (const from of [4, 17, -1, 1.5, Number.NaN, 0]) {
        // Validator 0 is the receiver itself: its own messages coming back are no input either.
        for (const message of real.slice(-20)) {
          const { effects, changed } = probe(cluster, 0, { kind: 'message', from, message });
          assert.deepEqual(effects, [], `a message from ${from} had effects`);
          assert.equal(changed, false, `a message from ${from} changed the state`);
        }
      }
    });

    it('turns garbage bytes into a typed codec error, and whatever decodes into no throw', () => {
      const cluster = new ComplianceCluster(subject, 4, 7);
      cluster.start();
      cluster.submit(0, transactions('g', 4));
      cluster.run(20_000, () => cluster.allCommitted(4));
      const generator = new Prng(7);
      const random = () => generator.float();
      const encoded = cluster.sent.slice(-200).map((s) => subject.protocol.encodeMessage(s.message));
      const candidates: Uint8Array[] = [];
      for (let k = 0; k < 200; k++) {
        const length = Math.floor(random() * 300);
        candidates.push(Uint8Array.from({ length }, () => Math.floor(random() * 256)));
      }
      for (const bytes of encoded) {
        // One flipped byte, and a truncation: the shapes a faulty peer or link produces.
        const flipped = Uint8Array.from(bytes);
        const at = Math.floor(random() * flipped.length);
        flipped[at] = flipped[at]! ^ (1 + Math.floor(random() * 255));
        candidates.push(flipped, bytes.subarray(0, Math.floor(random() * bytes.length)));
      }
      let decoded = 0;
      for (const bytes of candidates) {
        let message: M;
        try {
          message = subject.protocol.decodeMessage(bytes);
        } catch (error) {
          assert.ok(error instanceof CodecError, `decoding threw ${String(error)}`);
          continue;
        }
        decoded++;
        for (let from = 1; from < 4; from++) cluster.feed(0, { kind: 'message', from, message });
      }
      assert.ok(decoded > 0, 'some corrupted messages still decode and reach the core');
      // The committee is unharmed: it still commits, in one order.
      cluster.submit(1, transactions('after', 4));
      cluster.run(cluster.now + 20_000, () => cluster.allCommitted(8));
      for (let i = 1; i < 4; i++) assertSameLog(cluster, i, cluster.log(0));
      assert.equal(cluster.log(0).length, 8);
    });

    it('reacts only to the timers it named', () => {
      const cluster = new ComplianceCluster(subject, 4, 8);
      cluster.start();
      cluster.submit(0, transactions('t', 4));
      cluster.run(20_000, () => cluster.allCommitted(4));
      for (const name of cluster.timerNames)
        assert.ok(subject.timers.includes(name), `the core armed a timer it does not declare: ${name}`);
      const foreign = [
        '',
        'unknown',
        `${subject.timers[0]}x`,
        ...[dagSubject, pbftSubject].flatMap((s) => s.timers),
      ];
      for (const name of foreign.filter((n) => !subject.timers.includes(n))) {
        for (let i = 0; i < 4; i++) {
          const { effects, changed } = probe(cluster, i, { kind: 'timer', name });
          assert.deepEqual(effects, [], `timer '${name}' had effects at validator ${i}`);
          assert.equal(changed, false, `timer '${name}' changed validator ${i}`);
        }
      }
    });
  });
}

complianceSuite(dagSubject);
complianceSuite(pbftSubject);
