import {
  Address,
  emitFieldFunctions,
  FIELD_BYTES,
  type FieldExports,
  field,
  LIMBS,
  temporary,
} from './field-functions.js';
import { type FunctionBody, ModuleWriter, Op, ValueType } from './module-writer.js';
import { emitCalls, pushAddress } from './operands.js';

export { Address, FIELD_BYTES, LIMBS };

/**
 * Generates a WebAssembly module with the arithmetic of a short Weierstrass curve
 * y² = x³ + ax + b over a prime field of at most 256 bits: the field of field-functions.ts, and
 * Jacobian point doubling and addition.
 *
 * The module is straight-line code over fixed addresses: every function takes byte addresses of
 * its operands in the module's memory. Scalar multiplication stays in JavaScript, which calls
 * one point operation at a time (src/crypto/wasm/weierstrass-engine.ts); a call costs far less
 * than the 8 to 16 field products inside it.
 */

/** A Jacobian point: X, Y, Z. */
export const JACOBIAN_BYTES = 3 * FIELD_BYTES;
/** An affine point: x, y. */
export const AFFINE_BYTES = 2 * FIELD_BYTES;

/** The exported functions, by name. All addresses are byte offsets into `memory`. */
export interface WeierstrassExports extends FieldExports {
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

export function generateWeierstrassModule(
  p: bigint,
  a: bigint,
  memoryPages: number,
): { bytes: Uint8Array; aIsMinusThree: boolean } {
  const aIsMinusThree = ((a % p) + p) % p === p - 3n;

  const module = new ModuleWriter(memoryPages);
  const { i32 } = ValueType;
  const { mul, add, sub, copy, isZero, equal } = emitFieldFunctions(module, p);
  const double = module.declare([i32, i32], [], 'double');
  const addJacobian = module.declare([i32, i32, i32], [i32], 'addJacobian');
  const addAffine = module.declare([i32, i32, i32], [i32], 'addAffine');
  const affineXEquals = module.declare([i32, i32], [i32], 'affineXEquals');

  // double: dbl-2001-b when a = −3 (3M + 5S), dbl-2007-bl otherwise (1M + 8S + one product by a).
  {
    const body = double.body;
    const f = emitCalls(body);
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
      f.call(mul, T(6), Address.curveConstant, T(6));
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
    const f = emitCalls(body);
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
    const f = emitCalls(body);
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
    const f = emitCalls(body);
    f.call(mul, temporary(0), field(0, 2), field(0, 2));
    f.call(mul, temporary(0), temporary(0), { parameter: 1, offset: 0 });
    pushAddress(body, temporary(0));
    pushAddress(body, field(0, 0));
    body.call(equal.index);
  }

  return { bytes: module.encode(), aIsMinusThree };
}
