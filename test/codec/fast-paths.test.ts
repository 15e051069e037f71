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
    assert.throws(
      () => new Writer().string('\ud800'),
      (error) => error instanceof CodecError && error.code === 'INVALID_VALUE',
    );
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
