import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster, tx } from './cluster.js';

function isPrefix(a: string[], b: string[]): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return short.every((v, k) => long[k] === v);
}

describe('pbft view change', () => {
  it('replaces a silent primary and commits what the backups hold', () => {
    const c = new Cluster(4, 21, { viewTimeoutMs: 200 });
    // Validator 0, the primary of view 0, sends nothing at all.
    c.filter = (from) => from !== 0;
    for (let k = 0; k < 12; k++) c.submit(1 + (k % 3), [tx(`v${k}`)]);
    c.run(10_000, () => [1, 2, 3].every((i) => c.log(i).length === 12));
    for (const i of [1, 2, 3]) {
      assert.equal(c.log(i).length, 12, `validator ${i}`);
      assert.ok(c.core(i).currentView >= 1);
      assert.notEqual(c.core(i).currentPrimary, 0);
      assert.equal(c.core(i).viewChanging, false);
    }
    assert.deepEqual(c.log(2), c.log(1));
    assert.deepEqual(c.log(3), c.log(1));
  });

  it('keeps every prefix consistent when the primary is cut off mid-stream', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const c = new Cluster(4, seed, { viewTimeoutMs: 150, checkpointInterval: 4, windowSize: 16 });
      for (let k = 0; k < 60; k++) c.submit(k % 4, [tx(`s${seed}-${k}`)]);
      // Let view 0 make partial progress, then silence its primary: prepared batches must survive.
      c.run(12);
      c.filter = (from, to) => from !== 0 && to !== 0;
      for (let k = 60; k < 90; k++) c.submit(1 + (k % 3), [tx(`s${seed}-${k}`)]);
      c.run(20_000, () => [1, 2, 3].every((i) => c.log(i).length >= 90 - 15));
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 4; j++) assert.ok(isPrefix(c.log(i), c.log(j)), `seed ${seed}: ${i} vs ${j}`);
        assert.equal(new Set(c.log(i)).size, c.log(i).length, `seed ${seed}: duplicates at ${i}`);
      }
      // Everything the live backups were given is committed.
      const committed = new Set(c.log(1));
      for (let k = 60; k < 90; k++)
        assert.ok(committed.has(Buffer.from(tx(`s${seed}-${k}`)).toString('hex')));
      assert.ok(c.core(1).currentView >= 1);
    }
  });

  it('survives two view changes in a row (silent primaries of views 0 and 1)', () => {
    const c = new Cluster(7, 9, { viewTimeoutMs: 100 });
    c.filter = (from) => from !== 0 && from !== 1;
    for (let k = 0; k < 14; k++) c.submit(2 + (k % 5), [tx(`w${k}`)]);
    c.run(20_000, () => [2, 3, 4, 5, 6].every((i) => c.log(i).length === 14));
    for (const i of [2, 3, 4, 5, 6]) {
      assert.equal(c.log(i).length, 14);
      assert.ok(c.core(i).currentView >= 2);
      assert.deepEqual(c.log(i), c.log(2));
    }
  });
});
