import { CodecError } from './errors.js';

// fatal: invalid, overlong and surrogate sequences are errors, never U+FFFD. ignoreBOM: a leading
// U+FEFF is kept as a character rather than silently dropped, so the decoded string re-encodes
// to exactly the bytes that were read (a dropped mark would give one value two encodings).
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Strings up to this many bytes are tried as ASCII first. */
const ASCII_RUN = 256;

/**
 * Canonical binary reader, the inverse of Writer. It refuses truncated input, trailing bytes
 * (through `end()`), varints longer than needed, booleans other than 0/1 and invalid UTF-8 (with
 * no byte-order mark stripped), so that every accepted byte string is the one encoding of its value.
 */
export class Reader {
  private offset = 0;
  /** Made only for the signed 64-bit field: most records never need one, and each costs an allocation. */
  private view: DataView | null = null;

  constructor(private readonly bytes: Uint8Array) {}

  /** Big-endian u32 at `at` (bounds already checked). */
  private get32(at: number): number {
    const bytes = this.bytes;
    return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private need(count: number, what: string): void {
    if (this.remaining < count) {
      throw new CodecError('UNEXPECTED_END', `input ends inside ${what} at byte ${this.offset}`, {
        offset: this.offset,
        what,
      });
    }
  }

  u8(): number {
    this.need(1, 'u8');
    return this.bytes[this.offset++]!;
  }

  bool(): boolean {
    const at = this.offset;
    const value = this.u8();
    if (value > 1) throw new CodecError('INVALID_VALUE', `boolean byte ${value} at ${at}`, { offset: at });
    return value === 1;
  }

  u16(): number {
    this.need(2, 'u16');
    const value = (this.bytes[this.offset]! << 8) | this.bytes[this.offset + 1]!;
    this.offset += 2;
    return value;
  }

  u32(): number {
    this.need(4, 'u32');
    const value = this.get32(this.offset);
    this.offset += 4;
    return value;
  }

  u64(): number {
    const at = this.offset;
    this.need(8, 'u64');
    // Read as two 32-bit halves; above 2^53-1 exactly when the high half exceeds 21 bits.
    const high = this.get32(at);
    if (high > 0x1f_ffff) {
      throw new CodecError('OUT_OF_RANGE', `u64 at ${at} exceeds 2^53-1`, { offset: at });
    }
    const value = high * 0x1_0000_0000 + this.get32(at + 4);
    this.offset += 8;
    return value;
  }

  u64Big(): bigint {
    this.need(8, 'u64');
    const high = this.get32(this.offset);
    const low = this.get32(this.offset + 4);
    // Below 2^53 the number is exact; only larger values need bigint arithmetic.
    const value =
      high <= 0x1f_ffff ? BigInt(high * 0x1_0000_0000 + low) : (BigInt(high) << 32n) | BigInt(low);
    this.offset += 8;
    return value;
  }

  i64Big(): bigint {
    this.need(8, 'i64');
    if (this.view === null) {
      this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    }
    const value = this.view.getBigInt64(this.offset);
    this.offset += 8;
    return value;
  }

  varuint(): number {
    const start = this.offset;
    let value = 0;
    let scale = 1;
    for (let index = 0; ; index++) {
      if (index >= 8)
        throw new CodecError('OUT_OF_RANGE', `varint at ${start} is too long`, { offset: start });
      const byte = this.u8();
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        // A final zero byte after the first means a shorter encoding existed.
        if (byte === 0 && index > 0) {
          throw new CodecError('NON_MINIMAL', `varint at ${start} is not in its shortest form`, {
            offset: start,
          });
        }
        break;
      }
      scale *= 0x80;
    }
    if (!Number.isSafeInteger(value)) {
      throw new CodecError('OUT_OF_RANGE', `varint at ${start} exceeds 2^53-1`, { offset: start });
    }
    return value;
  }

  fixedBytes(length: number): Uint8Array {
    // The message is built only when it is needed: keys are read by the million.
    if (this.remaining < length) this.need(length, `${length} bytes`);
    // A copy even when the input is a Buffer (whose own slice would alias it).
    const out = Uint8Array.prototype.slice.call(this.bytes, this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  /** Moves past `length` bytes a view of the record does not need. */
  skip(length: number, what: string): void {
    this.need(length, what);
    this.offset += length;
  }

  /**
   * `length` bytes as a latin1 string (one character per byte), the name a map keeps a key by,
   * without the copy `fixedBytes` makes.
   */
  latin1(length: number): string {
    if (this.remaining < length) this.need(length, `${length} bytes`);
    const at = this.offset;
    this.offset += length;
    return Buffer.prototype.latin1Slice.call(this.bytes, at, at + length) as string;
  }

  bytesField(maxLength = Number.MAX_SAFE_INTEGER): Uint8Array {
    const at = this.offset;
    const length = this.varuint();
    if (length > maxLength) {
      throw new CodecError('OUT_OF_RANGE', `field at ${at} is ${length} bytes, limit ${maxLength}`, {
        offset: at,
        length,
        maxLength,
      });
    }
    return this.fixedBytes(length);
  }

  string(maxLength = Number.MAX_SAFE_INTEGER): string {
    const at = this.offset;
    const length = this.varuint();
    // Empty reasons and notes are common in records; they need no decoding.
    if (length === 0) return '';
    if (length <= ASCII_RUN && length <= maxLength && length <= this.remaining) {
      // ASCII bytes are valid UTF-8 and decode to the characters of the same codes.
      const bytes = this.bytes;
      const start = this.offset;
      let ascii = true;
      for (let i = start; i < start + length; i++) {
        if (bytes[i]! >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.offset += length;
        return String.fromCharCode.apply(null, bytes.subarray(start, start + length) as unknown as number[]);
      }
    }
    this.offset = at;
    const raw = this.bytesField(maxLength);
    try {
      return textDecoder.decode(raw);
    } catch {
      throw new CodecError('INVALID_VALUE', `string at ${at} is not valid UTF-8`, { offset: at });
    }
  }

  optional<T>(read: (reader: this) => T): T | null {
    return this.bool() ? read(this) : null;
  }

  array<T>(read: (reader: this) => T, maxCount = Number.MAX_SAFE_INTEGER): T[] {
    const at = this.offset;
    const count = this.varuint();
    // Each element takes at least one byte, so a count beyond what remains is malformed input.
    if (count > maxCount || count > this.remaining) {
      throw new CodecError('OUT_OF_RANGE', `array at ${at} claims ${count} items`, { offset: at, count });
    }
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(read(this));
    return items;
  }

  /** Reads a version byte and refuses versions this build does not know. */
  version(supported: readonly number[], what: string): number {
    const at = this.offset;
    const version = this.u8();
    if (!supported.includes(version)) {
      throw new CodecError('UNKNOWN_VERSION', `${what} version ${version} is not supported`, {
        offset: at,
        version,
        what,
      });
    }
    return version;
  }

  /** Call after the last field: trailing bytes make the input non-canonical. */
  end(): void {
    if (this.remaining !== 0) {
      throw new CodecError('TRAILING_BYTES', `${this.remaining} trailing bytes after offset ${this.offset}`, {
        offset: this.offset,
        trailing: this.remaining,
      });
    }
  }
}

/** Decodes a whole byte string with `read`, insisting that nothing is left over. */
export function decodeExact<T>(bytes: Uint8Array, read: (reader: Reader) => T): T {
  const reader = new Reader(bytes);
  const value = read(reader);
  reader.end();
  return value;
}
