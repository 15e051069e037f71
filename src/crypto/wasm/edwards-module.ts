import {
  ELEMENT_BYTES,
  emitField25519,
  type Field25519Exports,
  coordinate as field,
  Layout,
  temporary,
} from './field-25519.js';
import { ModuleWriter, Op, ValueType } from './module-writer.js';
import { emitCalls } from './operands.js';

/**
 * Generates a WebAssembly module with the arithmetic of Ed25519's curve, the twisted Edwards curve
 * −x² + y² = 1 + d·x²·y² over p = 2^255 − 19 (a = −1): the field of field-25519.ts and the point formulas in extended coordinates (X : Y : Z : T with x = X/Z, y = Y/Z, x·y = T/Z).
 * With a = −1 a square and d not one, these addition formulas are complete: they hold for every
 * pair of points, equal, opposite or the identity, so no caller tests for special cases.
 *
 * Three forms of a point:
 * - extended (X, Y, Z, T): the accumulator;
 * - niels (y + x, y − x, 2d·x·y): an affine table entry, added in 7 products;
 * - cached (Y + X, Y − X, 2d·T, 2Z): a projective table entry, added in 8 products.
 * The module reads 2d from `Layout.curveConstant`.
 */

/** An extended point: X, Y, Z, T. */
export const EXTENDED_BYTES = 4 * ELEMENT_BYTES;
/** A niels point: y + x, y − x, 2d·x·y. */
export const NIELS_BYTES = 3 * ELEMENT_BYTES;
/** A cached point: Y + X, Y − X, 2d·T, 2Z. */
export const CACHED_BYTES = 4 * ELEMENT_BYTES;

/** The exported functions. All addresses are byte offsets into `memory`; outputs may alias inputs. */
export interface EdwardsExports extends Field25519Exports {
  /** out = x^(2^n), n ≥ 1. */
  squareTimes(out: number, x: number, n: number): void;
  /** out = 2P, P and out extended (P's T is not read). */
  double(out: number, p: number): void;
  /** out = 2P without out's T (one product fewer): for a point that is only doubled next. */
  doubleOnly(out: number, p: number): void;
  /** out = P + Q, P extended, Q niels. */
  addNiels(out: number, p: number, q: number): void;
  /** out = P + Q, P extended, Q cached. */
  addCached(out: number, p: number, q: number): void;
  /** out = the cached form of the extended P. */
  toCached(out: number, p: number): void;
  /** 1 when Y = c·Z for the extended P: whether P's affine y is c. */
  affineYEquals(p: number, c: number): number;
}

