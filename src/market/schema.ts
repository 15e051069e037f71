import { CodecError, decodeExact, Reader, Writer } from '../codec/index.js';

/**
 * Small combinators over the canonical Writer/Reader so each record and action is declared once
 * as data and its TypeScript type is inferred from that declaration. Struct fields are written
 * in declaration order; unions carry their variant as one tag byte (the variant's position).
 */
export interface Codec<T> {
  write(writer: Writer, value: T): void;
  read(reader: Reader): T;
}

export type Infer<C> = C extends Codec<infer T> ? T : never;

export const u8: Codec<number> = { write: (w, v) => w.u8(v), read: (r) => r.u8() };
export const varuint: Codec<number> = { write: (w, v) => w.varuint(v), read: (r) => r.varuint() };
export const u64: Codec<number> = { write: (w, v) => w.u64(v), read: (r) => r.u64() };
export const u64Big: Codec<bigint> = { write: (w, v) => w.u64Big(v), read: (r) => r.u64Big() };
export const i64: Codec<bigint> = { write: (w, v) => w.i64Big(v), read: (r) => r.i64Big() };
export const bool: Codec<boolean> = {
  write: (w, v) => {
    if (typeof v !== 'boolean') throw wrongType('a boolean', v);
    w.bool(v);
  },
  read: (r) => r.bool(),
};

// Writers check JavaScript types too: an action built in memory must mean exactly what its
// canonical bytes say, or signing one thing and executing another would be possible.
function wrongType(expected: string, value: unknown): CodecError {
  return new CodecError('INVALID_VALUE', `expected ${expected}, got ${typeof value}`, { expected });
}

export function text(maxLength: number): Codec<string> {
  return {
    write: (w, v) => {
      if (typeof v !== 'string') throw wrongType('a string', v);
      if (v.length > maxLength) {
        throw new CodecError('OUT_OF_RANGE', `string longer than ${maxLength}`, { maxLength });
      }
      w.string(v);
    },
    read: (r) => {
      const at = r.position;
      const value = r.string(maxLength * 4);
      // The writer's limit holds for decoded strings too, so every accepted value re-encodes.
      if (value.length > maxLength) {
        throw new CodecError('OUT_OF_RANGE', `string at ${at} longer than ${maxLength}`, {
          offset: at,
          maxLength,
        });
      }
      return value;
    },
  };
}

export function fixed(length: number): Codec<Uint8Array> {
  return {
    write: (w, v) => {
      if (!(v instanceof Uint8Array)) throw wrongType(`${length} bytes`, v);
      w.fixedBytes(v, length);
    },
    read: (r) => r.fixedBytes(length),
  };
}

export const key32 = fixed(32);
export const hash32 = fixed(32);

export function list<T>(item: Codec<T>, maxCount: number): Codec<T[]> {
  return {
    write: (w, v) => {
      if (!Array.isArray(v)) throw wrongType('an array', v);
      if (v.length > maxCount)
        throw new CodecError('OUT_OF_RANGE', `more than ${maxCount} items`, { maxCount });
      w.array(v, (ww, x) => item.write(ww, x));
    },
    read: (r) => r.array((rr) => item.read(rr), maxCount),
  };
}

export function optional<T>(inner: Codec<T>): Codec<T | null> {
  return {
    write: (w, v) => w.optional(v, (ww, x) => inner.write(ww, x)),
    read: (r) => r.optional((rr) => inner.read(rr)),
  };
}

