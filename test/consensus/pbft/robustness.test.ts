import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CodecError } from '../../../src/codec/index.js';
import {
  type CommitMessage,
  encodePbftMessage,
  GENESIS_STATE_DIGEST,
  Keyring,
  type NewViewMessage,
  PbftError,
  type PbftMessage,
  type PrepareMessage,
  pbftProtocol,
  type ViewChangeMessage,
} from '../../../src/consensus/pbft/index.js';
import { Cluster, tx } from './cluster.js';

function captured(c: Cluster, type: PbftMessage['type']): PbftMessage[] {
  const seen: PbftMessage[] = [];
  const previous = c.filter;
  c.filter = (from, to, m) => {
    if (m.type === type) seen.push(m);
    return previous(from, to, m);
  };
  return seen;
}

describe('pbft input checks', () => {
  it('refuses a message with a bad signature with a typed error and no effect', () => {
    const c = new Cluster(4, 31);
    const prepares = captured(c, 'prepare');
    c.submit(0, [tx('a')]);
    c.run(2_000);
    const good = prepares.find((m) => m.from === 1) as PrepareMessage;
    const forged: PrepareMessage = { ...good, digest: new Uint8Array(32).fill(9) };
    const effects = c.core(2).handle({ kind: 'message', from: 1, message: forged }, c.now);
    assert.deepEqual(effects, []);
    const rejection = c.core(2).lastRejection;
    assert.ok(rejection instanceof PbftError);
    assert.equal(rejection.code, 'BAD_SIGNATURE');
    assert.equal(c.core(2).rejectedCount, 1);
  });

  it('refuses a message relayed under another sender', () => {
    const c = new Cluster(4, 32);
    const prepares = captured(c, 'prepare');
    c.submit(0, [tx('a')]);
    c.run(2_000);
    const good = prepares.find((m) => m.from === 1)!;
    c.core(2).handle({ kind: 'message', from: 3, message: good }, c.now);
    assert.equal(c.core(2).lastRejection?.code, 'UNKNOWN_SENDER');
  });

  it('decodes to a typed CodecError on truncated, trailing or garbage bytes', () => {
    const c = new Cluster(4, 33);
    const prePrepares = captured(c, 'pre-prepare');
    c.submit(0, [tx('a'), tx('b')]);
    c.run(2_000);
    const bytes = encodePbftMessage(prePrepares[0]!);
    assert.deepEqual(pbftProtocol.decodeMessage(bytes), prePrepares[0]);
    const isCodec = (e: unknown) => e instanceof CodecError;
    assert.throws(() => pbftProtocol.decodeMessage(bytes.subarray(0, bytes.length - 1)), isCodec);
    assert.throws(() => pbftProtocol.decodeMessage(new Uint8Array([...bytes, 0])), isCodec);
    assert.throws(() => pbftProtocol.decodeMessage(new Uint8Array([1, 99, 0])), isCodec);
    assert.throws(() => pbftProtocol.decodeMessage(new Uint8Array([7])), isCodec);
    assert.throws(() => pbftProtocol.decodeMessage(new Uint8Array(0)), isCodec);
    // A count far larger than the input is refused before anything is allocated.
    assert.throws(() => pbftProtocol.decodeMessage(new Uint8Array([1, 1, 0, 0xff, 0xff, 0x03])), isCodec);
  });

  it('refuses a forged new-view (view-changes not signed by their senders)', () => {
    const c = new Cluster(4, 34, { viewTimeoutMs: 100 });
    const newViews = captured(c, 'new-view');
    c.filter = (
      (prev) => (from: number, to: number, m: PbftMessage) =>
        from !== 0 && prev(from, to, m)
    )(c.filter);
    for (const i of [1, 2, 3]) c.submit(i, [tx('x')]);
    c.run(3_000, () => newViews.length > 0);
    const nv = newViews[0]!;
    assert.equal(nv.type, 'new-view');
    if (nv.type !== 'new-view') return;
    // A Byzantine new primary signs its new-view itself but alters a view-change inside it.
    const { signature: _drop, ...body } = {
      ...nv,
      viewChanges: nv.viewChanges.map((vc, k) => (k === 0 ? { ...vc, stableCount: 16 } : vc)),
    };
    const byzantine = new Keyring(c.inits[nv.from]!.committee, c.inits[nv.from]!.signingSeed);
    const tampered = byzantine.sign<NewViewMessage>(body);
    const fresh = new Cluster(4, 34, { viewTimeoutMs: 100 });
    fresh.core(2).handle({ kind: 'message', from: nv.from, message: tampered }, 0);
    assert.equal(fresh.core(2).lastRejection?.code, 'BAD_PROOF');
    assert.equal(fresh.core(2).currentView, 0);
  });
  it('one validator asking for a far-future view or sequence moves nobody', () => {
    const c = new Cluster(4, 35);
    const byzantine = new Keyring(c.inits[3]!.committee, c.inits[3]!.signingSeed);
    const vc = byzantine.sign<ViewChangeMessage>({
      type: 'view-change',
      from: 3,
      newView: 1_000_000,
      stableCount: 0,
      stableDigest: GENESIS_STATE_DIGEST,
      checkpointProof: [],
      prepared: [],
    });
    const far = byzantine.sign<CommitMessage>({
      type: 'commit',
      from: 3,
      view: 0,
      sequence: 5_000_000,
      digest: new Uint8Array(32),
    });
    for (const target of [0, 1, 2]) {
      c.inject(target, 3, vc);
      c.inject(target, 3, far);
    }
    for (let k = 0; k < 6; k++) c.submit(k % 3, [tx(`f${k}`)]);
    c.run(3_000);
    for (const i of [0, 1, 2]) {
      assert.equal(c.core(i).currentView, 0);
      assert.equal(c.log(i).length, 6);
    }
  });
});

