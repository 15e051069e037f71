import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writer } from '../../../src/codec/index.js';
import { COIN_VALUE_LENGTH } from '../../../src/consensus/coin/index.js';
import { writeCertificate, writeHeaderField, writeParentRef } from '../../../src/consensus/dag/codec.js';
import { type DagCore, dagProtocol, slotPosition } from '../../../src/consensus/dag/index.js';
import { type DagState, decodeState } from '../../../src/consensus/dag/snapshot.js';
import { Cluster, txs } from './harness.js';

const key = (w: Writer, hex: string) => w.fixedBytes(Buffer.from(hex, 'hex'), 32);

/**
 * A snapshot in the version-1 layout, from when each wave had one leader: the last committed
 * wave where the decided slot is now, and per-validator activity in each checkpoint and at the end.
 */
function encodeVersion1(state: DagState, lastCommittedWave: number, activity: readonly number[]): Uint8Array {
  const w = new Writer(4096);
  w.u8(1);
  w.varuint(state.round);
  w.u64(Math.max(0, Math.floor(state.lastProposeAtMs) + 1));
  w.optional(state.ownHeader, writeHeaderField);
  w.array(state.pending, (ww, tx) => ww.bytes(tx));
  w.array(state.certificates, writeCertificate);
  w.array(state.committed, (ww, [k, round]) => key(ww, k).varuint(round));
  w.array(state.referenced, (ww, k) => key(ww, k));
  w.array(state.collected, (ww, [k, round]) => key(ww, k).varuint(round));
  w.array(state.voted, (ww, [slot, k]) => {
    const [author, round] = slot.split(':').map(Number);
    key(ww.varuint(author!).varuint(round!), k);
  });
  w.array(state.coins, (ww, [wave, value]) => ww.varuint(wave).fixedBytes(value, COIN_VALUE_LENGTH));
  w.varuint(lastCommittedWave).varuint(state.gcRound).varuint(state.nextSequence);
  w.varuint(state.lastLeader + 1);
  w.array(state.checkpoints, (ww, checkpoint) => {
    ww.varuint(lastCommittedWave)
      .varuint(checkpoint.nextSequence)
      .varuint(checkpoint.gcRound)
      .varuint(checkpoint.lastLeader)
      .varuint(checkpoint.lastLeaderRound);
    ww.array(activity, (www, round) => www.varuint(round));
    ww.array(checkpoint.committed, writeParentRef);
  });
  w.bool(state.syncing);
  w.varuint(state.lastLeaderRound);
  w.array(activity, (ww, round) => ww.varuint(round));
  return w.finish();
}

describe('DAG snapshot versions', () => {
  it('reads a version-1 snapshot: its last wave becomes that wave’s first slot', () => {
    const cluster = new Cluster(4, 7);
    cluster.start();
    cluster.submit(2, txs('x', 10));
    cluster.run(800);
    const current = decodeState(cluster.cores[2]!.snapshot());
    assert.equal(current.waveNumbered, undefined);
    assert.ok(current.lastDecidedSlot > 0 && current.checkpoints.length > 0);
    const wave = 3;
    const old = encodeVersion1(current, wave, [5, 5, 4, 5]);
    const decoded = decodeState(old);
    assert.equal(decoded.waveNumbered, true);
    assert.equal(decoded.lastDecidedSlot, wave);
    assert.deepEqual(decoded.certificates, current.certificates);
    assert.equal(decoded.nextSequence, current.nextSequence);
    const restored = dagProtocol.create({ ...cluster.inits[2]!, recovered: old }) as DagCore;
    // Two slots per wave in a committee of four: wave 3's first slot is position 5.
    assert.equal(restored.stats().decidedSlot, slotPosition(wave, 0, 2));
    assert.equal(restored.stats().decidedSlot, 5);
    const again = decodeState(restored.snapshot());
    assert.equal(again.waveNumbered, undefined);
    for (const checkpoint of again.checkpoints) assert.equal(checkpoint.slot, 5);
  });

  it('refuses bytes of an unknown version with BAD_SNAPSHOT', () => {
    const cluster = new Cluster(4, 7);
    const bytes = new Uint8Array(cluster.cores[0]!.snapshot());
    bytes[0] = 9;
    assert.throws(() => decodeState(bytes), { code: 'BAD_SNAPSHOT' });
  });
});
