import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import { DEFAULT_API_LIMITS } from '../../src/api/limits.js';
import { SessionTable, sessionSigningBytes } from '../../src/api/sessions.js';
import {
  checkEd25519PublicKey,
  ed25519KeyPairFromSeed,
  ed25519PublicKeyObject,
  ed25519Sign,
  ed25519Verify,
  isCanonicalEd25519Signature,
} from '../../src/crypto/ed25519.js';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { Prng } from '../../src/kit/prng.js';
import { type MarketConfigJson, marketConfigFromJson, parseGenesis } from '../../src/node/genesis-file.js';

const enc = (s: string) => new TextEncoder().encode(s);
const hex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const P = (1n << 255n) - 19n;
const L = (1n << 252n) + 27742317777372353535851937790883648493n;

function le(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return out;
}
function fromLe(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

const identity = hex(ED25519_TORSION_SUBGROUP[0]!);
/** R = identity, S = 0: verifies for every message under the identity key. */
const universal = new Uint8Array(64);
universal[0] = 1;

// Every encoding a lenient decoder takes for a small-order point: the eight canonical ones, the
// identity and (0, -1) with the sign bit set, and y + p for the small y values that have one.
const weakKeys: Uint8Array[] = [
  ...ED25519_TORSION_SUBGROUP.map(hex),
  hex('0100000000000000000000000000000000000000000000000000000000000080'),
  hex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'),
  le(P), // y = 0
  le(P + 1n), // y = 1, the identity
  le(P | (1n << 255n)), // y = 0 with the sign bit
];

const honest = ed25519KeyPairFromSeed(sha256(enc('honest')));
const message = enc('pay 1 kWh');
const goodSignature = ed25519Sign(honest.seed, message);

describe('Ed25519 keys', () => {
  it('node:crypto alone takes the identity key with a signature that fits every message', () => {
    // The reason for the checks: this is the raw verifier underneath, bypassing them.
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), identity]);
    const raw = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    assert.equal(verify(null, enc('anything'), raw, universal), true);
  });

  it('refuses every small-order and non-canonical key at every entry point', () => {
    for (const key of weakKeys) {
      assert.throws(
        () => checkEd25519PublicKey(key),
        { name: 'CryptoError', code: 'BAD_PUBLIC_KEY' },
        toHex(key),
      );
      assert.throws(() => ed25519PublicKeyObject(key), { code: 'BAD_PUBLIC_KEY' });
      assert.throws(() => ed25519Verify(key, enc('anything'), universal), { code: 'BAD_PUBLIC_KEY' });
      assert.throws(() => ed25519Scheme.verify(key, enc('anything'), universal), { code: 'BAD_PUBLIC_KEY' });
    }
  });

  it('refuses a canonical y that is not on the curve, and a non-canonical encoding of a large-order point', () => {
    // y = 2 has no x on edwards25519; find a y < 19 that does, to encode it as y + p.
    assert.throws(() => checkEd25519PublicKey(le(2n)), { code: 'BAD_PUBLIC_KEY' });
    let onCurve: bigint | undefined;
    for (let y = 2n; y < 19n && onCurve === undefined; y++) {
      try {
        ed25519.Point.fromBytes(le(y), false);
        onCurve = y;
      } catch {}
    }
    assert.ok(onCurve !== undefined);
    checkEd25519PublicKey(le(onCurve));
    assert.throws(() => checkEd25519PublicKey(le(onCurve + P)), { code: 'BAD_PUBLIC_KEY' });
  });

  it('agrees with a full point decoding on which encodings are of small order', () => {
    for (const key of ED25519_TORSION_SUBGROUP.map(hex)) {
      assert.equal(ed25519.Point.fromBytes(key, false).isSmallOrder(), true);
    }
    checkEd25519PublicKey(honest.publicKey);
    assert.equal(ed25519Verify(honest.publicKey, message, goodSignature), true);
  });

  it('keeps a weak key out of sessions', () => {
    const sessions = new SessionTable('c1', DEFAULT_API_LIMITS);
    const { challenge } = sessions.challenge('client', 0);
    assert.equal(sessions.open('client', toHex(identity), challenge, toHex(universal), true, 1), null);
    const second = sessions.challenge('client', 0).challenge;
    const signature = ed25519Sign(honest.seed, sessionSigningBytes('c1', second));
    assert.ok(sessions.open('client', toHex(honest.publicKey), second, toHex(signature), true, 1));
  });

  it('keeps a weak key out of genesis: validators, observers and market operators', () => {
    const good = toHex(honest.publicKey);
    const genesis = {
      version: 1,
      chainId: 'c1',
      shardId: 0,
      scheme: 'ed25519-sha256',
      genesisTimeMs: 1,
      validators: [{ index: 0, publicKey: good, address: '/ip4/127.0.0.1/tcp/1', api: 'http://127.0.0.1:2' }],
      coin: { threshold: 1, verificationKeys: ['00'.repeat(32)] },
    };
    parseGenesis(genesis);
    const weak = toHex(identity);
    const validators = [{ ...genesis.validators[0]!, publicKey: weak }];
    assert.throws(() => parseGenesis({ ...genesis, validators }), {
      code: 'BAD_GENESIS',
      message: /small-order/,
    });
    assert.throws(() => parseGenesis({ ...genesis, observers: [weak] }), { code: 'BAD_GENESIS' });
    const noncanonical = toHex(le(P + 1n));
    assert.throws(() => parseGenesis({ ...genesis, observers: [noncanonical] }), { code: 'BAD_GENESIS' });
    const market = { operators: [good, weak] } as unknown as MarketConfigJson;
    assert.throws(() => marketConfigFromJson(market), {
      code: 'BAD_GENESIS',
      message: /market\.operators\[1\].*small-order/,
    });
  });
});

