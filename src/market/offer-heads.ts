/**
 * The clearing walk's question "which offer does this bid take next" for books with many
 * location groups, without looking at every group for every pair. The answer is the one the plain
 * scan over groups gives: the lowest offer price plus crossing fee, then the lower fee, then the
 * earlier offer, among groups the bid's group may buy from.
 *
 * Every group with offers left stands in one array ordered by its head's (price, offer index). A
 * head only moves forward in its price-ascending queue, so a group only moves back in that order.
 * For one bid group the offer groups fall into runs of equal fee (few: fees come from a short
 * tariff). Within a run the fee is common, so the run's best is its first group in the order. A
 * small run is scanned; for the large ones the order is walked from the front until each has
 * shown its first group, or until no run still unseen can beat the best so far.
 */

type Matrix<T> = readonly (readonly T[])[];

/** Runs of at most this many groups are scanned rather than found in the order. */
const SMALL_RUN = 16;

interface Column {
  /** The offer groups a bid group may buy from, by fee then group number. */
  readonly groups: Int32Array;
  /** Run r is groups[start[r]] … groups[start[r + 1] - 1], all at fee[r]. */
  readonly start: Int32Array;
  readonly fee: Float64Array;
  /** The run of each offer group; -1 for barred groups and for groups of small runs. */
  readonly largeRunOf: Int32Array;
  /** The large runs, by fee. */
  readonly large: Int32Array;
  readonly small: Int32Array;
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
  const largeRunOf = new Int32Array(groupCount).fill(-1);
  const large: number[] = [];
  const small: number[] = [];
  for (let r = 0; r < fee.length; r++) {
    if (start[r + 1]! - start[r]! <= SMALL_RUN) {
      small.push(r);
      continue;
    }
    large.push(r);
    for (let k = start[r]!; k < start[r + 1]!; k++) largeRunOf[list[k]!] = r;
  }
  return {
    groups: Int32Array.from(list),
    start: Int32Array.from(start),
    fee: Float64Array.from(fee),
    largeRunOf,
    large: Int32Array.from(large),
    small: Int32Array.from(small),
  };
}

/**
 * The offer queues of one interval (one price-ascending queue per location group). The walk
 * moves a head with `advance`. After `best` the chosen offer is in `group`, `offer`, `fee` and
 * `effective`.
 */
export class OfferHeads {
  group = -1;
  offer = 0;
  fee = 0;
  effective = 0;
  private readonly columns: Columns;
  /** Groups with offers left, by their head's (price, offer); `count` of them. */
  private readonly order: Int32Array;
  private count = 0;
  /** Each group's place in `order`, -1 once its queue is used up. */
  private readonly place: Int32Array;
  private readonly price: Float64Array;
  private readonly head: Float64Array;
  private seen = new Uint8Array(0);

  constructor(
    private readonly queues: readonly number[][],
    private readonly position: number[],
    private readonly offerPrice: ArrayLike<number>,
    private readonly fees: Matrix<number> | undefined,
    private readonly allowed: Matrix<boolean> | undefined,
  ) {
    const groups = queues.length;
    this.columns = columnsFor(fees, allowed, groups);
    this.order = new Int32Array(groups);
    this.place = new Int32Array(groups).fill(-1);
    this.price = new Float64Array(groups);
    this.head = new Float64Array(groups);
    const live: number[] = [];
    for (let g = 0; g < groups; g++) if (this.key(g)) live.push(g);
    live.sort((a, b) => this.price[a]! - this.price[b]! || this.head[a]! - this.head[b]!);
    for (const g of live) {
      this.place[g] = this.count;
      this.order[this.count++] = g;
    }
  }

  /** Keys the group by its head; false when its queue is used up. */
  private key(g: number): boolean {
    const queue = this.queues[g]!;
    const at = this.position[g]!;
    if (at >= queue.length) return false;
    const offer = queue[at]!;
    this.head[g] = offer;
    this.price[g] = this.offerPrice[offer]!;
    return true;
  }

  private before(a: number, b: number): boolean {
    const pa = this.price[a]!;
    const pb = this.price[b]!;
    return pa < pb || (pa === pb && this.head[a]! < this.head[b]!);
  }

  /** Moves the group's head to its next offer and the group to its new place in the order. */
  advance(g: number): void {
    this.position[g]!++;
    const order = this.order;
    const from = this.place[g]!;
    if (!this.key(g)) {
      order.copyWithin(from, from + 1, this.count);
      this.count--;
      for (let k = from; k < this.count; k++) this.place[order[k]!] = k;
      this.place[g] = -1;
      return;
    }
    // The key only grows: the new place is at or after the old one.
    let k = from;
    while (k + 1 < this.count && this.before(order[k + 1]!, g)) {
      order[k] = order[k + 1]!;
      this.place[order[k]!] = k;
      k++;
    }
    order[k] = g;
    this.place[g] = k;
  }

  /** The lowest head price over every group, barred or not; +∞ once all are used up. */
  cheapestHead(): number {
    return this.count === 0 ? Number.POSITIVE_INFINITY : this.price[this.order[0]!]!;
  }

  private consider(g: number, fee: number): void {
    const offer = this.head[g]!;
    const effective = this.price[g]! + fee;
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

  /** Finds the offer a bid of `bidGroup` takes next; false when it may buy from none. */
  best(bidGroup: number): boolean {
    let column = this.columns.byBidGroup.get(bidGroup);
    if (column === undefined) {
      column = buildColumn(this.fees, this.allowed, this.columns.groupCount, bidGroup);
      this.columns.byBidGroup.set(bidGroup, column);
    }
    this.group = -1;
    for (let s = 0; s < column.small.length; s++) {
      const r = column.small[s]!;
      const fee = column.fee[r]!;
      for (let k = column.start[r]!; k < column.start[r + 1]!; k++) {
        const g = column.groups[k]!;
        if (this.place[g]! >= 0) this.consider(g, fee);
      }
    }
    let unseen = column.large.length;
    if (unseen === 0) return this.group >= 0;
    if (this.seen.length < column.fee.length) this.seen = new Uint8Array(column.fee.length);
    const seen = this.seen;
    seen.fill(0);
    // Large runs come by fee: the first unseen one has the lowest fee still to come.
    let next = 0;
    for (let k = 0; k < this.count && unseen > 0; k++) {
      const g = this.order[k]!;
      const lowestFee = column.fee[column.large[next]!]!;
      if (this.group >= 0 && this.price[g]! + lowestFee > this.effective) break;
      const r = column.largeRunOf[g]!;
      if (r < 0 || seen[r] === 1) continue;
      seen[r] = 1;
      unseen--;
      this.consider(g, column.fee[r]!);
      while (next < column.large.length && seen[column.large[next]!] === 1) next++;
    }
    return this.group >= 0;
  }
}
