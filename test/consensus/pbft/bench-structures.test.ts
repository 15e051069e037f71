import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeliveryHeap, Fifo } from '../../../src/bench/consensus/network.js';
import { LatencyHistogram, percentile } from '../../../src/bench/consensus/stats.js';
import { prng } from './cluster.js';

describe('benchmark data structures', () => {
  it('the delivery heap pops by time, equal times in insertion order', () => {
    const heap = new DeliveryHeap<number>();
    const random = prng(3);
    const items = Array.from({ length: 500 }, (_, k) => ({ at: Math.floor(random() * 50), k }));
    for (const { at, k } of items) heap.push(at, k);
    const expected = [...items].sort((a, b) => a.at - b.at || a.k - b.k).map((i) => i.k);
    const popped: number[] = [];
    for (let v = heap.pop(); v !== undefined; v = heap.pop()) popped.push(v);
    assert.deepEqual(popped, expected);
    assert.equal(heap.size, 0);
  });

  it('the FIFO keeps order across its compactions', () => {
    const fifo = new Fifo<number>();
    let next = 0;
    let expect = 0;
    for (let round = 0; round < 50; round++) {
      for (let k = 0; k < 100; k++) fifo.push(next++);
      for (let k = 0; k < 90; k++) assert.equal(fifo.shift(), expect++);
    }
    assert.equal(fifo.length, next - expect);
    assert.deepEqual(fifo.drain().slice(0, 3), [expect, expect + 1, expect + 2]);
    assert.equal(fifo.shift(), undefined);
  });

  it('the latency histogram agrees with exact percentiles to its 1 ms bucket', () => {
    const random = prng(9);
    const samples = Array.from({ length: 5000 }, () => random() * 4000);
    const histogram = new LatencyHistogram();
    for (const s of samples) histogram.add(s);
    for (const p of [50, 90, 99]) {
      const exact = percentile(samples, p);
      const approx = histogram.percentile(p);
      assert.ok(approx >= exact && approx - exact <= 1, `p${p}: ${approx} vs ${exact}`);
    }
    assert.equal(new LatencyHistogram().percentile(50), 0);
  });
});
