/**
 * The clearing walk's question "which offer does this bid take next" for books with many
 * location groups, without looking at every group for every pair. The answer is the one the plain
 * scan over groups gives: the lowest offer price plus crossing fee, then the lower fee, then the
 * earlier offer, among groups the bid's group may buy from.
 *
 * For one bid group the offer groups fall into runs of equal fee (few: fees come from a short
 * tariff). Within a run the fee is common, so its best offer is the group head with the lowest
 * (price, offer index); each run keeps its groups in a min-heap on that key. A group's head only
 * moves forward in its price-ascending queue, so its key only grows: a heap entry may be stale,
 * never too high. The top is refreshed (re-keyed and sifted down) until it is current, and a
 * current top is the run's minimum. The runs of a bid group are compared as the scan compares
 * groups; a run's heap is built the first time one of its bids asks.
 */

type Matrix<T> = readonly (readonly T[])[];

interface Column {
  /** The offer groups a bid group may buy from, by fee then group number. */
  readonly groups: Int32Array;
  /** Run r is groups[start[r]] … groups[start[r + 1] - 1], all at fee[r]. */
  readonly start: Int32Array;
  readonly fee: Float64Array;
}

interface Columns {
  readonly allowed: Matrix<boolean> | undefined;
  readonly groupCount: number;
  readonly byBidGroup: Map<number, Column>;
}

// The fee matrix of a match serves every interval: its columns are sorted once. The matrices are
// read as immutable, as the clearing reads them.
const columnCache = new WeakMap<object, Columns>();

function columnsFor(
  fees: Matrix<number> | undefined,
  allowed: Matrix<boolean> | undefined,
  groupCount: number,
): Columns {
  const owner = fees ?? allowed;
  const cached = owner === undefined ? undefined : columnCache.get(owner);
  if (cached !== undefined && cached.allowed === allowed && cached.groupCount === groupCount) return cached;
  const columns: Columns = { allowed, groupCount, byBidGroup: new Map() };
  if (owner !== undefined) columnCache.set(owner, columns);
  return columns;
}

function buildColumn(
  fees: Matrix<number> | undefined,
  allowed: Matrix<boolean> | undefined,
  groupCount: number,
  bidGroup: number,
): Column {
  const list: number[] = [];
  for (let g = 0; g < groupCount; g++) if (!(allowed && allowed[g]?.[bidGroup] === false)) list.push(g);
  const feeOf = (g: number) => (fees ? (fees[g]?.[bidGroup] ?? 0) : 0);
  list.sort((a, b) => feeOf(a) - feeOf(b) || a - b);
  const start: number[] = [];
  const fee: number[] = [];
  for (let k = 0; k < list.length; k++) {
    if (k === 0 || feeOf(list[k]!) !== feeOf(list[k - 1]!)) {
      start.push(k);
      fee.push(feeOf(list[k]!));
    }
  }
  start.push(list.length);
  return { groups: Int32Array.from(list), start: Int32Array.from(start), fee: Float64Array.from(fee) };
}

/** A min-heap of groups on their head's (price, offer index), refreshed lazily. */
class HeadHeap {
  private size = 0;
  private readonly group: Int32Array;
  /** The head position each entry was keyed at; another position means the entry is stale. */
  private readonly at: Int32Array;
  private readonly price: Float64Array;
  private readonly offer: Float64Array;

  constructor(
    groups: ArrayLike<number>,
    from: number,
    to: number,
    private readonly heads: OfferHeads,
  ) {
    const capacity = to - from;
    this.group = new Int32Array(capacity);
    this.at = new Int32Array(capacity);
    this.price = new Float64Array(capacity);
    this.offer = new Float64Array(capacity);
    for (let k = from; k < to; k++) {
      const g = groups[k]!;
      const offer = heads.headOffer(g);
      if (offer < 0) continue;
      const n = this.size++;
      this.group[n] = g;
      this.at[n] = heads.position[g]!;
      this.price[n] = heads.offerPrice[offer]!;
      this.offer[n] = offer;
    }
    for (let n = (this.size >> 1) - 1; n >= 0; n--) this.down(n);
  }

