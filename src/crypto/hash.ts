import { hash as oneShotHash } from 'node:crypto';

/** Length in bytes of every digest used on chain (SHA-256 and SM3 alike). */
export const HASH_LENGTH = 32;

/**
 * Hashes the concatenation of `parts`. The one-shot `crypto.hash` over one joined buffer costs about
 * half of a streaming createHash/update/digest for the short inputs that Merkle trees hash.
 */
function digest(algorithm: 'sha256' | 'sm3', parts: Uint8Array[]): Uint8Array {
  let data: Uint8Array;
  if (parts.length === 1) data = parts[0]!;
  else {
    let length = 0;
    for (const part of parts) length += part.length;
    data = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) {
      data.set(part, offset);
      offset += part.length;
    }
  }
  const out = oneShotHash(algorithm, data, 'buffer');
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export function sha256(...parts: Uint8Array[]): Uint8Array {
  return digest('sha256', parts);
}

export function sm3(...parts: Uint8Array[]): Uint8Array {
  return digest('sm3', parts);
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
