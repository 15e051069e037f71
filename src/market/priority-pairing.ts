import { BaseTrees } from './base-trees.js';
import { bidRuns } from './bid-runs.js';
import { type ClearingPair, type OrderBook, type PricingRule, sortedIndices } from './clearing.js';
import { MaxTree } from './max-tree.js';

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
 * one descent: O(log n) per pair and group. With many groups, a seller's bid groups come in runs
 * of equal fee (`bid-runs.ts`), and a large run is searched in one tree over the bids of many
 * groups (`base-trees.ts`) rather than group by group.
 */
export function pairByPriority(
  book: OrderBook,
  pricing: PricingRule,
  clearingPrice: number,
  bidOrder: readonly number[],
  bidTraded: Float64Array,
  offerTraded: Float64Array,
  /** Search bid groups by runs of equal fee, large runs in one tree (same pairs; for many groups). */
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
  let tradedBids = 0;
  const sizes: number[] = [];
  for (const bid of bidOrder) {
    if (bidTraded[bid]! === 0) continue;
    const g = bidGroups?.[bid] ?? 0;
    while (groupCount <= g) sizes[groupCount++] = 0;
    sizes[g]!++;
    tradedBids++;
  }
  const groups = sizes.map((size) => ({
    ids: new Int32Array(size),
    prices: new Float64Array(size),
    left: new Float64Array(size),
    owner: new Int32Array(size),
    tree: new MaxTree(size),
  }));
  const fill = new Int32Array(groupCount);
  const ownerLeft = new Float64Array(bidOwner.identity ? 0 : bidOwner.count);
  // The traded bids in priority order, as (group, slot): the order of every base's tree.
  const orderGroup = new Int32Array(tradedBids);
  const orderSlot = new Int32Array(tradedBids);
  const orderPrice = new Float64Array(tradedBids);
  let n = 0;
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
    orderGroup[n] = g;
    orderSlot[n] = k;
    orderPrice[n++] = book.bidPrice[bid]!;
  }
  // What the bid at a slot can absorb before any pair: all of its user's traded quantity.
  const initial = (h: number, k: number) =>
    bidOwner.identity ? groups[h]!.left[k]! : ownerLeft[groups[h]!.owner[k]!]!;
  groups.forEach((group, h) => {
    group.tree.build((k) => initial(h, k), group.ids.length);
  });
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
  const runs = indexed && groupCount <= (fees ?? allowed ?? []).length ? bidRuns(fees, allowed) : undefined;
  const bases =
    runs === undefined || runs.bases.length === 0
      ? null
      : new BaseTrees(runs.bases, sizes, orderGroup, orderSlot, orderPrice, initial);
  const setAbsorbable = (h: number, slot: number, value: number) => {
    groups[h]!.tree.set(slot, value);
    bases?.set(h, slot, value);
  };
  const pairs: ClearingPair[] = [];
  for (const offer of offers) {
    const offerPrice = book.offerPrice[offer]!;
    const g = offerGroups?.[offer] ?? 0;
    const project = offerOwner.identity ? offer : offerOwner.of[offer]!;
    const column = runs?.columns[g];
    let remaining = offerTraded[offer]!;
    while (remaining > 0) {
      // Without owners the project's remaining output is this offer's.
      const output = offerOwner.identity ? remaining : projectLeft[project]!;
      let bestGroup = -1;
      let bestSlot = 0;
      let bestAbsorbs = false;
      let bestFee = 0;
      if (column === undefined) {
        for (let h = 0; h < groupCount; h++) {
          if (allowed && allowed[g]?.[h] === false) continue;
          const fee = fees ? (fees[g]?.[h] ?? 0) : 0;
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
      } else {
        // Runs come by fee. The first run with a bid that absorbs the output holds the winner: its
        // first such bid in priority order. Until then the first run with any bid holds the
        // winner should none absorb; past it only a bid that absorbs can still win.
        for (let r = 0; r < column.length; r++) {
          const run = column[r]!;
          const fee = run.fee;
          const need = uniform ? Math.max(clearingPrice, offerPrice + fee) : offerPrice + fee;
          const absorbOnly = bestGroup >= 0;
          let runGroup = -1;
          let runSlot = 0;
          let runAbsorbs = false;
          const b = run.base;
          if (b >= 0 && bases!.trees[b]!.root() >= (absorbOnly ? output : Math.min(output, 1))) {
            const limit = prefixAtLeast(bases!.prices[b]!, need);
            let p = bases!.first(b, limit, output, run.outside);
            runAbsorbs = p >= 0;
            if (!runAbsorbs && !absorbOnly) p = bases!.first(b, limit, 1, run.outside);
            if (p >= 0) {
              runGroup = bases!.group[b]![p]!;
              runSlot = bases!.slot[b]![p]!;
            }
          }
          // The run's groups beyond its base (all of them without one), against the base's best.
          for (let i = 0; i < run.groups.length; i++) {
            const h = run.groups[i]!;
            if (h >= groupCount) continue;
            const group = groups[h]!;
            const top = group.tree.root();
            if (top < output && (absorbOnly || runAbsorbs || top < 1)) continue;
            const reach = prefixAtLeast(group.prices, need);
            let slot = group.tree.first(reach, output);
            const absorbs = slot >= 0;
            if (!absorbs) {
              if (absorbOnly || runAbsorbs) continue;
              slot = group.tree.first(reach, 1);
              if (slot < 0) continue;
            }
            if (runGroup >= 0 && absorbs === runAbsorbs) {
              const price = group.prices[slot]!;
              const runPrice = groups[runGroup]!.prices[runSlot]!;
              if (
                price < runPrice ||
                (price === runPrice && group.ids[slot]! > groups[runGroup]!.ids[runSlot]!)
              )
                continue;
            }
            runGroup = h;
            runSlot = slot;
            runAbsorbs = absorbs;
          }
          if (runGroup >= 0) {
            bestGroup = runGroup;
            bestSlot = runSlot;
            bestAbsorbs = runAbsorbs;
            bestFee = fee;
          }
          if (runAbsorbs) break;
        }
      }
      if (bestGroup < 0) return null;
      const group = groups[bestGroup]!;
      const quantity = Math.min(remaining, group.left[bestSlot]!);
      remaining -= quantity;
      group.left[bestSlot]! -= quantity;
      if (ownerSlots === null) {
        setAbsorbable(bestGroup, bestSlot, group.left[bestSlot]!);
      } else {
        const owner = group.owner[bestSlot]!;
        ownerLeft[owner]! -= quantity;
        const left = ownerLeft[owner]!;
        for (let k = ownerSlots.start[owner]!; k < ownerSlots.start[owner + 1]!; k++) {
          const h = ownerSlots.group[k]!;
          const slot = ownerSlots.slot[k]!;
          setAbsorbable(h, slot, groups[h]!.left[slot]! > 0 ? left : 0);
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
  group: { ids: Int32Array; left: Float64Array; tree: MaxTree },
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
