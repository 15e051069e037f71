import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { weierstrass } from '@noble/curves/abstract/weierstrass.js';
import { inverse } from '../../src/crypto/modular.js';
import {
  SM2P256V1,
  type Sm2CurveParameters,
  sm2,
  sm2KeyPairFromSeed,
  sm2Sign,
  sm2Verify,
} from '../../src/crypto/sm2.js';
import { instantiate } from '../../src/crypto/wasm/module-writer.js';
import { WeierstrassEngine } from '../../src/crypto/wasm/weierstrass-engine.js';
import {
  Address,
  generateWeierstrassModule,
  type WeierstrassExports,
} from '../../src/crypto/wasm/weierstrass-module.js';
import { Prng } from '../../src/kit/prng.js';
import { SM2_EXAMPLE_CURVE } from './sm2-example-curve.js';

// The worked-example curve of GB/T 32918 (a ≠ −3: the general doubling) beside sm2p256v1 (a = −3).
const CURVES: ReadonlyArray<[string, Sm2CurveParameters]> = [
  ['sm2p256v1', SM2P256V1],
  ['GB/T 32918 example curve', SM2_EXAMPLE_CURVE],
];

function randomBelow(prng: Prng, bound: bigint): bigint {
  let v = 0n;
  for (const byte of prng.bytes(40)) v = (v << 8n) | BigInt(byte);
  return v % bound;
}

/** Values where carries and borrows run the whole width, beside random ones. */
function interesting(p: bigint): bigint[] {
  return [0n, 1n, 2n, 3n, p - 1n, p - 2n, p - 3n, (p - 1n) / 2n, (1n << 224n) - 1n, 0xffffffffn, 1n << 255n]
    .filter((v) => v < p)
    .concat([(1n << 256n) % p, ((1n << 256n) % p) ** 2n % p]);
}

describe('generated field arithmetic', () => {
  for (const [name, curve] of CURVES) {
    it(`multiplies, adds and subtracts like bigints modulo p (${name})`, () => {
      const { p } = curve;
      const wasm = instantiate(generateWeierstrassModule(p, curve.a, 1).bytes) as WeierstrassExports;
      const words = new Uint32Array(wasm.memory.buffer);
      const write = (address: number, value: bigint): void => {
        for (let j = 0; j < 8; j++)
          words[(address >>> 2) + j] = Number((value >> BigInt(32 * j)) & 0xffffffffn);
      };
      const read = (address: number): bigint => {
        let v = 0n;
        for (let j = 7; j >= 0; j--) v = (v << 32n) | BigInt(words[(address >>> 2) + j]!);
        return v;
      };
      const R = (1n << 256n) % p;
      const rInverse = inverse(R, p);
      const [x, y, out] = [4096, 4128, 4160];
      const prng = new Prng(20261130);
      const values = interesting(p);
      for (let i = 0; i < 400; i++) values.push(randomBelow(prng, p));
      for (let i = 0; i < values.length; i++) {
        const a = values[i]!;
        const b = values[(i * 7 + 3) % values.length]!;
        write(x, a);
        write(y, b);
        wasm.mul(out, x, y);
        assert.equal(read(out), (a * b * rInverse) % p, `mul ${a} ${b}`);
        wasm.add(out, x, y);
        assert.equal(read(out), (a + b) % p, `add ${a} ${b}`);
        wasm.sub(out, x, y);
        assert.equal(read(out), (((a - b) % p) + p) % p, `sub ${a} ${b}`);
        wasm.mul(x, x, y); // the output may be an input
        assert.equal(read(x), (a * b * rInverse) % p, `mul in place ${a} ${b}`);
        assert.equal(wasm.isZero(out), a === b ? 1 : 0);
      }
      assert.equal(read(Address.zero), 0n);
    });
  }
});

