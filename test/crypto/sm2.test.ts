import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, sm3, toHex } from '../../src/crypto/hash.js';
import { Sm2, sm2, sm2KeyPairFromSeed, sm2Sign, sm2Verify } from '../../src/crypto/sm2.js';
import { SM2_EXAMPLE_CURVE } from './sm2-example-curve.js';

// GB/T 32918.2-2016 Annex A.2: the worked signature example on the standard's 256-bit test curve.
const exampleCurve = new Sm2(SM2_EXAMPLE_CURVE);
const exampleId = new TextEncoder().encode('ALICE123@YAHOO.COM');
const exampleMessage = new TextEncoder().encode('message digest');
const exampleD = 0x128b2fa8bd433c6c068c8d803dff79792a519a55171b1b650c23661d15897263n;

describe('SM3', () => {
  it('hashes the standard vectors (GB/T 32905 Annex A)', () => {
    assert.equal(
      toHex(sm3(new TextEncoder().encode('abc'))),
      '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
    );
    assert.equal(
      toHex(sm3(new TextEncoder().encode('abcd'.repeat(16)))),
      'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732',
    );
  });
});

describe('SM2 signatures', () => {
  it('reproduces the standard worked example: public key, Z, e, and accepts its (r, s)', () => {
    const publicKey = exampleCurve.publicKeyFromPrivate(exampleD);
    assert.equal(
      toHex(publicKey),
      '04' +
        '0ae4c7798aa0f119471bee11825be46202bb79e2a5844495e97c04ff4df2548a' +
        '7c0240f88f1cd4e16352a73c17b7f16f07353e53a176d684a9fe0c6bb798e857',
    );
    assert.equal(
      toHex(exampleCurve.signerIdentityDigest(publicKey, exampleId)),
      'f4a38489e32b45b6f876e3ac2168ca392362dc8f23459c1d1146fc3dbfb7bc9a',
    );
    assert.equal(
      exampleCurve.messageDigest(publicKey, exampleMessage, exampleId),
      0xb524f552cd82b8b028476e005c377fb19a87e6fc682d48bb5d42e3d9b9effe76n,
    );
    const published = fromHex(
      '40f1ec59f793d9f49e09dcef49130d4194f79fb1eed2caa55bacdb49c4e755d1' +
        '6fc6dac32c5d5cf10c77dfb20f7c2eb667a457872fb09ec56327a67ec7deebe7',
    );
    assert.equal(exampleCurve.verify(publicKey, exampleMessage, published, exampleId), true);
    const own = exampleCurve.sign(exampleD, exampleMessage, { id: exampleId });
    assert.equal(exampleCurve.verify(publicKey, exampleMessage, own, exampleId), true);
  });

  it('binds the signer identity: the same signature fails under another ID', () => {
    const publicKey = exampleCurve.publicKeyFromPrivate(exampleD);
    const signature = exampleCurve.sign(exampleD, exampleMessage, { id: exampleId });
    assert.equal(exampleCurve.verify(publicKey, exampleMessage, signature, exampleId), true);
    assert.equal(exampleCurve.verify(publicKey, exampleMessage, signature), false);
  });

  it('signs and verifies on sm2p256v1, rejecting altered messages, signatures and keys', () => {
    const seed = fromHex('11'.repeat(32));
    const { publicKey } = sm2KeyPairFromSeed(seed);
    const message = new TextEncoder().encode('offer 1000 Wh at 450');
    const signature = sm2Sign(seed, message);
    assert.equal(signature.length, 64);
    assert.deepEqual(sm2Sign(seed, message), signature, 'deterministic nonce');
    assert.equal(sm2Verify(publicKey, message, signature), true);
    assert.equal(sm2Verify(publicKey, new TextEncoder().encode('offer 1000 Wh at 451'), signature), false);
    const flipped = signature.slice();
    flipped[40] = (flipped[40] ?? 0) ^ 1;
    assert.equal(sm2Verify(publicKey, message, flipped), false);
    assert.equal(sm2Verify(publicKey, message, signature.subarray(0, 63)), false);
    const other = sm2KeyPairFromSeed(fromHex('22'.repeat(32))).publicKey;
    assert.equal(sm2Verify(other, message, signature), false);
  });

  it('gives the same answers once a busy key has its window table, and signs alike with a kept public key', () => {
    const seed = fromHex('33'.repeat(32));
    const { publicKey } = sm2KeyPairFromSeed(seed);
    const d = sm2.privateKeyFromSeed(seed);
    // 40 rounds carry the key past the point where it gets a table (16 uses).
    for (let i = 0; i < 40; i++) {
      const message = new TextEncoder().encode(`reading ${i}`);
      const signature = sm2Sign(seed, message);
      assert.deepEqual(sm2.sign(d, message, { publicKey }), signature);
      assert.equal(sm2Verify(publicKey, message, signature), true, `round ${i}`);
      const flipped = signature.slice();
      flipped[i % 64] = flipped[i % 64]! ^ 0x10;
      assert.equal(sm2Verify(publicKey, message, flipped), false, `round ${i}, altered`);
      assert.equal(sm2.verify(publicKey, message, signature, exampleId), false, `round ${i}, other ID`);
    }
  });

  it('keeps every answer right while key tables are handed out, dropped and reused', () => {
    // 130 busy keys: the 129th table drops every remembered key, and slots are handed out again.
    const keys = Array.from({ length: 130 }, (_, i) => {
      const seed = sm3(new TextEncoder().encode(`busy key ${i}`));
      const message = new TextEncoder().encode(`reading of meter ${i}`);
      return { publicKey: sm2KeyPairFromSeed(seed).publicKey, message, signature: sm2Sign(seed, message) };
    });
    for (const [round, key] of keys.entries()) {
      for (let use = 0; use < 17; use++)
        assert.equal(sm2Verify(key.publicKey, key.message, key.signature), true);
      const other = keys[(round + 1) % keys.length]!;
      assert.equal(
        sm2Verify(key.publicKey, other.message, other.signature),
        false,
        `key ${round}, foreign signature`,
      );
    }
    for (const [round, key] of keys.entries()) {
      assert.equal(sm2Verify(key.publicKey, key.message, key.signature), true, `key ${round} after reuse`);
      const other = keys[(round + 7) % keys.length]!;
      assert.equal(
        sm2Verify(other.publicKey, key.message, key.signature),
        false,
        `key ${round} under another key`,
      );
    }
  });

  it('rejects malformed public keys with a typed error', () => {
    const bad = new Uint8Array(65);
    bad[0] = 4;
    bad[64] = 1;
    assert.throws(() => sm2.verify(bad, new Uint8Array(1), new Uint8Array(64)), { code: 'BAD_PUBLIC_KEY' });
    assert.throws(() => sm2.verify(new Uint8Array(33), new Uint8Array(1), new Uint8Array(64)), {
      code: 'BAD_KEY_LENGTH',
    });
  });
});
