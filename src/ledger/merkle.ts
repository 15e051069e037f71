import { binaryDigestOf, bytesEqual, latin1Bytes } from '../crypto/hash.js';
import { LedgerError } from './errors.js';

/**
 * The binary Merkle tree of a block's transactions, shaped as in RFC 6962 (Certificate
 * Transparency): leaves and inner nodes are hashed with different one-byte prefixes, so a leaf can
 * never pass for a node, and a list of n leaves splits at the largest power of two below n, so no
 * leaf is duplicated to fill the tree (the duplicate-leaf ambiguity of Bitcoin's tree).
 *
 * An inclusion proof is the list of sibling hashes from the leaf up; a regulator checks one trade
 * against a block header with log2(n) hashes.
 */
export type HashFunction = (...parts: Uint8Array[]) => Uint8Array;

const LEAF_PREFIX = new Uint8Array([0]);
const NODE_PREFIX = new Uint8Array([1]);

/**
 * The input of one tagged hash of one or two 32-byte values, filled in place and hashed at once.
 * Hash functions read their input synchronously and keep nothing, so one buffer serves every call;
 * filling it directly costs less than handing the parts over to be joined.
 */
const TAGGED_ONE = new Uint8Array(33);
const TAGGED_TWO = new Uint8Array(65);

/** H(tag ‖ a), the same bytes as `hash(tag, a)`. */
export function hashTagged1(hash: HashFunction, tag: Uint8Array, a: Uint8Array): Uint8Array {
  if (tag.length !== 1 || a.length !== 32) return hash(tag, a);
  const input = TAGGED_ONE;
  input[0] = tag[0]!;
  for (let i = 0; i < 32; i++) input[1 + i] = a[i]!;
  return hash(input);
}

/** H(tag ‖ a ‖ b), the same bytes as `hash(tag, a, b)`. */
export function hashTagged2(hash: HashFunction, tag: Uint8Array, a: Uint8Array, b: Uint8Array): Uint8Array {
  if (tag.length !== 1 || a.length !== 32 || b.length !== 32) return hash(tag, a, b);
  const input = TAGGED_TWO;
  input[0] = tag[0]!;
  for (let i = 0; i < 32; i++) {
    input[1 + i] = a[i]!;
    input[33 + i] = b[i]!;
  }
  return hash(input);
}

export function merkleLeafHash(hash: HashFunction, leaf: Uint8Array): Uint8Array {
  return hashTagged1(hash, LEAF_PREFIX, leaf);
}

export function merkleNodeHash(hash: HashFunction, left: Uint8Array, right: Uint8Array): Uint8Array {
  return hashTagged2(hash, NODE_PREFIX, left, right);
}

/**
 * Root over already-hashed leaves; the root of no leaves is the hash of the empty string.
 *
 * Equal neighbours are hashed once: a pair made of the same two objects as the pair before it has
 * the same parent, which is then reused. A block's receipts are mostly the same few bytes (most
 * transactions succeed), so their leaves share one hash object (`merkleRoot`) and each level of
 * the receipts tree costs a hash or two instead of one per pair.
 */
