import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KnownKeys } from '../../src/crypto/wasm/known-keys.js';

describe('known keys and their table slots', () => {
  it('decodes a key once, and a refused key every time', () => {
    const keys = new KnownKeys<string>({ keys: 8, slots: 2, usesBeforeTable: 3 });
    let decoded = 0;
    const decode = (id: string) => () => {
      decoded++;
      if (id === 'bad') throw new Error('refused');
      return `point of ${id}`;
    };
    assert.equal(keys.get('a', decode('a')).point, 'point of a');
    keys.get('a', decode('a'));
    assert.equal(decoded, 1);
    assert.throws(() => keys.get('bad', decode('bad')), /refused/);
    assert.throws(() => keys.get('bad', decode('bad')), /refused/);
    assert.equal(decoded, 3);
  });

  it('gives a key a table at the use that earns it, and hands slots out again when all are taken', () => {
    const keys = new KnownKeys<string>({ keys: 8, slots: 2, usesBeforeTable: 3 });
    const built: [number, string][] = [];
    const build = (slot: number, point: string) => built.push([slot, point]);
    const use = (id: string) =>
      keys.slotForUse(
        id,
        keys.get(id, () => id),
        build,
      );
    assert.deepEqual([use('a'), use('a'), use('a'), use('a')], [undefined, undefined, 0, 0]);
    assert.deepEqual([use('b'), use('b'), use('b')], [undefined, undefined, 1]);
    assert.deepEqual(built, [
      [0, 'a'],
      [1, 'b'],
    ]);
    // A third key earns a table with both slots taken: everything is forgotten, it gets slot 0,
    // and it stays known; the others start counting again.
    assert.deepEqual([use('c'), use('c'), use('c')], [undefined, undefined, 0]);
    assert.deepEqual(built.at(-1), [0, 'c']);
    assert.equal(use('c'), 0, 'the key that took the slot kept it');
    assert.equal(use('a'), undefined, 'a lost its table with the others');
    assert.deepEqual([use('a'), use('a')], [undefined, 1]);
  });

  it('forgets everything when the cache is full, slots included', () => {
    const keys = new KnownKeys<string>({ keys: 2, slots: 4, usesBeforeTable: 1 });
    const build = () => {};
    assert.equal(
      keys.slotForUse(
        'a',
        keys.get('a', () => 'a'),
        build,
      ),
      0,
    );
    keys.get('b', () => 'b');
    let decoded = 0;
    keys.get('c', () => {
      decoded++;
      return 'c';
    });
    // 'a' was forgotten with its slot: decoded again, it earns a new table from slot 0.
    const again = keys.get('a', () => {
      decoded++;
      return 'a';
    });
    assert.equal(decoded, 2);
    assert.equal(again.slot, undefined);
  });
});
