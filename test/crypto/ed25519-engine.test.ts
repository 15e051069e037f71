import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  ed25519KeyPairFromSeed,
  ed25519PublicKeyObject,
  ed25519Sign,
  ed25519Verify,
  ed25519VerifyNative,
} from '../../src/crypto/ed25519.js';
import { ED25519_BASE, ED25519_D, ED25519_P, Ed25519Engine } from '../../src/crypto/wasm/ed25519-engine.js';
import { type EdwardsExports, generateEdwardsModule } from '../../src/crypto/wasm/edwards-module.js';
import {
  ELEMENT_BYTES,
  ELEMENT_LIMBS,
  Layout,
  limbsOf25519,
  valueOf25519,
} from '../../src/crypto/wasm/field-25519.js';
import { instantiate } from '../../src/crypto/wasm/module-writer.js';
import { Prng } from '../../src/kit/prng.js';

const L = ed25519.Point.CURVE().n;

function randomBelow(prng: Prng, bound: bigint): bigint {
  let v = 0n;
  for (const byte of prng.bytes(48)) v = (v << 8n) | BigInt(byte);
  return v % bound;
}

/** k·P by noble (k may be 0 or at least L, which noble's multiply refuses). */
function reference(point: InstanceType<typeof ed25519.Point>, k: bigint): { x: bigint; y: bigint } {
  const reduced = k % L;
  return reduced === 0n ? { x: 0n, y: 1n } : point.multiply(reduced).toAffine();
}

const interestingScalars = (prng: Prng): bigint[] => [
  0n,
  1n,
  2n,
  15n,
  16n,
  255n,
  256n,
  L - 1n,
  L,
  L + 1n,
  (1n << 252n) - 1n,
  (1n << 253n) - 1n,
  (1n << 255n) + 7n,
  ...Array.from({ length: 40 }, () => randomBelow(prng, L)),
  ...Array.from({ length: 10 }, () => randomBelow(prng, 1n << 256n)),
];

describe('the field modulo 2^255 − 19 in radix 2^25.5, against bigints', () => {
  const wasm = instantiate(generateEdwardsModule(1)) as EdwardsExports;
  const words = new Uint32Array(wasm.memory.buffer);
  const [X, Y, OUT] = [
    Layout.dataStart,
    Layout.dataStart + ELEMENT_BYTES,
    Layout.dataStart + 2 * ELEMENT_BYTES,
  ];
  const write = (address: number, limbs: number[]): void => words.set(limbs, address >>> 2);
  const read = (address: number): bigint => {
    wasm.freeze(address + 3 * ELEMENT_BYTES, address);
    const base = (address + 3 * ELEMENT_BYTES) >>> 2;
    return valueOf25519(words.subarray(base, base + ELEMENT_LIMBS));
  };
  const p = ED25519_P;
  const prng = new Prng(5);
  // Values at the edges (0, 1, p − 1, just below 2^255 as a non-canonical p + k) and random ones.
  const values = [
    0n,
    1n,
    2n,
    19n,
    p - 1n,
    p - 2n,
    (p - 1n) / 2n,
    (1n << 254n) + 1n,
    (1n << 26n) - 1n,
    1n << 51n,
  ];
  for (let i = 0; i < 40; i++) values.push(randomBelow(prng, p));

  it('multiplies, squares, adds and subtracts like bigints, including outputs fed back', () => {
    for (const x of values) {
      for (const y of values.slice(0, 20)) {
        write(X, limbsOf25519(x));
        write(Y, limbsOf25519(y));
        wasm.mul(OUT, X, Y);
        assert.equal(read(OUT), (x * y) % p, `${x} · ${y}`);
        wasm.add(OUT, X, Y);
        assert.equal(read(OUT), (x + y) % p, `${x} + ${y}`);
        wasm.sub(OUT, X, Y);
        assert.equal(read(OUT), (((x - y) % p) + p) % p, `${x} − ${y}`);
        // Unreduced outputs as inputs: the limbs a product, a sum and a difference leave behind.
        wasm.sub(OUT, X, Y);
        wasm.mul(OUT, OUT, OUT);
        wasm.add(OUT, OUT, X);
        wasm.square(OUT, OUT);
        const d = (((x - y) % p) + p) % p;
        assert.equal(read(OUT), ((d * d + x) % p) ** 2n % p);
      }
      write(X, limbsOf25519(x));
      wasm.square(OUT, X);
      assert.equal(read(OUT), (x * x) % p);
      wasm.squareTimes(OUT, X, 7);
      assert.equal(read(OUT), x ** 128n % p);
    }
  });

  it('freezes a non-canonical value (p + k below 2^255) and compares by value', () => {
    for (const k of [0n, 1n, 18n]) {
      // p + k written limb by limb: limb 0 holds 2^26 − 19 + k, the others all ones.
      write(
        X,
        limbsOf25519(p).map((limb, i) => (i === 0 ? limb + Number(k) : limb)),
      );
      assert.equal(read(X), k);
    }
  });
});

