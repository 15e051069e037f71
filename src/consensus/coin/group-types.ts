/** A ristretto255 element by its canonical 32-byte encoding; a backend may keep a decoded form in `cache`. */
export interface Element {
  readonly bytes: Uint8Array;
  cache?: unknown;
}

/**
 * The group operations the coin needs, over encodings, so that every backend gives the same bytes.
 * Scalars are bigints in 0 … q-1.
 */
export interface GroupOps {
  readonly name: 'libsodium' | 'noble';
  /** The element of a canonical encoding, or null for bytes that encode none. */
  decode(bytes: Uint8Array): Element | null;
  /** k·G, constant time in k (k may be secret). */
  mulBase(k: bigint): Element;
  /** k·P, constant time in k (k may be secret). */
  mul(element: Element, k: bigint): Element;
  /** baseScalar·G + Σ scalars[i]·points[i] for public values only (may run in variable time). */
  linear(points: readonly Element[], scalars: readonly bigint[], baseScalar?: bigint): Element;
  /** RFC 9380 hash_to_ristretto255 (expand_message_xmd with SHA-512) under the domain `dst`. */
  hashToGroup(message: Uint8Array): Element;
  /** A hint that the element will be multiplied many more times (a backend may build a table). */
  reuse(element: Element): void;
}
