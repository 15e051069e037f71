import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CodecError, decodeExact, Reader, Writer } from '../../src/codec/index.js';

describe('codec fast paths give the general encoding', () => {
  it('writes u64 numbers as their 8-byte big-endian bigint', () => {
    for (const value of [0, 1, 255, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 1_700_000_000_000, 2 ** 53 - 1]) {
      const bytes = new Writer(8).u64(value).finish();
      assert.deepEqual(bytes, new Writer(8).u64Big(BigInt(value)).finish());
      assert.equal(
        decodeExact(bytes, (r) => r.u64()),
        value,
      );
    }
  });

  it('writes and reads u16, u32 and u64 bigints as DataView does, on both sides of 2^53', () => {
    const u16s = [0, 1, 0xff, 0x100, 0xfffe, 0xffff];
    const u32s = [0, 1, 0xff, 0x100, 0xffff, 0x1_0000, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff];
    const u64s = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];
    for (const value of u16s) {
      const expected = new Uint8Array(2);
      new DataView(expected.buffer).setUint16(0, value);
      const bytes = new Writer(1).u16(value).finish();
      assert.deepEqual(bytes, expected);
      assert.equal(
        decodeExact(bytes, (r) => r.u16()),
        value,
      );
    }
    for (const value of u32s) {
      const expected = new Uint8Array(4);
      new DataView(expected.buffer).setUint32(0, value);
      // An odd offset, read from a view into a larger buffer.
      const bytes = new Writer(1).u8(7).u32(value).finish();
      assert.deepEqual(bytes.subarray(1), expected);
      const shifted = new Uint8Array(bytes.length + 3).fill(0xee);
      shifted.set(bytes, 3);
      const reader = new Reader(shifted.subarray(3));
      assert.equal(reader.u8(), 7);
      assert.equal(reader.u32(), value);
    }
    for (const value of u64s) {
      const expected = new Uint8Array(8);
      new DataView(expected.buffer).setBigUint64(0, value);
      const bytes = new Writer(1).u64Big(value).finish();
      assert.deepEqual(bytes, expected);
      assert.equal(
        decodeExact(bytes, (r) => r.u64Big()),
        value,
      );
    }
  });

  it('refuses a u64 above 2^53-1 at the same offset as before', () => {
    for (const big of [2n ** 53n, 2n ** 64n - 1n]) {
      const bytes = new Writer(8).u64Big(big).finish();
      assert.throws(
        () => new Reader(bytes).u64(),
        (error) => error instanceof CodecError && error.code === 'OUT_OF_RANGE',
      );
    }
    assert.throws(
      () => new Reader(new Uint8Array(7)).u64(),
      (error) => error instanceof CodecError && error.code === 'UNEXPECTED_END',
    );
  });

  it('writes and reads strings, ASCII or not, as UTF-8 with a varint length', () => {
    const encoder = new TextEncoder();
    for (const text of [
      '',
      'day-1/12345',
      'x'.repeat(256),
      'y'.repeat(300),
      'Grüße',
      '€ 5',
      '😀',
      'a\u0000b',
      // Around and past the length where text goes through the encoder's fast path; non-ASCII
      // late in a long string, and byte lengths whose varint is longer than the character count's.
      'z'.repeat(32),
      'z'.repeat(33),
      'é'.repeat(40),
      `${'a'.repeat(100)}é`,
      `${'a'.repeat(126)}€`,
      `${'b'.repeat(60)}😀${'c'.repeat(60)}`,
    ]) {
      const utf8 = encoder.encode(text);
      const expected = new Writer(8).varuint(utf8.length).finish();
      const bytes = new Writer(4).string(text).finish();
      assert.deepEqual(bytes, Uint8Array.from([...expected, ...utf8]));
      assert.equal(
        decodeExact(bytes, (r) => r.string()),
        text,
      );
    }
    for (const lone of ['\ud800', `${'a'.repeat(50)}\udc00`, `\ud800${'a'.repeat(50)}`]) {
      assert.throws(
        () => new Writer().string(lone),
        (error) => error instanceof CodecError && error.code === 'INVALID_VALUE',
      );
    }
    // An ASCII string beyond the reader's limit is refused as before.
    const long = new Writer().string('abcdef').finish();
    assert.throws(
      () => new Reader(long).string(3),
      (error) => error instanceof CodecError && error.code === 'OUT_OF_RANGE',
    );
    // A length beyond the input ends inside the field.
    assert.throws(
      () => new Reader(Uint8Array.from([5, 0x61, 0x62])).string(),
      (error) => error instanceof CodecError && error.code === 'UNEXPECTED_END',
    );
  });
});
