import { type FunctionBody, type ModuleWriter, Op, ValueType } from './module-writer.js';
import { coordinateOf } from './operands.js';

/**
 * Arithmetic modulo p = 2^255 − 19 emitted into a WebAssembly module, in radix 2^25.5: ten limbs
 * of alternately 26 and 25 bits at bit offsets 0, 26, 51, 77, …, 230, each stored as a 32-bit word.
 * A product's partial products need no carry of their own: a limb is below 2^26 (one odd limb may
 * exceed 2^25 by 2^15), so a partial product, even times 38, stays below 2^58 and ten of them
 * below 2^62; one carry pass follows. Two odd limbs' offsets sum to one more than their column's
 * offset (a factor 2), and a column at or past 2^255 folds back times 19 (2^255 ≡ 19).
 *
 * Every function leaves its output normalized that way (the value below 2^256, not necessarily
 * below p); `freeze` makes it canonical, which `equal` and the driver's reads use.
 */

export const ELEMENT_LIMBS = 10;
export const ELEMENT_BYTES = 4 * ELEMENT_LIMBS;
export const LIMB_BITS: readonly number[] = [26, 25, 26, 25, 26, 25, 26, 25, 26, 25];
export const LIMB_OFFSETS: readonly number[] = LIMB_BITS.map((_, i) =>
  LIMB_BITS.slice(0, i).reduce((sum, bits) => sum + bits, 0),
);

/** Fixed addresses the module and its driver share: constants, then the formulas' temporaries. */
export const Layout = {
  one: 0,
  zero: ELEMENT_BYTES,
  /** The curve's constant, written by the driver (2d for Ed25519). */
  curveConstant: 2 * ELEMENT_BYTES,
  /** 16 elements of scratch for the point formulas. */
  temporaries: 3 * ELEMENT_BYTES,
  dataStart: 19 * ELEMENT_BYTES,
} as const;

export const temporary = (index: number): number => Layout.temporaries + index * ELEMENT_BYTES;

/** Coordinate `index` of the point at parameter `parameter`. */
export const coordinate = coordinateOf(ELEMENT_BYTES);

export interface Field25519Functions {
  readonly mul: { readonly index: number };
  /** out = x², 55 partial products instead of 100. */
  readonly square: { readonly index: number };
  readonly add: { readonly index: number };
  readonly sub: { readonly index: number };
  readonly copy: { readonly index: number };
  /** out = x reduced below p. */
  readonly freeze: { readonly index: number };
  /** 1 when x ≡ y (mod p). */
  readonly equal: { readonly index: number };
}

export interface Field25519Exports {
  readonly memory: { readonly buffer: ArrayBuffer };
  mul(out: number, x: number, y: number): void;
  square(out: number, x: number): void;
  add(out: number, x: number, y: number): void;
  sub(out: number, x: number, y: number): void;
  copy(out: number, x: number): void;
  freeze(out: number, x: number): void;
}

const mask = (bits: number): bigint => (1n << BigInt(bits)) - 1n;
/** 2p by limbs: added before a subtraction so that no limb goes negative. */
const TWO_P: readonly bigint[] = LIMB_BITS.map((bits, i) => 2n * (mask(bits) - (i === 0 ? 18n : 0n)));

/** Loads the ten limbs at the address in parameter `parameter` into i64 locals. */
function loadLimbs(body: FunctionBody, parameter: number, into: readonly number[]): void {
  for (let i = 0; i < ELEMENT_LIMBS; i++)
    body
      .get(parameter)
      .load32(4 * i)
      .set(into[i]!);
}

/**
 * Carries the columns in locals c (each below 2^63) into limbs: one pass, the top carry folded
 * into c₀ times 19, then c₀'s carry into c₁ once more.
 */
