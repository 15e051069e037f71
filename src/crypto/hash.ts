import { hash as oneShotHash } from 'node:crypto';

/** Length in bytes of every digest used on chain (SHA-256 and SM3 alike). */
export const HASH_LENGTH = 32;

/**
 * One reusable input buffer per total length, for the short multi-part inputs that Merkle trees hash
 * (a prefix and two child hashes, a prefix, a path and a value hash). `crypto.hash` reads its input
 * synchronously and keeps nothing, so the buffers can be reused; a fresh one per call cost more
 * than the digest itself.
 */
const MAX_REUSED_INPUT = 256;
const inputBuffers: (Uint8Array | undefined)[] = [];

/** Parts up to this length are copied byte by byte: cheaper than `set` for a 32-byte hash. */
const SHORT_PART = 64;

function joined(parts: Uint8Array[]): Uint8Array {
  const count = parts.length;
  let length = 0;
  for (let i = 0; i < count; i++) length += parts[i]!.length;
  let data = length <= MAX_REUSED_INPUT ? inputBuffers[length] : undefined;
  if (data === undefined) {
    data = new Uint8Array(length);
    if (length <= MAX_REUSED_INPUT) inputBuffers[length] = data;
  }
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const part = parts[i]!;
    const partLength = part.length;
    if (partLength <= SHORT_PART) {
      for (let j = 0; j < partLength; j++) data[offset + j] = part[j]!;
    } else {
      data.set(part, offset);
    }
    offset += partLength;
  }
  return data;
}

/**
 * Hashes the concatenation of `parts` with the one-shot `crypto.hash`. The digest is asked for as a
 * 'binary' (latin1) string, one character per byte, and copied into a new array: on Node 20 that is several
 * times cheaper than asking for a Buffer, which allocates a fresh off-heap store per digest.
 */
function digest(algorithm: 'sha256' | 'sm3', parts: Uint8Array[]): Uint8Array {
  const text = oneShotHash(algorithm, parts.length === 1 ? parts[0]! : joined(parts), 'binary');
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

export function sha256(...parts: Uint8Array[]): Uint8Array {
  return digest('sha256', parts);
}

export function sm3(...parts: Uint8Array[]): Uint8Array {
  return digest('sm3', parts);
}

/** A digest of one input as a latin1 string: one character per byte, `charCodeAt(i)` = byte i. */
export type BinaryDigest = (data: Uint8Array) => string;

const binaryDigests = new Map<(...parts: Uint8Array[]) => Uint8Array, BinaryDigest>([
  [sha256, (data) => oneShotHash('sha256', data, 'binary')],
  [sm3, (data) => oneShotHash('sm3', data, 'binary')],
]);

/**
 * The same digest as `hash`, as a latin1 string. For SHA-256 and SM3 that is the digest as node:crypto
 * gives it, with no array made; any other function (a test's counting wrapper) is called and its
 * bytes converted. A structure that keeps many digests (the state tree) keeps them as strings: one
 * small heap object each instead of a typed array and its buffer, which the garbage collector
 * copies and traces at a fraction of the cost.
 */
export function binaryDigestOf(hash: (...parts: Uint8Array[]) => Uint8Array): BinaryDigest {
  return binaryDigests.get(hash) ?? ((data) => latin1(hash(data)));
}

/** Bytes as a latin1 string (the inverse of `latin1Bytes`). */
export function latin1(bytes: Uint8Array): string {
  if (bytes.length <= 256) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** A latin1 string as bytes (the inverse of `latin1`). */
export function latin1Bytes(text: string): Uint8Array {
  const length = text.length;
  if (length > 256) return new Uint8Array(Buffer.from(text, 'latin1'));
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex))
    throw new TypeError(`not a hex string: ${hex.slice(0, 16)}`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic byte order, the order of every sorted key set on chain. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}