export function oneOf<const T extends string>(values: readonly T[]): Codec<T> {
  return {
    write: (w, v) => {
      const index = values.indexOf(v);
      if (index < 0) throw new CodecError('INVALID_VALUE', `unknown value ${String(v)}`, { value: v });
      w.u8(index);
    },
    read: (r) => {
      const at = r.position;
      const index = r.u8();
      if (index >= values.length) {
        throw new CodecError('INVALID_VALUE', `enum tag ${index} at ${at} is unknown`, { offset: at });
      }
      return values[index]!;
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: a shape is any record of codecs.
type Shape = Record<string, Codec<any>>;
type FromShape<S extends Shape> = { [K in keyof S]: Infer<S[K]> };

/**
 * Structs are compiled once into straight-line functions (field names come from this code, never
 * from input), so reading builds an object literal of fixed shape instead of growing one key by
 * key: the market decodes tens of thousands of records per cycle.
 */
export function struct<S extends Shape>(shape: S): Codec<FromShape<S>> {
  const names = Object.keys(shape);
  const codecs = names.map((name) => shape[name]!);
  const access = names.map((name) => JSON.stringify(name));
  const writeBody = names.map((_, i) => `c[${i}].write(w, v[${access[i]}]);`).join('\n');
  const readBody = `return {${names.map((_, i) => `${access[i]}: c[${i}].read(r)`).join(', ')}};`;
  const write = new Function('c', `return function write(w, v) {\n${writeBody}\n};`)(codecs);
  const read = new Function('c', `return function read(r) {\n${readBody}\n};`)(codecs);
  return { write, read } as Codec<FromShape<S>>;
}

type Variants = Record<string, Shape>;
export type UnionOf<V extends Variants> = { [K in keyof V]: { type: K } & FromShape<V[K]> }[keyof V];

/** A tagged union: `{type: name, ...fields}`, the tag byte being the variant's position. */
export function union<V extends Variants>(variants: V): Codec<UnionOf<V>> {
  const names = Object.keys(variants);
  const bodies = names.map((name) => struct(variants[name]!));
  return {
    write: (w, v) => {
      const index = names.indexOf(v.type as string);
      if (index < 0) throw new CodecError('INVALID_VALUE', `unknown variant ${String(v.type)}`, {});
      w.u8(index);
      bodies[index]!.write(w, v);
    },
    read: (r) => {
      const at = r.position;
      const index = r.u8();
      if (index >= names.length) {
        throw new CodecError('INVALID_VALUE', `variant tag ${index} at ${at} is unknown`, { offset: at });
      }
      return { type: names[index], ...bodies[index]!.read(r) } as UnionOf<V>;
    },
  };
}

/** Whole-value bytes with a leading version byte, decoded exactly (no trailing bytes). */
export function versioned<T>(version: number, codec: Codec<T>, what: string) {
  return {
    encode(value: T): Uint8Array {
      // Large enough for every record but the biggest lists, so the buffer rarely grows.
      const writer = new Writer(512);
      writer.u8(version);
      codec.write(writer, value);
      return writer.finish();
    },
    decode(bytes: Uint8Array): T {
      return decodeExact(bytes, (reader) => {
        reader.version([version], what);
        return codec.read(reader);
      });
    },
  };
}

/**
 * The bytes of `versioned(version, list(item, maxCount))` holding the items of `a` and then those
 * of `b`, each the bytes of such a record. A list is its count and then its items, so the items'
 * bytes are joined as they stand instead of being decoded and written again; the count is checked
 * against `maxCount` as the list's writer checks it.
 */
export function joinLists(
  version: number,
  maxCount: number,
  a: Uint8Array,
  b: Uint8Array,
  what: string,
): Uint8Array {
  const left = listParts(version, a, what);
  const right = listParts(version, b, what);
  const count = left.count + right.count;
  if (count > maxCount) throw new CodecError('OUT_OF_RANGE', `more than ${maxCount} items`, { maxCount });
  const writer = new Writer(10 + left.items.length + right.items.length);
  writer.u8(version);
  writer.varuint(count);
  writer.fixedBytes(left.items, left.items.length);
  writer.fixedBytes(right.items, right.items.length);
  return writer.finish();
}

function listParts(version: number, bytes: Uint8Array, what: string): { count: number; items: Uint8Array } {
  const reader = new Reader(bytes);
  reader.version([version], what);
  const count = reader.varuint();
  return { count, items: bytes.subarray(reader.position) };
}

// Views: codecs that read the same bytes as another codec but build less, for a reader that needs
// a few fields of many records. They only read; writing goes through the full codec.
function readOnly(what: string): (w: Writer, v: unknown) => void {
  return () => {
    throw new CodecError('INVALID_VALUE', `${what} is a view for reading; write the full record`, {});
  };
}

/** The bytes of `fixed(length)`, passed over. */
export function skipFixed(length: number): Codec<undefined> {
  return {
    write: readOnly('a skipped field'),
    read: (r) => {
      r.skip(length, 'fixed bytes');
      return undefined;
    },
  };
}

/** The bytes of `text(maxLength)`, passed over (their length bounded as the text's bytes are). */
export function skipText(maxLength: number): Codec<undefined> {
  return {
    write: readOnly('a skipped text'),
    read: (r) => {
      const at = r.position;
      const length = r.varuint();
      if (length > maxLength * 4) {
        throw new CodecError('OUT_OF_RANGE', `field at ${at} is ${length} bytes, limit ${maxLength * 4}`, {
          offset: at,
          length,
          maxLength: maxLength * 4,
        });
      }
      r.skip(length, 'text');
      return undefined;
    },
  };
}

/** The bytes of `key32` as the latin1 name a map keeps the key by (`keyString`), no array made. */
export const keyName: Codec<string> = { write: readOnly('a key name'), read: (r) => r.latin1(32) };

/** How many items a `list` holds, each passed over by `skipItem`. */
export function countOf(skipItem: (reader: Reader) => void, maxCount: number): Codec<number> {
  return {
    write: readOnly('a list count'),
    read: (r) => {
      const at = r.position;
      const count = r.varuint();
      if (count > maxCount || count > r.remaining) {
        throw new CodecError('OUT_OF_RANGE', `array at ${at} claims ${count} items`, { offset: at, count });
      }
      for (let i = 0; i < count; i++) skipItem(r);
      return count;
    },
  };
}

/**
 * A struct read through a view of some fields: each override reads the same bytes as the field it
 * replaces. The field order, hence the layout, stays the shape's (a spread keeps a key's place).
 */
export function projection<S extends Shape, O extends Partial<{ [K in keyof S]: Codec<unknown> }>>(
  shape: S,
  overrides: O,
): Codec<{ [K in keyof S]: K extends keyof O ? Infer<O[K]> : Infer<S[K]> }> {
  for (const name of Object.keys(overrides)) {
    if (!(name in shape)) throw new Error(`projection: ${name} is not a field of the shape`);
  }
  return struct({ ...shape, ...overrides } as Shape) as Codec<{
    [K in keyof S]: K extends keyof O ? Infer<O[K]> : Infer<S[K]>;
  }>;
}