describe('Ed25519 signatures', () => {
  const withS = (s: bigint) => {
    const out = new Uint8Array(goodSignature);
    out.set(le(s), 32);
    return out;
  };
  const S = fromLe(goodSignature.subarray(32));

  it('refuses S >= L, a non-canonical R and a small-order R', () => {
    assert.equal(isCanonicalEd25519Signature(goodSignature), true);
    for (const s of [S + L, L, (1n << 256n) - 1n]) {
      assert.equal(isCanonicalEd25519Signature(withS(s)), false);
      assert.equal(ed25519Verify(honest.publicKey, message, withS(s)), false);
    }
    assert.equal(isCanonicalEd25519Signature(withS(L - 1n)), true);
    for (const r of weakKeys) {
      const signature = new Uint8Array(goodSignature);
      signature.set(r, 0);
      assert.equal(isCanonicalEd25519Signature(signature), false, toHex(r));
      assert.equal(ed25519Verify(honest.publicKey, message, signature), false);
    }
    assert.equal(isCanonicalEd25519Signature(goodSignature.subarray(0, 63)), false);
  });

  it('compares S with L as a number would, and passes what honest signers produce', () => {
    const prng = new Prng(8032);
    for (let i = 0; i < 2000; i++) {
      // Values near L exercise the byte-by-byte comparison at every position.
      const s =
        i % 2 === 0
          ? L + BigInt(prng.range(-1000, 1000))
          : fromLe(Uint8Array.from({ length: 32 }, () => prng.int(256)));
      if (s < 0n || s >= 1n << 256n) continue;
      assert.equal(isCanonicalEd25519Signature(withS(s)), s < L, s.toString(16));
    }
    for (let i = 0; i < 64; i++) {
      const signed = enc(`message ${i}`);
      const signature = ed25519Sign(honest.seed, signed);
      assert.equal(isCanonicalEd25519Signature(signature), true);
      assert.equal(ed25519Verify(honest.publicKey, signed, signature), true);
    }
  });
});
