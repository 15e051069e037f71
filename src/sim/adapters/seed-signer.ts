import type { KeyObject } from 'node:crypto';
import { ed25519PrivateKeyObject, ed25519Sign } from '../../crypto/index.js';

// Importing a private key costs more than the signature; forgers sign many messages with the same
// few seeds, so each seed's key is imported once (Ed25519 signatures are deterministic: the bytes
// are the same either way).
const keys = new WeakMap<Uint8Array, KeyObject>();

/** Signs `bytes` with the Ed25519 key of a 32-byte seed. */
export function signWithSeed(seed: Uint8Array, bytes: Uint8Array): Uint8Array {
  let key = keys.get(seed);
  if (key === undefined) {
    key = ed25519PrivateKeyObject(seed);
    keys.set(seed, key);
  }
  return ed25519Sign(key, bytes);
}
