import { GROUP_ORDER, hashToScalar, mod, Point, scalarToBytes, sumOfProducts } from './group.js';

/**
 * Chaum–Pedersen proof that log_g(V) = log_H(S): the share S = H^x was made with the same secret
 * x as the public verification key V = g^x. Non-interactive through Fiat–Shamir; the nonce is
 * derived from the secret and the statement (as in RFC 6979), so proving needs no randomness and
 * never reuses a nonce across different statements.
 */
export interface DleqProof {
  readonly challenge: bigint;
  readonly response: bigint;
}

const DOMAIN = new TextEncoder().encode('gridshard/coin/dleq/v1');

/**
 * A point together with its canonical encoding: encoding a ristretto255 point costs a field
 * inversion, and the statement's points are encoded for every challenge.
 */
export interface EncodedPoint {
  readonly point: Point;
  readonly bytes: Uint8Array;
}

function challengeOf(v: EncodedPoint, h: EncodedPoint, s: EncodedPoint, a: Point, b: Point): bigint {
  return hashToScalar(DOMAIN, v.bytes, h.bytes, s.bytes, a.toBytes(), b.toBytes());
}

export function proveDleq(secret: bigint, v: EncodedPoint, h: EncodedPoint, s: EncodedPoint): DleqProof {
  const nonce = hashToScalar(DOMAIN, scalarToBytes(secret), h.bytes) || 1n;
  const a = Point.BASE.multiply(nonce);
  const b = h.point.multiply(nonce);
  const challenge = challengeOf(v, h, s, a, b);
  return { challenge, response: mod(nonce + challenge * secret) };
}

export function verifyDleq(proof: DleqProof, v: EncodedPoint, h: EncodedPoint, s: EncodedPoint): boolean {
  if (proof.challenge >= GROUP_ORDER || proof.response >= GROUP_ORDER) return false;
  // g^z · V^-c and H^z · S^-c reproduce the commitments exactly when the proof is honest.
  const negC = mod(-proof.challenge);
  const a = mulBase(proof.response).add(mulAny(v.point, negC));
  const b = sumOfProducts([h.point, s.point], [proof.response, negC]);
  return challengeOf(v, h, s, a, b) === proof.challenge;
}

// Verification handles public values only, so the faster variable-time ladder is safe here.
function mulAny(p: Point, k: bigint): Point {
  return k === 0n ? Point.ZERO : p.multiplyUnsafe(k);
}

function mulBase(k: bigint): Point {
  return k === 0n ? Point.ZERO : Point.BASE.multiplyUnsafe(k);
}