function carryColumns(body: FunctionBody, c: readonly number[], carry: number): void {
  for (let k = 0; k < ELEMENT_LIMBS; k++) {
    body.get(c[k]!).i64(LIMB_BITS[k]!).op(Op.i64ShrU).set(carry);
    body.get(c[k]!).i64(mask(LIMB_BITS[k]!)).op(Op.i64And).set(c[k]!);
    if (k < ELEMENT_LIMBS - 1)
      body
        .get(c[k + 1]!)
        .get(carry)
        .op(Op.i64Add)
        .set(c[k + 1]!);
    else body.get(c[0]!).get(carry).i64(19).op(Op.i64Mul).op(Op.i64Add).set(c[0]!);
  }
  body.get(c[0]!).i64(26).op(Op.i64ShrU).set(carry);
  body.get(c[0]!).i64(mask(26)).op(Op.i64And).set(c[0]!);
  body.get(c[1]!).get(carry).op(Op.i64Add).set(c[1]!);
}

function storeLimbs(body: FunctionBody, parameter: number, from: readonly number[]): void {
  for (let i = 0; i < ELEMENT_LIMBS; i++)
    body
      .get(parameter)
      .get(from[i]!)
      .store32(4 * i);
}

/**
 * Reduces the normalized limbs in locals h (value below 2p) to the canonical value below p:
 * q = ⌊(h + 19) / 2^255⌋ is 1 exactly when h ≥ p; then h + 19q with bit 255 dropped is h − q·p.
 */
function reduceCanonical(body: FunctionBody, h: readonly number[], t: number): void {
  body.get(h[0]!).i64(19).op(Op.i64Add).i64(26).op(Op.i64ShrU).set(t);
  for (let k = 1; k < ELEMENT_LIMBS; k++)
    body.get(h[k]!).get(t).op(Op.i64Add).i64(LIMB_BITS[k]!).op(Op.i64ShrU).set(t);
  body.get(h[0]!).get(t).i64(19).op(Op.i64Mul).op(Op.i64Add).set(h[0]!);
  for (let k = 0; k < ELEMENT_LIMBS; k++) {
    if (k < ELEMENT_LIMBS - 1) {
      body.get(h[k]!).i64(LIMB_BITS[k]!).op(Op.i64ShrU).set(t);
      body
        .get(h[k + 1]!)
        .get(t)
        .op(Op.i64Add)
        .set(h[k + 1]!);
    }
    body.get(h[k]!).i64(mask(LIMB_BITS[k]!)).op(Op.i64And).set(h[k]!);
  }
}