describe('Ed25519 engine: curve arithmetic against noble', () => {
  const engine = new Ed25519Engine(2);
  const base = ed25519.Point.BASE;

  it('holds the curve constants of RFC 8032', () => {
    assert.equal(ED25519_P, 2n ** 255n - 19n);
    assert.equal((ED25519_D * 121666n + 121665n) % ED25519_P, 0n);
    const { x, y } = base.toAffine();
    assert.deepEqual([x, y], [ED25519_BASE.x, ED25519_BASE.y]);
  });

  it('multiplies the base point by its table, a point by its NAF and by a key table', () => {
    const prng = new Prng(41);
    const point = base.multiply(randomBelow(prng, L - 1n) + 1n);
    const { x, y } = point.toAffine();
    engine.buildKeyTable(1, x, y);
    for (const k of interestingScalars(prng)) {
      assert.deepEqual(engine.multiplyBase(k), reference(base, k), `k·B, k = ${k}`);
      assert.deepEqual(engine.multiply(x, y, k), reference(point, k), `k·P by NAF, k = ${k}`);
      assert.deepEqual(engine.multiplyByTable(1, k), reference(point, k), `k·P by table, k = ${k}`);
    }
  });

  it('adds points of small order and the identity like any other (the formulas are complete)', () => {
    // A point of order 8 (x ≠ 0), and P plus it: doubling and adding pass through the identity.
    const torsion = ed25519.Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa');
    const t = torsion.toAffine();
    for (const k of [0n, 1n, 2n, 3n, 4n, 7n, 8n, 9n, 16n, 1000n]) {
      const expected = k % 8n === 0n ? { x: 0n, y: 1n } : torsion.multiplyUnsafe(k % 8n).toAffine();
      assert.deepEqual(engine.multiply(t.x, t.y, k), expected, `k·T, k = ${k}`);
    }
    const mixed = base.add(torsion);
    const m = mixed.toAffine();
    for (const k of [1n, 5n, 8n, 123456789n]) {
      assert.deepEqual(
        engine.multiply(m.x, m.y, k),
        mixed.multiplyUnsafe(k).toAffine(),
        `k·(B + T), k = ${k}`,
      );
    }
  });
});

