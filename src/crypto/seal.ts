import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { CryptoError } from './errors.js';
import { fromHex, toHex } from './hash.js';

/**
 * A secret sealed to the holder of an Ed25519 key, so that whoever hands it over never needs a
 * password shared with the recipient: an ephemeral X25519 key agreement with the recipient's key
 * (converted to its Montgomery form), HKDF-SHA-256 over the shared secret and both public keys,
 * and AES-256-GCM with the `context` as associated data. A box sealed for one purpose (its
 * context) or one recipient cannot be opened as another.
 */
export interface SealedBox {
  readonly version: 1;
  readonly context: string;
  /** Hex Ed25519 key of the recipient. */
  readonly recipient: string;
  readonly ephemeralPublicKey: string;
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
}

function wrappingKey(
  shared: Uint8Array,
  ephemeral: Uint8Array,
  recipient: Uint8Array,
  context: string,
): Buffer {
  const salt = Buffer.concat([ephemeral, recipient]);
  return Buffer.from(hkdfSync('sha256', shared, salt, `gridshard/seal/v1/${context}`, 32));
}

/**
 * Seals `secret` to an Ed25519 key. The ephemeral key and nonce are fresh random by default; a
 * caller that already holds fresh secret entropy for this one box (a key-generation dealer) may
 * pass `ephemeralSeed` instead, 32 bytes used for this recipient and context only, which makes the
 * box reproducible from that entropy (a restarted dealer posts the same dealing).
 */
export function sealToEd25519Key(
  recipientPublicKey: Uint8Array,
  secret: Uint8Array,
  context: string,
  ephemeralSeed?: Uint8Array,
): SealedBox {
  if (recipientPublicKey.length !== 32) {
    throw new CryptoError('BAD_KEY_LENGTH', 'a sealed box needs a 32-byte Ed25519 recipient key', {
      length: recipientPublicKey.length,
    });
  }
  let montgomery: Uint8Array;
  try {
    montgomery = ed25519.utils.toMontgomery(recipientPublicKey);
  } catch (error) {
    throw new CryptoError(
      'BAD_PUBLIC_KEY',
      `recipient key is not a curve point: ${(error as Error).message}`,
      {},
    );
  }
  if (ephemeralSeed !== undefined && ephemeralSeed.length !== 32)
    throw new CryptoError('BAD_KEY_LENGTH', 'an ephemeral seed is 32 bytes', {
      length: ephemeralSeed.length,
    });
  const derived =
    ephemeralSeed === undefined
      ? null
      : Buffer.from(
          hkdfSync('sha256', ephemeralSeed, recipientPublicKey, `gridshard/seal/ephemeral/${context}`, 44),
        );
  const ephemeralSecret =
    derived === null ? x25519.utils.randomSecretKey() : new Uint8Array(derived.subarray(0, 32));
  const ephemeral = x25519.getPublicKey(ephemeralSecret);
  const shared = x25519.getSharedSecret(ephemeralSecret, montgomery);
  const key = wrappingKey(shared, ephemeral, recipientPublicKey, context);
  const iv = derived === null ? randomBytes(12) : derived.subarray(32, 44);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const ciphertext = Buffer.concat([cipher.update(secret), cipher.final()]);
  return {
    version: 1,
    context,
    recipient: toHex(recipientPublicKey),
    ephemeralPublicKey: toHex(ephemeral),
    iv: toHex(iv),
    ciphertext: toHex(ciphertext),
    tag: toHex(cipher.getAuthTag()),
  };
}

/** Opens a box with the recipient's 32-byte Ed25519 seed; a wrong key, context or edit fails. */
export function openWithEd25519Seed(seed: Uint8Array, json: unknown, context: string): Uint8Array {
  const box = parseSealedBox(json);
  if (box.context !== context) {
    throw new CryptoError('BAD_SEALED_BOX', `the box was sealed for "${box.context}", not "${context}"`, {});
  }
  const publicKey = ed25519.getPublicKey(seed);
  if (toHex(publicKey) !== box.recipient) {
    throw new CryptoError('BAD_SEALED_BOX', `the box is sealed to ${box.recipient}, not to this key`, {});
  }
  const ephemeral = fromHex(box.ephemeralPublicKey);
  const shared = x25519.getSharedSecret(ed25519.utils.toMontgomerySecret(seed), ephemeral);
  const key = wrappingKey(shared, ephemeral, publicKey, context);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(fromHex(box.iv)));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(fromHex(box.tag)));
    return new Uint8Array(Buffer.concat([decipher.update(fromHex(box.ciphertext)), decipher.final()]));
  } catch {
    throw new CryptoError('BAD_SEALED_BOX', 'the box does not open: edited, or sealed to another key', {});
  }
}

function parseSealedBox(json: unknown): SealedBox {
  const fields = ['context', 'recipient', 'ephemeralPublicKey', 'iv', 'ciphertext', 'tag'] as const;
  const value = json as Record<string, unknown>;
  if (typeof json !== 'object' || json === null || value.version !== 1) {
    throw new CryptoError('BAD_SEALED_BOX', 'not a sealed box (version 1)', {});
  }
  for (const field of fields) {
    if (typeof value[field] !== 'string') {
      throw new CryptoError('BAD_SEALED_BOX', `sealed box: ${field} must be a string`, { field });
    }
  }
  const hexOk = (s: string, bytes?: number) =>
    /^([0-9a-f]{2})*$/.test(s) && (bytes === undefined || s.length === bytes * 2);
  if (
    !hexOk(value.recipient as string, 32) ||
    !hexOk(value.ephemeralPublicKey as string, 32) ||
    !hexOk(value.iv as string, 12) ||
    !hexOk(value.tag as string, 16) ||
    !hexOk(value.ciphertext as string)
  ) {
    throw new CryptoError('BAD_SEALED_BOX', 'sealed box: a field is not hex of the right length', {});
  }
  return value as unknown as SealedBox;
}