describe('WebAssembly scalar multiplication', () => {
  for (const [name, curve] of CURVES) {
    const Point = weierstrass({ ...curve, h: 1n });
    const engine = new WeierstrassEngine(curve, 2);
    const { n } = curve;
    const prng = new Prng(name.length);
    const scalars = [1n, 2n, 3n, 15n, 16n, 17n, 31n, 32n, 255n, 256n, n - 1n, n - 2n, (1n << 255n) - 1n];
    for (let i = 0; i < 30; i++) scalars.push(randomBelow(prng, n - 1n) + 1n);

    it(`agrees with noble on k·G and k·Q, by the NAF and by the tables (${name})`, () => {
      const q = Point.BASE.multiply(randomBelow(prng, n - 1n) + 1n).toAffine();
      for (const k of scalars) {
        const expectedG = Point.BASE.multiply(k).toAffine();
        assert.deepEqual(engine.multiplyGenerator(k), expectedG, `k·G, k = ${k}`);
        const expectedQ = Point.fromAffine(q).multiply(k).toAffine();
        assert.deepEqual(engine.multiply(q.x, q.y, k), expectedQ, `k·Q, k = ${k}`);
      }
      assert.equal(engine.multiplyGenerator(n), null, 'n·G is the point at infinity');
      assert.equal(engine.multiply(q.x, q.y, n), null, 'n·Q is the point at infinity');
    });

    it(`checks x(s·G + t·Q) mod n through doubling and cancelling sums (${name})`, () => {
      const d = randomBelow(prng, n - 1n) + 1n;
      const q = Point.BASE.multiply(d).toAffine();
      engine.buildKeyTable(1, q.x, q.y);
      const reference = (s: bigint, t: bigint): bigint | null => {
        const sum = Point.BASE.multiply(s).add(Point.fromAffine(q).multiply(t));
        return sum.is0() ? null : sum.toAffine().x % n;
      };
      const cases: Array<[bigint, bigint]> = [];
      for (let i = 0; i < 20; i++)
        cases.push([randomBelow(prng, n - 1n) + 1n, randomBelow(prng, n - 1n) + 1n]);
      // t·Q = s·G: the sum doubles. t·Q = −s·G: it cancels to the point at infinity.
      const dInverse = Point.Fn.inv(d);
      const s = randomBelow(prng, n - 1n) + 1n;
      cases.push([s, (s * dInverse) % n], [s, ((n - s) * dInverse) % n]);
      for (const [s, t] of cases) {
        const expected = reference(s, t);
        for (const slot of [undefined, 1]) {
          if (expected === null) {
            for (const target of [0n, 1n, n - 1n]) {
              assert.equal(
                engine.sumXModNEquals(s, t, q.x, q.y, slot, target),
                false,
                'infinity never matches',
              );
            }
            continue;
          }
          assert.equal(
            engine.sumXModNEquals(s, t, q.x, q.y, slot, expected),
            true,
            `s ${s} t ${t} slot ${slot}`,
          );
          assert.equal(engine.sumXModNEquals(s, t, q.x, q.y, slot, (expected + 1n) % n), false);
        }
      }
    });
  }
});

describe('SM2 verification on WebAssembly against a bigint reference', () => {
  it('gives the reference verdict on valid, altered and random signatures, busy keys included', () => {
    const Point = weierstrass({ ...SM2P256V1, h: 1n });
    const { n } = SM2P256V1;
    const reference = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => {
      const r = BigInt(`0x${Buffer.from(signature.subarray(0, 32)).toString('hex')}`);
      const s = BigInt(`0x${Buffer.from(signature.subarray(32, 64)).toString('hex')}`);
      if (r < 1n || r >= n || s < 1n || s >= n) return false;
      const t = (r + s) % n;
      if (t === 0n) return false;
      const e = sm2.messageDigest(publicKey, message);
      const q = Point.fromBytes(publicKey);
      const sum = Point.BASE.multiplyUnsafe(s).add(q.multiplyUnsafe(t));
      return !sum.is0() && (e + sum.toAffine().x) % n === r;
    };
    const prng = new Prng(4242);
    let valid = 0;
    let checked = 0;
    for (let k = 0; k < 60; k++) {
      const seed = prng.bytes(32);
      const { publicKey } = sm2KeyPairFromSeed(seed);
      // Every fourth key signs 20 times, past the point where it gets a table.
      const uses = k % 4 === 0 ? 20 : 3;
      for (let u = 0; u < uses; u++) {
        const message = prng.bytes(1 + prng.int(64));
        const signature = sm2Sign(seed, message);
        const candidates = [signature];
        const flipped = signature.slice();
        flipped[prng.int(64)]! ^= 1 << prng.int(8);
        candidates.push(flipped);
        candidates.push(prng.bytes(64));
        const otherMessage = message.slice();
        otherMessage[0]! ^= 0x80;
        for (const candidate of candidates) {
          const expected = reference(publicKey, message, candidate);
          assert.equal(sm2Verify(publicKey, message, candidate), expected);
          if (expected) valid++;
          checked++;
        }
        assert.equal(
          sm2Verify(publicKey, otherMessage, signature),
          reference(publicKey, otherMessage, signature),
        );
      }
    }
    assert.ok(valid >= 60 * 3, `every honest signature verified (${valid} of ${checked} candidates)`);
  });
});
