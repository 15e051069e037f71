import { type FunctionBody, ModuleWriter, Op, ValueType } from './module-writer.js';

/**
 * Generates a WebAssembly module with the arithmetic of a short Weierstrass curve
 * y² = x³ + ax + b over a prime field of at most 256 bits: field elements as eight 32-bit limbs in
 * Montgomery form, products by coarsely integrated operand scanning (64-bit lanes hold a 32×32-bit
 * product plus two 32-bit carries exactly), and Jacobian point doubling and addition.
 *
 * The module is straight-line code over fixed addresses: every function takes byte addresses of
 * its operands in the module's memory. Scalar multiplication stays in JavaScript, which calls
 * one point operation at a time (src/crypto/wasm/weierstrass-engine.ts); a call costs far less
 * than the 8 to 16 field products inside it.
 */

export const LIMBS = 8;
export const FIELD_BYTES = 32;
/** A Jacobian point: X, Y, Z. */
export const JACOBIAN_BYTES = 3 * FIELD_BYTES;
/** An affine point: x, y. */
export const AFFINE_BYTES = 2 * FIELD_BYTES;

/** Fixed addresses the module and its driver share. Every value is a field element (32 bytes). */
export const Address = {
  /** R² mod p, raw: multiplying by it enters Montgomery form. */
  rSquared: 0,
  /** The integer 1, raw: multiplying by it leaves Montgomery form. */
  rawOne: 32,
  /** 1 in Montgomery form (the Z of an affine point). */
  one: 64,
  /** a in Montgomery form (read by the general doubling). */
  a: 96,
  /** Zero. */
  zero: 128,
  /** The formulas' temporaries: 16 field elements. */
  temporaries: 160,
  /** Where the driver's own data may begin. */
  dataStart: 160 + 16 * FIELD_BYTES,
} as const;

const MASK = 0xffffffffn;
const temporary = (index: number): number => Address.temporaries + index * FIELD_BYTES;

/** The exported functions, by name. All addresses are byte offsets into `memory`. */
export interface WeierstrassExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  /** out = x·y·R⁻¹ mod p (Montgomery product). */
  mul(out: number, x: number, y: number): void;
  /** out = x + y mod p. */
  add(out: number, x: number, y: number): void;
  /** out = x − y mod p. */
  sub(out: number, x: number, y: number): void;
  copy(out: number, x: number): void;
  isZero(x: number): number;
  /** out = 2P for a Jacobian P (out may be P). */
  double(out: number, p: number): void;
  /**
   * out = P + Q, both Jacobian (out may be P or Q). Returns 0 when done, and without writing
   * `out`: 1 when P = Q (the caller doubles), 2 when P = −Q (the sum is the point at infinity).
   * Neither operand may be the point at infinity.
   */
  addJacobian(out: number, p: number, q: number): number;
  /** out = P + Q, P Jacobian and Q affine; the same contract as addJacobian. */
  addAffine(out: number, p: number, q: number): number;
  /** Whether X / Z² = c for a Jacobian (X, ·, Z) and a field element c, all in Montgomery form. */
  affineXEquals(point: number, c: number): number;
}

function limbsOf(value: bigint): bigint[] {
  return Array.from({ length: LIMBS }, (_, j) => (value >> BigInt(32 * j)) & MASK);
}

/** An address operand: a constant, or a parameter plus a constant offset. */
type Operand = number | { readonly parameter: number; readonly offset: number };

function pushAddress(body: FunctionBody, operand: Operand): void {
  if (typeof operand === 'number') {
    body.i32(operand);
    return;
  }
  body.get(operand.parameter);
  if (operand.offset !== 0) body.i32(operand.offset).op(Op.i32Add);
}

function field(parameter: number, coordinate: number): Operand {
  return { parameter, offset: coordinate * FIELD_BYTES };
}