export function generateEdwardsModule(memoryPages: number): Uint8Array {
  const module = new ModuleWriter(memoryPages);
  const { i32 } = ValueType;
  const { mul, square, add, sub, copy, equal } = emitField25519(module);
  const squareTimes = module.declare([i32, i32, i32], [], 'squareTimes');
  const double = module.declare([i32, i32], [], 'double');
  const doubleOnly = module.declare([i32, i32], [], 'doubleOnly');
  const addNiels = module.declare([i32, i32, i32], [], 'addNiels');
  const addCached = module.declare([i32, i32, i32], [], 'addCached');
  const toCached = module.declare([i32, i32], [], 'toCached');
  const affineYEquals = module.declare([i32, i32], [i32], 'affineYEquals');
  const T = temporary;

  // squareTimes: the first square into out, then n − 1 more in a loop.
  {
    const body = squareTimes.body;
    const f = emitCalls(body);
    f.call(square, field(0, 0), field(1, 0));
    body.get(2).i32(1).op(Op.i32Sub).set(2);
    body.get(2).ifThen().loop();
    f.call(square, field(0, 0), field(0, 0));
    body.get(2).i32(1).op(Op.i32Sub).tee(2).brIf(0);
    body.end().end();
  }

  /** The products every formula ends with, from E, F, G, H in temporaries (T3 when asked). */
  const finish = (
    f: ReturnType<typeof emitCalls>,
    e: number,
    fTerm: number,
    g: number,
    h: number,
    withT = true,
  ): void => {
    f.call(mul, field(0, 0), e, fTerm); // X3 = E·F
    f.call(mul, field(0, 1), g, h); // Y3 = G·H
    if (withT) f.call(mul, field(0, 3), e, h); // T3 = E·H
    f.call(mul, field(0, 2), fTerm, g); // Z3 = F·G
  };

  // double: dbl-2008-hwcd with a = −1 (4M + 4S), signs arranged as E = 2XY, G = Y² − X²,
  // H = Y² + X², F = 2Z² − G. doubleOnly leaves T out (3M + 4S).
  for (const [fn, withT] of [
    [double, true],
    [doubleOnly, false],
  ] as const) {
    const f = emitCalls(fn.body);
    const [X, Y, Z] = [field(1, 0), field(1, 1), field(1, 2)];
    f.call(square, T(0), X);
    f.call(square, T(1), Y);
    f.call(square, T(2), Z);
    f.call(add, T(2), T(2), T(2)); // 2Z²
    f.call(add, T(3), X, Y);
    f.call(square, T(3), T(3)); // (X + Y)²
    f.call(add, T(4), T(1), T(0)); // H
    f.call(sub, T(5), T(1), T(0)); // G
    f.call(sub, T(6), T(3), T(4)); // E
    f.call(sub, T(7), T(2), T(5)); // F
    finish(f, T(6), T(7), T(5), T(4), withT);
  }

  /**
   * The sum's common part: A = (Y1 − X1)·q₁, B = (Y1 + X1)·q₀, C = T1·q₂, with D = 2Z1 (niels)
   * or Z1·q₃ (cached, whose q₃ is 2Z2) already in T(3); then E = B − A, F = D − C, G = D + C, H = B + A.
   */
  const sum = (f: ReturnType<typeof emitCalls>): void => {
    const [X1, Y1, T1] = [field(1, 0), field(1, 1), field(1, 3)];
    f.call(sub, T(0), Y1, X1);
    f.call(mul, T(0), T(0), field(2, 1)); // A
    f.call(add, T(1), Y1, X1);
    f.call(mul, T(1), T(1), field(2, 0)); // B
    f.call(mul, T(2), T1, field(2, 2)); // C
    f.call(sub, T(4), T(1), T(0)); // E
    f.call(sub, T(5), T(3), T(2)); // F
    f.call(add, T(6), T(3), T(2)); // G
    f.call(add, T(7), T(1), T(0)); // H
    finish(f, T(4), T(5), T(6), T(7));
  };

  // addNiels: madd-2008-hwcd-3 (7M).
  {
    const f = emitCalls(addNiels.body);
    f.call(add, T(3), field(1, 2), field(1, 2));
    sum(f);
  }

  // addCached: add-2008-hwcd-3 with Q's sums, 2d·T and 2Z precomputed (8M).
  {
    const f = emitCalls(addCached.body);
    f.call(mul, T(3), field(1, 2), field(2, 3));
    sum(f);
  }

  // toCached
  {
    const f = emitCalls(toCached.body);
    const [X, Y, Z, Tp] = [field(1, 0), field(1, 1), field(1, 2), field(1, 3)];
    f.call(add, T(0), Y, X);
    f.call(sub, T(1), Y, X);
    f.call(add, T(2), Z, Z);
    f.call(mul, field(0, 2), Tp, Layout.curveConstant);
    f.call(copy, field(0, 0), T(0));
    f.call(copy, field(0, 1), T(1));
    f.call(copy, field(0, 3), T(2));
  }

  // affineYEquals: Y = c·Z spares an inversion for the y half of the comparison.
  {
    const body = affineYEquals.body;
    const f = emitCalls(body);
    f.call(mul, T(0), field(0, 2), field(1, 0));
    f.call(equal, T(0), field(0, 1));
  }

  return module.encode();
}
