import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../src/crypto/hash.js';
import { decryptKeystore, encryptKeystore, parseKeystore } from '../../src/crypto/keystore.js';
import { ed25519Scheme, schemeByCode, schemeById, sm2Scheme } from '../../src/crypto/scheme.js';

const FAST = { n: 2 ** 10, r: 8, p: 1 };

describe('Ed25519 scheme', () => {
  it('matches RFC 8032 test 1', () => {
    const seed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    const signer = ed25519Scheme.signer(seed);
    assert.equal(toHex(signer.publicKey), 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const signature = signer.sign(new Uint8Array(0));
    assert.equal(
      toHex(signature),
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    assert.equal(ed25519Scheme.verify(signer.publicKey, new Uint8Array(0), signature), true);
    assert.equal(ed25519Scheme.verify(signer.publicKey, new Uint8Array(1), signature), false);
  });

  it('looks schemes up by id and code, and names unknown ones', () => {
    assert.equal(schemeById('sm2-sm3'), sm2Scheme);
    assert.equal(schemeByCode(1), ed25519Scheme);
    assert.throws(() => schemeById('rsa'), { code: 'UNKNOWN_SCHEME' });
    assert.throws(() => schemeByCode(9), { code: 'UNKNOWN_SCHEME' });
  });
});

describe('keystore', () => {
  for (const scheme of [ed25519Scheme, sm2Scheme]) {
    it(`round-trips a ${scheme.id} key and refuses a wrong password`, () => {
      const seed = fromHex('42'.repeat(32));
      const file = encryptKeystore(seed, scheme.id, 'correct horse', FAST);
      assert.equal(file.publicKey, toHex(scheme.publicKeyFromSeed(seed)));
      const reread = JSON.parse(JSON.stringify(file));
      assert.deepEqual(decryptKeystore(reread, 'correct horse'), { scheme: scheme.id, seed });
      assert.throws(() => decryptKeystore(reread, 'wrong horse'), { code: 'WRONG_PASSWORD' });
    });
  }

  it('detects a file edited to claim another public key', () => {
    const file = encryptKeystore(fromHex('42'.repeat(32)), 'ed25519-sha256', 'pw', FAST);
    const edited = { ...file, publicKey: toHex(ed25519Scheme.publicKeyFromSeed(fromHex('43'.repeat(32)))) };
    assert.throws(() => decryptKeystore(edited, 'pw'), { code: 'WRONG_PASSWORD' });
  });

  it('rejects damaged files with BAD_KEYSTORE', () => {
    const file = encryptKeystore(fromHex('42'.repeat(32)), 'ed25519-sha256', 'pw', FAST);
    const cases: unknown[] = [
      null,
      'text',
      { ...file, version: 2 },
      { ...file, crypto: undefined },
      { ...file, crypto: { ...file.crypto, iv: 'zz' } },
      { ...file, crypto: { ...file.crypto, tag: 'abcd' } },
      { ...file, crypto: { ...file.crypto, kdfparams: { ...file.crypto.kdfparams, n: 1000 } } },
      { ...file, crypto: { ...file.crypto, kdf: 'pbkdf2' } },
    ];
    for (const damaged of cases) assert.throws(() => parseKeystore(damaged), { code: 'BAD_KEYSTORE' });
    assert.throws(() => parseKeystore({ ...file, scheme: 'rsa' }), { code: 'UNKNOWN_SCHEME' });
  });
});
