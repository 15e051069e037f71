import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Reader } from '../../src/codec/reader.js';
import { Writer } from '../../src/codec/writer.js';

const field = (...bytes: number[]) => new Uint8Array([bytes.length, ...bytes]);
const readString = (bytes: Uint8Array) => {
  const reader = new Reader(bytes);
  const value = reader.string();
  reader.end();
  return value;
};

describe('string fields', () => {
  it('keep a leading byte-order mark, so the value re-encodes to the bytes read', () => {
    const bytes = field(0xef, 0xbb, 0xbf, 0x63, 0x31);
    const value = readString(bytes);
    assert.equal(value, '\uFEFFc1');
    assert.deepEqual(new Writer().string(value).finish(), bytes);
    // Two marks: the decoder must not drop the first either.
    const twice = field(0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf);
    assert.deepEqual(new Writer().string(readString(twice)).finish(), twice);
  });

  it('refuse overlong forms, surrogates, stray continuation bytes and truncated sequences', () => {
    const bad = [
      field(0xc0, 0x80), // overlong NUL
      field(0xc1, 0xbf), // overlong '?'
      field(0xe0, 0x80, 0xaf), // overlong '/'
      field(0xf0, 0x80, 0x80, 0xaf), // four-byte overlong '/'
      field(0xed, 0xa0, 0x80), // a UTF-16 surrogate written as UTF-8
      field(0xf4, 0x90, 0x80, 0x80), // beyond U+10FFFF
      field(0x80), // continuation byte alone
      field(0xe2, 0x82), // truncated sequence
      field(0xff),
    ];
    for (const bytes of bad) {
      assert.throws(
        () => readString(bytes),
        { name: 'CodecError', code: 'INVALID_VALUE' },
        String([...bytes]),
      );
    }
  });

  it('refuse to write a lone surrogate, which would be written as U+FFFD and read back as another string', () => {
    assert.throws(() => new Writer().string('a\uD800b'), { name: 'CodecError', code: 'INVALID_VALUE' });
    assert.throws(() => new Writer().string('\uDC00'), { name: 'CodecError', code: 'INVALID_VALUE' });
    const pair = '\u{1F50C}';
    assert.equal(readString(new Writer().string(pair).finish()), pair);
  });
});