  /** The group whose head is least, or -1 once every group is exhausted. */
  top(): number {
    const heads = this.heads;
    while (this.size > 0) {
      const g = this.group[0]!;
      const position = heads.position[g]!;
      if (position === this.at[0]) return g;
      const offer = heads.headOffer(g);
      if (offer < 0) {
        const last = --this.size;
        this.move(last, 0);
      } else {
        this.at[0] = position;
        this.price[0] = heads.offerPrice[offer]!;
        this.offer[0] = offer;
      }
      this.down(0);
    }
    return -1;
  }

  private less(a: number, b: number): boolean {
    const pa = this.price[a]!;
    const pb = this.price[b]!;
    return pa < pb || (pa === pb && this.offer[a]! < this.offer[b]!);
  }

  private move(from: number, to: number): void {
    this.group[to] = this.group[from]!;
    this.at[to] = this.at[from]!;
    this.price[to] = this.price[from]!;
    this.offer[to] = this.offer[from]!;
  }

  private swap(a: number, b: number): void {
    const group = this.group[a]!;
    const at = this.at[a]!;
    const price = this.price[a]!;
    const offer = this.offer[a]!;
    this.move(b, a);
    this.group[b] = group;
    this.at[b] = at;
    this.price[b] = price;
    this.offer[b] = offer;
  }

  private down(n: number): void {
    for (;;) {
      const left = 2 * n + 1;
      if (left >= this.size) return;
      const right = left + 1;
      const child = right < this.size && this.less(right, left) ? right : left;
      if (!this.less(child, n)) return;
      this.swap(child, n);
      n = child;
    }
  }
}

/**
 * The offer queues of one interval (one price-ascending queue per location group, `position`
 * the head of each) and the runs of every bid group that asks. After `best` the chosen offer is
 * in `group`, `offer`, `fee` and `effective`.
 */
export class OfferHeads {
  group = -1;
  offer = 0;
  fee = 0;
  effective = 0;
  private readonly columns: Columns;
  private readonly runs = new Map<number, HeadHeap[]>();
  private readonly all: HeadHeap;

  constructor(
    private readonly queues: readonly number[][],
    readonly position: number[],
    readonly offerPrice: ArrayLike<number>,
    private readonly fees: Matrix<number> | undefined,
    private readonly allowed: Matrix<boolean> | undefined,
  ) {
    this.columns = columnsFor(fees, allowed, queues.length);
    const every = Int32Array.from(queues.keys());
    this.all = new HeadHeap(every, 0, every.length, this);
  }

  /** The offer at the head of a group's queue, or -1 when the queue is used up. */
  headOffer(g: number): number {
    const queue = this.queues[g]!;
    const head = this.position[g]!;
    return head < queue.length ? queue[head]! : -1;
  }

  /** The lowest head price over every group, barred or not; +∞ once all are used up. */
  cheapestHead(): number {
    const g = this.all.top();
    return g < 0 ? Number.POSITIVE_INFINITY : this.offerPrice[this.headOffer(g)]!;
  }

  /** Finds the offer a bid of `bidGroup` takes next; false when it may buy from none. */
  best(bidGroup: number): boolean {
    let runs = this.runs.get(bidGroup);
    let column: Column | undefined;
    if (runs === undefined) {
      column = this.columns.byBidGroup.get(bidGroup);
      if (column === undefined) {
        column = buildColumn(this.fees, this.allowed, this.columns.groupCount, bidGroup);
        this.columns.byBidGroup.set(bidGroup, column);
      }
      runs = [];
      for (let r = 0; r + 1 < column.start.length; r++) {
        runs.push(new HeadHeap(column.groups, column.start[r]!, column.start[r + 1]!, this));
      }
      this.runs.set(bidGroup, runs);
    }
    column ??= this.columns.byBidGroup.get(bidGroup)!;
    this.group = -1;
    for (let r = 0; r < runs.length; r++) {
      const g = runs[r]!.top();
      if (g < 0) continue;
      const offer = this.headOffer(g);
      const fee = column.fee[r]!;
      const effective = this.offerPrice[offer]! + fee;
      if (
        this.group < 0 ||
        effective < this.effective ||
        (effective === this.effective && (fee < this.fee || (fee === this.fee && offer < this.offer)))
      ) {
        this.group = g;
        this.offer = offer;
        this.fee = fee;
        this.effective = effective;
      }
    }
    return this.group >= 0;
  }
}
