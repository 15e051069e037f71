import { mulAddUnsafe } from '@noble/curves/abstract/curve.js';
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import type { Element, GroupOps } from './group-types.js';

type Point = InstanceType<typeof ristretto255.Point>;
const Point: typeof ristretto255.Point = ristretto255.Point;

/** The decoded point is kept beside the bytes (in `cache`): decoding costs a square root. */
function pointOf(element: Element): Point {
  if (element.cache instanceof Point) return element.cache;
  const point = Point.fromBytes(element.bytes);
  element.cache = point;
  return point;
}

function fromPoint(point: Point): Element {
  return { bytes: point.toBytes(), cache: point };
}

// Public values only (verification, combination): the variable-time ladder is safe there.
function mulPublic(element: Element, k: bigint): Point {
  return k === 0n ? Point.ZERO : pointOf(element).multiplyUnsafe(k);
}

/** ristretto255 on @noble/curves' bigint arithmetic: always there, about 5 times slower than libsodium. */
export function nobleGroup(dst: string): GroupOps {
  return {
    name: 'noble',
    decode(bytes) {
      try {
        // Only canonical encodings decode, so the bytes given are the element's encoding.
        const cache = Point.fromBytes(bytes);
        return { bytes: new Uint8Array(bytes), cache };
      } catch {
        return null;
      }
    },
    mulBase: (k) => fromPoint(k === 0n ? Point.ZERO : Point.BASE.multiply(k)),
    mul: (element, k) => fromPoint(k === 0n ? Point.ZERO : pointOf(element).multiply(k)),
    linear(points, scalars, baseScalar = 0n) {
      let sum =
        points.length === 1
          ? mulPublic(points[0]!, scalars[0]!)
          : mulAddUnsafe(Point, points.map(pointOf), [...scalars]);
      if (baseScalar !== 0n) sum = Point.BASE.multiplyUnsafe(baseScalar).add(sum);
      return fromPoint(sum);
    },
    hashToGroup: (message) => fromPoint(ristretto255_hasher.hashToCurve(message, { DST: dst })),
    reuse(element) {
      // A window table costs about 80 multiplications and makes each later one about 4x cheaper.
      element.cache = pointOf(element).precompute(8, false);
    },
  };
}
