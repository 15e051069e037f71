import { type BinaryDigest, binaryDigestOf, bytesEqual, latin1, latin1Bytes } from '../crypto/hash.js';
import { LedgerError } from './errors.js';
import { type HashFunction, hashTagged2 } from './merkle.js';
import type { AuthenticatedState, StringKeyedState } from './state-interface.js';

/**
 * The authenticated state: a sparse Merkle tree over 256-bit paths (the hash of each key). Its root
 * commits to every key/value pair, and a proof of log2(n) hashes shows that a key holds a value, or
 * that it holds none.
 *
 * The tree is compacted: a subtree that holds a single leaf is represented by that leaf, wherever
 * it sits, and an empty subtree hashes to 32 zero bytes. So a tree of n keys is about log2(n) deep,
 * not 256, and an update costs about log2(n) hashes. Prefixes separate leaves (0x00) from inner
 * nodes (0x01), so neither can be passed off as the other.
 *
 * Structure and hashing wait for `root()` (or a proof): a write only records the key's new leaf.
 * The root then places every leaf written since the last one in a single pass down the tree, which
 * visits each branch on their paths once and marks it stale, and hashes each stale branch once, so
 * a key written several times is hashed once. The path of a key is hashed when the key is first
 * written and kept while the key exists.
 *
 * Inside the tree, paths and hashes are latin1 strings (one character per byte), as node:crypto
 * returns them: the tree keeps two or three digests per key and one per branch, and a short string
 * is one heap object where a typed array is several, so each block's new nodes cost the garbage
 * collector far less. They become bytes only where they leave the tree (the root, proofs).
 */

export const EMPTY_SUBTREE = new Uint8Array(32);
const EMPTY_HASH = latin1(EMPTY_SUBTREE);
const LEAF_PREFIX = new Uint8Array([0]);
const NODE_PREFIX = new Uint8Array([1]);
const LEAF_TAG = 0;
const NODE_TAG = 1;

interface Leaf {
  readonly kind: 'leaf';
  /** The digest of the key, the leaf's place in the tree. */
  readonly path: string;
  /** The key as a latin1 string (`keyString`). */
  readonly name: string;
  readonly value: Uint8Array;
  /**
   * H(value) and the leaf hash, filled when first needed. A leaf never changes (a write makes a
   * new one), so a leaf shared with a snapshot may fill them at any time.
   */
  valueHash: string | null;
  hash: string | null;
}

interface Branch {
  readonly kind: 'branch';
  left: TreeNode | null;
  right: TreeNode | null;
  /** null while a descendant has changed since the last root computation. */
  hash: string | null;
  /**
   * The tree generation that created this branch. A branch from an earlier generation may be
   * shared with a snapshot, so a change copies it instead of editing it in place.
   */
  readonly generation: number;
}

type TreeNode = Leaf | Branch;

/** A write not yet placed in the tree: the key's new leaf, or the path of a deleted key. */
type PendingWrite = Leaf | { readonly kind: 'deleted'; readonly path: string };

function bitAt(path: Uint8Array, depth: number): 0 | 1 {
  return ((path[depth >> 3]! >> (7 - (depth & 7))) & 1) as 0 | 1;
}

function bitOf(path: string, depth: number): 0 | 1 {
  return ((path.charCodeAt(depth >> 3) >> (7 - (depth & 7))) & 1) as 0 | 1;
}

/** The input of one leaf or branch hash, filled in place: digests read it at once and keep nothing. */
const TAGGED_INPUT = new Uint8Array(65);

/** H(tag ‖ a ‖ b) for two 32-byte digests given as strings. */
function taggedDigest(digest: BinaryDigest, tag: number, a: string, b: string): string {
  const input = TAGGED_INPUT;
  input[0] = tag;
  for (let i = 0; i < 32; i++) {
    input[1 + i] = a.charCodeAt(i);
    input[33 + i] = b.charCodeAt(i);
  }
  return digest(input);
}

/** What a proof ends on, below its last sibling. */
export type StateProofTerminal =
  | { readonly kind: 'empty' }
  | { readonly kind: 'leaf'; readonly path: Uint8Array; readonly valueHash: Uint8Array };

export interface StateProof {
  /** Sibling hashes from the root downwards; their count is the depth of the terminal. */
  readonly siblings: readonly Uint8Array[];
  readonly terminal: StateProofTerminal;
}

