import { type FunctionBody, type ModuleWriter, Op, ValueType } from './module-writer.js';
import { coordinateOf } from './operands.js';

/**
 * Arithmetic modulo a prime of 225 to 256 bits, emitted into a WebAssembly module that a curve's
 * generator then extends with its point formulas (weierstrass-module.ts; Ed25519 has a faster
 * field of its own, field-25519.ts):
 * field elements as eight 32-bit limbs in Montgomery form (R = 2^256), products by coarsely
 * integrated operand scanning (64-bit lanes hold a 32×32-bit product plus two 32-bit carries
 * exactly). Every function takes byte addresses of its operands in the module's memory.
 */

export const LIMBS = 8;
export const FIELD_BYTES = 32;

/** Fixed addresses the module and its driver share. Every value is a field element (32 bytes). */
export const Address = {
  /** R² mod p, raw: multiplying by it enters Montgomery form. */
  rSquared: 0,
  /** The integer 1, raw: multiplying by it leaves Montgomery form. */
  rawOne: 32,
  /** 1 in Montgomery form (the Z of an affine point). */
  one: 64,
  /** The curve's constant in Montgomery form: a for a short Weierstrass curve, 2d for Edwards. */
  curveConstant: 96,
  /** Zero. */
  zero: 128,
  /** The formulas' temporaries: 16 field elements. */
  temporaries: 160,
  /** Where the driver's own data may begin. */
  dataStart: 160 + 16 * FIELD_BYTES,
} as const;

export const MASK = 0xffffffffn;
export const temporary = (index: number): number => Address.temporaries + index * FIELD_BYTES;

export function limbsOf(value: bigint): bigint[] {
  return Array.from({ length: LIMBS }, (_, j) => (value >> BigInt(32 * j)) & MASK);
}

/** Coordinate `index` of the point at parameter `parameter` (32-byte elements). */
export const field = coordinateOf(FIELD_BYTES);

/** The field functions of a module, by their indices. */
export interface FieldFunctions {
  /** out = x·y·R⁻¹ mod p (Montgomery product). */
  readonly mul: { readonly index: number };
  /** out = x + y mod p. */
  readonly add: { readonly index: number };
  /** out = x − y mod p. */
  readonly sub: { readonly index: number };
  readonly copy: { readonly index: number };
  /** 1 when x is zero. */
  readonly isZero: { readonly index: number };
  /** 1 when x = y (both reduced). */
  readonly equal: { readonly index: number };
}

/** What every curve module exports of its field. */
export interface FieldExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  mul(out: number, x: number, y: number): void;
  add(out: number, x: number, y: number): void;
  sub(out: number, x: number, y: number): void;
  copy(out: number, x: number): void;
  isZero(x: number): number;
}