export function merkleRootOfLeafHashes(hash: HashFunction, leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) return hash();
  // Bottom-up, level by level: pairing left to right and carrying an odd last node up unchanged
  // gives exactly the RFC 6962 split-at-power-of-two tree, without recursion.
  let level = leafHashes.slice();
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    let lastLeft: Uint8Array | null = null;
    let lastRight: Uint8Array | null = null;
    let lastParent: Uint8Array | null = null;
    for (let i = 0; i + 1 < level.length; i += 2) {
      const left = level[i]!;
      const right = level[i + 1]!;
      if (left !== lastLeft || right !== lastRight) {
        lastLeft = left;
        lastRight = right;
        lastParent = merkleNodeHash(hash, left, right);
      }
      next.push(lastParent!);
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

/** Leaf hashes, one hash object shared by each run of equal consecutive leaves. */
function leafHashesOf(hash: HashFunction, leaves: readonly Uint8Array[]): Uint8Array[] {
  const hashes: Uint8Array[] = [];
  let previous: Uint8Array | null = null;
  let previousHash: Uint8Array | null = null;
  for (const leaf of leaves) {
    if (previous === null || !bytesEqual(previous, leaf)) {
      previous = leaf;
      previousHash = merkleLeafHash(hash, leaf);
    }
    hashes.push(previousHash!);
  }
  return hashes;
}

/**
 * The root of `leaves`, the same bytes as `merkleRootOfLeafHashes` over their leaf hashes. The
 * tree's nodes are kept as latin1 strings (node:crypto's digest as it comes, no array per node);
 * equal consecutive leaves and equal pairs are hashed once, compared by value.
 */
export function merkleRoot(hash: HashFunction, leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return hash();
  const digest = binaryDigestOf(hash);
  let level: string[] = [];
  let previous: Uint8Array | null = null;
  let previousHash = '';
  for (const leaf of leaves) {
    if (previous === null || !bytesEqual(previous, leaf)) {
      previous = leaf;
      previousHash = digest(taggedInput(LEAF_PREFIX, leaf));
    }
    level.push(previousHash);
  }
  while (level.length > 1) {
    const next: string[] = [];
    let lastLeft = '';
    let lastRight = '';
    let lastParent = '';
    for (let i = 0; i + 1 < level.length; i += 2) {
      const left = level[i]!;
      const right = level[i + 1]!;
      if (lastParent === '' || left !== lastLeft || right !== lastRight) {
        lastLeft = left;
        lastRight = right;
        lastParent = digest(pairInput(left, right));
      }
      next.push(lastParent);
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return latin1Bytes(level[0]!);
}

/** tag ‖ data, in the reused input when data is a 32-byte hash. */
function taggedInput(tag: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length !== 32) {
    const input = new Uint8Array(1 + data.length);
    input[0] = tag[0]!;
    input.set(data, 1);
    return input;
  }
  const input = TAGGED_ONE;
  input[0] = tag[0]!;
  for (let i = 0; i < 32; i++) input[1 + i] = data[i]!;
  return input;
}

/** 0x01 ‖ left ‖ right for two 32-byte digests given as strings, in the reused input. */
function pairInput(left: string, right: string): Uint8Array {
  const input = TAGGED_TWO;
  input[0] = NODE_PREFIX[0]!;
  for (let i = 0; i < 32; i++) {
    input[1 + i] = left.charCodeAt(i);
    input[33 + i] = right.charCodeAt(i);
  }
  return input;
}

export interface MerkleInclusionProof {
  readonly leafIndex: number;
  readonly leafCount: number;
  /** Sibling hashes from the leaf's level up to just below the root. */
  readonly siblings: readonly Uint8Array[];
}

export function merkleInclusionProof(
  hash: HashFunction,
  leaves: readonly Uint8Array[],
  leafIndex: number,
): MerkleInclusionProof {
  if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= leaves.length) {
    throw new LedgerError('BAD_PROOF', `leaf index ${leafIndex} outside 0..${leaves.length - 1}`, {
      leafIndex,
    });
  }
  const siblings: Uint8Array[] = [];
  let level = leafHashesOf(hash, leaves);
  let index = leafIndex;
  while (level.length > 1) {
    const sibling = index ^ 1;
    if (sibling < level.length) siblings.push(level[sibling]!);
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(merkleNodeHash(hash, level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
    index >>= 1;
  }
  return { leafIndex, leafCount: leaves.length, siblings };
}

/** Recomputes the root from a leaf and its proof; true when it equals the expected root. */
export function verifyMerkleInclusion(
  hash: HashFunction,
  leaf: Uint8Array,
  proof: MerkleInclusionProof,
  expectedRoot: Uint8Array,
): boolean {
  const { leafIndex, leafCount, siblings } = proof;
  if (
    !Number.isInteger(leafCount) ||
    !Number.isInteger(leafIndex) ||
    leafIndex < 0 ||
    leafIndex >= leafCount
  ) {
    return false;
  }
  let node = merkleLeafHash(hash, leaf);
  let index = leafIndex;
  let width = leafCount;
  let used = 0;
  while (width > 1) {
    const sibling = index ^ 1;
    if (sibling < width) {
      const next = siblings[used++];
      if (next === undefined) return false;
      node = index % 2 === 0 ? merkleNodeHash(hash, node, next) : merkleNodeHash(hash, next, node);
    }
    index >>= 1;
    width = Math.ceil(width / 2);
  }
  return used === siblings.length && bytesEqual(node, expectedRoot);
}