describe('pbft crash and restart', () => {
  it('restores from a snapshot and catches up on what was decided meanwhile', () => {
    const c = new Cluster(4, 41, { checkpointInterval: 4, windowSize: 16 });
    for (let k = 0; k < 20; k++) c.submit(k % 4, [tx(`r${k}`)]);
    c.run(2_000);
    assert.equal(c.log(3).length, 20);
    c.crash(3);
    for (let k = 20; k < 40; k++) c.submit(k % 3, [tx(`r${k}`)]);
    c.run(4_000);
    assert.equal(c.log(0).length, 40);
    c.restart(3);
    const restored = c.core(3);
    assert.equal(restored.executedCount, c.committed[3]!.length);
    c.run(8_000, () => c.log(3).length === 40);
    assert.deepEqual(c.log(3), c.log(0));
    for (const [k, b] of c.committed[3]!.entries()) assert.equal(b.sequence, k);
  });

  it('a restarted primary does not propose a second batch for a sequence it already used', () => {
    const c = new Cluster(4, 42);
    c.filter = () => false;
    c.submit(0, [tx('first')]);
    c.crash(0);
    c.restart(0);
    c.filter = () => true;
    c.submit(0, [tx('second')]);
    c.run(3_000);
    for (let i = 0; i < 4; i++) {
      const log = c.log(i);
      assert.equal(new Set(log).size, log.length);
      assert.ok(log.includes(Buffer.from(tx('second')).toString('hex')));
    }
    assert.deepEqual(c.log(1), c.log(0));
  });

  it('refuses a snapshot of another validator with a typed error', () => {
    const c = new Cluster(4, 43);
    const snapshot = c.core(1).snapshot();
    assert.throws(
      () => pbftProtocol.create({ ...c.inits[2]!, recovered: snapshot }),
      (e: unknown) => e instanceof PbftError && e.code === 'BAD_SNAPSHOT',
    );
    assert.throws(
      () => pbftProtocol.create({ ...c.inits[2]!, recovered: new Uint8Array([1, 2, 3]) }),
      (e: unknown) => e instanceof PbftError && e.code === 'BAD_SNAPSHOT',
    );
  });
});