/** Declares and fills the field functions of `module` for the prime p (exported but `equal`). */
export function emitFieldFunctions(module: ModuleWriter, p: bigint): FieldFunctions {
  if (p % 2n === 0n || p >= 1n << 256n || p < 1n << 224n) {
    throw new RangeError('the field prime must be odd and between 2^224 and 2^256');
  }
  const pLimbs = limbsOf(p);
  // −p⁻¹ mod 2³², the Montgomery reduction factor for one limb.
  let inverse = 1n;
  for (let bit = 0; bit < 5; bit++) inverse = (inverse * (2n - p * inverse)) & MASK;
  const reductionFactor = -inverse & MASK;

  const { i32, i64 } = ValueType;
  const mul = module.declare([i32, i32, i32], [], 'mul');
  const add = module.declare([i32, i32, i32], [], 'add');
  const sub = module.declare([i32, i32, i32], [], 'sub');
  const copy = module.declare([i32, i32], [], 'copy');
  const isZero = module.declare([i32], [i32], 'isZero');
  const equal = module.declare([i32, i32], [i32]);

  /** Stores t (eight limb locals plus a top bit) minus p if it is at least p, at parameter 0. */
  const storeReduced = (body: FunctionBody, t: number[], top: number, scratch: number[]): void => {
    const borrow = body.local(i64);
    const value = body.local(i64);
    for (let j = 0; j < LIMBS; j++) {
      body.get(t[j]!).i64(pLimbs[j]!).op(Op.i64Sub);
      if (j > 0) body.get(borrow).op(Op.i64Sub);
      body.tee(value).i64(MASK).op(Op.i64And).set(scratch[j]!);
      body.get(value).i64(63).op(Op.i64ShrU).set(borrow);
    }
    // Subtract when the sum overflowed 2^256 or no borrow came out of t − p.
    const useDifference = body.local(i64);
    body.get(top).get(borrow).i64(1).op(Op.i64Xor).op(Op.i64Or).set(useDifference);
    for (let j = 0; j < LIMBS; j++) {
      body.get(0).get(scratch[j]!).get(t[j]!).get(useDifference).op(Op.i32WrapI64).op(Op.select);
      body.store32(4 * j);
    }
  };

  // mul: coarsely integrated operand scanning.
  {
    const body = mul.body;
    const x = Array.from({ length: LIMBS }, () => body.local(i64));
    const t = Array.from({ length: LIMBS + 2 }, () => body.local(i64));
    const carry = body.local(i64);
    const value = body.local(i64);
    const m = body.local(i64);
    const yLimb = body.local(i64);
    const splitInto = (low: number): void => {
      body.tee(value).i64(MASK).op(Op.i64And).set(low);
      body.get(value).i64(32).op(Op.i64ShrU).set(carry);
    };
    for (let j = 0; j < LIMBS; j++)
      body
        .get(1)
        .load32(4 * j)
        .set(x[j]!);
    for (let i = 0; i < LIMBS; i++) {
      body
        .get(2)
        .load32(4 * i)
        .set(yLimb);
      for (let j = 0; j < LIMBS; j++) {
        body.get(x[j]!).get(yLimb).op(Op.i64Mul);
        if (i > 0) body.get(t[j]!).op(Op.i64Add);
        if (j > 0) body.get(carry).op(Op.i64Add);
        splitInto(t[j]!);
      }
      body.get(t[LIMBS]!).get(carry).op(Op.i64Add);
      body.tee(value).i64(MASK).op(Op.i64And).set(t[LIMBS]!);
      body
        .get(value)
        .i64(32)
        .op(Op.i64ShrU)
        .set(t[LIMBS + 1]!);
      if (reductionFactor === 1n) body.get(t[0]!).set(m);
      else body.get(t[0]!).i64(reductionFactor).op(Op.i64Mul).i64(MASK).op(Op.i64And).set(m);
      body.get(m).i64(pLimbs[0]!).op(Op.i64Mul).get(t[0]!).op(Op.i64Add).i64(32).op(Op.i64ShrU).set(carry);
      for (let j = 1; j < LIMBS; j++) {
        if (pLimbs[j] === 0n) body.get(t[j]!).get(carry).op(Op.i64Add);
        else body.get(m).i64(pLimbs[j]!).op(Op.i64Mul).get(t[j]!).op(Op.i64Add).get(carry).op(Op.i64Add);
        splitInto(t[j - 1]!);
      }
      body.get(t[LIMBS]!).get(carry).op(Op.i64Add);
      splitInto(t[LIMBS - 1]!);
      body
        .get(t[LIMBS + 1]!)
        .get(carry)
        .op(Op.i64Add)
        .set(t[LIMBS]!);
    }
    storeReduced(body, t, t[LIMBS]!, x);
  }

  // add
  {
    const body = add.body;
    const s = Array.from({ length: LIMBS }, () => body.local(i64));
    const scratch = Array.from({ length: LIMBS }, () => body.local(i64));
    const carry = body.local(i64);
    const value = body.local(i64);
    for (let j = 0; j < LIMBS; j++) {
      body
        .get(1)
        .load32(4 * j)
        .get(2)
        .load32(4 * j)
        .op(Op.i64Add);
      if (j > 0) body.get(carry).op(Op.i64Add);
      body.tee(value).i64(MASK).op(Op.i64And).set(s[j]!);
      body.get(value).i64(32).op(Op.i64ShrU).set(carry);
    }
    storeReduced(body, s, carry, scratch);
  }

  // sub: x − y, adding p back when it borrowed.
  {
    const body = sub.body;
    const d = Array.from({ length: LIMBS }, () => body.local(i64));
    const borrow = body.local(i64);
    const value = body.local(i64);
    const mask = body.local(i64);
    const carry = body.local(i64);
    for (let j = 0; j < LIMBS; j++) {
      body
        .get(1)
        .load32(4 * j)
        .get(2)
        .load32(4 * j)
        .op(Op.i64Sub);
      if (j > 0) body.get(borrow).op(Op.i64Sub);
      body.tee(value).i64(MASK).op(Op.i64And).set(d[j]!);
      body.get(value).i64(63).op(Op.i64ShrU).set(borrow);
    }
    body.i64(0).get(borrow).op(Op.i64Sub).set(mask);
    for (let j = 0; j < LIMBS; j++) {
      body.get(0);
      body.get(d[j]!).i64(pLimbs[j]!).get(mask).op(Op.i64And).op(Op.i64Add);
      if (j > 0) body.get(carry).op(Op.i64Add);
      body.tee(value).store32(4 * j);
      if (j < LIMBS - 1) body.get(value).i64(32).op(Op.i64ShrU).set(carry);
    }
  }

  // copy, isZero, equal
  for (let j = 0; j < LIMBS; j++)
    copy.body
      .get(0)
      .get(1)
      .load32(4 * j)
      .store32(4 * j);
  {
    const body = isZero.body;
    for (let j = 0; j < LIMBS; j++) {
      body.get(0).load32(4 * j);
      if (j > 0) body.op(Op.i64Or);
    }
    body.op(Op.i64Eqz);
  }
  {
    const body = equal.body;
    for (let j = 0; j < LIMBS; j++) {
      body
        .get(0)
        .load32(4 * j)
        .get(1)
        .load32(4 * j)
        .op(Op.i64Xor);
      if (j > 0) body.op(Op.i64Or);
    }
    body.op(Op.i64Eqz);
  }

  return { mul, add, sub, copy, isZero, equal };
}
