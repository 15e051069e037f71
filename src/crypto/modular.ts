/** Bigint arithmetic modulo a prime, for the few operations outside the curve code. */

/** value mod modulus, in [0, modulus). */
export function modulo(value: bigint, modulus: bigint): bigint {
  const r = value % modulus;
  return r < 0n ? r + modulus : r;
}

/** The inverse of value modulo a prime, by the extended Euclidean algorithm (0 has none: 0). */
export function inverse(value: bigint, modulus: bigint): bigint {
  let [a, b, u, v] = [modulo(value, modulus), modulus, 1n, 0n];
  while (a !== 0n) {
    const q = b / a;
    [a, b] = [b - q * a, a];
    [u, v] = [v - q * u, u];
  }
  return modulo(v, modulus);
}