describe('Ed25519 verification on WebAssembly against node:crypto', () => {
  const prng = new Prng(77);
  const keys = Array.from({ length: 6 }, () => ed25519KeyPairFromSeed(prng.bytes(32)));

  /** Both verifiers on one case: they must agree, and the engine's answer is returned. */
  const both = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => {
    const mine = ed25519Verify(publicKey, message, signature);
    assert.equal(mine, ed25519VerifyNative(publicKey, message, signature));
    return mine;
  };

  it('accepts every honest signature and refuses every single-bit change, on new and busy keys', () => {
    // 40 uses per key: the first 3 by the NAF path, the rest by the key's table.
    for (let round = 0; round < 40; round++) {
      for (const key of keys) {
        const message = prng.bytes(1 + prng.int(200));
        const signature = ed25519Sign(key.seed, message);
        assert.equal(both(key.publicKey, message, signature), true);
        const flipped = new Uint8Array(signature);
        const bit = prng.int(512);
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        assert.equal(both(key.publicKey, message, flipped), false, `bit ${bit}`);
        const otherMessage = new Uint8Array(message);
        otherMessage[prng.int(message.length)]! ^= 1 + prng.int(255);
        assert.equal(both(key.publicKey, otherMessage, signature), false);
        const otherKey = keys[(keys.indexOf(key) + 1) % keys.length]!;
        assert.equal(both(otherKey.publicKey, message, signature), false);
      }
    }
  });

  it("refuses R with x's sign flipped, R of another signature, S + L and random bytes", () => {
    const key = keys[0]!;
    for (let i = 0; i < 50; i++) {
      const message = prng.bytes(32);
      const signature = ed25519Sign(key.seed, message);
      const signFlipped = new Uint8Array(signature);
      signFlipped[31]! ^= 0x80;
      assert.equal(both(key.publicKey, message, signFlipped), false);
      const otherR = new Uint8Array(signature);
      otherR.set(ed25519Sign(key.seed, prng.bytes(32)).subarray(0, 32), 0);
      assert.equal(both(key.publicKey, message, otherR), false);
      // S + L is the same scalar but not canonical: refused by both.
      let s = 0n;
      for (let b = 63; b >= 32; b--) s = (s << 8n) | BigInt(signature[b]!);
      const sPlusL = s + L;
      if (sPlusL < 1n << 256n) {
        const wide = new Uint8Array(signature);
        for (let b = 0; b < 32; b++) wide[32 + b] = Number((sPlusL >> BigInt(8 * b)) & 0xffn);
        assert.equal(both(key.publicKey, message, wide), false);
      }
      assert.equal(both(key.publicKey, message, prng.bytes(64)), false);
    }
  });

  it('verifies a signature whose R has an odd x and one whose R has an even x', () => {
    const seen = new Set<number>();
    const key = keys[1]!;
    for (let i = 0; seen.size < 2 && i < 64; i++) {
      const message = prng.bytes(16);
      const signature = ed25519Sign(key.seed, message);
      seen.add(signature[31]! >> 7);
      assert.equal(both(key.publicKey, message, signature), true);
    }
    assert.equal(seen.size, 2);
  });

  it('keeps verifying right when more keys earn tables than there are slots', () => {
    // 300 keys × 5 uses: every one earns a table at its 4th use, past the 256 slots.
    const many = Array.from({ length: 300 }, (_, i) => ed25519KeyPairFromSeed(new Prng(1000 + i).bytes(32)));
    const message = new TextEncoder().encode('a meter reading');
    const signatures = many.map((key) => ed25519Sign(key.seed, message));
    for (let use = 0; use < 5; use++) {
      many.forEach((key, i) => {
        assert.equal(ed25519Verify(key.publicKey, message, signatures[i]!), true);
        assert.equal(ed25519Verify(key.publicKey, message, signatures[(i + 1) % many.length]!), false);
      });
    }
  });

  it('verifies through a KeyObject: its own on the engine, a foreign one on node:crypto', () => {
    const key = keys[2]!;
    const message = prng.bytes(40);
    const signature = ed25519Sign(key.seed, message);
    assert.equal(ed25519Verify(ed25519PublicKeyObject(key.publicKey), message, signature), true);
    const foreign = generateKeyPairSync('ed25519');
    const raw = new Uint8Array(foreign.publicKey.export({ format: 'der', type: 'spki' }).subarray(12));
    const foreignSignature = ed25519Sign(
      new Uint8Array(foreign.privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(16)),
      message,
    );
    assert.equal(ed25519Verify(foreign.publicKey, message, foreignSignature), true);
    assert.equal(ed25519Verify(raw, message, foreignSignature), true);
    assert.equal(ed25519Verify(foreign.publicKey, message, signature), false);
  });
});
