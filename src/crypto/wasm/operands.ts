import { type FunctionBody, Op } from './module-writer.js';

/**
 * Addresses as the generated functions take them: a constant, or a parameter (a point's address)
 * plus a constant offset (one of its coordinates).
 */
export type Operand = number | { readonly parameter: number; readonly offset: number };

export function pushAddress(body: FunctionBody, operand: Operand): void {
  if (typeof operand === 'number') {
    body.i32(operand);
    return;
  }
  body.get(operand.parameter);
  if (operand.offset !== 0) body.i32(operand.offset).op(Op.i32Add);
}

/** Coordinate `index` of the point at parameter `parameter`, for elements of `elementBytes`. */
export function coordinateOf(elementBytes: number) {
  return (parameter: number, index: number): Operand => ({ parameter, offset: index * elementBytes });
}

/** Emits calls of functions on operands: `f.call(mul, out, x, y)`. */
export function emitCalls(body: FunctionBody) {
  return {
    call(fn: { readonly index: number }, ...operands: Operand[]): void {
      for (const operand of operands) pushAddress(body, operand);
      body.call(fn.index);
    },
  };
}