export function generateWeierstrassModule(
  p: bigint,
  a: bigint,
  memoryPages: number,
): { bytes: Uint8Array; aIsMinusThree: boolean } {
  if (p % 2n === 0n || p >= 1n << 256n || p < 1n << 224n) {
    throw new RangeError('the field prime must be odd and between 2^224 and 2^256');
  }
  const pLimbs = limbsOf(p);
  // −p⁻¹ mod 2³², the Montgomery reduction factor for one limb.
  let inverse = 1n;
  for (let bit = 0; bit < 5; bit++) inverse = (inverse * (2n - p * inverse)) & MASK;
  const reductionFactor = -inverse & MASK;
  const aIsMinusThree = ((a % p) + p) % p === p - 3n;

  const module = new ModuleWriter(memoryPages);
  const { i32, i64 } = ValueType;
  const mul = module.declare([i32, i32, i32], [], 'mul');
  const add = module.declare([i32, i32, i32], [], 'add');
  const sub = module.declare([i32, i32, i32], [], 'sub');
  const copy = module.declare([i32, i32], [], 'copy');
  const isZero = module.declare([i32], [i32], 'isZero');
  const equal = module.declare([i32, i32], [i32]);
  const double = module.declare([i32, i32], [], 'double');
  const addJacobian = module.declare([i32, i32, i32], [i32], 'addJacobian');
  const addAffine = module.declare([i32, i32, i32], [i32], 'addAffine');
  const affineXEquals = module.declare([i32, i32], [i32], 'affineXEquals');

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

  /** Emits calls of the field functions on operands: `f(mul, out, x, y)`. */
  const emit = (body: FunctionBody) => ({
    call(fn: { index: number }, ...operands: Operand[]): void {
      for (const operand of operands) pushAddress(body, operand);
      body.call(fn.index);
    },
  });

  // double: dbl-2001-b when a = −3 (3M + 5S), dbl-2007-bl otherwise (1M + 8S + one product by a).
  {
    const body = double.body;
    const f = emit(body);
    const X = field(1, 0);
    const Y = field(1, 1);
    const Z = field(1, 2);
    const T = temporary;
    if (aIsMinusThree) {
      f.call(mul, T(0), Z, Z); // delta
      f.call(mul, T(1), Y, Y); // gamma
      f.call(mul, T(2), X, T(1)); // beta
      f.call(sub, T(3), X, T(0));
      f.call(add, T(4), X, T(0));
      f.call(mul, T(3), T(3), T(4));
      f.call(add, T(5), T(3), T(3));
      f.call(add, T(5), T(5), T(3)); // alpha
      f.call(mul, T(6), T(5), T(5));
      f.call(add, T(7), T(2), T(2));
      f.call(add, T(7), T(7), T(7)); // 4 beta
      f.call(add, T(8), T(7), T(7)); // 8 beta
      f.call(sub, T(6), T(6), T(8)); // X3
      f.call(add, T(9), Y, Z);
      f.call(mul, T(9), T(9), T(9));
      f.call(sub, T(9), T(9), T(1));
      f.call(sub, T(9), T(9), T(0)); // Z3
      f.call(sub, T(10), T(7), T(6));
      f.call(mul, T(10), T(5), T(10));
      f.call(mul, T(11), T(1), T(1));
      f.call(add, T(11), T(11), T(11));
      f.call(add, T(11), T(11), T(11));
      f.call(add, T(11), T(11), T(11)); // 8 gamma²
      f.call(sub, T(10), T(10), T(11)); // Y3
      f.call(copy, field(0, 0), T(6));
      f.call(copy, field(0, 1), T(10));
      f.call(copy, field(0, 2), T(9));
    } else {
      f.call(mul, T(0), X, X); // XX
      f.call(mul, T(1), Y, Y); // YY
      f.call(mul, T(2), T(1), T(1)); // YYYY
      f.call(mul, T(3), Z, Z); // ZZ
      f.call(add, T(4), X, T(1));
      f.call(mul, T(4), T(4), T(4));
      f.call(sub, T(4), T(4), T(0));
      f.call(sub, T(4), T(4), T(2));
      f.call(add, T(4), T(4), T(4)); // S
      f.call(add, T(5), T(0), T(0));
      f.call(add, T(5), T(5), T(0)); // 3 XX
      f.call(mul, T(6), T(3), T(3));
      f.call(mul, T(6), Address.a, T(6));
      f.call(add, T(5), T(5), T(6)); // M
      f.call(mul, T(7), T(5), T(5));
      f.call(add, T(8), T(4), T(4));
      f.call(sub, T(7), T(7), T(8)); // X3
      f.call(sub, T(9), T(4), T(7));
      f.call(mul, T(9), T(5), T(9));
      f.call(add, T(10), T(2), T(2));
      f.call(add, T(10), T(10), T(10));
      f.call(add, T(10), T(10), T(10)); // 8 YYYY
      f.call(sub, T(9), T(9), T(10)); // Y3
      f.call(add, T(11), Y, Z);
      f.call(mul, T(11), T(11), T(11));
      f.call(sub, T(11), T(11), T(1));
      f.call(sub, T(11), T(11), T(3)); // Z3
      f.call(copy, field(0, 0), T(7));
      f.call(copy, field(0, 1), T(9));
      f.call(copy, field(0, 2), T(11));
    }
  }

  /** Returns 1 (equal points) or 2 (opposite points) when H = 0; `r` holds S2 − S1. */
  const returnWhenSameX = (body: FunctionBody, h: number, r: number): void => {
    body.i32(h).call(isZero.index).ifThen();
    body.i32(r).call(isZero.index).ifThen().i32(1).op(Op.return).op(Op.end);
    body.i32(2).op(Op.return).op(Op.end);
  };

  // addJacobian: add-2007-bl (11M + 5S).
  {
    const body = addJacobian.body;
    const f = emit(body);
    const [X1, Y1, Z1] = [field(1, 0), field(1, 1), field(1, 2)];
    const [X2, Y2, Z2] = [field(2, 0), field(2, 1), field(2, 2)];
    const T = temporary;
    f.call(mul, T(0), Z1, Z1); // Z1Z1
    f.call(mul, T(1), Z2, Z2); // Z2Z2
    f.call(mul, T(2), X1, T(1)); // U1
    f.call(mul, T(3), X2, T(0)); // U2
    f.call(mul, T(4), Y1, Z2);
    f.call(mul, T(4), T(4), T(1)); // S1
    f.call(mul, T(5), Y2, Z1);
    f.call(mul, T(5), T(5), T(0)); // S2
    f.call(sub, T(6), T(3), T(2)); // H
    f.call(sub, T(7), T(5), T(4)); // S2 − S1
    returnWhenSameX(body, T(6), T(7));
    f.call(add, T(8), T(6), T(6));
    f.call(mul, T(8), T(8), T(8)); // I
    f.call(mul, T(9), T(6), T(8)); // J
    f.call(add, T(7), T(7), T(7)); // r
    f.call(mul, T(10), T(2), T(8)); // V
    f.call(mul, T(11), T(7), T(7));
    f.call(sub, T(11), T(11), T(9));
    f.call(add, T(12), T(10), T(10));
    f.call(sub, T(11), T(11), T(12)); // X3
    f.call(sub, T(12), T(10), T(11));
    f.call(mul, T(12), T(7), T(12));
    f.call(mul, T(13), T(4), T(9));
    f.call(add, T(13), T(13), T(13));
    f.call(sub, T(12), T(12), T(13)); // Y3
    f.call(add, T(14), Z1, Z2);
    f.call(mul, T(14), T(14), T(14));
    f.call(sub, T(14), T(14), T(0));
    f.call(sub, T(14), T(14), T(1));
    f.call(mul, T(14), T(14), T(6)); // Z3
    f.call(copy, field(0, 0), T(11));
    f.call(copy, field(0, 1), T(12));
    f.call(copy, field(0, 2), T(14));
    body.i32(0);
  }

  // addAffine: madd-2007-bl (7M + 4S).
  {
    const body = addAffine.body;
    const f = emit(body);
    const [X1, Y1, Z1] = [field(1, 0), field(1, 1), field(1, 2)];
    const [x2, y2] = [field(2, 0), field(2, 1)];
    const T = temporary;
    f.call(mul, T(0), Z1, Z1); // Z1Z1
    f.call(mul, T(3), x2, T(0)); // U2
    f.call(mul, T(5), y2, Z1);
    f.call(mul, T(5), T(5), T(0)); // S2
    f.call(sub, T(6), T(3), X1); // H
    f.call(sub, T(7), T(5), Y1); // S2 − Y1
    returnWhenSameX(body, T(6), T(7));
    f.call(mul, T(8), T(6), T(6)); // HH
    f.call(add, T(9), T(8), T(8));
    f.call(add, T(9), T(9), T(9)); // I
    f.call(mul, T(10), T(6), T(9)); // J
    f.call(add, T(7), T(7), T(7)); // r
    f.call(mul, T(11), X1, T(9)); // V
    f.call(mul, T(12), T(7), T(7));
    f.call(sub, T(12), T(12), T(10));
    f.call(add, T(13), T(11), T(11));
    f.call(sub, T(12), T(12), T(13)); // X3
    f.call(sub, T(13), T(11), T(12));
    f.call(mul, T(13), T(7), T(13));
    f.call(mul, T(14), Y1, T(10));
    f.call(add, T(14), T(14), T(14));
    f.call(sub, T(13), T(13), T(14)); // Y3
    f.call(add, T(15), Z1, T(6));
    f.call(mul, T(15), T(15), T(15));
    f.call(sub, T(15), T(15), T(0));
    f.call(sub, T(15), T(15), T(8)); // Z3
    f.call(copy, field(0, 0), T(12));
    f.call(copy, field(0, 1), T(13));
    f.call(copy, field(0, 2), T(15));
    body.i32(0);
  }

  // affineXEquals: X = c·Z², which spares an inversion.
  {
    const body = affineXEquals.body;
    const f = emit(body);
    f.call(mul, temporary(0), field(0, 2), field(0, 2));
    f.call(mul, temporary(0), temporary(0), { parameter: 1, offset: 0 });
    pushAddress(body, temporary(0));
    pushAddress(body, field(0, 0));
    body.call(equal.index);
  }

  return { bytes: module.encode(), aIsMinusThree };
}
