import { latin1, latin1Bytes } from '../crypto/hash.js';

/**
 * Keys as latin1 strings: one UTF-16 unit per byte, so JavaScript string order is byte order and
 * a Map can hold them without hex's doubling.
 */
export function keyString(key: Uint8Array): string {
  return latin1(key);
}

export function keyBytes(key: string): Uint8Array {
  return latin1Bytes(key);
}
