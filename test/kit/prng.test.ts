import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventQueue } from '../../src/kit/event-queue.js';
import { Prng } from '../../src/kit/prng.js';

describe('seeded generator', () => {
  // The simulator's replay commands name runs by seed, so the stream itself is pinned.
  it('gives the stream the simulator has always drawn for seed 42', () => {
    const rng = new Prng(42);
    assert.deepEqual(
      Array.from({ length: 6 }, () => rng.next()),
      [2837322924, 544945897, 479756282, 3500138142, 339756180, 113173290],
    );
    const forked = new Prng(42).fork(3);
    assert.deepEqual([forked.next(), forked.int(1000), forked.range(-5, 5)], [1007723388, 871, -3]);
    const other = new Prng(7);
    assert.deepEqual(other.shuffle([1, 2, 3, 4, 5, 6, 7, 8]), [7, 6, 8, 5, 1, 3, 4, 2]);
    assert.equal(other.float(), 0.8414643525611609);
  });

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
      const y = rng.between(-2, 0.5);
      assert.ok(y >= -2 && y < 0.5);
      const f = rng.float();
      assert.ok(f >= 0 && f < 1);
    }
  });

  it('fills bytes four to a draw, least significant first', () => {
    const word = new Prng(9).next();
    const bytes = new Prng(9).bytes(6);
    assert.equal(bytes.length, 6);
    assert.deepEqual(
      [...bytes.subarray(0, 4)],
      [word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, word >>> 24],
    );
    assert.deepEqual(new Prng(9).bytes(0), new Uint8Array(0));
  });

  it('shuffles to a permutation and forks independent streams', () => {
    const rng = new Prng(11);
    const items = Array.from({ length: 50 }, (_, i) => i);
    assert.deepEqual(
      [...rng.shuffle([...items])].sort((x, y) => x - y),
      items,
    );
    const parent = new Prng(5);
    const one = parent.fork(1);
    const two = parent.fork(1);
    assert.notEqual(one.next(), two.next());
  });
});

describe('event queue', () => {
  it('pops events by time, ties in insertion order', () => {
    const queue = new EventQueue<string>();
    queue.push(5, 'c');
    queue.push(1, 'a');
    queue.push(5, 'd');
    queue.push(3, 'b');
    assert.equal(queue.peekAt(), 1);
    assert.equal(queue.size, 4);
    const order: string[] = [];
    for (let e = queue.pop(); e !== undefined; e = queue.pop()) order.push(e.item);
    assert.deepEqual(order, ['a', 'b', 'c', 'd']);
    assert.equal(queue.peekAt(), undefined);
  });

  it('keeps a random schedule sorted and stable, and empties on clear', () => {
    const rng = new Prng(3);
    const queue = new EventQueue<number>();
    const pushed: { at: number; id: number }[] = [];
    for (let id = 0; id < 500; id++) {
      const at = rng.int(40);
      pushed.push({ at, id });
      queue.push(at, id);
    }
    const expected = [...pushed].sort((x, y) => x.at - y.at || x.id - y.id).map((e) => e.id);
    const popped: number[] = [];
    for (let e = queue.pop(); e !== undefined; e = queue.pop()) popped.push(e.item);
    assert.deepEqual(popped, expected);
    queue.push(1, 1);
    queue.clear();
    assert.equal(queue.size, 0);
    assert.equal(queue.pop(), undefined);
  });
});
