import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CodecError } from '../../src/codec/errors.js';
import { bytesEqual, sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { Prng } from '../../src/kit/prng.js';
import { decodeTransaction, encodeTransaction, signTransaction } from '../../src/ledger/transaction.js';

/**
 * Seeded mutation fuzzing of the transaction decoder. Each case draws from its own generator,
 * seeded from (seed, case index), so one failing case replays alone:
 *   GRIDSHARD_FUZZ_SEED=<seed> GRIDSHARD_FUZZ_FROM=<case> GRIDSHARD_FUZZ_COUNT=1 \
 *     node scripts/run-tests.mjs transaction-fuzz
 */
const SEED = Number(process.env.GRIDSHARD_FUZZ_SEED ?? 0x5eed_c0de) >>> 0;
const FROM = Number(process.env.GRIDSHARD_FUZZ_FROM ?? 0);
const COUNT = Number(process.env.GRIDSHARD_FUZZ_COUNT ?? 100_000);

const enc = (s: string) => new TextEncoder().encode(s);
const signer = ed25519Scheme.signer(sha256(enc('fuzz')));

/** Valid encodings to mutate: plain, multibyte, long and empty fields, extreme numbers. */
const corpus: Uint8Array[] = [
  { chainId: 'c1', shardId: 0, type: 'kv.put', payload: enc('p'), nonce: 0n },
  {
    chainId: 'grid-north',
    shardId: 7,
    type: 'market.order',
    payload: new Uint8Array(200).fill(0xab),
    nonce: 99n,
  },
  {
    chainId: 'é',
    shardId: 0xffffffff,
    type: '\u{1F50C}',
    payload: new Uint8Array(0),
    nonce: (1n << 64n) - 1n,
  },
  {
    chainId: 'x'.repeat(64),
    shardId: 1,
    type: 't'.repeat(64),
    payload: new Uint8Array(130).fill(0x80),
    nonce: 128n,
  },
  { chainId: 'c\uFEFF', shardId: 2, type: 'ü', payload: enc('\uFEFFbom inside payload'), nonce: 1n << 40n },
].map((tx) => encodeTransaction(signTransaction(signer, tx)));

// Byte sequences a lenient UTF-8 or varint reader would take.
const HOSTILE: readonly number[][] = [
  [0xef, 0xbb, 0xbf], // byte-order mark
  [0xc0, 0x80], // overlong NUL
  [0xc1, 0xbf],
  [0xe0, 0x80, 0xaf], // overlong '/'
  [0xf0, 0x80, 0x80, 0xaf],
  [0xed, 0xa0, 0x80], // a surrogate
  [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
  [0xef, 0xbf, 0xbd], // U+FFFD itself (valid: must survive the round trip)
  [0x80], // a varint continuation
  [0x00],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], // overlong varint
];

function randomBytes(prng: Prng, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = prng.int(256);
  return out;
}

/** `bytes` with `remove` bytes at `at` replaced by `insert`, as a new array. */
function splice(bytes: Uint8Array, at: number, remove: number, insert: ArrayLike<number>): Uint8Array {
  const cut = Math.min(remove, bytes.length - at);
  const out = new Uint8Array(bytes.length - cut + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at + cut), at + insert.length);
  return out;
}

/** One mutation of `input`; the result may or may not be a valid transaction. */
function mutate(prng: Prng, input: Uint8Array): Uint8Array {
  const at = prng.int(input.length + 1);
  const last = Math.max(0, Math.min(at, input.length - 1));
  switch (prng.int(10)) {
    case 0:
      return splice(input, last, 1, [input[last]! ^ (1 << prng.int(8))]);
    case 1:
      return splice(input, last, 1, [prng.int(256)]);
    case 2:
      return splice(input, at, 0, randomBytes(prng, prng.range(1, 4)));
    case 3:
      return splice(input, at, prng.range(1, 4), []);
    case 4:
      return input.slice(0, at);
    case 5: {
      const other = prng.pick(corpus);
      return splice(input, at, input.length, other.subarray(prng.int(other.length + 1)));
    }
    case 6:
      return splice(input, at, 0, prng.pick(HOSTILE));
    case 7: {
      // A hostile sequence inside the chain id, its length (byte 1) adjusted to match, so the
      // input reaches the UTF-8 decoder rather than failing a length check.
      const extra = prng.pick(HOSTILE);
      const length = input[1] ?? 0;
      if (input.length < 2 || length + extra.length >= 0x80) return input;
      const out = splice(input, 2 + prng.int(Math.min(length, input.length - 2) + 1), 0, extra);
      out[1] = length + extra.length;
      return out;
    }
    case 8:
      // A length or count written non-minimally: 0x0n becomes 0x8n 0x00.
      if (input.length === 0 || input[last]! >= 0x80) return input;
      return splice(input, last, 1, [input[last]! | 0x80, 0x00]);
    default:
      return splice(input, input.length, 0, randomBytes(prng, prng.range(1, 3)));
  }
}

function caseInput(index: number): Uint8Array {
  const prng = new Prng((SEED ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  let bytes = prng.pick(corpus);
  const rounds = prng.range(1, 3);
  for (let r = 0; r < rounds; r++) bytes = mutate(prng, bytes);
  return bytes;
}

function replay(index: number): string {
  return `GRIDSHARD_FUZZ_SEED=${SEED} GRIDSHARD_FUZZ_FROM=${index} GRIDSHARD_FUZZ_COUNT=1 node scripts/run-tests.mjs transaction-fuzz`;
}

describe('transaction decoder fuzzing', () => {
  it(`accepts only exact encodings and throws only CodecError (seed ${SEED}, ${COUNT} cases)`, (t) => {
    let accepted = 0;
    const refusals = new Map<string, number>();
    // Refusals are the common case here; a stack trace for each would dominate the run.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      for (let index = FROM; index < FROM + COUNT; index++) {
        const input = caseInput(index);
        let encoded: Uint8Array;
        try {
          encoded = encodeTransaction(decodeTransaction(input, ed25519Scheme));
        } catch (error) {
          if (!(error instanceof CodecError)) {
            assert.fail(
              `case ${index}: ${String(error)} for input ${toHex(input)}\nreplay: ${replay(index)}`,
            );
          }
          refusals.set(error.code, (refusals.get(error.code) ?? 0) + 1);
          continue;
        }
        accepted++;
        if (!bytesEqual(encoded, input)) {
          assert.fail(
            `case ${index}: accepted ${toHex(input)} re-encodes to ${toHex(encoded)}\nreplay: ${replay(index)}`,
          );
        }
      }
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    t.diagnostic(`${accepted} accepted; refused: ${JSON.stringify(Object.fromEntries(refusals))}`);
    // The mutations reach both sides of the decoder, and every kind of refusal.
    if (COUNT >= 10_000) {
      assert.ok(accepted > COUNT / 100, `only ${accepted} mutated inputs decoded`);
      for (const code of [
        'UNEXPECTED_END',
        'TRAILING_BYTES',
        'NON_MINIMAL',
        'UNKNOWN_VERSION',
        'INVALID_VALUE',
      ]) {
        assert.ok((refusals.get(code) ?? 0) > 0, `no input was refused with ${code}`);
      }
    }
  });
});
