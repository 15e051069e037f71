import { type ClearingPair, type OrderBook, type PricingRule, sortedIndices } from './clearing.js';

/**
 * Who trades with whom, once the double auction has fixed the price and how much every order
 * trades. The trading rules (paper §II.B.a) have a project trade with the nearest users who meet
 * the transaction conditions, and first with users who can absorb all its output. So sellers, in
 * offer-price order (then arrival), hand their traded quantity to bids in this priority:
 *   1. a bid whose user can absorb all of the project's remaining traded output;
 *   2. the nearest bid: lowest crossing fee (fewest, lowest levels crossed);
 *   3. the higher bid price, then the earlier bid.
 * Only pairs the walk could have made are used: the group pair is allowed, and the bid covers what
 * the buyer pays (uniform: max(clearing price, offer + fee); pay-as-bid: offer + fee). Every
 * order keeps the quantity the walk gave it, so price and volume are exactly the auction's.
 *
 * Without fees every traded bid covers the clearing price and every traded offer lies below it,
 * so the pairing always completes. With locational fees a seller may find no bid left it can reach;
 * the function then returns null and the walk's own pairs stand.
 *
 * Each bid group keeps its traded bids in bid-priority order in a max segment tree over "what the
 * bid's user can still absorb", so "the first bid in the reachable prefix whose user absorbs R" is
 * one descent: O(log n) per pair and group.
 */
