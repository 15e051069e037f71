/** Hex and byte helpers shared by the verifiers and the key code; no DOM, so tests run them in Node. */

const HEX = /^(?:[0-9a-f]{2})*$/;

export class HexError extends Error {
  constructor(readonly field: string) {
    super(`${field} is not lowercase hex of whole bytes`);
    this.name = 'HexError';
  }
}

export function fromHex(hex: string, field = 'value'): Uint8Array {
  if (typeof hex !== 'string' || !HEX.test(hex)) throw new HexError(field);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A copy on a plain ArrayBuffer, the only kind WebCrypto's types accept. */
export const own = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes);
