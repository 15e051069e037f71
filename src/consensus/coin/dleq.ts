import { GROUP_ORDER, hashToScalar, mod, Point, scalarToBytes } from './group.js';

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

function challengeOf(v: Point, h: Point, s: Point, a: Point, b: Point): bigint {
  return hashToScalar(DOMAIN, v.toBytes(), h.toBytes(), s.toBytes(), a.toBytes(), b.toBytes());
}

export function proveDleq(secret: bigint, v: Point, h: Point, s: Point): DleqProof {
  const nonce = hashToScalar(DOMAIN, scalarToBytes(secret), h.toBytes()) || 1n;
  const a = Point.BASE.multiply(nonce);
  const b = h.multiply(nonce);
  const challenge = challengeOf(v, h, s, a, b);
  return { challenge, response: mod(nonce + challenge * secret) };
}

export function verifyDleq(proof: DleqProof, v: Point, h: Point, s: Point): boolean {
  if (proof.challenge >= GROUP_ORDER || proof.response >= GROUP_ORDER) return false;
  // g^z · V^-c and H^z · S^-c reproduce the commitments exactly when the proof is honest.
  const negC = mod(-proof.challenge);
  const a = mulBase(proof.response).add(mulAny(v, negC));
  const b = mulAny(h, proof.response).add(mulAny(s, negC));
  return challengeOf(v, h, s, a, b) === proof.challenge;
}

// Verification handles public values only, so the faster variable-time ladder is safe here.
function mulAny(p: Point, k: bigint): Point {
  return k === 0n ? Point.ZERO : p.multiplyUnsafe(k);
}

function mulBase(k: bigint): Point {
  return k === 0n ? Point.ZERO : Point.BASE.multiply(k);
}
