import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyBytes, keyString } from '../../src/ledger/key-string.js';
import { StateOverlay } from '../../src/ledger/overlay.js';
import type { KeyValueState } from '../../src/ledger/state-interface.js';
import { MemoryState } from '../../src/market/memory-state.js';

/** A byte-keyed state that counts how it is reached, standing in for the sparse Merkle state. */
class ByteState implements KeyValueState {
  readonly entries = new Map<string, Uint8Array>();
  calls = 0;
  get(key: Uint8Array): Uint8Array | undefined {
    this.calls++;
    return this.entries.get(keyString(key));
  }
  set(key: Uint8Array, value: Uint8Array): void {
    this.calls++;
    this.entries.set(keyString(key), value);
  }
  delete(key: Uint8Array): void {
    this.calls++;
    this.entries.delete(keyString(key));
  }
}

const k = (...bytes: number[]) => new Uint8Array(bytes);

describe('staged writes', () => {
  it('reads its own writes and deletes, and leaves the base alone until committed', () => {
    for (const base of [new ByteState(), new MemoryState()]) {
      base.set(k(1), k(10));
      base.set(k(2), k(20));
      const overlay = new StateOverlay(base);
      overlay.set(k(1), k(11));
      overlay.delete(k(2));
      overlay.set(k(3), k(30));
      assert.deepEqual(overlay.get(k(1)), k(11));
      assert.equal(overlay.get(k(2)), undefined);
      assert.deepEqual(overlay.get(k(3)), k(30));
      assert.equal(overlay.size, 3);
      assert.deepEqual(base.get(k(1)), k(10));
      assert.deepEqual(base.get(k(2)), k(20));
      overlay.commitTo();
      assert.deepEqual(base.get(k(1)), k(11));
      assert.equal(base.get(k(2)), undefined);
      assert.deepEqual(base.get(k(3)), k(30));
      assert.equal(overlay.size, 0);
    }
  });

  it('lists its changes in byte order and copies values when staged', () => {
    const overlay = new StateOverlay(new ByteState());
    const value = k(7);
    overlay.set(k(2, 0), value);
    overlay.set(k(1, 255), k(1));
    overlay.delete(k(1));
    overlay.set(k(200), k(2));
    value[0] = 99;
    assert.deepEqual(overlay.changes(), [
      { key: k(1), value: null },
      { key: k(1, 255), value: k(1) },
      { key: k(2, 0), value: k(7) },
      { key: k(200), value: k(2) },
    ]);
  });

  it('a dropped overlay writes nothing; a nested one commits into its parent', () => {
    const base = new ByteState();
    base.set(k(5), k(50));
    const block = new StateOverlay(base);
    const failed = new StateOverlay(block);
    failed.set(k(5), k(51));
    const passed = new StateOverlay(block);
    passed.set(k(6), k(60));
    passed.delete(k(5));
    passed.commitTo(block);
    assert.equal(block.get(k(5)), undefined);
    assert.deepEqual(block.get(k(6)), k(60));
    assert.deepEqual(base.get(k(5)), k(50));
    block.commitTo(base);
    assert.equal(base.get(k(5)), undefined);
    assert.deepEqual(base.get(k(6)), k(60));
  });

  it('over a string-keyed base converts keys once and commits through strings', () => {
    const base = new MemoryState();
    base.set(k(9), k(90));
    const overlay = new StateOverlay(base);
    assert.deepEqual(overlay.getByString(keyString(k(9))), k(90));
    overlay.setByString(keyString(k(8)), k(80));
    overlay.commitTo();
    assert.deepEqual(base.get(k(8)), k(80));
    assert.deepEqual(keyBytes(keyString(k(0, 128, 255))), k(0, 128, 255));
  });

  it('commits to another target than its base', () => {
    const base = new ByteState();
    const target = new ByteState();
    const overlay = new StateOverlay(base);
    overlay.set(k(4), k(40));
    overlay.commitTo(target);
    assert.deepEqual(target.get(k(4)), k(40));
    assert.equal(base.entries.size, 0);
  });
});
