import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  batchDigest,
  encodePbftMessage,
  Keyring,
  PbftError,
  type PbftMessage,
  type PrePrepareMessage,
} from '../../../src/consensus/pbft/index.js';
import {
  decodePbftSignedRecord,
  encodePbftSignedRecord,
  type PbftSignedRecord,
} from '../../../src/consensus/pbft/signed-log.js';
import { decodeSnapshot } from '../../../src/consensus/pbft/snapshot.js';
import { Cluster, tx } from './cluster.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const batchKey = (pp: PrePrepareMessage) => hex(batchDigest(pp.proposer, pp.transactions));

/** Every message each validator put on the wire, captured through the cluster's filter. */
function watch(c: Cluster): PbftMessage[][] {
  const sent: PbftMessage[][] = c.inits.map(() => []);
  const inner = c.filter;
  c.filter = (from, to, message) => {
    sent[from]!.push(message);
    return inner(from, to, message);
  };
  return sent;
}

/** One statement per slot: the same (kind, view, sequence) never signed over two values. */
function assertNoEquivocation(messages: readonly PbftMessage[], signer: number): void {
  const seen = new Map<string, Set<string>>();
  const add = (key: string, value: string) => {
    const set = seen.get(key) ?? new Set<string>();
    set.add(value);
    seen.set(key, set);
  };
  const prePrepare = (pp: PrePrepareMessage) =>
    add(`pre-prepare ${pp.view}:${pp.sequence}`, hex(batchDigest(pp.proposer, pp.transactions)));
  for (const m of messages) {
    if (m.from !== signer) continue;
    if (m.type === 'pre-prepare') prePrepare(m);
    else if (m.type === 'prepare' || m.type === 'commit')
      add(`${m.type} ${m.view}:${m.sequence}`, hex(m.digest));
    else if (m.type === 'view-change') add(`view-change ${m.newView}`, hex(encodePbftMessage(m)));
    else if (m.type === 'new-view') {
      add(`new-view ${m.view}`, hex(encodePbftMessage(m)));
      for (const pp of m.prePrepares) prePrepare(pp);
    }
  }
  for (const [key, values] of seen)
    assert.equal(values.size, 1, `validator ${signer} signed ${values.size} statements for ${key}`);
}

/** Runs until `victim` dies right after a record `pick` selects; returns it and the log since `mark`. */
function crashOn(
  c: Cluster,
  victim: number,
  pick: (record: PbftSignedRecord) => boolean,
  untilMs: number,
  act: () => void = () => {},
): PbftSignedRecord {
  c.crashAfterRecord.set(victim, (bytes) => pick(decodePbftSignedRecord(bytes)));
  act();
  if (c.cores[victim] !== null) c.run(untilMs, () => c.cores[victim] === null);
  assert.equal(c.cores[victim], null, 'the validator signed what the test waits for');
  return decodePbftSignedRecord(c.records[victim]!.at(-1)!);
}

function restart(c: Cluster, i: number, recovered: Uint8Array, signedLog?: Uint8Array[]) {
  const core = c.protocol.create({
    ...c.inits[i]!,
    recovered,
    ...(signedLog === undefined ? {} : { signedLog }),
  });
  return core;
}

