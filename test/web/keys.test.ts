import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sessionSigningBytes as nodeSigningBytes } from '../../src/api/sessions.js';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { decryptKeystore, encryptKeystore } from '../../src/crypto/keystore.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { exportKeystore, importKeystore, KeystoreError } from '../../web/src/lib/keystore.js';
import { sessionSigningBytes, signIn } from '../../web/src/lib/session.js';
import { listKeys, removeKey, storeKey, unlockKey } from '../../web/src/lib/vault.js';

// A low scrypt and PBKDF2 cost keeps the tests quick; the format and the code path are the same.
const CHEAP = { n: 2 ** 10, r: 8, p: 1 };
const seed = sha256(new TextEncoder().encode('portal member'));

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
  };
}

describe('portal keys', () => {
  it('exports a keystore that the command line opens, and opens one the command line wrote', async () => {
    const file = await exportKeystore(seed, 'correct horse', CHEAP);
    assert.equal(file.publicKey, toHex(ed25519Scheme.publicKeyFromSeed(seed)));
    const opened = decryptKeystore(JSON.parse(JSON.stringify(file)), 'correct horse');
    assert.equal(opened.scheme, 'ed25519-sha256');
    assert.equal(toHex(opened.seed), toHex(seed));
    assert.throws(() => decryptKeystore(file, 'wrong horse'), /wrong password/);

    const cliFile = encryptKeystore(seed, 'ed25519-sha256', 'ｐａｓｓ word', CHEAP);
    // NFKC: the full-width password opens with its plain form, as in the command line tool.
    assert.equal(toHex(await importKeystore(cliFile, 'pass word')), toHex(seed));
    await assert.rejects(
      importKeystore(cliFile, 'other'),
      (e: unknown) => e instanceof KeystoreError && e.code === 'WRONG_PASSWORD',
    );
    const otherKey = toHex(ed25519Scheme.publicKeyFromSeed(sha256(seed)));
    await assert.rejects(importKeystore({ ...cliFile, publicKey: otherKey }, 'pass word'), KeystoreError);
    await assert.rejects(
      importKeystore({ version: 1 }, 'pass word'),
      (e: unknown) => e instanceof KeystoreError && e.code === 'BAD_KEYSTORE',
    );
  });

  it('keeps keys sealed in storage: the right password opens, a wrong one or an edited entry does not', async () => {
    const storage = memoryStorage();
    const entry = await storeKey(storage, seed, 'meter 1', 'a long password', 1_000);
    assert.equal(listKeys(storage).length, 1);
    assert.ok(!JSON.stringify(listKeys(storage)).includes(toHex(seed)), 'the seed is never stored in clear');
    assert.equal(toHex((await unlockKey(entry, 'a long password'))!), toHex(seed));
    assert.equal(await unlockKey(entry, 'another password'), null);
    const otherKey = toHex(ed25519Scheme.publicKeyFromSeed(sha256(seed)));
    assert.equal(await unlockKey({ ...entry, publicKey: otherKey }, 'a long password'), null);
    removeKey(storage, entry.publicKey);
    assert.equal(listKeys(storage).length, 0);
    storage.setItem('gridshard.vault.v1', 'not json');
    assert.deepEqual(listKeys(storage), []);
  });

  it('signs the exact session bytes the API verifies', async () => {
    const challenge = 'ab'.repeat(32);
    assert.equal(
      toHex(sessionSigningBytes('chain-1', challenge)),
      toHex(nodeSigningBytes('chain-1', challenge)),
    );
    const posted: unknown[] = [];
    const fake = {
      get: async () => {
        throw new Error('unused');
      },
      post: async <T>(path: string, body: unknown): Promise<T> => {
        posted.push(body);
        if (path === '/api/v1/auth/challenge') return { challenge } as T;
        const { publicKey, signature } = body as { publicKey: string; signature: string };
        const valid = ed25519Scheme.verify(
          Buffer.from(publicKey, 'hex'),
          nodeSigningBytes('chain-1', challenge),
          Buffer.from(signature, 'hex'),
        );
        return { token: valid ? 'ok' : 'bad', expiresAtMs: 1, role: 'user' } as T;
      },
    };
    const session = await signIn(fake, 'chain-1', seed);
    assert.equal(session.token, 'ok');
    assert.equal(session.publicKey, toHex(ed25519Scheme.publicKeyFromSeed(seed)));
    assert.equal(posted[0], undefined, 'the challenge request has no body');
  });
});
