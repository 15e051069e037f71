import { ristretto255 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { CoinError } from './errors.js';
import { nobleGroup } from './group-noble.js';
import { loadSodiumGroup } from './group-sodium.js';
import type { Element, GroupOps } from './group-types.js';

export type { Element, GroupOps } from './group-types.js';

/**
 * The prime-order group the coin lives in: ristretto255, so every 32-byte encoding names exactly
 * one group element and no cofactor tricks apply to shares.
 */
export const GROUP_ORDER: bigint = ristretto255.Point.Fn.ORDER;
export const POINT_LENGTH = 32;
export const SCALAR_LENGTH = 32;

const HASH_TO_GROUP_DST = 'GRIDSHARD-COIN-V1-ristretto255_XMD:SHA-512_R255MAP_RO_';

/** The bigint backend, always available. */
export const NOBLE_GROUP: GroupOps = nobleGroup(HASH_TO_GROUP_DST);
/** The libsodium backend when its package is installed, else null. */
export const SODIUM_GROUP: GroupOps | null = await loadSodiumGroup(HASH_TO_GROUP_DST);
/** The backend the coin runs on: both give the same bytes for every operation (tested). */
export const group: GroupOps = SODIUM_GROUP ?? NOBLE_GROUP;

export function mod(value: bigint): bigint {
  const r = value % GROUP_ORDER;
  return r < 0n ? r + GROUP_ORDER : r;
}

export function bytesToBigBE(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

export function scalarToBytes(value: bigint): Uint8Array {
  const out = new Uint8Array(SCALAR_LENGTH);
  let rest = value;
  for (let i = SCALAR_LENGTH - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** A scalar read from 32 bytes; refuses values outside 0 … q-1 so each scalar has one encoding. */
export function scalarFromBytes(bytes: Uint8Array, what: string): bigint {
  if (bytes.length !== SCALAR_LENGTH) {
    throw new CoinError('BAD_SHARE_ENCODING', `${what} must be ${SCALAR_LENGTH} bytes`, { what });
  }
  const value = bytesToBigBE(bytes);
  if (value >= GROUP_ORDER) throw new CoinError('BAD_SHARE_ENCODING', `${what} is not reduced`, { what });
  return value;
}

/** Hashes the parts with SHA-512 and reduces mod q: 512 bits make the bias negligible. */
export function hashToScalar(...parts: Uint8Array[]): bigint {
  const hash = sha512.create();
  for (const part of parts) {
    hash.update(Uint8Array.of(part.length >>> 8, part.length & 0xff));
    hash.update(part);
  }
  return mod(bytesToBigBE(hash.digest()));
}

/** Decodes a 32-byte element; a typed error for bytes that are no canonical encoding. */
export function pointFromBytes(bytes: Uint8Array, what: string): Element {
  if (bytes.length !== POINT_LENGTH) {
    throw new CoinError('BAD_SHARE_ENCODING', `${what} must be ${POINT_LENGTH} bytes`, { what });
  }
  const element = group.decode(bytes);
  if (element === null) {
    throw new CoinError('BAD_SHARE_ENCODING', `${what} is not a ristretto255 encoding`, { what });
  }
  return element;
}

/** The identity encodes as 32 zero bytes, and only it does. */
export function isIdentity(element: Element): boolean {
  return element.bytes.every((byte) => byte === 0);
}

/** a^e mod q by square-and-multiply, for the modular inverse through Fermat. */
export function invert(value: bigint): bigint {
  const a = mod(value);
  if (a === 0n) throw new CoinError('BAD_PARAMETERS', 'zero has no inverse');
  let result = 1n;
  let base = a;
  let e = GROUP_ORDER - 2n;
  while (e > 0n) {
    if (e & 1n) result = (result * base) % GROUP_ORDER;
    base = (base * base) % GROUP_ORDER;
    e >>= 1n;
  }
  return result;
}
