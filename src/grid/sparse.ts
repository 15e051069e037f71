import { GridError } from './errors.js';

/**
 * A small sparse direct solver for the Newton-Raphson Jacobian. Rows are maps from column to
 * value; elimination follows a fixed symmetric ordering (minimum degree, ties to the lower index,
 * so it is the same on every machine) and keeps every structural entry, which makes the fill
 * pattern symmetric and spares a column index. Pivots stay on the diagonal: power-flow Jacobians
 * in polar form have dominant diagonal blocks, and a vanishing pivot is reported, not hidden.
 */
export class SparseMatrix {
  readonly rows: Map<number, number>[];

  constructor(readonly size: number) {
    this.rows = Array.from({ length: size }, () => new Map<number, number>());
  }

  add(row: number, col: number, value: number): void {
    const r = this.rows[row]!;
    r.set(col, (r.get(col) ?? 0) + value);
  }
}

/** Solves A·x = rhs in place of rhs (A is consumed). `order` lists the variables in pivot order. */
export function solveSparse(a: SparseMatrix, rhs: Float64Array, order: Int32Array): Float64Array {
  const size = a.size;
  const position = new Int32Array(size);
  for (let s = 0; s < size; s++) position[order[s]!] = s;
  for (let s = 0; s < size; s++) {
    const p = order[s]!;
    const pivotRow = a.rows[p]!;
    const pivot = pivotRow.get(p) ?? 0;
    if (!(Math.abs(pivot) > 1e-300) || !Number.isFinite(pivot)) {
      throw new GridError('SINGULAR_JACOBIAN', `the Jacobian is singular at variable ${p}`, { variable: p });
    }
    for (const r of pivotRow.keys()) {
      if (position[r]! <= s) continue;
      const row = a.rows[r]!;
      const entry = row.get(p);
      if (entry === undefined) continue;
      const factor = entry / pivot;
      row.delete(p);
      if (factor === 0) continue;
      for (const [c, v] of pivotRow) {
        if (position[c]! <= s) continue;
        row.set(c, (row.get(c) ?? 0) - factor * v);
      }
      rhs[r]! -= factor * rhs[p]!;
    }
  }
  const x = new Float64Array(size);
  for (let s = size - 1; s >= 0; s--) {
    const p = order[s]!;
    const row = a.rows[p]!;
    let sum = rhs[p]!;
    for (const [c, v] of row) if (position[c]! > s) sum -= v * x[c]!;
    x[p] = sum / row.get(p)!;
  }
  return x;
}

/**
 * Minimum-degree ordering of an undirected graph given as neighbour lists. Eliminating a node
 * joins its neighbours into a clique, as elimination does to the matrix; choosing the node of
 * least degree first keeps that fill small.
 */
export function minimumDegreeOrder(neighbours: readonly (readonly number[])[]): Int32Array {
  const n = neighbours.length;
  const adjacency = neighbours.map((list) => new Set(list));
  const eliminated = new Uint8Array(n);
  const order = new Int32Array(n);
  const heap = new MinHeap();
  for (let i = 0; i < n; i++) heap.push(adjacency[i]!.size, i);
  let count = 0;
  while (count < n) {
    const [degree, node] = heap.pop();
    if (eliminated[node] === 1 || degree !== adjacency[node]!.size) continue;
    eliminated[node] = 1;
    order[count++] = node;
    const around = [...adjacency[node]!].sort((x, y) => x - y);
    for (const u of around) {
      const set = adjacency[u]!;
      set.delete(node);
      for (const v of around) if (v !== u) set.add(v);
      heap.push(set.size, u);
    }
    adjacency[node]!.clear();
  }
  return order;
}

/** Binary heap of (key, node) pairs ordered by key, then node. Stale entries are skipped by the caller. */
class MinHeap {
  private readonly keys: number[] = [];
  private readonly nodes: number[] = [];

  push(key: number, node: number): void {
    this.keys.push(key);
    this.nodes.push(node);
    let i = this.keys.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): [number, number] {
    const top: [number, number] = [this.keys[0]!, this.nodes[0]!];
    const lastKey = this.keys.pop()!;
    const lastNode = this.nodes.pop()!;
    if (this.keys.length > 0) {
      this.keys[0] = lastKey;
      this.nodes[0] = lastNode;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.keys.length && this.less(l, m)) m = l;
        if (r < this.keys.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    const ka = this.keys[a]!;
    const kb = this.keys[b]!;
    return ka < kb || (ka === kb && this.nodes[a]! < this.nodes[b]!);
  }

  private swap(a: number, b: number): void {
    [this.keys[a], this.keys[b]] = [this.keys[b]!, this.keys[a]!];
    [this.nodes[a], this.nodes[b]] = [this.nodes[b]!, this.nodes[a]!];
  }
}
