/**
 * Inclusion proof check for the block's transaction tree (docs/LEDGER.md, "Merkle tree of
 * transactions"): RFC 6962 shape, leaves H(0x00 ‖ leaf), inner nodes H(0x01 ‖ left ‖ right), the
 * leaf being the transaction hash. Written from the documented rule, not shared with the node, so
 * the browser checks the node rather than trusting it.
 */
import { bytesEqual, concatBytes } from './hex.js';
import { sha256 } from './sha256.js';

export interface InclusionProof {
  readonly leafIndex: number;
  readonly leafCount: number;
  readonly siblings: readonly Uint8Array[];
}

const leafHash = (leaf: Uint8Array) => sha256(concatBytes(Uint8Array.of(0), leaf));
const nodeHash = (l: Uint8Array, r: Uint8Array) => sha256(concatBytes(Uint8Array.of(1), l, r));

export function verifyInclusion(leaf: Uint8Array, proof: InclusionProof, root: Uint8Array): boolean {
  const { leafIndex, leafCount, siblings } = proof;
  if (!Number.isSafeInteger(leafCount) || !Number.isSafeInteger(leafIndex)) return false;
  if (leafIndex < 0 || leafIndex >= leafCount) return false;
  let node = leafHash(leaf);
  let index = leafIndex;
  let width = leafCount;
  let used = 0;
  while (width > 1) {
    // A node without a right neighbour at this level rises unchanged (no duplicated leaf).
    if ((index ^ 1) < width) {
      const sibling = siblings[used++];
      if (sibling === undefined || sibling.length !== 32) return false;
      node = index % 2 === 0 ? nodeHash(node, sibling) : nodeHash(sibling, node);
    }
    index >>= 1;
    width = Math.ceil(width / 2);
  }
  return used === siblings.length && bytesEqual(node, root);
}