export function pairByPriority(
  book: OrderBook,
  pricing: PricingRule,
  clearingPrice: number,
  bidOrder: readonly number[],
  bidTraded: Float64Array,
  offerTraded: Float64Array,
  /** Visit bid groups by fee and stop once no other can win (same pairs; for many groups). */
  indexed = false,
): ClearingPair[] | null {
  const bidGroups = book.bidGroup;
  const offerGroups = book.offerGroup;
  const bidOwner = denseOwners(book.bidOwner, bidTraded.length);
  const offerOwner = denseOwners(book.offerOwner, offerTraded.length);

  // Traded bids per group, in bid priority (price descending, then arrival: the walk's order).
  // Everything below is indexed by a bid's position in its group, so the pairing mostly reads
  // the front of a few short arrays.
  let groupCount = 0;
  const sizes: number[] = [];
  for (const bid of bidOrder) {
    if (bidTraded[bid]! === 0) continue;
    const g = bidGroups?.[bid] ?? 0;
    while (groupCount <= g) sizes[groupCount++] = 0;
    sizes[g]!++;
  }
  const groups = sizes.map((size) => ({
    ids: new Int32Array(size),
    prices: new Float64Array(size),
    left: new Float64Array(size),
    owner: new Int32Array(size),
    tree: new SegmentTree(size),
    /** Its first slot with anything left (`left.length` once none has). */
    firstLeft: 0,
  }));
  const fill = new Int32Array(groupCount);
  const ownerLeft = new Float64Array(bidOwner.identity ? 0 : bidOwner.count);
  for (const bid of bidOrder) {
    if (bidTraded[bid]! === 0) continue;
    const g = bidGroups?.[bid] ?? 0;
    const group = groups[g]!;
    const k = fill[g]!++;
    group.ids[k] = bid;
    group.prices[k] = book.bidPrice[bid]!;
    group.left[k] = bidTraded[bid]!;
    group.owner[k] = bidOwner.identity ? bid : bidOwner.of[bid]!;
    if (!bidOwner.identity) ownerLeft[bidOwner.of[bid]!]! += bidTraded[bid]!;
  }
  for (const group of groups) {
    group.tree.build(
      (k) => (bidOwner.identity ? group.left[k]! : ownerLeft[group.owner[k]!]!),
      group.ids.length,
    );
  }
  // Where each owner's traded bids sit, to refresh what each of them can absorb.
  const ownerSlots = bidOwner.identity ? null : slotsByOwner(groups, bidOwner.count);

  const traded: number[] = [];
  const projectLeft = new Float64Array(offerOwner.identity ? 0 : offerOwner.count);
  for (let i = 0; i < offerTraded.length; i++) {
    if (offerTraded[i]! === 0) continue;
    traded.push(i);
    if (!offerOwner.identity) projectLeft[offerOwner.of[i]!]! += offerTraded[i]!;
  }
  const offers = sortedIndices(book.offerPrice, false, traded);
  if (groupCount <= 1 && bidOwner.identity && offerOwner.identity && !book.crossingFee && !book.allowed) {
    return groupCount === 0 ? [] : pairPlain(book, pricing, clearingPrice, groups[0]!, offers, offerTraded);
  }

  const fees = book.crossingFee;
  const allowed = book.allowed;
  const uniform = pricing === 'uniform';
  const columns =
    indexed && groupCount <= (fees ?? allowed ?? []).length ? bidColumns(fees, allowed) : undefined;
  // The most any bid group can absorb: past the best's fee, a seller stops when none can.
  const roots = columns === undefined ? null : new SegmentTree(groupCount);
  roots?.build((h) => groups[h]!.tree.root(), groupCount);
  // Each bid group's first bid with anything left (its best bid left), as flat arrays the
  // searches read without touching the groups; -Infinity once nothing is left.
  const headPrice = new Float64Array(groupCount);
  const headBid = new Int32Array(groupCount);
  const moveHead = (h: number) => {
    const group = groups[h]!;
    while (group.firstLeft < group.left.length && group.left[group.firstLeft]! <= 0) group.firstLeft++;
    const live = group.firstLeft < group.left.length;
    headPrice[h] = live ? group.prices[group.firstLeft]! : Number.NEGATIVE_INFINITY;
    headBid[h] = live ? group.ids[group.firstLeft]! : 0;
  };
  for (let h = 0; h < groupCount; h++) moveHead(h);
  // Per offer group and block of its column, upper bounds of what its bid groups can absorb and
  // of their best bid price left: both only ever shrink, so a bound seen once stays a bound.
  const ceilings: (Ceilings | undefined)[] = [];
  const pairs: ClearingPair[] = [];
  for (const offer of offers) {
    const offerPrice = book.offerPrice[offer]!;
    const g = offerGroups?.[offer] ?? 0;
    const project = offerOwner.identity ? offer : offerOwner.of[offer]!;
    let remaining = offerTraded[offer]!;
    while (remaining > 0) {
      // Without owners the project's remaining output is this offer's.
      const output = offerOwner.identity ? remaining : projectLeft[project]!;
      let bestGroup = -1;
      let bestSlot = 0;
      let bestAbsorbs = false;
      let bestFee = 0;
      const column = columns?.[g];
      const visits = column === undefined ? groupCount : column.groups.length;
      const ceiling = column === undefined ? undefined : (ceilings[g] ??= unknownCeilings(visits));
      let blockAbsorb = 0;
      let blockPrice = Number.NEGATIVE_INFINITY;
      let blockFirstBid = 0;
      for (let k = 0; k < visits; k++) {
        const h = column === undefined ? k : column.groups[k]!;
        if (ceiling !== undefined) {
          if (k % BLOCK === 0) {
            // Skip the blocks where no group can win: one with no bid left, or none the offer
            // can reach at this fee or more, never can; once a bid that absorbs the output is
            // found (or past its fee) only one that absorbs can, at the best's fee only with a
            // price at least the best's; before that, one that absorbs or bids at least the
            // best's price.
            const bestPrice = bestGroup < 0 ? 0 : groups[bestGroup]!.prices[bestSlot]!;
            const bestBid = bestGroup < 0 ? 0 : groups[bestGroup]!.ids[bestSlot]!;
            const feeHere = column!.fee[k]!;
            const absorbOnly = bestGroup >= 0 && (bestAbsorbs || feeHere > bestFee);
            const reachable = uniform ? Math.max(clearingPrice, offerPrice + feeHere) : offerPrice + feeHere;
            let block = k / BLOCK;
            while (
              block < ceiling.absorb.length &&
              (ceiling.absorb[block]! < (absorbOnly ? output : 1) ||
                ceiling.price[block]! < reachable ||
                (bestGroup >= 0 &&
                  (bestAbsorbs || ceiling.absorb[block]! < output) &&
                  (ceiling.price[block]! < bestPrice ||
                    (ceiling.price[block] === bestPrice && ceiling.firstBid[block]! > bestBid))))
            )
              block++;
            if (block === ceiling.absorb.length) break;
            if (block * BLOCK !== k) {
              k = block * BLOCK - 1;
              continue;
            }
            blockAbsorb = 0;
            blockPrice = Number.NEGATIVE_INFINITY;
            blockFirstBid = 0;
          }
          if (h < groupCount && roots!.leaf(h) >= 1) {
            if (roots!.leaf(h) > blockAbsorb) blockAbsorb = roots!.leaf(h);
            // A group's first bid left, by (price, then the earlier bid), only ever gets worse.
            const price = headPrice[h]!;
            const bid = headBid[h]!;
            if (price > blockPrice || (price === blockPrice && bid < blockFirstBid)) {
              blockPrice = price;
              blockFirstBid = bid;
            }
          }
          if (k % BLOCK === BLOCK - 1 || k === visits - 1) {
            const block = (k / BLOCK) | 0;
            ceiling.absorb[block] = blockAbsorb;
            ceiling.price[block] = blockPrice;
            ceiling.firstBid[block] = blockFirstBid;
          }
        }
        if (h >= groupCount) continue;
        if (column === undefined && allowed && allowed[g]?.[h] === false) continue;
        const fee = column === undefined ? (fees ? (fees[g]?.[h] ?? 0) : 0) : column.fee[k]!;
        if (column !== undefined && bestGroup >= 0) {
          // Bid groups come by fee: past the best's fee only a bid that absorbs can still win,
          // and none can once the best absorbs.
          if (fee > bestFee && (bestAbsorbs || roots!.root() < output)) break;
          const cannotAbsorb = roots!.leaf(h) < output;
          if (cannotAbsorb) {
            if (fee > bestFee || bestAbsorbs) continue;
            // Its best is at or after its first bid with anything left, which bids no more.
            if (roots!.leaf(h) < 1) continue;
            if (headPrice[h]! < groups[bestGroup]!.prices[bestSlot]!) continue;
          }
        }
        const group = groups[h]!;
        const need = uniform ? Math.max(clearingPrice, offerPrice + fee) : offerPrice + fee;
        const reach = prefixAtLeast(group.prices, need);
        let slot = group.tree.first(reach, output);
        const absorbs = slot >= 0;
        if (!absorbs) slot = group.tree.first(reach, 1);
        if (slot < 0) continue;
        if (
          bestGroup < 0 ||
          better(
            absorbs,
            fee,
            group.prices[slot]!,
            group.ids[slot]!,
            bestAbsorbs,
            bestFee,
            groups[bestGroup]!,
            bestSlot,
          )
        ) {
          bestGroup = h;
          bestSlot = slot;
          bestAbsorbs = absorbs;
          bestFee = fee;
        }
      }
      if (bestGroup < 0) return null;
      const group = groups[bestGroup]!;
      const quantity = Math.min(remaining, group.left[bestSlot]!);
      remaining -= quantity;
      group.left[bestSlot]! -= quantity;
      if (group.left[bestSlot]! <= 0) moveHead(bestGroup);
      if (ownerSlots === null) {
        group.tree.set(bestSlot, group.left[bestSlot]!);
        roots?.set(bestGroup, group.tree.root());
      } else {
        const owner = group.owner[bestSlot]!;
        ownerLeft[owner]! -= quantity;
        const left = ownerLeft[owner]!;
        for (let k = ownerSlots.start[owner]!; k < ownerSlots.start[owner + 1]!; k++) {
          const other = groups[ownerSlots.group[k]!]!;
          const slot = ownerSlots.slot[k]!;
          other.tree.set(slot, other.left[slot]! > 0 ? left : 0);
          roots?.set(ownerSlots.group[k]!, other.tree.root());
        }
      }
      if (!offerOwner.identity) projectLeft[project]! -= quantity;
      const bid = group.ids[bestSlot]!;
      const buyerPrice = uniform
        ? Math.max(clearingPrice, offerPrice + bestFee)
        : Math.floor((book.bidPrice[bid]! + offerPrice + bestFee) / 2);
      pairs.push({
        bid,
        offer,
        quantity,
        feePerKwh: bestFee,
        buyerPricePerKwh: buyerPrice,
        sellerPricePerKwh: buyerPrice - bestFee,
      });
    }
  }
  return pairs;
}

