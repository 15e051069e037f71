import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256 } from '../../src/crypto/hash.js';
import { Prng } from '../../src/kit/prng.js';
import { StateOverlay } from '../../src/ledger/overlay.js';
import { SparseMerkleTree } from '../../src/ledger/sparse-merkle.js';
import type { KeyValueState } from '../../src/ledger/state-interface.js';
import { MemoryState } from '../../src/market/memory-state.js';

/**
 * One suite every state store passes (the market's contracts and the ledger's executor see only
 * `KeyValueState`): reads see the last write, deletes are final, keys are compared by bytes, and a
 * seeded random history agrees with a plain map after every step. `flush` reads the state back the
 * way its user would (an overlay is committed to its base first).
 */
interface StateUnderTest {
  readonly state: KeyValueState;
  readonly flush: () => KeyValueState;
}

const IMPLEMENTATIONS: Record<string, () => StateUnderTest> = {
  'sparse Merkle tree': () => {
    const state = new SparseMerkleTree(sha256);
    return { state, flush: () => state };
  },
  'market memory state': () => {
    const state = new MemoryState();
    return { state, flush: () => state };
  },
  'overlay over a tree': () => {
    const base = new SparseMerkleTree(sha256);
    const state = new StateOverlay(base);
    return {
      state,
      flush: () => {
        state.commitTo(base);
        return base;
      },
    };
  },
  'overlay over an overlay over a memory state': () => {
    const base = new MemoryState();
    const middle = new StateOverlay(base);
    const state = new StateOverlay(middle);
    return {
      state,
      flush: () => {
        state.commitTo(middle);
        middle.commitTo(base);
        return base;
      },
    };
  },
};

const key = (...bytes: number[]) => Uint8Array.from(bytes);
const value = (text: string) => new TextEncoder().encode(text);
const hex = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString('hex');

for (const [name, make] of Object.entries(IMPLEMENTATIONS)) {
  describe(`state store compliance: ${name}`, () => {
    it('reads what was last written, forgets what was deleted, and tells keys apart by every byte', () => {
      const { state, flush } = make();
      assert.equal(state.get(key(1)), undefined);
      state.set(key(1), value('one'));
      state.set(key(1, 0), value('one-zero'));
      state.set(key(0, 1), value('zero-one'));
      state.set(key(1), value('uno'));
      state.delete(key(2)); // deleting a missing key changes nothing
      assert.equal(hex(state.get(key(1))), hex(value('uno')));
      state.delete(key(1, 0));
      assert.equal(state.get(key(1, 0)), undefined);
      const read = flush();
      assert.equal(hex(read.get(key(1))), hex(value('uno')));
      assert.equal(read.get(key(1, 0)), undefined);
      assert.equal(hex(read.get(key(0, 1))), hex(value('zero-one')));
    });

    it('agrees with a plain map over a seeded random history', () => {
      const rng = new Prng(2026);
      const { state, flush } = make();
      const model = new Map<string, string>();
      for (let step = 0; step < 2000; step++) {
        const k = key(rng.int(4), rng.int(16));
        const id = hex(k)!;
        if (rng.chance(0.3)) {
          state.delete(k);
          model.delete(id);
        } else {
          const v = value(`v${step}`);
          state.set(k, v);
          model.set(id, hex(v)!);
        }
        const probe = key(rng.int(4), rng.int(16));
        assert.equal(hex(state.get(probe)), model.get(hex(probe)!), `step ${step}, seed 2026`);
      }
      const read = flush();
      for (let a = 0; a < 4; a++)
        for (let b = 0; b < 16; b++) assert.equal(hex(read.get(key(a, b))), model.get(hex(key(a, b))!));
    });
  });
}

describe('authenticated state compliance: sparse Merkle tree', () => {
  it('commits to the content alone: any order of writes, and writes undone, give the same root', () => {
    const rng = new Prng(7);
    const entries = Array.from({ length: 200 }, (_, i) => [key(i >> 8, i & 255, 9), value(`x${i}`)] as const);
    const forward = new SparseMerkleTree(sha256);
    for (const [k, v] of entries) forward.set(k, v);
    const shuffled = new SparseMerkleTree(sha256);
    for (const [k, v] of rng.shuffle([...entries])) shuffled.set(k, v);
    shuffled.set(key(250, 250), value('temporary'));
    shuffled.delete(key(250, 250));
    assert.deepEqual(shuffled.root(), forward.root());
    const empty = new SparseMerkleTree(sha256).root();
    for (const [k] of entries) forward.delete(k);
    assert.deepEqual(forward.root(), empty, 'emptied again, the root is the empty root');
  });
});