/**
 * The tree as it was when `SparseMerkleTree.snapshot` was called: later changes to the tree copy
 * the branches they touch, so this view keeps answering for the same root without copying the
 * state. Reads walk the tree (one hash of the key, then about log2(n) steps).
 */
export class StateSnapshot {
  constructor(
    private readonly digest: BinaryDigest,
    private readonly rootNode: TreeNode | null,
    readonly root: Uint8Array,
  ) {}

  get(key: Uint8Array): Uint8Array | undefined {
    const path = this.digest(key);
    let node = this.rootNode;
    for (let depth = 0; node !== null && node.kind === 'branch'; depth++) {
      node = bitOf(path, depth) === 0 ? node.left : node.right;
    }
    return node !== null && node.name === latin1(key) ? node.value : undefined;
  }

  prove(key: Uint8Array): StateProof {
    return proveIn(this.digest, this.rootNode, key);
  }
}

export class SparseMerkleTree implements AuthenticatedState, StringKeyedState {
  private rootNode: TreeNode | null = null;
  private readonly values = new Map<string, Leaf>();
  /**
   * Writes since the tree's structure was last brought up to date, by key string (the last write
   * of each key). Reads answer from `values`; the structure is needed only for a root, a proof or
   * a snapshot, and all pending writes are placed then in one pass (`place`).
   */
  private readonly pending = new Map<string, PendingWrite>();
  private generation = 0;
  private readonly digest: BinaryDigest;

  constructor(hash: HashFunction) {
    this.digest = binaryDigestOf(hash);
  }

  get size(): number {
    return this.values.size;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.values.get(latin1(key))?.value;
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.setByString(latin1(key), new Uint8Array(value));
  }

  delete(key: Uint8Array): void {
    this.deleteByString(latin1(key));
  }

  /** Reads by key string (`keyString`): what an overlay on this tree passes, with no conversion. */
  getByString(name: string): Uint8Array | undefined {
    return this.values.get(name)?.value;
  }

  /** Writes by key string; `value` is taken over, not copied. */
  setByString(name: string, value: Uint8Array): void {
    // A key written before keeps its path: no hash on an update.
    const path = this.values.get(name)?.path ?? this.digest(latin1Bytes(name));
    const leaf: Leaf = { kind: 'leaf', path, name, value, valueHash: null, hash: null };
    this.values.set(name, leaf);
    this.pending.set(name, leaf);
  }

  deleteByString(name: string): void {
    const existing = this.values.get(name);
    if (existing === undefined) return;
    this.values.delete(name);
    this.pending.set(name, { kind: 'deleted', path: existing.path });
  }

  root(): Uint8Array {
    return latin1Bytes(this.rootHash());
  }

  private rootHash(): string {
    this.place();
    return this.rootNode === null ? EMPTY_HASH : nodeHash(this.digest, this.rootNode);
  }

  /** Every key/value pair, in no particular order. */
  *entries(): IterableIterator<[Uint8Array, Uint8Array]> {
    for (const [name, leaf] of this.values) yield [latin1Bytes(name), leaf.value];
  }

  /** A membership proof when the key is present, a non-membership proof when it is not. */
  prove(key: Uint8Array): StateProof {
    this.place();
    return proveIn(this.digest, this.rootNode, key);
  }

  /**
   * An immutable view of the tree as it is now. It costs the root computation and nothing else:
   * from here on, a change copies each branch of an earlier generation on its path (about log2(n)
   * small objects per changed key) rather than editing it, so the snapshot's branches stay as they
   * are. The root is computed the same way with or without snapshots.
   */
  snapshot(): StateSnapshot {
    const root = this.root();
    this.generation++;
    return new StateSnapshot(this.digest, this.rootNode, root);
  }

  /** The branch itself when this generation made it, otherwise a copy to edit. */
  private own(node: Branch): Branch {
    if (node.generation === this.generation) return node;
    return {
      kind: 'branch',
      left: node.left,
      right: node.right,
      hash: node.hash,
      generation: this.generation,
    };
  }

  /**
   * Places the pending writes in the structure. The shape depends only on the set of keys, so the
   * order does not matter: deletes go one by one (they are rare), and the new leaves go in together,
   * each branch on their paths visited once however many of them pass through it.
   */
  private place(): void {
    if (this.pending.size === 0) return;
    const leaves: Leaf[] = [];
    for (const write of this.pending.values()) {
      if (write.kind === 'leaf') leaves.push(write);
      else if (this.holds(write.path)) this.rootNode = this.remove(this.rootNode, write.path, 0);
    }
    this.pending.clear();
    this.rootNode = this.insertAll(this.rootNode, leaves, 0, leaves.length, 0);
  }

