/**
 * Maximum over leaves, answering "the first leaf in a range whose value reaches a threshold" in a
 * logarithmic descent. The priority pairing keeps what each bid's user can still absorb in it,
 * bids in priority order, so the first bid that can take a seller's rest is one search.
 */
export class MaxTree {
  private readonly size: number;
  private readonly max: Float64Array;

  constructor(count: number) {
    let size = 1;
    while (size < count) size *= 2;
    this.size = size;
    this.max = new Float64Array(2 * size);
  }

  /** Sets the first `count` leaves at once, then every inner node bottom-up. */
  build(value: (index: number) => number, count: number): void {
    const max = this.max;
    for (let i = 0; i < count; i++) max[this.size + i] = value(i);
    for (let node = this.size - 1; node >= 1; node--)
      max[node] = Math.max(max[2 * node]!, max[2 * node + 1]!);
  }

  leaf(index: number): number {
    return this.max[this.size + index]!;
  }

  /** The largest value of all. */
  root(): number {
    return this.max[1]!;
  }

  set(index: number, value: number): void {
    let node = this.size + index;
    this.max[node] = value;
    for (node >>= 1; node >= 1; node >>= 1) {
      const next = Math.max(this.max[2 * node]!, this.max[2 * node + 1]!);
      if (this.max[node] === next) break;
      this.max[node] = next;
    }
  }

  /** The first index below `limit` whose value is at least `need` (need > 0), or -1. */
  first(limit: number, need: number): number {
    const max = this.max;
    if (limit <= 0 || max[1]! < need) return -1;
    // Walk down, preferring the left child; when a subtree fails, climb to the next right sibling.
    let node = 1;
    let lo = 0;
    let span = this.size;
    for (;;) {
      // Nodes are visited left to right: past the limit nothing further can qualify.
      if (lo >= limit) return -1;
      if (max[node]! >= need) {
        if (span === 1) return lo;
        node *= 2;
        span >>= 1;
        continue;
      }
      // Climb while this node is a right child, then step to the right sibling.
      while (node & 1) {
        node >>= 1;
        span *= 2;
        lo -= span / 2;
        if (node === 1) return -1;
      }
      if (node === 1) return -1;
      node += 1;
      lo += span;
    }
  }

  /** The first index in [from, limit) whose value is at least `need` (need > 0), or -1. */
  firstFrom(from: number, limit: number, need: number): number {
    const max = this.max;
    const size = this.size;
    if (from >= limit || max[1]! < need) return -1;
    // Up from the leaf: the subtrees met to the right of `from` cover what follows it, in order.
    let node = size + from;
    let span = 1;
    for (;;) {
      if (max[node]! >= need) {
        while (node < size) {
          node *= 2;
          if (max[node]! < need) node++;
        }
        const index = node - size;
        return index < limit ? index : -1;
      }
      while (node & 1) {
        node >>= 1;
        span *= 2;
      }
      // Past the root: nothing to the right is left.
      if (node === 0) return -1;
      node++;
      if (node * span - size >= limit) return -1;
    }
  }
}
