import {
  CACHED_BYTES,
  type EdwardsExports,
  EXTENDED_BYTES,
  generateEdwardsModule,
  NIELS_BYTES,
} from './edwards-module.js';
import { ELEMENT_BYTES, ELEMENT_LIMBS, Layout, limbsOf25519, valueOf25519 } from './field-25519.js';
import { instantiate } from './module-writer.js';
import { ScalarDigits } from './scalar-digits.js';

/**
 * The Ed25519 verification equation on the generated WebAssembly arithmetic: whether
 * [S]B + [k]P encodes to R, with P = −A. Everything it sees is public and it branches on the
 * scalars' digits, so it must never see a secret; signing stays in node:crypto.
 *
 * - [S]B uses a fixed-window table of the base point (8-bit signed windows: 33 additions, no
 *   doubling), built once.
 * - [k]P uses a width-5 NAF of k over P, 3P, …, 15P (about 253 doublings, those before another
 *   doubling without T, and 43 additions) or, for
 *   a key that earned one (`buildKeyTable`), a 5-bit fixed-window table (53 additions, 102 KB; 12 %
 *   more verifications per second than 4 bits at 62 KB, measured; 10-bit windows for B gained
 *   nothing over 8).
 * - The comparison checks y by Y = y_R·Z and, only when that holds, x's parity after one inversion.
 */

export const ED25519_P = (1n << 255n) - 19n;
/** d = −121665/121666 mod p (RFC 8032 §5.1). */
export const ED25519_D = 37095705934669439343138083508754565189542113879843219016388785533085940283555n;
export const ED25519_BASE = {
  x: 15112221349535400772501151409588531511454012693041857206046113283949847762202n,
  y: 46316835694926478169428394003475163141307993866256225615783033603165251855960n,
} as const;

const BASE_WINDOW_BITS = 8;
const KEY_WINDOW_BITS = 5;
const NAF_WIDTH = 5;
const NAF_POINTS = 1 << (NAF_WIDTH - 2); // P, 3P, …, 15P
const PAGE = 65536;

/** Bytes of one key's table; the caller sizes its slot count with it. */
export const KEY_TABLE_BYTES = tableBytes(KEY_WINDOW_BITS);

interface FixedTable {
  readonly address: number;
  readonly windowBits: number;
  readonly windows: number;
}

function windowsFor(bits: number): number {
  return Math.ceil(ScalarDigits.BITS / bits) + 1;
}

function tableBytes(bits: number): number {
  return windowsFor(bits) * (1 << (bits - 1)) * NIELS_BYTES;
}

export class Ed25519Engine {
  readonly keyTableSlots: number;
  private readonly wasm: EdwardsExports;
  private readonly words: Uint32Array;
  private readonly baseTable: FixedTable;
  private readonly keyTablesAddress: number;
  private readonly accumulator: number;
  private readonly negated: number;
  private readonly cached: number;
  private readonly nafTable: number;
  /** Four field elements of scratch for the final comparison and the inversion. */
  private readonly element: number;
  private readonly buildPoints: number;
  private readonly buildPrefixes: number;
  private readonly scalar = new ScalarDigits();

  constructor(keyTableSlots: number) {
    this.keyTableSlots = keyTableSlots;
    const baseBytes = tableBytes(BASE_WINDOW_BITS);
    const largestTablePoints = baseBytes / NIELS_BYTES;
    let next = Layout.dataStart;
    const take = (bytes: number): number => {
      const at = next;
      next += bytes;
      return at;
    };
    this.accumulator = take(EXTENDED_BYTES);
    this.negated = take(CACHED_BYTES);
    this.cached = take(CACHED_BYTES);
    this.nafTable = take(NAF_POINTS * CACHED_BYTES);
    this.element = take(8 * ELEMENT_BYTES);
    this.buildPoints = take(largestTablePoints * EXTENDED_BYTES);
    this.buildPrefixes = take(largestTablePoints * ELEMENT_BYTES);
    this.baseTable = {
      address: take(baseBytes),
      windowBits: BASE_WINDOW_BITS,
      windows: windowsFor(BASE_WINDOW_BITS),
    };
    this.keyTablesAddress = take(keyTableSlots * KEY_TABLE_BYTES);

    this.wasm = instantiate(generateEdwardsModule(Math.ceil(next / PAGE))) as EdwardsExports;
    this.words = new Uint32Array(this.wasm.memory.buffer);
    this.writeField(Layout.one, 1n);
    this.writeField(Layout.curveConstant, (2n * ED25519_D) % ED25519_P);
    this.buildFixedTable(ED25519_BASE.x, ED25519_BASE.y, this.baseTable);
  }

