import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Fifo } from '../../../src/bench/consensus/fifo.js';
import { LatencyHistogram, percentile } from '../../../src/bench/consensus/stats.js';
import { Prng } from '../../../src/kit/prng.js';

describe('benchmark data structures', () => {
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
    const random = new Prng(9);
    const samples = Array.from({ length: 5000 }, () => random.float() * 4000);
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