export function emitField25519(module: ModuleWriter): Field25519Functions {
  const { i32, i64 } = ValueType;
  const mul = module.declare([i32, i32, i32], [], 'mul');
  const square = module.declare([i32, i32], [], 'square');
  const add = module.declare([i32, i32, i32], [], 'add');
  const sub = module.declare([i32, i32, i32], [], 'sub');
  const copy = module.declare([i32, i32], [], 'copy');
  const freeze = module.declare([i32, i32], [], 'freeze');
  const equal = module.declare([i32, i32], [i32]);
  const limbLocals = (body: FunctionBody): number[] =>
    Array.from({ length: ELEMENT_LIMBS }, () => body.local(i64));

  // mul: 100 partial products summed by column, then one carry pass.
  {
    const body = mul.body;
    const a = limbLocals(body);
    const b = limbLocals(body);
    const b19 = limbLocals(body);
    const a2 = limbLocals(body);
    const c = limbLocals(body);
    const carry = body.local(i64);
    loadLimbs(body, 1, a);
    loadLimbs(body, 2, b);
    for (let j = 1; j < ELEMENT_LIMBS; j++) body.get(b[j]!).i64(19).op(Op.i64Mul).set(b19[j]!);
    for (let i = 1; i < ELEMENT_LIMBS; i += 2) body.get(a[i]!).get(a[i]!).op(Op.i64Add).set(a2[i]!);
    for (let k = 0; k < ELEMENT_LIMBS; k++) {
      let first = true;
      for (let i = 0; i < ELEMENT_LIMBS; i++) {
        const wraps = i > k;
        const j = wraps ? k + ELEMENT_LIMBS - i : k - i;
        const bothOdd = i % 2 === 1 && j % 2 === 1;
        body
          .get(bothOdd ? a2[i]! : a[i]!)
          .get(wraps ? b19[j]! : b[j]!)
          .op(Op.i64Mul);
        if (!first) body.op(Op.i64Add);
        first = false;
      }
      body.set(c[k]!);
    }
    carryColumns(body, c, carry);
    storeLimbs(body, 0, c);
  }

  // square: each pair i < j once, doubled; the multiplier (1, 2 or 4, and 19 past 2^255) is
  // folded into the operands.
  {
    const body = square.body;
    const a = limbLocals(body);
    const a2 = limbLocals(body);
    const a4 = limbLocals(body);
    const a19 = limbLocals(body);
    const c = limbLocals(body);
    const carry = body.local(i64);
    loadLimbs(body, 1, a);
    for (let i = 0; i < ELEMENT_LIMBS; i++) {
      body.get(a[i]!).get(a[i]!).op(Op.i64Add).set(a2[i]!);
      body.get(a2[i]!).get(a2[i]!).op(Op.i64Add).set(a4[i]!);
      body.get(a[i]!).i64(19).op(Op.i64Mul).set(a19[i]!);
    }
    const scaled = [a, a2, a4];
    for (let k = 0; k < ELEMENT_LIMBS; k++) {
      let first = true;
      for (let i = 0; i < ELEMENT_LIMBS; i++) {
        const wraps = i > k;
        const j = wraps ? k + ELEMENT_LIMBS - i : k - i;
        if (j < i) continue;
        const doubling = (i === j ? 0 : 1) + (i % 2 === 1 && j % 2 === 1 ? 1 : 0);
        body
          .get(scaled[doubling]![i]!)
          .get(wraps ? a19[j]! : a[j]!)
          .op(Op.i64Mul);
        if (!first) body.op(Op.i64Add);
        first = false;
      }
      body.set(c[k]!);
    }
    carryColumns(body, c, carry);
    storeLimbs(body, 0, c);
  }

  // add and sub: limb by limb (sub adds 2p first), then one carry pass.
  for (const [fn, isSub] of [
    [add, false],
    [sub, true],
  ] as const) {
    const body = fn.body;
    const c = limbLocals(body);
    const carry = body.local(i64);
    for (let i = 0; i < ELEMENT_LIMBS; i++) {
      body
        .get(1)
        .load32(4 * i)
        .get(2)
        .load32(4 * i);
      if (isSub) body.op(Op.i64Sub).i64(TWO_P[i]!).op(Op.i64Add);
      else body.op(Op.i64Add);
      body.set(c[i]!);
    }
    carryColumns(body, c, carry);
    storeLimbs(body, 0, c);
  }

  for (let i = 0; i < ELEMENT_LIMBS; i++)
    copy.body
      .get(0)
      .get(1)
      .load32(4 * i)
      .store32(4 * i);

  {
    const body = freeze.body;
    const h = limbLocals(body);
    const t = body.local(i64);
    loadLimbs(body, 1, h);
    reduceCanonical(body, h, t);
    storeLimbs(body, 0, h);
  }

  {
    const body = equal.body;
    const x = limbLocals(body);
    const y = limbLocals(body);
    const t = body.local(i64);
    loadLimbs(body, 0, x);
    loadLimbs(body, 1, y);
    reduceCanonical(body, x, t);
    reduceCanonical(body, y, t);
    for (let i = 0; i < ELEMENT_LIMBS; i++) {
      body.get(x[i]!).get(y[i]!).op(Op.i64Xor);
      if (i > 0) body.op(Op.i64Or);
    }
    body.op(Op.i64Eqz);
  }

  return { mul, square, add, sub, copy, freeze, equal };
}

/** The limbs of v (0 ≤ v < 2^255), as the module stores them. */
export function limbsOf25519(value: bigint): number[] {
  return LIMB_BITS.map((bits, i) => Number((value >> BigInt(LIMB_OFFSETS[i]!)) & mask(bits)));
}

/** The value of canonical (or any normalized) limbs. */
export function valueOf25519(limbs: ArrayLike<number>): bigint {
  let v = 0n;
  for (let i = ELEMENT_LIMBS - 1; i >= 0; i--) v += BigInt(limbs[i]!) << BigInt(LIMB_OFFSETS[i]!);
  return v;
}
