import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CodecError, decodeExact, Reader, Writer } from '../../src/codec/index.js';

describe('varuint', () => {
  it('round-trips boundary values in their shortest form', () => {
    for (const value of [0, 1, 127, 128, 16383, 16384, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      const bytes = new Writer().varuint(value).finish();
      assert.equal(
        decodeExact(bytes, (r) => r.varuint()),
        value,
      );
    }
  });

  it('rejects a padded encoding of a small number', () => {
    const padded = new Uint8Array([0x81, 0x00]);
    assert.throws(
      () => new Reader(padded).varuint(),
      (e: unknown) => e instanceof CodecError && e.code === 'NON_MINIMAL',
    );
  });

  it('rejects trailing bytes', () => {
    const bytes = new Uint8Array([0x05, 0x00]);
    assert.throws(
      () => decodeExact(bytes, (r) => r.varuint()),
      (e: unknown) => e instanceof CodecError && e.code === 'TRAILING_BYTES',
    );
  });
});
