/**
 * Small numeric functions that keep the sweep path to correctly rounded IEEE operations
 * (+ − × ÷ √), so its results are the same bits on every conforming platform. Math.hypot, sin
 * and cos are approximations whose last bit may differ between engines: they are avoided where an
 * exact form exists (a zero angle, a magnitude).
 */
export function magnitude(re: number, im: number): number {
  return Math.sqrt(re * re + im * im);
}

/** cos and sin of an angle in radians, exact for the common zero angle. */
export function cosSin(angleRad: number): [number, number] {
  return angleRad === 0 ? [1, 0] : [Math.cos(angleRad), Math.sin(angleRad)];
}