  /** Whether the structure has a leaf at `path`. */
  private holds(path: string): boolean {
    let node = this.rootNode;
    for (let depth = 0; node !== null && node.kind === 'branch'; depth++) {
      node = bitOf(path, depth) === 0 ? node.left : node.right;
    }
    return node !== null && node.path === path;
  }

  /** Inserts leaves[from..to), whose paths all lead to `node` at `depth` (the array is reordered). */
  private insertAll(
    node: TreeNode | null,
    leaves: Leaf[],
    from: number,
    to: number,
    depth: number,
  ): TreeNode | null {
    if (from === to) return node;
    if (to - from === 1) return this.insert(node, leaves[from]!, depth);
    if (node === null) return this.build(leaves, from, to, depth);
    if (node.kind === 'leaf') {
      // Several new leaves where one old one sits: their own subtree, then the old leaf unless one
      // of them is its key's new value.
      let replaced = false;
      for (let i = from; i < to && !replaced; i++) replaced = leaves[i]!.path === node.path;
      const built = this.build(leaves, from, to, depth);
      return replaced ? built : this.insert(built, node, depth);
    }
    const own = this.own(node);
    const middle = partitionByBit(leaves, from, to, depth);
    own.left = this.insertAll(own.left, leaves, from, middle, depth + 1);
    own.right = this.insertAll(own.right, leaves, middle, to, depth + 1);
    own.hash = null;
    return own;
  }

  /**
   * The compact subtree of leaves[from..to) (at least one leaf) at `depth`: what inserting them
   * one by one into an empty slot gives.
   */
  private build(leaves: Leaf[], from: number, to: number, depth: number): TreeNode {
    if (to - from === 1) return leaves[from]!;
    if (depth >= 256) throw new LedgerError('STORE_CORRUPT', 'two state keys share a path', {});
    const middle = partitionByBit(leaves, from, to, depth);
    return {
      kind: 'branch',
      left: middle > from ? this.build(leaves, from, middle, depth + 1) : null,
      right: middle < to ? this.build(leaves, middle, to, depth + 1) : null,
      hash: null,
      generation: this.generation,
    };
  }

  private insert(node: TreeNode | null, leaf: Leaf, depth: number): TreeNode {
    if (node === null) return leaf;
    if (node.kind === 'leaf') {
      if (node.path === leaf.path) return leaf;
      return this.split(node, leaf, depth);
    }
    const own = this.own(node);
    if (bitOf(leaf.path, depth) === 0) own.left = this.insert(own.left, leaf, depth + 1);
    else own.right = this.insert(own.right, leaf, depth + 1);
    own.hash = null;
    return own;
  }

  /** Two leaves in one slot: branches down to the first bit where their paths differ. */
  private split(existing: Leaf, added: Leaf, depth: number): Branch {
    const a = bitOf(existing.path, depth);
    const b = bitOf(added.path, depth);
    const generation = this.generation;
    if (a === b) {
      const child = this.split(existing, added, depth + 1);
      return a === 0
        ? { kind: 'branch', left: child, right: null, hash: null, generation }
        : { kind: 'branch', left: null, right: child, hash: null, generation };
    }
    return a === 0
      ? { kind: 'branch', left: existing, right: added, hash: null, generation }
      : { kind: 'branch', left: added, right: existing, hash: null, generation };
  }

  private remove(node: TreeNode | null, path: string, depth: number): TreeNode | null {
    if (node === null) return null;
    if (node.kind === 'leaf') return node.path === path ? null : node;
    const own = this.own(node);
    if (bitOf(path, depth) === 0) own.left = this.remove(own.left, path, depth + 1);
    else own.right = this.remove(own.right, path, depth + 1);
    own.hash = null;
    // Keep the tree compact: a branch left with one leaf and nothing else becomes that leaf.
    if (own.left === null && own.right === null) return null;
    if (own.left === null && own.right?.kind === 'leaf') return own.right;
    if (own.right === null && own.left?.kind === 'leaf') return own.left;
    return own;
  }
}

