import type { ClearingPair, OrderBook, PricingRule } from './clearing.js';

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
  walk: readonly { bid: number; offer: number; quantity: number }[],
): ClearingPair[] | null {
  const bidLeft = new Float64Array(book.bidPrice.length);
  const offerLeft = new Float64Array(book.offerPrice.length);
  for (const pair of walk) {
    bidLeft[pair.bid]! += pair.quantity;
    offerLeft[pair.offer]! += pair.quantity;
  }
  const bidGroupOf = (i: number) => book.bidGroup?.[i] ?? 0;
  const offerGroupOf = (i: number) => book.offerGroup?.[i] ?? 0;
  const bidOwnerOf = (i: number) => book.bidOwner?.[i] ?? i;
  const offerOwnerOf = (i: number) => book.offerOwner?.[i] ?? i;

  // Traded bids per group, in bid priority (price descending, then arrival: the walk's order).
  let groupCount = 0;
  for (const bid of bidOrder) if (bidLeft[bid]! > 0) groupCount = Math.max(groupCount, bidGroupOf(bid) + 1);
  const groups: { ids: number[]; prices: number[]; tree: SegmentTree | null }[] = Array.from(
    { length: groupCount },
    () => ({ ids: [], prices: [], tree: null }),
  );
  const position = new Int32Array(book.bidPrice.length);
  const ownerLeft = new Map<number, number>();
  const ownerBids = book.bidOwner ? new Map<number, number[]>() : null;
  for (const bid of bidOrder) {
    if (bidLeft[bid]! === 0) continue;
    const group = groups[bidGroupOf(bid)]!;
    position[bid] = group.ids.length;
    group.ids.push(bid);
    group.prices.push(book.bidPrice[bid]!);
    const owner = bidOwnerOf(bid);
    ownerLeft.set(owner, (ownerLeft.get(owner) ?? 0) + bidLeft[bid]!);
    if (ownerBids) {
      const list = ownerBids.get(owner);
      if (list) list.push(bid);
      else ownerBids.set(owner, [bid]);
    }
  }
  for (const group of groups) {
    const tree = new SegmentTree(group.ids.length);
    group.ids.forEach((bid, i) => {
      tree.set(i, ownerLeft.get(bidOwnerOf(bid))!);
    });
    group.tree = tree;
  }
  const refresh = (bid: number) => {
    const owner = bidOwnerOf(bid);
    const left = ownerLeft.get(owner)!;
    for (const b of ownerBids?.get(owner) ?? [bid]) {
      groups[bidGroupOf(b)]!.tree!.set(position[b]!, bidLeft[b]! > 0 ? left : 0);
    }
  };

  const offers: number[] = [];
  const projectLeft = new Map<number, number>();
  for (let i = 0; i < offerLeft.length; i++) {
    if (offerLeft[i]! === 0) continue;
    offers.push(i);
    const owner = offerOwnerOf(i);
    projectLeft.set(owner, (projectLeft.get(owner) ?? 0) + offerLeft[i]!);
  }
  offers.sort((a, b) => book.offerPrice[a]! - book.offerPrice[b]! || a - b);

  const fees = book.crossingFee;
  const allowed = book.allowed;
  const pairs: ClearingPair[] = [];
  for (const offer of offers) {
    const offerPrice = book.offerPrice[offer]!;
    const g = offerGroupOf(offer);
    const project = offerOwnerOf(offer);
    while (offerLeft[offer]! > 0) {
      const output = projectLeft.get(project)!;
      let best = -1;
      let bestAbsorbs = false;
      let bestFee = 0;
      for (let h = 0; h < groupCount; h++) {
        if (allowed && allowed[g]?.[h] === false) continue;
        const group = groups[h]!;
        const fee = fees ? (fees[g]?.[h] ?? 0) : 0;
        const need = pricing === 'uniform' ? Math.max(clearingPrice, offerPrice + fee) : offerPrice + fee;
        const reach = prefixAtLeast(group.prices, need);
        let index = group.tree!.first(reach, output);
        const absorbs = index >= 0;
        if (!absorbs) index = group.tree!.first(reach, 1);
        if (index < 0) continue;
        const bid = group.ids[index]!;
        if (best < 0 || better(absorbs, fee, bid, bestAbsorbs, bestFee, best, book)) {
          best = bid;
          bestAbsorbs = absorbs;
          bestFee = fee;
        }
      }
      if (best < 0) return null;
      const quantity = Math.min(offerLeft[offer]!, bidLeft[best]!);
      offerLeft[offer]! -= quantity;
      bidLeft[best]! -= quantity;
      projectLeft.set(project, output - quantity);
      const owner = bidOwnerOf(best);
      ownerLeft.set(owner, ownerLeft.get(owner)! - quantity);
      refresh(best);
      const buyerPrice =
        pricing === 'uniform'
          ? Math.max(clearingPrice, offerPrice + bestFee)
          : Math.floor((book.bidPrice[best]! + offerPrice + bestFee) / 2);
      pairs.push({
        bid: best,
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

/** Absorbs-all first, then the lower fee, then the higher bid price, then the earlier bid. */
function better(
  absorbs: boolean,
  fee: number,
  bid: number,
  bestAbsorbs: boolean,
  bestFee: number,
  best: number,
  book: OrderBook,
): boolean {
  if (absorbs !== bestAbsorbs) return absorbs;
  if (fee !== bestFee) return fee < bestFee;
  const price = book.bidPrice[bid]!;
  const bestPrice = book.bidPrice[best]!;
  if (price !== bestPrice) return price > bestPrice;
  return bid < best;
}

/** How many of `prices` (descending) are at least `need`. */
function prefixAtLeast(prices: readonly number[], need: number): number {
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
    if (limit <= 0 || this.max[1]! < need) return -1;
    return this.descend(1, 0, this.size, limit, need);
  }

  private descend(node: number, lo: number, span: number, limit: number, need: number): number {
    if (lo >= limit || this.max[node]! < need) return -1;
    if (span === 1) return lo;
    const half = span >> 1;
    const left = this.descend(2 * node, lo, half, limit, need);
    return left >= 0 ? left : this.descend(2 * node + 1, lo + half, half, limit, need);
  }
}
