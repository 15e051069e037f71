/**
 * Keys as latin1 strings: one UTF-16 unit per byte, so JavaScript string order is byte order and
 * a Map can hold them without hex's doubling.
 */
export function keyString(key: Uint8Array): string {
  // Short keys (all of the market's) convert fastest through fromCharCode.
  if (key.length <= 256) return String.fromCharCode.apply(null, key as unknown as number[]);
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

export function keyBytes(key: string): Uint8Array {
  return new Uint8Array(Buffer.from(key, 'latin1'));
}