describe('PBFT signed log', () => {
  it('encodes each record kind canonically and refuses garbage with a typed error', () => {
    const c = new Cluster(4, 51);
    const sent = watch(c);
    c.submit(0, [tx('a')]);
    c.run(200);
    c.filter = (from, _to, m) => {
      sent[from]!.push(m);
      return from !== 0;
    };
    c.submit(1, [tx('b')]);
    c.run(6_000);
    const kinds = new Set(c.records.flat().map((r) => decodePbftSignedRecord(r).kind));
    assert.deepEqual([...kinds].sort(), ['commit', 'new-view', 'pre-prepare', 'prepare', 'view-change']);
    for (const bytes of c.records.flat()) {
      assert.deepEqual(encodePbftSignedRecord(decodePbftSignedRecord(bytes)), bytes);
      assert.throws(() => decodePbftSignedRecord(bytes.subarray(0, bytes.length - 1)), PbftError);
    }
    assert.throws(
      () => c.protocol.create({ ...c.inits[2]!, signedLog: [new Uint8Array([1, 7])] }),
      (e: unknown) => e instanceof PbftError && e.code === 'BAD_SIGNED_LOG',
    );
    // Validator 2's view-change is not validator 3's to replay.
    const foreign = c.records[2]!.find((r) => decodePbftSignedRecord(r).kind === 'view-change')!;
    assert.throws(
      () => c.protocol.create({ ...c.inits[3]!, signedLog: [foreign] }),
      (e: unknown) => e instanceof PbftError && e.code === 'BAD_SIGNED_LOG',
    );
    // Replaying what an up-to-date snapshot holds changes nothing.
    for (let i = 1; i < 4; i++) {
      const saved = c.core(i).snapshot();
      assert.deepEqual(restart(c, i, saved, c.records[i]!).snapshot(), saved);
    }
  });

  it('a backup killed right after recording a prepare never prepares a conflicting batch for that slot', () => {
    const c = new Cluster(4, 52);
    const sent = watch(c);
    for (let k = 0; k < 6; k++) c.submit(k % 4, [tx(`early ${k}`)]);
    c.run(300);
    const old = c.core(1).snapshot();
    const mark = c.records[1]!.length;
    const record = crashOn(
      c,
      1,
      (r) => r.kind === 'prepare',
      2_000,
      () => {
        for (let k = 0; k < 6; k++) c.submit(k % 4, [tx(`late ${k}`)]);
      },
    );
    assert.equal(record.kind, 'prepare');
    if (record.kind !== 'prepare') return;
    // The primary turns Byzantine: a second batch for the slot, properly signed.
    const primaryKeys = new Keyring(c.inits[0]!.committee, c.inits[0]!.signingSeed);
    const conflicting = primaryKeys.sign<PrePrepareMessage>({
      type: 'pre-prepare',
      from: 0,
      view: record.view,
      sequence: record.sequence,
      proposer: 0,
      transactions: [tx('conflict')],
    });
    const prepares = (
      effects: ReturnType<Cluster['core']>['handle'] extends (...a: never[]) => infer R ? R : never,
    ) =>
      effects.flatMap((e) =>
        e.kind === 'broadcast' && e.message.type === 'prepare' ? [hex(e.message.digest)] : [],
      );

    // Without the log it prepares the conflicting batch; with it, it does not.
    const amnesiac = restart(c, 1, old);
    amnesiac.handle({ kind: 'start' }, c.now);
    const forgot = prepares(amnesiac.handle({ kind: 'message', from: 0, message: conflicting }, c.now));
    assert.deepEqual(forgot, [hex(batchDigest(0, conflicting.transactions))]);

    const core = restart(c, 1, old, c.records[1]!.slice(mark));
    c.cores[1] = core;
    c.apply(1, core.handle({ kind: 'start' }, c.now));
    const effects = core.handle({ kind: 'message', from: 0, message: conflicting }, c.now);
    assert.deepEqual(prepares(effects), []);
    assert.ok(!effects.some((e) => e.kind === 'persist-signed'), 'nothing new is signed');
    c.apply(1, effects);
    c.run(4_000);
    assertNoEquivocation(sent[1]!, 1);
    assert.equal(c.log(0).length, 12);
    assert.deepEqual(c.log(1).slice(-6), c.log(0).slice(-6));
  });

  it('a backup killed right after recording a commit keeps the prepared proof a view change must carry', () => {
    const c = new Cluster(4, 53);
    const sent = watch(c);
    c.submit(0, [tx('one')]);
    c.run(200);
    const old = c.core(2).snapshot();
    const mark = c.records[2]!.length;
    const record = crashOn(
      c,
      2,
      (r) => r.kind === 'commit',
      2_000,
      () => c.submit(0, [tx('two')]),
    );
    if (record.kind !== 'commit') return assert.fail('a commit record');
    const sequence = record.proof.prePrepare.sequence;
    const preparedAt = (snapshot: Uint8Array) =>
      decodeSnapshot(snapshot, c.inits[2]!.committee, 2).prepared.map((p) => p.prePrepare.sequence);
    assert.ok(!preparedAt(restart(c, 2, old).snapshot()).includes(sequence), 'the old snapshot lacks it');
    const core = restart(c, 2, old, c.records[2]!.slice(mark));
    assert.ok(preparedAt(core.snapshot()).includes(sequence), 'the log restores the prepared proof');
    c.cores[2] = core;
    c.apply(2, core.handle({ kind: 'start' }, c.now));
    // The primary falls silent: the view change validator 2 sends carries the batch it committed.
    c.filter = (from, _to, m) => {
      sent[from]!.push(m);
      return from !== 0;
    };
    c.submit(1, [tx('three')]);
    c.run(6_000, () => sent[2]!.some((m) => m.type === 'view-change'));
    const viewChange = sent[2]!.find((m) => m.type === 'view-change');
    assert.ok(viewChange?.type === 'view-change', 'validator 2 asked for a view change');
    assert.ok(
      viewChange.stableCount > sequence ||
        viewChange.prepared.some((p) => p.prePrepare.sequence === sequence),
      'the view change carries the batch committed before the crash',
    );
    c.run(10_000);
    assertNoEquivocation(sent[2]!, 2);
    assert.ok(c.log(1).includes(hex(tx('three'))), 'committed in the next view');
  });

  it('a primary killed right after recording a pre-prepare never proposes another batch for that sequence', () => {
    const c = new Cluster(4, 54);
    const sent = watch(c);
    c.submit(0, [tx('p0')]);
    c.run(200);
    const old = c.core(0).snapshot();
    const mark = c.records[0]!.length;
    const record = crashOn(
      c,
      0,
      (r) => r.kind === 'pre-prepare',
      2_000,
      () => c.submit(0, [tx('p1'), tx('p2')]),
    );
    if (record.kind !== 'pre-prepare') return assert.fail('a pre-prepare record');
    const used = record.prePrepare.sequence;
    const proposals = (core: ReturnType<Cluster['core']>) =>
      [
        ...core.handle({ kind: 'start' }, c.now),
        ...core.handle({ kind: 'transactions', transactions: [tx('p3')] }, c.now),
      ].flatMap((e) =>
        e.kind === 'broadcast' && e.message.type === 'pre-prepare' ? [e.message.sequence] : [],
      );
    assert.ok(
      proposals(restart(c, 0, old)).some((s) => s <= used),
      'without its log it reuses the sequence',
    );
    const core = restart(c, 0, old, c.records[0]!.slice(mark));
    c.cores[0] = core;
    const restartedAt = sent[0]!.length;
    c.apply(0, core.handle({ kind: 'start' }, c.now));
    c.submit(0, [tx('p3')]);
    c.run(8_000);
    assertNoEquivocation(sent[0]!, 0);
    // What it signed before for a sequence it may send again (to a peer that suspects it), never
    // another batch; the one recorded just before the crash counts as signed.
    const signedBefore = new Map<number, string>([[used, batchKey(record.prePrepare)]]);
    for (const m of sent[0]!.slice(0, restartedAt))
      if (m.type === 'pre-prepare' && m.view === record.prePrepare.view)
        signedBefore.set(m.sequence, batchKey(m));
    for (const m of sent[0]!.slice(restartedAt))
      if (m.type === 'pre-prepare' && m.view === record.prePrepare.view && m.sequence <= used)
        assert.equal(batchKey(m), signedBefore.get(m.sequence), `sequence ${m.sequence} proposed again`);
    for (let i = 1; i < 4; i++) assert.deepEqual(c.log(i), c.log(1));
    // The batch lost with the crash is proposed again (through the next view) and committed once.
    for (const label of ['p1', 'p2', 'p3']) assert.ok(c.log(1).includes(hex(tx(label))), label);
  });

  it('a new primary killed right after recording its new-view comes back in that view without a second one', () => {
    const c = new Cluster(4, 55);
    const sent = watch(c);
    c.submit(0, [tx('v0')]);
    c.run(200);
    const old = c.core(1).snapshot();
    const mark = c.records[1]!.length;
    c.filter = (from, _to, m) => {
      sent[from]!.push(m);
      return from !== 0;
    };
    const record = crashOn(
      c,
      1,
      (r) => r.kind === 'new-view',
      8_000,
      () => c.submit(2, [tx('v1')]),
    );
    if (record.kind !== 'new-view') return assert.fail('a new-view record');
    const core = restart(c, 1, old, c.records[1]!.slice(mark));
    assert.equal(core.currentView, record.newView.view);
    assert.equal(core.viewChanging, false);
    c.cores[1] = core;
    c.apply(1, core.handle({ kind: 'start' }, c.now));
    c.run(12_000);
    assertNoEquivocation(sent[1]!, 1);
    assert.ok(
      sent[1]!.some((m) => m.type === 'new-view' && m.view === record.newView.view),
      'the new-view goes out after the restart',
    );
    assert.ok(c.log(2).includes(hex(tx('v1'))), 'committed in the new view');
  });
});
