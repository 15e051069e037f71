import { inverse, modulo } from '../modular.js';
import { instantiate } from './module-writer.js';
import { ScalarDigits } from './scalar-digits.js';
import {
  Address,
  AFFINE_BYTES,
  FIELD_BYTES,
  generateWeierstrassModule,
  JACOBIAN_BYTES,
  LIMBS,
  type WeierstrassExports,
} from './weierstrass-module.js';

/**
 * Scalar multiplication on a short Weierstrass curve over the generated WebAssembly arithmetic,
 * for signature verification: s·G + t·Q with everything public. It branches on the scalars'
 * digits, so it must never see a secret; signing keeps to the constant-time path.
 *
 * - s·G uses a fixed-window table of the generator (8-bit signed windows: 33 additions, no
 *   doubling), built once.
 * - t·Q uses a width-5 NAF of t over the odd multiples Q, 3Q, …, 15Q (256 doublings and about 43
 *   additions), or, for a key that earned one (`buildKeyTable`), a 4-bit fixed-window table
 *   (65 additions).
 */

export interface CurveDefinition {
  readonly p: bigint;
  readonly a: bigint;
  readonly n: bigint;
  readonly Gx: bigint;
  readonly Gy: bigint;
}

interface FixedTable {
  readonly address: number;
  readonly windowBits: number;
  readonly windows: number;
}

const GENERATOR_WINDOW_BITS = 8;
const KEY_WINDOW_BITS = 4;
const NAF_WIDTH = 5;
const NAF_POINTS = 1 << (NAF_WIDTH - 2); // Q, 3Q, …, 15Q
const PAGE = 65536;

const windowsFor = (bits: number): number => Math.ceil(ScalarDigits.BITS / bits) + 1;
const tableBytes = (bits: number): number => windowsFor(bits) * (1 << (bits - 1)) * AFFINE_BYTES;

export class WeierstrassEngine {
  readonly keyTableSlots: number;
  private readonly wasm: WeierstrassExports;
  private readonly words: Uint32Array;
  private readonly curve: CurveDefinition;
  private readonly rModP: bigint;
  private readonly generatorTable: FixedTable;
  private readonly keyTablesAddress: number;
  // Working points and the scratch the table builder uses.
  private readonly accumulator: number;
  private readonly secondAccumulator: number;
  private readonly negated: number;
  private readonly nafTable: number;
  private readonly element: number;
  private readonly buildPoints: number;
  private readonly buildPrefixes: number;
  private readonly scalar = new ScalarDigits();

  constructor(curve: CurveDefinition, keyTableSlots: number) {
    this.curve = curve;
    this.keyTableSlots = keyTableSlots;
    const generatorBytes = tableBytes(GENERATOR_WINDOW_BITS);
    const keyBytes = tableBytes(KEY_WINDOW_BITS);
    const largestTablePoints = generatorBytes / AFFINE_BYTES;
    let next = Address.dataStart;
    const take = (bytes: number): number => {
      const at = next;
      next += bytes;
      return at;
    };
    this.accumulator = take(JACOBIAN_BYTES);
    this.secondAccumulator = take(JACOBIAN_BYTES);
    this.negated = take(JACOBIAN_BYTES);
    this.nafTable = take(NAF_POINTS * JACOBIAN_BYTES);
    this.element = take(2 * FIELD_BYTES);
    this.buildPoints = take(largestTablePoints * JACOBIAN_BYTES);
    this.buildPrefixes = take(largestTablePoints * FIELD_BYTES);
    this.generatorTable = {
      address: take(generatorBytes),
      windowBits: GENERATOR_WINDOW_BITS,
      windows: windowsFor(GENERATOR_WINDOW_BITS),
    };
    this.keyTablesAddress = take(keyTableSlots * keyBytes);

    const { bytes } = generateWeierstrassModule(curve.p, curve.a, Math.ceil(next / PAGE));
    this.wasm = instantiate(bytes) as WeierstrassExports;
    this.words = new Uint32Array(this.wasm.memory.buffer);
    this.rModP = (1n << 256n) % curve.p;
    this.writeRaw(Address.rSquared, (this.rModP * this.rModP) % curve.p);
    this.writeRaw(Address.rawOne, 1n);
    this.writeRaw(Address.one, this.rModP);
    this.writeField(Address.curveConstant, modulo(curve.a, curve.p));
    this.buildFixedTable(curve.Gx, curve.Gy, this.generatorTable);
  }

