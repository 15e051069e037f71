import { CodecError } from './errors.js';

const textEncoder = new TextEncoder();
// With the u flag a string is read by code points, so only unpaired surrogates are in Cs.
const LONE_SURROGATE = /\p{Cs}/u;
const U64_MAX = (1n << 64n) - 1n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
/** Strings up to this length are tried as ASCII character by character. */
const SHORT_TEXT = 32;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/**
 * Canonical binary writer. Every value has exactly one encoding:
 * fixed-width integers are big-endian; lengths and counts are unsigned LEB128 varints in their
 * shortest form; booleans are 0x00 or 0x01; strings are UTF-8 with a varint byte length.
 * The Reader rejects anything else, so decode(encode(x)) = x and encode(decode(b)) = b.
 */
export class Writer {
  private buffer: Uint8Array;
  /** Made only for the 64-bit bigint fields: most records never need one, and each costs an allocation. */
  private view: DataView | null = null;
  private length = 0;

  constructor(initialCapacity = 256) {
    this.buffer = new Uint8Array(initialCapacity);
  }

  private dataView(): DataView {
    if (this.view === null) this.view = new DataView(this.buffer.buffer);
    return this.view;
  }

  /** Big-endian, `value` an integer in 0 … 2^32-1. */
  private put32(value: number): void {
    const buffer = this.buffer;
    const at = this.length;
    buffer[at] = value >>> 24;
    buffer[at + 1] = (value >>> 16) & 0xff;
    buffer[at + 2] = (value >>> 8) & 0xff;
    buffer[at + 3] = value & 0xff;
    this.length = at + 4;
  }

  private reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = null;
  }

  u8(value: number): this {
    checkInteger(value, 0, 0xff, 'u8');
    this.reserve(1);
    this.buffer[this.length++] = value;
    return this;
  }

  bool(value: boolean): this {
    return this.u8(value ? 1 : 0);
  }

  u16(value: number): this {
    checkInteger(value, 0, 0xffff, 'u16');
    this.reserve(2);
    this.buffer[this.length] = value >>> 8;
    this.buffer[this.length + 1] = value & 0xff;
    this.length += 2;
    return this;
  }

  u32(value: number): this {
    checkInteger(value, 0, 0xffffffff, 'u32');
    this.reserve(4);
    this.put32(value);
    return this;
  }

  /** A safe integer (0 … 2^53-1) as a fixed 8-byte big-endian field. */
  u64(value: number): this {
    checkInteger(value, 0, Number.MAX_SAFE_INTEGER, 'u64');
    // Two 32-bit halves: the same bytes as the bigint path, without a bigint per field.
    this.reserve(8);
    this.put32(Math.floor(value / 0x1_0000_0000));
    this.put32(value >>> 0);
    return this;
  }

  u64Big(value: bigint): this {
    if (value < 0n || value > U64_MAX) throw outOfRange('u64', value);
    this.reserve(8);
    if (value <= SAFE_MAX) {
      // Nonces and amounts are almost always safe integers: two 32-bit halves, no view needed.
      const number = Number(value);
      this.put32(Math.floor(number / 0x1_0000_0000));
      this.put32(number >>> 0);
      return this;
    }
    this.dataView().setBigUint64(this.length, value);
    this.length += 8;
    return this;
  }

  /** Signed 64-bit two's complement, for money balances that may go negative. */
  i64Big(value: bigint): this {
    if (value < I64_MIN || value > I64_MAX) throw outOfRange('i64', value);
    this.reserve(8);
    this.dataView().setBigInt64(this.length, value);
    this.length += 8;
    return this;
  }

  /** Unsigned LEB128 in its shortest form; safe integers only. */
  varuint(value: number): this {
    checkInteger(value, 0, Number.MAX_SAFE_INTEGER, 'varuint');
    this.reserve(8);
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.length++] = rest;
    return this;
  }

  /** Bytes whose length the schema fixes; no length prefix. */
  fixedBytes(bytes: Uint8Array, expectedLength: number): this {
    if (bytes.length !== expectedLength) {
      throw new CodecError('INVALID_VALUE', `expected ${expectedLength} bytes, got ${bytes.length}`, {
        expectedLength,
        length: bytes.length,
      });
    }
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  bytes(bytes: Uint8Array): this {
    this.varuint(bytes.length);
    return this.fixedBytes(bytes, bytes.length);
  }

  /**
   * UTF-8 with a varint byte length. A lone surrogate is refused: the encoder would write U+FFFD
   * for it, so the bytes would decode to another string than the one given.
   */
  string(value: string): this {
    // ASCII text is its own UTF-8 and holds no surrogate. Short text (ids, codes) is written
    // character by character, without an encoder's call or intermediate array.
    const count = value.length;
    if (count > SHORT_TEXT) {
      // Longer text (reasons, notes) through the encoder, which writes ASCII far faster than a
      // loop: every code unit fits in its own byte exactly when all `count` were read into
      // `count` bytes, and then the provisional length prefix is the byte length.
      const start = this.length;
      this.varuint(count);
      this.reserve(count);
      const { read, written } = textEncoder.encodeInto(
        value,
        this.buffer.subarray(this.length, this.length + count),
      );
      if (read === count && written === count) {
        this.length += count;
        return this;
      }
      this.length = start;
    } else {
      let ascii = true;
      for (let i = 0; i < count; i++) {
        if (value.charCodeAt(i) >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.varuint(count);
        this.reserve(count);
        const buffer = this.buffer;
        let at = this.length;
        for (let i = 0; i < count; i++) buffer[at++] = value.charCodeAt(i);
        this.length = at;
        return this;
      }
    }
    if (LONE_SURROGATE.test(value)) {
      throw new CodecError('INVALID_VALUE', 'string holds a lone UTF-16 surrogate', {});
    }
    return this.bytes(textEncoder.encode(value));
  }

  /** Absent as 0x00, present as 0x01 followed by the value. */
  optional<T>(value: T | null | undefined, write: (writer: this, value: T) => void): this {
    if (value === null || value === undefined) return this.u8(0);
    this.u8(1);
    write(this, value);
    return this;
  }

  array<T>(items: readonly T[], write: (writer: this, item: T) => void): this {
    this.varuint(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  /**
   * The bytes written so far. When they fill the buffer exactly (a writer sized to its record) the
   * buffer itself is returned rather than a copy: any later write would first move to a larger
   * buffer, so the array returned never changes.
   */
  finish(): Uint8Array {
    if (this.length === this.buffer.length) return this.buffer;
    return this.buffer.slice(0, this.length);
  }
}

/** Bytes the shortest LEB128 form of `value` takes: what `varuint` writes. */
export function varuintLength(value: number): number {
  let length = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) length++;
  return length;
}

function checkInteger(value: number, min: number, max: number, type: string): void {
  if (!Number.isInteger(value) || value < min || value > max) throw outOfRange(type, value);
}

function outOfRange(type: string, value: number | bigint): CodecError {
  return new CodecError('OUT_OF_RANGE', `${String(value)} does not fit ${type}`, {
    type,
    value: String(value),
  });
}