  /** Builds the 4-bit table of the point (x, y) into slot `slot` (a key verified often). */
  buildKeyTable(slot: number, x: bigint, y: bigint): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.keyTableSlots) {
      throw new RangeError(`key table slot ${slot} outside 0..${this.keyTableSlots - 1}`);
    }
    this.buildFixedTable(x, y, this.keyTable(slot));
  }

  /**
   * Whether [s]B + [k]P encodes to `encoding` (RFC 8032: y little-endian, x's parity in the top
   * bit). s: 32 bytes little-endian; 0 ≤ k < 2^256; P = (px, py) a point of the curve; `slot`, when
   * given, names P's table. False for an encoding whose y is not below p.
   */
  sumEncodes(
    s: Uint8Array,
    k: bigint,
    px: bigint,
    py: bigint,
    slot: number | undefined,
    encoding: Uint8Array,
  ): boolean {
    const acc = this.accumulator;
    if (slot === undefined) this.multiplyByNaf(acc, px, py, k);
    else {
      this.setIdentity(acc);
      this.scalar.load(k);
      this.addFixed(acc, this.keyTable(slot));
    }
    this.scalar.loadBytes(s);
    this.addFixed(acc, this.baseTable);
    return this.encodes(acc, encoding);
  }

  /** [k]P by the NAF path, affine (for tests). */
  multiply(x: bigint, y: bigint, k: bigint): { x: bigint; y: bigint } {
    this.multiplyByNaf(this.accumulator, x, y, k);
    return this.readAffine(this.accumulator);
  }

  /** [k]P by a fixed table in `slot`, affine (for tests). */
  multiplyByTable(slot: number, k: bigint): { x: bigint; y: bigint } {
    this.setIdentity(this.accumulator);
    this.scalar.load(k);
    this.addFixed(this.accumulator, this.keyTable(slot));
    return this.readAffine(this.accumulator);
  }

  /** [k]B by the base table, affine (for tests). */
  multiplyBase(k: bigint): { x: bigint; y: bigint } {
    this.setIdentity(this.accumulator);
    this.scalar.load(k);
    this.addFixed(this.accumulator, this.baseTable);
    return this.readAffine(this.accumulator);
  }

  private keyTable(slot: number): FixedTable {
    return {
      address: this.keyTablesAddress + slot * KEY_TABLE_BYTES,
      windowBits: KEY_WINDOW_BITS,
      windows: windowsFor(KEY_WINDOW_BITS),
    };
  }

  /** Compares the extended point at `point` with a 32-byte encoding. */
  private encodes(point: number, encoding: Uint8Array): boolean {
    const wasm = this.wasm;
    let y = 0n;
    for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? encoding[i]! & 0x7f : encoding[i]!);
    if (y >= ED25519_P) return false;
    const yElement = this.element;
    this.writeField(yElement, y);
    if (wasm.affineYEquals(point, yElement) !== 1) return false;
    const zInverse = this.element + ELEMENT_BYTES;
    this.invert(zInverse, point + 2 * ELEMENT_BYTES);
    const x = this.element + 2 * ELEMENT_BYTES;
    wasm.mul(x, point, zInverse);
    wasm.freeze(x, x);
    return (this.words[x >>> 2]! & 1) === encoding[31]! >>> 7;
  }

  /**
   * out = z^(p − 2) = z⁻¹ (z ≠ 0): p − 2 = 2^255 − 21 by the chain
   * 2^5 − 1, 2^10 − 1, 2^20 − 1, 2^40 − 1, 2^50 − 1, 2^100 − 1, 2^200 − 1, 2^250 − 1 (254 squares,
   * 11 products).
   */
  private invert(out: number, z: number): void {
    const wasm = this.wasm;
    const e = (i: number): number => this.element + (3 + i) * ELEMENT_BYTES;
    const [z11, z2_5, z2_10, z2_50, t] = [e(0), e(1), e(2), e(3), e(4)];
    wasm.square(t, z); // z^2
    wasm.squareTimes(z2_5, t, 2); // z^8
    wasm.mul(z2_5, z2_5, z); // z^9
    wasm.mul(z11, z2_5, t); // z^11
    wasm.square(t, z11); // z^22
    wasm.mul(z2_5, z2_5, t); // z^31 = z^(2^5 − 1)
    wasm.squareTimes(t, z2_5, 5);
    wasm.mul(z2_10, t, z2_5); // 2^10 − 1
    wasm.squareTimes(t, z2_10, 10);
    wasm.mul(t, t, z2_10); // 2^20 − 1
    wasm.squareTimes(out, t, 20);
    wasm.mul(t, out, t); // 2^40 − 1
    wasm.squareTimes(t, t, 10);
    wasm.mul(z2_50, t, z2_10); // 2^50 − 1
    wasm.squareTimes(t, z2_50, 50);
    wasm.mul(t, t, z2_50); // 2^100 − 1
    wasm.squareTimes(out, t, 100);
    wasm.mul(t, out, t); // 2^200 − 1
    wasm.squareTimes(t, t, 50);
    wasm.mul(t, t, z2_50); // 2^250 − 1
    wasm.squareTimes(t, t, 5); // 2^255 − 32
    wasm.mul(out, t, z11); // 2^255 − 21
  }

  private setIdentity(point: number): void {
    const wasm = this.wasm;
    wasm.copy(point, Layout.zero);
    wasm.copy(point + ELEMENT_BYTES, Layout.one);
    wasm.copy(point + 2 * ELEMENT_BYTES, Layout.one);
    wasm.copy(point + 3 * ELEMENT_BYTES, Layout.zero);
  }

  /** acc += (the loaded scalar)·P from P's fixed-window table. */
  private addFixed(acc: number, table: FixedTable): void {
    const wasm = this.wasm;
    const half = 1 << (table.windowBits - 1);
    this.scalar.forEachWindowDigit(table.windowBits, table.windows, (w, digit) => {
      let entry = table.address + (w * half + Math.abs(digit) - 1) * NIELS_BYTES;
      if (digit < 0) {
        // −(x, y) = (−x, y): swap y + x and y − x, negate 2d·x·y.
        wasm.copy(this.negated, entry + ELEMENT_BYTES);
        wasm.copy(this.negated + ELEMENT_BYTES, entry);
        wasm.sub(this.negated + 2 * ELEMENT_BYTES, Layout.zero, entry + 2 * ELEMENT_BYTES);
        entry = this.negated;
      }
      wasm.addNiels(acc, acc, entry);
    });
  }

  /** acc = k·(x, y) by a width-5 NAF. */
  private multiplyByNaf(acc: number, x: bigint, y: bigint, k: bigint): void {
    const wasm = this.wasm;
    // Odd multiples, cached: table[i] = (2i + 1)·P.
    const table = this.nafTable;
    const point = this.buildPoints;
    this.writeExtended(point, x, y);
    wasm.toCached(table, point);
    wasm.double(acc, point);
    wasm.toCached(this.cached, acc); // 2P
    for (let i = 1; i < NAF_POINTS; i++) {
      wasm.addCached(point, point, this.cached);
      wasm.toCached(table + i * CACHED_BYTES, point);
    }
    const { digits, top } = this.scalar.load(k).nafDigits(NAF_WIDTH);
    this.setIdentity(acc);
    for (let position = top; position >= 0; position--) {
      const digit = digits[position]!;
      // T is read only by an addition: the last doubling keeps it for the base point's sum.
      if (position < top) {
        if (digit === 0 && position > 0) wasm.doubleOnly(acc, acc);
        else wasm.double(acc, acc);
      }
      if (digit === 0) continue;
      let entry = table + ((Math.abs(digit) - 1) >> 1) * CACHED_BYTES;
      if (digit < 0) {
        // −(X : Y : Z : T): swap Y + X and Y − X, negate 2d·T, keep 2Z.
        wasm.copy(this.negated, entry + ELEMENT_BYTES);
        wasm.copy(this.negated + ELEMENT_BYTES, entry);
        wasm.sub(this.negated + 2 * ELEMENT_BYTES, Layout.zero, entry + 2 * ELEMENT_BYTES);
        wasm.copy(this.negated + 3 * ELEMENT_BYTES, entry + 3 * ELEMENT_BYTES);
        entry = this.negated;
      }
      wasm.addCached(acc, acc, entry);
    }
  }

  /**
   * Fills a fixed-window table of (x, y): entry (w, k) = k·2^(bits·w)·P for k = 1 … 2^(bits−1),
   * computed in extended coordinates and brought to niels form with one inversion (Montgomery's
   * trick).
   */
  private buildFixedTable(x: bigint, y: bigint, table: FixedTable): void {
    const wasm = this.wasm;
    const half = 1 << (table.windowBits - 1);
    const count = table.windows * half;
    const point = (index: number): number => this.buildPoints + index * EXTENDED_BYTES;
    this.writeExtended(point(0), x, y);
    for (let w = 0; w < table.windows; w++) {
      const base = point(w * half);
      if (w > 0) wasm.double(base, point(w * half - 1)); // 2·(half·B) = 2^bits·B
      wasm.toCached(this.cached, base);
      for (let k = 2; k <= half; k++)
        wasm.addCached(point(w * half + k - 1), point(w * half + k - 2), this.cached);
    }
    const prefix = (index: number): number => this.buildPrefixes + index * ELEMENT_BYTES;
    const zOf = (index: number): number => point(index) + 2 * ELEMENT_BYTES;
    wasm.copy(prefix(0), zOf(0));
    for (let i = 1; i < count; i++) wasm.mul(prefix(i), prefix(i - 1), zOf(i));
    const running = this.element;
    const zInverse = this.element + ELEMENT_BYTES;
    this.invert(running, prefix(count - 1));
    for (let i = count - 1; i >= 0; i--) {
      if (i > 0) {
        wasm.mul(zInverse, running, prefix(i - 1));
        wasm.mul(running, running, zOf(i));
      } else wasm.copy(zInverse, running);
      const at = point(i);
      const out = table.address + i * NIELS_BYTES;
      // x and y into the point's X and Y, then y + x, y − x, 2d·x·y.
      wasm.mul(at, at, zInverse);
      wasm.mul(at + ELEMENT_BYTES, at + ELEMENT_BYTES, zInverse);
      wasm.add(out, at + ELEMENT_BYTES, at);
      wasm.sub(out + ELEMENT_BYTES, at + ELEMENT_BYTES, at);
      wasm.mul(out + 2 * ELEMENT_BYTES, at, at + ELEMENT_BYTES);
      wasm.mul(out + 2 * ELEMENT_BYTES, out + 2 * ELEMENT_BYTES, Layout.curveConstant);
    }
  }

  /** Writes the affine (x, y) as the extended (x : y : 1 : x·y). */
  private writeExtended(address: number, x: bigint, y: bigint): void {
    this.writeField(address, x);
    this.writeField(address + ELEMENT_BYTES, y);
    this.wasm.copy(address + 2 * ELEMENT_BYTES, Layout.one);
    this.wasm.mul(address + 3 * ELEMENT_BYTES, address, address + ELEMENT_BYTES);
  }

  private readAffine(address: number): { x: bigint; y: bigint } {
    const zInverse = this.element + ELEMENT_BYTES;
    const out = this.element + 2 * ELEMENT_BYTES;
    this.invert(zInverse, address + 2 * ELEMENT_BYTES);
    this.wasm.mul(out, address, zInverse);
    const x = this.readField(out);
    this.wasm.mul(out, address + ELEMENT_BYTES, zInverse);
    return { x, y: this.readField(out) };
  }

  /** Writes v (0 ≤ v < p). */
  private writeField(address: number, value: bigint): void {
    const base = address >>> 2;
    limbsOf25519(value).forEach((limb, i) => {
      this.words[base + i] = limb;
    });
  }

  /** Reads an element as its value below p. */
  private readField(address: number): bigint {
    const scratch = this.element + 7 * ELEMENT_BYTES;
    this.wasm.freeze(scratch, address);
    const base = scratch >>> 2;
    return valueOf25519(this.words.subarray(base, base + ELEMENT_LIMBS));
  }
}
