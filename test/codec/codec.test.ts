import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeExact, type Reader, Writer } from '../../src/codec/index.js';
import { Prng } from '../../src/kit/prng.js';

interface Sample {
  flag: boolean;
  small: number;
  medium: number;
  wide: number;
  big: bigint;
  signed: bigint;
  count: number;
  blob: Uint8Array;
  text: string;
  maybe: number | null;
  list: number[];
}

function write(sample: Sample): Uint8Array {
  return new Writer(8)
    .u8(1)
    .bool(sample.flag)
    .u8(sample.small)
    .u16(sample.medium)
    .u32(sample.wide)
    .u64Big(sample.big)
    .i64Big(sample.signed)
    .varuint(sample.count)
    .bytes(sample.blob)
    .string(sample.text)
    .optional(sample.maybe, (w, v) => w.u32(v))
    .array(sample.list, (w, v) => w.varuint(v))
    .finish();
}

function read(reader: Reader): Sample {
  reader.version([1], 'sample');
  return {
    flag: reader.bool(),
    small: reader.u8(),
    medium: reader.u16(),
    wide: reader.u32(),
    big: reader.u64Big(),
    signed: reader.i64Big(),
    count: reader.varuint(),
    blob: reader.bytesField(1024),
    text: reader.string(1024),
    maybe: reader.optional((r) => r.u32()),
    list: reader.array((r) => r.varuint(), 64),
  };
}

describe('canonical codec', () => {
  it('round-trips 500 seeded random records byte for byte', () => {
    const random = new Prng(42);
    const words = ['kWh', 'Wh', '电力', 'ünïcode', '', 'bus 18'];
    for (let i = 0; i < 500; i++) {
      const sample: Sample = {
        flag: random.int(2) === 1,
        small: random.int(256),
        medium: random.int(65536),
        wide: random.int(2 ** 32),
        big: BigInt(random.int(2 ** 30)) * BigInt(random.int(2 ** 30)) * 16n,
        signed: BigInt(random.int(2 ** 31)) * BigInt(random.int(2) === 0 ? -1 : 1),
        count: random.int(2 ** 40),
        blob: Uint8Array.from({ length: random.int(40) }, () => random.int(256)),
        text: words[random.int(words.length)]!,
        maybe: random.int(2) === 0 ? null : random.int(1000),
        list: Array.from({ length: random.int(10) }, () => random.int(100_000)),
      };
      const bytes = write(sample);
      const decoded = decodeExact(bytes, read);
      assert.deepEqual(decoded, sample);
      assert.deepEqual(write(decoded), bytes);
    }
  });

  it('rejects each malformed input with its own code', () => {
    const good = write({
      flag: true,
      small: 1,
      medium: 2,
      wide: 3,
      big: 4n,
      signed: -5n,
      count: 6,
      blob: new Uint8Array([7]),
      text: 'x',
      maybe: null,
      list: [],
    });
    const expectCode = (bytes: Uint8Array, code: string) =>
      assert.throws(() => decodeExact(bytes, read), { code });
    expectCode(new Uint8Array([...good, 0]), 'TRAILING_BYTES');
    expectCode(good.subarray(0, good.length - 1), 'UNEXPECTED_END');
    expectCode(new Uint8Array([2, ...good.subarray(1)]), 'UNKNOWN_VERSION');
    const badBool = good.slice();
    badBool[1] = 2;
    expectCode(badBool, 'INVALID_VALUE');
    const badUtf8 = new Writer().u8(0xc3).finish(); // a lone lead byte
    assert.throws(() => decodeExact(new Writer().bytes(badUtf8).finish(), (r) => r.string()), {
      code: 'INVALID_VALUE',
    });
    assert.throws(
      () => decodeExact(new Writer().bytes(new Uint8Array(10)).finish(), (r) => r.bytesField(4)),
      {
        code: 'OUT_OF_RANGE',
      },
    );
    assert.throws(() => decodeExact(new Writer().u64Big(2n ** 60n).finish(), (r) => r.u64()), {
      code: 'OUT_OF_RANGE',
    });
    assert.throws(() => decodeExact(new Uint8Array([0x80, 0x80, 0x80]), (r) => r.varuint()), {
      code: 'UNEXPECTED_END',
    });
    assert.throws(() => new Writer().u8(256), { name: 'CodecError' });
    assert.throws(() => new Writer().varuint(-1), { name: 'CodecError' });
  });
});
