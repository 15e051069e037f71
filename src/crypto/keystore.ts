import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { CryptoError } from './errors.js';
import { fromHex, toHex } from './hash.js';
import { type SchemeId, schemeById } from './scheme.js';

/**
 * Password-encrypted key files, in the manner of Ethereum's keystores: the key is derived from the
 * password with scrypt and the 32-byte seed is sealed with AES-256-GCM. The scheme and public key
 * are authenticated as associated data, so a file edited to claim another key fails to open.
 */
export interface KeystoreFile {
  readonly version: 1;
  readonly scheme: SchemeId;
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

export interface ScryptCost {
  readonly n: number;
  readonly r: number;
  readonly p: number;
}

/** 2^17 × 8 × 128 B = 128 MiB and about a third of a second per unlock: costly to brute-force. */
export const DEFAULT_SCRYPT_COST: ScryptCost = { n: 2 ** 17, r: 8, p: 1 };

function deriveKey(password: string, salt: Uint8Array, cost: ScryptCost): Buffer {
  return scryptSync(password.normalize('NFKC'), salt, 32, {
    N: cost.n,
    r: cost.r,
    p: cost.p,
    maxmem: 256 * cost.n * cost.r + 1024 * 1024,
  });
}

/**
 * Seals any other 32-byte secret (a validator's coin-key share) the same way, under a `kind` that
 * is authenticated with the public label, so one kind of file can never be opened as another.
 */
export interface SecretFile {
  readonly version: 1;
  readonly kind: string;
  readonly publicKey: string;
  readonly crypto: KeystoreFile['crypto'];
}

export function encryptSecretFile(
  secret: Uint8Array,
  kind: string,
  publicKey: string,
  password: string,
  cost: ScryptCost = DEFAULT_SCRYPT_COST,
): SecretFile {
  return { version: 1, kind, publicKey, crypto: seal(secret, `${kind}|${publicKey}`, password, cost) };
}

export function decryptSecretFile(json: unknown, kind: string, password: string): Uint8Array {
  const file = json as Partial<SecretFile> | null;
  if (typeof file !== 'object' || file === null || file.kind !== kind)
    throw badKeystore(`not a ${kind} file`);
  parseKeystore({ ...file, scheme: 'ed25519-sha256' });
  return open(file as SecretFile, `${kind}|${file.publicKey}`, password);
}

function seal(secret: Uint8Array, label: string, password: string, cost: ScryptCost): KeystoreFile['crypto'] {
  const salt = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(password, salt, cost), iv);
  cipher.setAAD(Buffer.from(`gridshard-keystore-v1|${label}`));
  const ciphertext = Buffer.concat([cipher.update(secret), cipher.final()]);
  return {
    kdf: 'scrypt',
    kdfparams: { n: cost.n, r: cost.r, p: cost.p, salt: salt.toString('hex') },
    cipher: 'aes-256-gcm',
    iv: iv.toString('hex'),
    ciphertext: ciphertext.toString('hex'),
    tag: cipher.getAuthTag().toString('hex'),
  };
}

function open(file: { crypto: KeystoreFile['crypto'] }, label: string, password: string): Uint8Array {
  const c = file.crypto;
  const key = deriveKey(password, hexField(c.kdfparams.salt, 'salt'), c.kdfparams);
  const decipher = createDecipheriv('aes-256-gcm', key, hexField(c.iv, 'iv', 12));
  decipher.setAAD(Buffer.from(`gridshard-keystore-v1|${label}`));
  decipher.setAuthTag(hexField(c.tag, 'tag', 16));
  try {
    return new Uint8Array(
      Buffer.concat([decipher.update(hexField(c.ciphertext, 'ciphertext', 32)), decipher.final()]),
    );
  } catch {
    throw new CryptoError('WRONG_PASSWORD', 'keystore: wrong password, or the file was altered', {});
  }
}

export function encryptKeystore(
  seed: Uint8Array,
  scheme: SchemeId,
  password: string,
  cost: ScryptCost = DEFAULT_SCRYPT_COST,
): KeystoreFile {
  const publicKey = toHex(schemeById(scheme).publicKeyFromSeed(seed));
  return { version: 1, scheme, publicKey, crypto: seal(seed, `${scheme}|${publicKey}`, password, cost) };
}

function badKeystore(message: string): CryptoError {
  return new CryptoError('BAD_KEYSTORE', `keystore: ${message}`, {});
}

function hexField(value: unknown, name: string, length?: number): Uint8Array {
  if (typeof value !== 'string') throw badKeystore(`${name} must be a hex string`);
  let bytes: Uint8Array;
  try {
    bytes = fromHex(value);
  } catch {
    throw badKeystore(`${name} is not hex`);
  }
  if (length !== undefined && bytes.length !== length) throw badKeystore(`${name} must be ${length} bytes`);
  return bytes;
}

/** Checks the shape of parsed JSON, so a damaged file gives BAD_KEYSTORE, not a TypeError. */
export function parseKeystore(json: unknown): KeystoreFile {
  const file = json as Partial<KeystoreFile> | null;
  if (typeof file !== 'object' || file === null) throw badKeystore('not a JSON object');
  if (file.version !== 1) throw badKeystore(`unsupported version ${String(file.version)}`);
  schemeById(String(file.scheme));
  const c = file.crypto;
  if (typeof c !== 'object' || c === null) throw badKeystore('missing "crypto"');
  if (c.kdf !== 'scrypt' || c.cipher !== 'aes-256-gcm')
    throw badKeystore('only scrypt + aes-256-gcm are supported');
  const { n, r, p } = c.kdfparams ?? ({} as ScryptCost);
  for (const [name, value] of Object.entries({ n, r, p })) {
    if (!Number.isSafeInteger(value) || (value as number) < 1)
      throw badKeystore(`kdfparams.${name} must be a positive integer`);
  }
  if ((n & (n - 1)) !== 0 || n > 2 ** 20 || r > 32 || p > 16) throw badKeystore('scrypt cost out of range');
  hexField(c.kdfparams.salt, 'kdfparams.salt');
  hexField(c.iv, 'iv', 12);
  hexField(c.ciphertext, 'ciphertext', 32);
  hexField(c.tag, 'tag', 16);
  hexField(file.publicKey, 'publicKey');
  return file as KeystoreFile;
}

/** Returns the 32-byte seed; WRONG_PASSWORD when the password (or any authenticated field) is wrong. */
export function decryptKeystore(json: unknown, password: string): { scheme: SchemeId; seed: Uint8Array } {
  const file = parseKeystore(json);
  const seed = open(file, `${file.scheme}|${file.publicKey}`, password);
  if (toHex(schemeById(file.scheme).publicKeyFromSeed(seed)) !== file.publicKey) {
    throw badKeystore('the decrypted key does not match the public key');
  }
  return { scheme: file.scheme, seed };
}
