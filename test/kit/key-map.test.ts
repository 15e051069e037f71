import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashBytes, KeyMap } from '../../src/kit/key-map.js';
import { Prng } from '../../src/kit/prng.js';
import { keyString } from '../../src/ledger/key-string.js';

/** Random keys, many of them 32 bytes, some shorter, some differing from another in one byte. */
function randomKey(random: Prng, known: Uint8Array[]): Uint8Array {
  const roll = random.float();
  if (roll < 0.3 && known.length > 0) {
    const near = known[random.range(0, known.length - 1)]!.slice();
    if (near.length > 0) near[random.range(0, near.length - 1)]! ^= 1 << random.range(0, 7);
    return near;
  }
  if (roll < 0.4 && known.length > 0) return known[random.range(0, known.length - 1)]!.slice();
  return random.bytes(roll < 0.5 ? random.range(0, 40) : 32);
}

/** Sets and gets on the map and on a Map keyed by latin1 names, which must agree at every step. */
function compareWithNames(seed: number, map: KeyMap<number>): void {
  const random = new Prng(seed);
  const plain = new Map<string, number>();
  const known: Uint8Array[] = [];
  for (let step = 0; step < 3000; step++) {
    const key = randomKey(random, known);
    if (random.float() < 0.5) {
      map.set(key, step);
      plain.set(keyString(key), step);
      known.push(key);
    }
    assert.equal(map.get(key), plain.get(keyString(key)), `seed ${seed}, step ${step}`);
    assert.equal(map.size, plain.size);
  }
}

describe('key map', () => {
  it('agrees with a map by key name on random keys', () => {
    for (const seed of [1, 2, 3, 4, 5]) compareWithNames(seed, new KeyMap<number>());
  });

  it('tells keys apart by their bytes when every key hashes alike', () => {
    for (const seed of [6, 7, 8]) compareWithNames(seed, new KeyMap<number>(() => 0));
    for (const seed of [9, 10]) compareWithNames(seed, new KeyMap<number>((key) => key.length & 3));
  });

  it('keeps a copy of each key', () => {
    const map = new KeyMap<string>();
    const key = new Uint8Array(32).fill(7);
    map.set(key, 'seven');
    key[0] = 8;
    assert.equal(map.get(key), undefined);
    assert.equal(map.get(new Uint8Array(32).fill(7)), 'seven');
  });

  it('hashes to small non-negative integers, the length included', () => {
    const random = new Prng(11);
    for (let i = 0; i < 1000; i++) {
      const hash = hashBytes(random.bytes(random.range(0, 64)));
      assert.ok(Number.isInteger(hash) && hash >= 0 && hash < 2 ** 30);
    }
    assert.notEqual(hashBytes(new Uint8Array(0)), hashBytes(new Uint8Array(1)));
  });
});