/** Reorders leaves[from..to) so those with bit 0 at `depth` come first; returns where bit 1 starts. */
function partitionByBit(leaves: Leaf[], from: number, to: number, depth: number): number {
  let low = from;
  let high = to - 1;
  while (low <= high) {
    if (bitOf(leaves[low]!.path, depth) === 0) {
      low++;
    } else {
      const swap = leaves[low]!;
      leaves[low] = leaves[high]!;
      leaves[high] = swap;
      high--;
    }
  }
  return low;
}

/**
 * A node's hash, cached on the node. A branch shared with a snapshot was hashed before the
 * snapshot was taken, so a branch's cache is only ever filled in the current generation; a leaf's
 * may be filled later, by a proof, since its content never changes.
 */
function nodeHash(digest: BinaryDigest, node: TreeNode): string {
  if (node.kind === 'leaf') {
    if (node.hash === null) node.hash = taggedDigest(digest, LEAF_TAG, node.path, valueHashOf(digest, node));
    return node.hash;
  }
  if (node.hash === null) {
    const left = node.left === null ? EMPTY_HASH : nodeHash(digest, node.left);
    const right = node.right === null ? EMPTY_HASH : nodeHash(digest, node.right);
    node.hash = taggedDigest(digest, NODE_TAG, left, right);
  }
  return node.hash;
}

function proveIn(digest: BinaryDigest, rootNode: TreeNode | null, key: Uint8Array): StateProof {
  const path = digest(key);
  const siblings: Uint8Array[] = [];
  let node = rootNode;
  let depth = 0;
  while (node !== null && node.kind === 'branch') {
    const bit = bitOf(path, depth);
    const sibling = bit === 0 ? node.right : node.left;
    siblings.push(sibling === null ? new Uint8Array(32) : latin1Bytes(nodeHash(digest, sibling)));
    node = bit === 0 ? node.left : node.right;
    depth++;
  }
  if (node === null) return { siblings, terminal: { kind: 'empty' } };
  return {
    siblings,
    terminal: {
      kind: 'leaf',
      path: latin1Bytes(node.path),
      valueHash: latin1Bytes(valueHashOf(digest, node)),
    },
  };
}

function valueHashOf(digest: BinaryDigest, leaf: Leaf): string {
  if (leaf.valueHash === null) leaf.valueHash = digest(leaf.value);
  return leaf.valueHash;
}

function leafHash(hash: HashFunction, path: Uint8Array, valueHash: Uint8Array): Uint8Array {
  return hashTagged2(hash, LEAF_PREFIX, path, valueHash);
}

/**
 * Checks a proof against a root: that `key` holds `value`, or, with `value` undefined, that it
 * holds nothing. Needs only the hash function, the root and the proof.
 */
export function verifyStateProof(
  hash: HashFunction,
  root: Uint8Array,
  key: Uint8Array,
  value: Uint8Array | undefined,
  proof: StateProof,
): boolean {
  const path = hash(key);
  const depth = proof.siblings.length;
  if (depth > 256) return false;
  let node: Uint8Array;
  const { terminal } = proof;
  if (terminal.kind === 'empty') {
    if (value !== undefined) return false;
    node = EMPTY_SUBTREE;
  } else {
    if (terminal.path.length !== 32 || terminal.valueHash.length !== 32) return false;
    const samePath = bytesEqual(terminal.path, path);
    if (value !== undefined) {
      if (!samePath || !bytesEqual(terminal.valueHash, hash(value))) return false;
    } else {
      // Another key's leaf in this key's slot proves absence, if it really shares the slot's prefix.
      if (samePath) return false;
      for (let d = 0; d < depth; d++) if (bitAt(terminal.path, d) !== bitAt(path, d)) return false;
    }
    node = leafHash(hash, terminal.path, terminal.valueHash);
  }
  for (let d = depth - 1; d >= 0; d--) {
    const sibling = proof.siblings[d]!;
    if (sibling.length !== 32) return false;
    node =
      bitAt(path, d) === 0
        ? hashTagged2(hash, NODE_PREFIX, node, sibling)
        : hashTagged2(hash, NODE_PREFIX, sibling, node);
  }
  return bytesEqual(node, root);
}

export function assertStateProof(
  hash: HashFunction,
  root: Uint8Array,
  key: Uint8Array,
  value: Uint8Array | undefined,
  proof: StateProof,
): void {
  if (!verifyStateProof(hash, root, key, value, proof)) {
    throw new LedgerError('BAD_PROOF', 'state proof does not match the root', {});
  }
}
