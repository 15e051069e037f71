import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { binaryDigestOf, latin1, latin1Bytes, sha256, sm3, toHex } from '../../src/crypto/hash.js';
import { Prng } from '../../src/kit/prng.js';

function reference(algorithm: string, parts: Uint8Array[]): string {
  const h = createHash(algorithm);
  for (const part of parts) h.update(part);
  return h.digest('hex');
}

describe('hash of concatenated parts', () => {
  it('equals a streaming digest of the parts, for every split and length around the reuse limit', () => {
    const prng = new Prng(11);
    for (const [name, fn] of [
      ['sha256', sha256],
      ['sm3', sm3],
    ] as const) {
      for (const length of [0, 1, 31, 32, 33, 64, 65, 97, 255, 256, 257, 1000]) {
        const data = new Uint8Array(length).map(() => prng.int(256));
        const cut1 = prng.int(length + 1);
        const cut2 = cut1 + prng.int(length - cut1 + 1);
        const parts = [data.subarray(0, cut1), data.subarray(cut1, cut2), data.subarray(cut2)];
        assert.equal(toHex(fn(...parts)), reference(name, parts), `${name} ${length}`);
        assert.equal(toHex(fn(data)), reference(name, [data]));
      }
      assert.equal(toHex(fn()), reference(name, []));
    }
  });

  it('returns independent arrays: a later call with the same input length changes no earlier digest', () => {
    const a = sha256(new Uint8Array([0]), new Uint8Array(32).fill(1), new Uint8Array(32).fill(2));
    const kept = toHex(a);
    const b = sha256(new Uint8Array([1]), new Uint8Array(32).fill(3), new Uint8Array(32).fill(4));
    assert.equal(toHex(a), kept);
    assert.notEqual(toHex(b), kept);
    assert.equal(a.length, 32);
    assert.equal(a.byteOffset, 0);
    assert.equal(a.buffer.byteLength, 32);
  });

  it('gives the same digest as a latin1 string, directly for SHA-256 and SM3 and through any other function', () => {
    const prng = new Prng(12);
    let wrapped = 0;
    const counting = (...parts: Uint8Array[]) => {
      wrapped++;
      return sha256(...parts);
    };
    for (const length of [0, 1, 32, 65, 300]) {
      const data = new Uint8Array(length).map(() => prng.int(256));
      for (const [name, fn] of [
        ['sha256', sha256],
        ['sm3', sm3],
        ['sha256', counting],
      ] as const) {
        const text = binaryDigestOf(fn)(data);
        assert.equal(text.length, 32);
        assert.equal(toHex(latin1Bytes(text)), reference(name, [data]), `${name} ${length}`);
      }
    }
    assert.equal(wrapped, 5, 'another function is called once per digest');
    for (const length of [0, 1, 255, 256, 257, 1000]) {
      const bytes = new Uint8Array(length).map(() => prng.int(256));
      assert.deepEqual(latin1Bytes(latin1(bytes)), bytes);
    }
  });
});
