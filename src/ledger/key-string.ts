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
  const length = key.length;
  // Short keys: a loop into a small array beats a Buffer and the copy out of it.
  if (length <= 256) {
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) bytes[i] = key.charCodeAt(i);
    return bytes;
  }
  return new Uint8Array(Buffer.from(key, 'latin1'));
}