/**
 * The same rule for a book without locations, fees or owners (every plain order book): one
 * group, every order its own party, every pair allowed and affordable. The fallback to "the first
 * bid with anything left" is a pointer that only moves forward.
 */
function pairPlain(
  book: OrderBook,
  pricing: PricingRule,
  clearingPrice: number,
  group: { ids: Int32Array; left: Float64Array; tree: SegmentTree },
  offers: readonly number[],
  offerTraded: Float64Array,
): ClearingPair[] {
  const { ids, left, tree } = group;
  const reach = ids.length;
  let head = 0;
  const pairs: ClearingPair[] = [];
  for (const offer of offers) {
    const offerPrice = book.offerPrice[offer]!;
    let remaining = offerTraded[offer]!;
    while (remaining > 0) {
      while (left[head] === 0) head++;
      // Every slot before `head` is spent, so a head that absorbs the rest is the first that does.
      let slot = left[head]! >= remaining ? head : tree.first(reach, remaining);
      if (slot < 0) slot = head;
      const quantity = Math.min(remaining, left[slot]!);
      remaining -= quantity;
      left[slot]! -= quantity;
      tree.set(slot, left[slot]!);
      const bid = ids[slot]!;
      const buyerPrice =
        pricing === 'uniform' ? clearingPrice : Math.floor((book.bidPrice[bid]! + offerPrice) / 2);
      pairs.push({
        bid,
        offer,
        quantity,
        feePerKwh: 0,
        buyerPricePerKwh: buyerPrice,
        sellerPricePerKwh: buyerPrice,
      });
    }
  }
  return pairs;
}

