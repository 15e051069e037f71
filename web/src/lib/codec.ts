/**
 * The ledger's canonical encoding (docs/LEDGER.md, "Canonical codec"), only as much of it as the
 * portal needs to re-hash a block header and read a transaction envelope: big-endian fixed-width
 * integers, minimal LEB128 lengths, length-prefixed bytes and UTF-8 strings.
 */
import { concatBytes, utf8 } from './hex.js';

export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}

// fatal: invalid UTF-8 is an error; ignoreBOM: a leading U+FEFF is kept, as the node's reader
// keeps it, so a decoded string re-encodes to the bytes that were read.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class Writer {
  private readonly parts: Uint8Array[] = [];

  u8(value: number): this {
    this.parts.push(Uint8Array.of(value));
    return this;
  }

  u32(value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value);
    this.parts.push(b);
    return this;
  }

  u64(value: number | bigint): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(value));
    this.parts.push(b);
    return this;
  }

  varuint(value: number): this {
    const out: number[] = [];
    let rest = value;
    while (rest >= 0x80) {
      out.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    out.push(rest);
    this.parts.push(Uint8Array.from(out));
    return this;
  }

  fixed(bytes: Uint8Array, length: number): this {
    if (bytes.length !== length) throw new CodecError(`expected ${length} bytes, got ${bytes.length}`);
    this.parts.push(bytes);
    return this;
  }

  bytes(bytes: Uint8Array): this {
    return this.varuint(bytes.length).fixed(bytes, bytes.length);
  }

  string(text: string): this {
    return this.bytes(utf8(text));
  }

  finish(): Uint8Array {
    return concatBytes(...this.parts);
  }
}

export class Reader {
  private at = 0;
  private readonly view: DataView;

  constructor(private readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  private need(n: number): number {
    if (this.at + n > this.data.length) throw new CodecError('input ends inside a field');
    const start = this.at;
    this.at += n;
    return start;
  }

  get position(): number {
    return this.at;
  }

  u8(): number {
    return this.data[this.need(1)]!;
  }

  u32(): number {
    return this.view.getUint32(this.need(4));
  }

  u64(): bigint {
    return this.view.getBigUint64(this.need(8));
  }

  varuint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const byte = this.u8();
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        if (i > 0 && byte === 0) throw new CodecError('non-minimal length');
        if (!Number.isSafeInteger(value)) throw new CodecError('length above 2^53-1');
        return value;
      }
      scale *= 0x80;
    }
    throw new CodecError('length too long');
  }

  fixed(n: number): Uint8Array {
    const start = this.need(n);
    return this.data.slice(start, start + n);
  }

  bytes(max: number): Uint8Array {
    const n = this.varuint();
    if (n > max) throw new CodecError(`length ${n} above ${max}`);
    return this.fixed(n);
  }

  string(max: number): string {
    return UTF8.decode(this.bytes(max));
  }

  end(): void {
    if (this.at !== this.data.length) throw new CodecError('trailing bytes after the record');
  }
}
