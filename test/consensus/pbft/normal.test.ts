import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster, tx } from './cluster.js';

describe('pbft normal case', () => {
  it('commits the same batches in the same order at every validator', () => {
    const c = new Cluster(4, 7);
    for (let k = 0; k < 40; k++) c.submit(k % 4, [tx(`t${k}`)]);
    c.run(5_000, () => c.committed.every((log) => log.flatMap((b) => b.transactions).length === 40));
    const reference = c.log(0);
    assert.equal(reference.length, 40);
    assert.equal(new Set(reference).size, 40);
    for (let i = 1; i < 4; i++) assert.deepEqual(c.log(i), reference);
    for (let i = 0; i < 4; i++) {
      for (const [k, b] of c.committed[i]!.entries()) assert.equal(b.sequence, k);
      assert.equal(c.core(i).currentView, 0);
    }
  });

  it('batches many transactions into few sequences and moves checkpoints', () => {
    const c = new Cluster(4, 3, { checkpointInterval: 4, windowSize: 8, maxBatchTransactions: 10 });
    for (let k = 0; k < 300; k++) c.submit(0, [tx(`x${k}`)]);
    c.run(20_000, () => c.log(3).length === 300);
    assert.equal(c.log(3).length, 300);
    const batches = c.committed[3]!.length;
    assert.ok(batches <= 40, `expected batching, got ${batches} batches`);
    assert.deepEqual(c.log(1), c.log(0));
  });

  it('drops a transaction submitted twice to different validators', () => {
    const c = new Cluster(4, 5);
    c.submit(1, [tx('same')]);
    c.submit(2, [tx('same')]);
    c.submit(0, [tx('same'), tx('other')]);
    c.run(3_000);
    assert.deepEqual(
      c.log(0).sort(),
      [tx('other'), tx('same')].map((t) => Buffer.from(t).toString('hex')).sort(),
    );
    assert.deepEqual(c.log(3), c.log(0));
  });

  it('works with committees of 1 and 7', () => {
    for (const n of [1, 7]) {
      const c = new Cluster(n, 11);
      for (let k = 0; k < 20; k++) c.submit(k % n, [tx(`n${n}-${k}`)]);
      c.run(5_000);
      for (let i = 0; i < n; i++) assert.equal(c.log(i).length, 20, `n=${n} validator ${i}`);
    }
  });
});