interface BidColumn {
  /** The bid groups an offer group may sell to, by fee then group number. */
  readonly groups: Int32Array;
  readonly fee: Float64Array;
}

// One match prices every interval with the same matrices: sorted once per matrix (read as immutable).
const bidColumnCache = new WeakMap<object, { allowed: unknown; columns: BidColumn[] }>();

/** Per offer group, its bid groups by fee; undefined without a square matrix to sort. */
function bidColumns(
  fees: readonly (readonly number[])[] | undefined,
  allowed: readonly (readonly boolean[])[] | undefined,
): BidColumn[] | undefined {
  const matrix = fees ?? allowed;
  if (matrix === undefined) return undefined;
  const cached = bidColumnCache.get(matrix);
  if (cached !== undefined && cached.allowed === allowed) return cached.columns;
  const size = matrix.length;
  const columns = Array.from({ length: size }, (_, g) => {
    const list: number[] = [];
    for (let h = 0; h < size; h++) if (!(allowed && allowed[g]?.[h] === false)) list.push(h);
    const feeOf = (h: number) => (fees ? (fees[g]?.[h] ?? 0) : 0);
    list.sort((a, b) => feeOf(a) - feeOf(b) || a - b);
    return { groups: Int32Array.from(list), fee: Float64Array.from(list, feeOf) };
  });
  bidColumnCache.set(matrix, { allowed, columns });
  return columns;
}

/** Bid groups per block of an offer group's column, for skipping groups that cannot win. */
const BLOCK = 16;

/** Bounds not yet seen: every block is scanned the first time. */
function unknownCeilings(visits: number): Ceilings {
  const blocks = Math.ceil(visits / BLOCK);
  return {
    absorb: new Float64Array(blocks).fill(Number.POSITIVE_INFINITY),
    price: new Float64Array(blocks).fill(Number.POSITIVE_INFINITY),
    firstBid: new Float64Array(blocks),
  };
}

/**
 * Per block of an offer group's column: the most any of its bid groups can absorb, and the best
 * first bid left among them, as price and, on equal price, the earliest bid.
 */
interface Ceilings {
  readonly absorb: Float64Array;
  readonly price: Float64Array;
  readonly firstBid: Float64Array;
}

/** Stands for "owner = order" (never read: every reader checks `identity` first). */
const IDENTITY = new Int32Array(0);

interface Owners {
  /** Dense owner number of each order. */
  readonly of: Int32Array;
  readonly count: number;
  /** Every order is its own owner. */
  readonly identity: boolean;
}

function denseOwners(given: ArrayLike<number> | undefined, count: number): Owners {
  if (given === undefined) return { of: IDENTITY, count, identity: true };
  const of = new Int32Array(count);
  const dense = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    let id = dense.get(given[i]!);
    if (id === undefined) {
      id = dense.size;
      dense.set(given[i]!, id);
    }
    of[i] = id;
  }
  return { of, count: dense.size, identity: false };
}

/** Every owner's (group, slot) places, as one list with a start offset per owner. */
function slotsByOwner(groups: readonly { owner: Int32Array }[], owners: number) {
  const start = new Int32Array(owners + 1);
  for (const group of groups) for (const owner of group.owner) start[owner + 1]!++;
  for (let o = 0; o < owners; o++) start[o + 1]! += start[o]!;
  const next = start.slice(0, owners);
  const total = start[owners]!;
  const groupOf = new Int32Array(total);
  const slotOf = new Int32Array(total);
  groups.forEach((group, g) => {
    group.owner.forEach((owner, slot) => {
      const k = next[owner]!++;
      groupOf[k] = g;
      slotOf[k] = slot;
    });
  });
  return { start, group: groupOf, slot: slotOf };
}

/** Absorbs-all first, then the lower fee, then the higher bid price, then the earlier bid. */
function better(
  absorbs: boolean,
  fee: number,
  price: number,
  bid: number,
  bestAbsorbs: boolean,
  bestFee: number,
  bestGroup: { prices: Float64Array; ids: Int32Array },
  bestSlot: number,
): boolean {
  if (absorbs !== bestAbsorbs) return absorbs;
  if (fee !== bestFee) return fee < bestFee;
  const bestPrice = bestGroup.prices[bestSlot]!;
  if (price !== bestPrice) return price > bestPrice;
  return bid < bestGroup.ids[bestSlot]!;
}

/** How many of `prices` (descending) are at least `need`. */
function prefixAtLeast(prices: Float64Array, need: number): number {
  let lo = 0;
  let hi = prices.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (prices[mid]! >= need) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Maximum over leaves; finds the first leaf below a bound whose value reaches a threshold. */
class SegmentTree {
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
}