  /** Builds the 4-bit table of a key into slot `slot` (a key verified often). */
  buildKeyTable(slot: number, x: bigint, y: bigint): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.keyTableSlots) {
      throw new RangeError(`key table slot ${slot} outside 0..${this.keyTableSlots - 1}`);
    }
    this.buildFixedTable(x, y, this.keyTable(slot));
  }

  /**
   * The affine x of s·G + t·Q reduced mod n compared with `target`: whether x mod n = target.
   * Q = (qx, qy) must be a valid point of the curve; `slot`, when given, names the key's table.
   * False when the sum is the point at infinity.
   */
  sumXModNEquals(
    s: bigint,
    t: bigint,
    qx: bigint,
    qy: bigint,
    slot: number | undefined,
    target: bigint,
  ): boolean {
    const wasm = this.wasm;
    const gAtInfinity = !this.multiplyFixed(this.secondAccumulator, this.generatorTable, s);
    const qAtInfinity =
      slot === undefined
        ? !this.multiplyByNaf(this.accumulator, qx, qy, t)
        : !this.multiplyFixed(this.accumulator, this.keyTable(slot), t);
    let sum = this.accumulator;
    if (qAtInfinity && gAtInfinity) return false;
    if (qAtInfinity) sum = this.secondAccumulator;
    else if (!gAtInfinity) {
      const status = wasm.addJacobian(this.accumulator, this.accumulator, this.secondAccumulator);
      if (status === 1) wasm.double(this.accumulator, this.accumulator);
      else if (status === 2) return false;
    }
    // x ∈ [0, p) and p < 2n, so x mod n = target exactly when x is target or target + n.
    const { p, n } = this.curve;
    this.writeField(this.element, target);
    if (wasm.affineXEquals(sum, this.element) === 1) return true;
    if (target + n >= p) return false;
    this.writeField(this.element, target + n);
    return wasm.affineXEquals(sum, this.element) === 1;
  }

  /** The affine point of a Jacobian point at `address` (for tests). */
  readAffine(address: number): { x: bigint; y: bigint } {
    const z = this.readField(address + 2 * FIELD_BYTES);
    const zInverse = inverse(z, this.curve.p);
    const zInverse2 = (zInverse * zInverse) % this.curve.p;
    return {
      x: (this.readField(address) * zInverse2) % this.curve.p,
      y: (this.readField(address + FIELD_BYTES) * zInverse2 * zInverse) % this.curve.p,
    };
  }

  /** k·(x, y) by the NAF path, affine, or null at infinity (for tests). */
  multiply(x: bigint, y: bigint, k: bigint): { x: bigint; y: bigint } | null {
    return this.multiplyByNaf(this.accumulator, x, y, k) ? this.readAffine(this.accumulator) : null;
  }

  /** k·G by the generator's table, affine, or null at infinity (for tests). */
  multiplyGenerator(k: bigint): { x: bigint; y: bigint } | null {
    return this.multiplyFixed(this.accumulator, this.generatorTable, k)
      ? this.readAffine(this.accumulator)
      : null;
  }

  private keyTable(slot: number): FixedTable {
    return {
      address: this.keyTablesAddress + slot * tableBytes(KEY_WINDOW_BITS),
      windowBits: KEY_WINDOW_BITS,
      windows: windowsFor(KEY_WINDOW_BITS),
    };
  }

  /** Jacobian acc = k·P from a fixed-window table; false when the result is the point at infinity. */
  private multiplyFixed(acc: number, table: FixedTable, k: bigint): boolean {
    const wasm = this.wasm;
    const half = 1 << (table.windowBits - 1);
    let atInfinity = true;
    this.scalar.load(k).forEachWindowDigit(table.windowBits, table.windows, (w, digit) => {
      let entry = table.address + (w * half + Math.abs(digit) - 1) * AFFINE_BYTES;
      if (digit < 0) {
        wasm.copy(this.negated, entry);
        wasm.sub(this.negated + FIELD_BYTES, Address.zero, entry + FIELD_BYTES);
        entry = this.negated;
      }
      if (atInfinity) {
        wasm.copy(acc, entry);
        wasm.copy(acc + FIELD_BYTES, entry + FIELD_BYTES);
        wasm.copy(acc + 2 * FIELD_BYTES, Address.one);
        atInfinity = false;
        return;
      }
      const status = wasm.addAffine(acc, acc, entry);
      if (status === 1) wasm.double(acc, acc);
      else if (status === 2) atInfinity = true;
    });
    return !atInfinity;
  }

  /** Jacobian acc = k·(x, y) by a width-5 NAF; false when the result is the point at infinity. */
  private multiplyByNaf(acc: number, x: bigint, y: bigint, k: bigint): boolean {
    const wasm = this.wasm;
    // Odd multiples: table[i] = (2i + 1)·Q.
    const table = this.nafTable;
    this.writeField(table, x);
    this.writeField(table + FIELD_BYTES, y);
    wasm.copy(table + 2 * FIELD_BYTES, Address.one);
    wasm.double(this.negated, table);
    for (let i = 1; i < NAF_POINTS; i++) {
      const at = table + i * JACOBIAN_BYTES;
      const status = wasm.addJacobian(at, at - JACOBIAN_BYTES, this.negated);
      // (2i − 1)Q = ±2Q only for a point of order dividing 2i + 1 or 2i − 3: none on a curve of prime order above 15.
      if (status !== 0) throw new RangeError('point of small order');
    }
    const { digits, top } = this.scalar.load(k).nafDigits(NAF_WIDTH);
    let atInfinity = true;
    for (let position = top; position >= 0; position--) {
      if (!atInfinity) wasm.double(acc, acc);
      const digit = digits[position]!;
      if (digit === 0) continue;
      let entry = table + ((Math.abs(digit) - 1) >> 1) * JACOBIAN_BYTES;
      if (digit < 0) {
        wasm.copy(this.negated, entry);
        wasm.sub(this.negated + FIELD_BYTES, Address.zero, entry + FIELD_BYTES);
        wasm.copy(this.negated + 2 * FIELD_BYTES, entry + 2 * FIELD_BYTES);
        entry = this.negated;
      }
      if (atInfinity) {
        for (let c = 0; c < 3; c++) wasm.copy(acc + c * FIELD_BYTES, entry + c * FIELD_BYTES);
        atInfinity = false;
        continue;
      }
      const status = wasm.addJacobian(acc, acc, entry);
      if (status === 1) wasm.double(acc, acc);
      else if (status === 2) atInfinity = true;
    }
    return !atInfinity;
  }

  /**
   * Fills a fixed-window table of (x, y): entry (w, k) = k·2^(bits·w)·Q for k = 1 … 2^(bits−1),
   * computed in Jacobian coordinates and brought to affine with one inversion (Montgomery's trick).
   */
  private buildFixedTable(x: bigint, y: bigint, table: FixedTable): void {
    const wasm = this.wasm;
    const half = 1 << (table.windowBits - 1);
    const count = table.windows * half;
    const point = (index: number): number => this.buildPoints + index * JACOBIAN_BYTES;
    this.writeField(point(0), x);
    this.writeField(point(0) + FIELD_BYTES, y);
    wasm.copy(point(0) + 2 * FIELD_BYTES, Address.one);
    for (let w = 0; w < table.windows; w++) {
      const base = point(w * half);
      if (w > 0) wasm.double(base, point(w * half - 1)); // 2·(half·B) = 2^bits·B
      if (half >= 2) wasm.double(point(w * half + 1), base);
      for (let k = 3; k <= half; k++) {
        const status = wasm.addJacobian(point(w * half + k - 1), point(w * half + k - 2), base);
        if (status !== 0) throw new RangeError('point of small order');
      }
    }
    // Prefix products of the Z coordinates, one inversion, then each Z⁻¹ in turn.
    const prefix = (index: number): number => this.buildPrefixes + index * FIELD_BYTES;
    const zOf = (index: number): number => point(index) + 2 * FIELD_BYTES;
    wasm.copy(prefix(0), zOf(0));
    for (let i = 1; i < count; i++) wasm.mul(prefix(i), prefix(i - 1), zOf(i));
    const running = this.element;
    const zInverse = this.element + FIELD_BYTES;
    this.writeField(running, inverse(this.readField(prefix(count - 1)), this.curve.p));
    for (let i = count - 1; i >= 0; i--) {
      if (i > 0) {
        wasm.mul(zInverse, running, prefix(i - 1));
        wasm.mul(running, running, zOf(i));
      } else wasm.copy(zInverse, running);
      const out = table.address + i * AFFINE_BYTES;
      // z⁻² into the Z slot of the point (no longer needed), then x = X·z⁻², y = Y·z⁻²·z⁻¹.
      wasm.mul(zOf(i), zInverse, zInverse);
      wasm.mul(out, point(i), zOf(i));
      wasm.mul(zOf(i), zOf(i), zInverse);
      wasm.mul(out + FIELD_BYTES, point(i) + FIELD_BYTES, zOf(i));
    }
  }

  private writeRaw(address: number, value: bigint): void {
    let v = value;
    const base = address >>> 2;
    for (let j = 0; j < LIMBS; j++) {
      this.words[base + j] = Number(v & 0xffffffffn);
      v >>= 32n;
    }
  }

  private readRaw(address: number): bigint {
    const base = address >>> 2;
    let v = 0n;
    for (let j = LIMBS - 1; j >= 0; j--) v = (v << 32n) | BigInt(this.words[base + j]!);
    return v;
  }

  /** Writes v (0 ≤ v < p) in Montgomery form. */
  private writeField(address: number, value: bigint): void {
    this.writeRaw(address, value);
    this.wasm.mul(address, address, Address.rSquared);
  }

  /** Reads a Montgomery-form element as its value. */
  private readField(address: number): bigint {
    return (this.readRaw(address) * inverse(this.rModP, this.curve.p)) % this.curve.p;
  }
}
