/**
 * State proof check (docs/LEDGER.md, "Authenticated state"): a key sits at path H(key); an empty
 * subtree is 32 zero bytes, a single-key subtree is its leaf H(0x00 ‖ path ‖ H(value)), anything
 * else H(0x01 ‖ left ‖ right). Siblings run from the root down to where the path ends.
 */
import { bytesEqual, concatBytes } from './hex.js';
import { sha256 } from './sha256.js';

export type StateTerminal =
  | { readonly kind: 'empty' }
  | { readonly kind: 'leaf'; readonly path: Uint8Array; readonly valueHash: Uint8Array };

export interface StateProof {
  readonly siblings: readonly Uint8Array[];
  readonly terminal: StateTerminal;
}

const EMPTY = new Uint8Array(32);
const bitAt = (path: Uint8Array, depth: number) => (path[depth >> 3]! >> (7 - (depth & 7))) & 1;

/** True when `proof` shows that `key` holds `value` (or nothing, when `value` is null) under `root`. */
export function verifyStateProof(
  root: Uint8Array,
  key: Uint8Array,
  value: Uint8Array | null,
  proof: StateProof,
): boolean {
  const path = sha256(key);
  const depth = proof.siblings.length;
  if (depth > 256) return false;
  let node: Uint8Array;
  const t = proof.terminal;
  if (t.kind === 'empty') {
    if (value !== null) return false;
    node = EMPTY;
  } else {
    if (t.path.length !== 32 || t.valueHash.length !== 32) return false;
    const samePath = bytesEqual(t.path, path);
    if (value !== null) {
      if (!samePath || !bytesEqual(t.valueHash, sha256(value))) return false;
    } else {
      // Another key's leaf proves absence only if it really sits in this key's slot.
      if (samePath) return false;
      for (let d = 0; d < depth; d++) if (bitAt(t.path, d) !== bitAt(path, d)) return false;
    }
    node = sha256(concatBytes(Uint8Array.of(0), t.path, t.valueHash));
  }
  for (let d = depth - 1; d >= 0; d--) {
    const sibling = proof.siblings[d]!;
    if (sibling.length !== 32) return false;
    node =
      bitAt(path, d) === 0
        ? sha256(concatBytes(Uint8Array.of(1), node, sibling))
        : sha256(concatBytes(Uint8Array.of(1), sibling, node));
  }
  return bytesEqual(node, root);
}
