/**
 * The CLI's keystore file (src/crypto/keystore.ts, docs/LEDGER.md "Keystores"), written and read
 * in the browser: scrypt over the NFKC password derives a 32-byte key, AES-256-GCM seals the
 * 32-byte seed with `gridshard-keystore-v1|<scheme>|<publicKey>` as associated data. WebCrypto
 * returns ciphertext and tag joined; the file keeps them apart.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { concatBytes, fromHex, own, toHex, utf8 } from './hex.js';

export interface KeystoreFile {
  readonly version: 1;
  readonly scheme: 'ed25519-sha256';
  readonly publicKey: string;
  readonly crypto: {
    readonly kdf: 'scrypt';
    readonly kdfparams: { readonly n: number; readonly r: number; readonly p: number; readonly salt: string };
    readonly cipher: 'aes-256-gcm';
    readonly iv: string;
    readonly ciphertext: string;
    readonly tag: string;
  };
}

export class KeystoreError extends Error {
  constructor(
    readonly code: 'WRONG_PASSWORD' | 'BAD_KEYSTORE',
    message: string,
  ) {
    super(message);
    this.name = 'KeystoreError';
  }
}

export const CLI_SCRYPT_COST = { n: 2 ** 17, r: 8, p: 1 } as const;
const SCHEME = 'ed25519-sha256';
const aad = (publicKey: string) => own(utf8(`gridshard-keystore-v1|${SCHEME}|${publicKey}`));

async function aesKey(password: string, salt: Uint8Array, cost: { n: number; r: number; p: number }) {
  const raw = await scryptAsync(utf8(password.normalize('NFKC')), salt, {
    N: cost.n,
    r: cost.r,
    p: cost.p,
    dkLen: 32,
    maxmem: 256 * cost.n * cost.r + 1024 * 1024,
  });
  return globalThis.crypto.subtle.importKey('raw', own(raw), 'AES-GCM', false, ['encrypt', 'decrypt']);
}

export async function exportKeystore(
  seed: Uint8Array,
  password: string,
  cost: { n: number; r: number; p: number } = CLI_SCRYPT_COST,
): Promise<KeystoreFile> {
  const publicKey = toHex(ed25519.getPublicKey(seed));
  const salt = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const key = await aesKey(password, salt, cost);
  const sealed = new Uint8Array(
    await globalThis.crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: aad(publicKey) },
      key,
      own(seed),
    ),
  );
  return {
    version: 1,
    scheme: SCHEME,
    publicKey,
    crypto: {
      kdf: 'scrypt',
      kdfparams: { n: cost.n, r: cost.r, p: cost.p, salt: toHex(salt) },
      cipher: 'aes-256-gcm',
      iv: toHex(iv),
      ciphertext: toHex(sealed.subarray(0, sealed.length - 16)),
      tag: toHex(sealed.subarray(sealed.length - 16)),
    },
  };
}

/** Opens a CLI keystore; the seed must give the file's public key. */
export async function importKeystore(json: unknown, password: string): Promise<Uint8Array> {
  const file = json as Partial<KeystoreFile> | null;
  const c = file?.crypto;
  const kp = c?.kdfparams;
  if (
    file?.version !== 1 ||
    file.scheme !== SCHEME ||
    typeof file.publicKey !== 'string' ||
    c?.kdf !== 'scrypt' ||
    c.cipher !== 'aes-256-gcm' ||
    kp === undefined ||
    ![kp.n, kp.r, kp.p].every((v) => Number.isSafeInteger(v) && v > 0) ||
    kp.n > 2 ** 20
  ) {
    throw new KeystoreError('BAD_KEYSTORE', 'not an ed25519-sha256 keystore file');
  }
  let salt: Uint8Array;
  let sealed: Uint8Array;
  let iv: Uint8Array;
  try {
    salt = fromHex(kp.salt, 'salt');
    iv = fromHex(c.iv, 'iv');
    sealed = concatBytes(fromHex(c.ciphertext, 'ciphertext'), fromHex(c.tag, 'tag'));
  } catch {
    throw new KeystoreError('BAD_KEYSTORE', 'a keystore field is not hex');
  }
  if (iv.length !== 12 || sealed.length !== 48)
    throw new KeystoreError('BAD_KEYSTORE', 'wrong field lengths');
  const key = await aesKey(password, salt, kp);
  let seed: Uint8Array;
  try {
    seed = new Uint8Array(
      await globalThis.crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: own(iv), additionalData: aad(file.publicKey) },
        key,
        own(sealed),
      ),
    );
  } catch {
    throw new KeystoreError('WRONG_PASSWORD', 'wrong password, or the file was altered');
  }
  if (toHex(ed25519.getPublicKey(seed)) !== file.publicKey)
    throw new KeystoreError('BAD_KEYSTORE', 'the seed does not match the public key');
  return seed;
}
