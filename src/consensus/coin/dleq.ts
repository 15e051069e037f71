import { type Element, GROUP_ORDER, group, hashToScalar, mod, scalarToBytes } from './group.js';

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

/** The statement's elements are held by their encodings: the challenge hashes them. */
export type EncodedPoint = Element;

function challengeOf(v: EncodedPoint, h: EncodedPoint, s: EncodedPoint, a: Element, b: Element): bigint {
  return hashToScalar(DOMAIN, v.bytes, h.bytes, s.bytes, a.bytes, b.bytes);
}

export function proveDleq(secret: bigint, v: EncodedPoint, h: EncodedPoint, s: EncodedPoint): DleqProof {
  const nonce = hashToScalar(DOMAIN, scalarToBytes(secret), h.bytes) || 1n;
  const a = group.mulBase(nonce);
  const b = group.mul(h, nonce);
  const challenge = challengeOf(v, h, s, a, b);
  return { challenge, response: mod(nonce + challenge * secret) };
}

export function verifyDleq(proof: DleqProof, v: EncodedPoint, h: EncodedPoint, s: EncodedPoint): boolean {
  if (proof.challenge >= GROUP_ORDER || proof.response >= GROUP_ORDER) return false;
  // g^z · V^-c and H^z · S^-c reproduce the commitments exactly when the proof is honest; these
  // are public values, so a backend may use its faster variable-time multiplication.
  const negC = mod(-proof.challenge);
  const a = group.linear([v], [negC], proof.response);
  const b = group.linear([h, s], [proof.response, negC]);
  return challengeOf(v, h, s, a, b) === proof.challenge;
}
