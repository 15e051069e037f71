import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventQueue } from '../../src/sim/event-queue.js';
import { Prng } from '../../src/sim/prng.js';

describe('seeded generator and event queue', () => {
  it('replays the same stream from the same seed and differs across seeds', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const streamA = Array.from({ length: 100 }, () => a.next());
    assert.deepEqual(
      streamA,
      Array.from({ length: 100 }, () => b.next()),
    );
    assert.notDeepEqual(
      streamA,
      Array.from({ length: 100 }, () => c.next()),
    );
  });

  it('draws integers in range, roughly uniformly', () => {
    const rng = new Prng(7);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 6000; i++) counts[rng.int(6)]++;
    for (const count of counts) assert.ok(count > 850 && count < 1150, `count ${count}`);
    for (let i = 0; i < 1000; i++) {
      const x = rng.range(3, 5);
      assert.ok(x >= 3 && x <= 5);
    }
  });

  it('pops events by time, ties in insertion order', () => {
    const queue = new EventQueue<string>();
    queue.push(5, 'c');
    queue.push(1, 'a');
    queue.push(5, 'd');
    queue.push(3, 'b');
    const order: string[] = [];
    for (let e = queue.pop(); e !== undefined; e = queue.pop()) order.push(e.item);
    assert.deepEqual(order, ['a', 'b', 'c', 'd']);
  });
});
