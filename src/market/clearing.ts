/**
 * The double-auction core for one interval. Orders arrive as parallel arrays (struct of arrays)
 * so a 100,000-order book sorts and walks without allocating an object per order.
 *
 * The rule: bids by price descending, offers by price ascending, equal prices in input order.
 * Walk both lists pairing the best bid with the best offer while bid price >= offer price; each
 * pair trades the smaller remaining quantity. Uniform pricing clears at the midpoint of the last
 * matched bid and offer prices, rounded down.
 *
 * Nearest-first: every order may carry a location group, and `crossingFee[offerGroup][bidGroup]`
 * is added to the offer's price when the two are compared. For each bid the walk takes the offer
 * with the lowest price plus fee; an equal sum goes to the lower fee (the nearer seller), then to
 * the earlier offer. With no fee matrix (or all fees zero) this is exactly the rule above. An
 * offer group may be barred from a bid group (`allowed`): the walk never pairs them.
 *
 * The walk decides the price and how much every order trades. Who trades with whom is then decided
 * by the priority of the trading rules (`priority-pairing.ts`): each seller first supplies users
 * who can absorb all its remaining output, then the nearest. Prices, volumes and every order's
 * traded quantity stay those of the walk.
 */
import { OfferHeads } from './offer-heads.js';
import { pairByPriority } from './priority-pairing.js';

/**
 * From this many location groups on, the walk finds each bid's offer through `OfferHeads` and the
 * pairing visits bid groups by fee.
 */
export const INDEXED_WALK_GROUPS = 8;

export type PricingRule = 'uniform' | 'payAsBid';

export interface OrderBook {
  readonly bidPrice: ArrayLike<number>;
  readonly bidQuantity: ArrayLike<number>;
  /** Location group of each bid; omitted means group 0. */
  readonly bidGroup?: ArrayLike<number>;
  readonly offerPrice: ArrayLike<number>;
  readonly offerQuantity: ArrayLike<number>;
  readonly offerGroup?: ArrayLike<number>;
  /** Fee per kWh indexed [offerGroup][bidGroup]; omitted means zero everywhere. */
  readonly crossingFee?: readonly (readonly number[])[];
  /** Whether an offer group may sell to a bid group, indexed like the fee; omitted means always. */
  readonly allowed?: readonly (readonly boolean[])[];
  /** Who placed each bid (a user) and each offer (a project); omitted means one owner per order. */
  readonly bidOwner?: ArrayLike<number>;
  readonly offerOwner?: ArrayLike<number>;
}

export interface ClearingPair {
  /** Index into the bid arrays, in input order. */
  readonly bid: number;
  readonly offer: number;
  readonly quantity: number;
  /** Crossing fee per kWh between the two locations. */
  readonly feePerKwh: number;
  /** What the buyer pays per kWh, crossing fee included. */
  readonly buyerPricePerKwh: number;
  /** What the seller receives per kWh: the buyer's price less the crossing fee. */
  readonly sellerPricePerKwh: number;
}

export interface ClearingResult {
  /** Uniform: midpoint of the last pair; pay-as-bid: the same figure, for information. */
  readonly clearingPrice: number | null;
  readonly clearedQuantity: number;
  readonly pairs: ClearingPair[];
  /**
   * `priority`: pairs follow the rules' priority. `walk`: with locational fees the priority could
   * not place every traded quantity within its bid, so the walk's own pairs stand.
   */
  readonly pairing: 'priority' | 'walk';
}

/**
 * Indices sorted by price, equal prices in index order (the order Array.prototype.sort, being
 * stable, gives with a price comparator). Prices that are non-negative integers small enough for
 * `price × count + index` to stay exact (every market price) sort as single numbers in a typed
 * array, without a comparator call per comparison; anything else takes the comparator.
 */
export function sortedIndices(price: ArrayLike<number>, descending: boolean, subset?: number[]): number[] {
  const indices = subset ?? Array.from({ length: price.length }, (_, i) => i);
  const count = price.length;
  let max = 0;
  let integral = true;
  for (let k = 0; k < indices.length; k++) {
    const p = price[indices[k]!]!;
    if (!(Number.isSafeInteger(p) && p >= 0)) {
      integral = false;
      break;
    }
    if (p > max) max = p;
  }
  if (integral && (max + 1) * count <= Number.MAX_SAFE_INTEGER) {
    const keys = new Float64Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      const p = price[i]!;
      keys[k] = (descending ? max - p : p) * count + i;
    }
    keys.sort();
    for (let k = 0; k < keys.length; k++) indices[k] = keys[k]! % count;
    return indices;
  }
  if (descending) indices.sort((a, b) => price[b]! - price[a]! || a - b);
  else indices.sort((a, b) => price[a]! - price[b]! || a - b);
  return indices;
}

export function clearInterval(book: OrderBook, pricing: PricingRule = 'uniform'): ClearingResult {
  return clearIntervalWith(book, pricing, countGroups(book) >= INDEXED_WALK_GROUPS);
}

/**
 * The clearing with its way of searching groups chosen: a scan over every group per pair, or the
 * indexed heads and fee-ordered pairing (the same answers, for many groups). Exported so tests
 * compare the two.
 */
export function clearIntervalWith(book: OrderBook, pricing: PricingRule, indexed: boolean): ClearingResult {
  const bids = sortedIndices(book.bidPrice, true);
  const groupCount = countGroups(book);
  // One ascending queue of offers per location group; a single group when there are no fees.
  const members: number[][] = Array.from({ length: groupCount }, () => []);
  for (let i = 0; i < book.offerPrice.length; i++) members[book.offerGroup?.[i] ?? 0]!.push(i);
  const queues = members.map((list) => sortedIndices(book.offerPrice, false, list));
  const heads = new Array<number>(groupCount).fill(0);
  const offerLeft = Float64Array.from(book.offerQuantity);
  const fees = book.crossingFee;
  const allowed = book.allowed;

  // The walk's pairs as parallel arrays: they stand only when the priority pairing cannot.
  const pairBid: number[] = [];
  const pairOffer: number[] = [];
  const pairQuantity: number[] = [];
  const pairFee: number[] = [];
  const pairEffective: number[] = [];
  const bidTraded = new Float64Array(book.bidPrice.length);
  // Without fees or barred pairs the priority pairing always completes: the walk's pairs are not kept.
  const keepPairs =
    book.allowed !== undefined || (fees?.some((row) => row.some((fee) => fee !== 0)) ?? false);
  let pairCount = 0;
  let lastBidPrice = 0;
  let lastOfferEffective = 0;
  let cleared = 0;
  const index = indexed ? new OfferHeads(queues, heads, book.offerPrice, fees, allowed) : null;

  for (const bid of bids) {
    const bidPrice = book.bidPrice[bid]!;
    const bidGroup = book.bidGroup?.[bid] ?? 0;
    let bidLeft = book.bidQuantity[bid]!;
    let cheapestHead = Number.POSITIVE_INFINITY;
    while (bidLeft > 0) {
      let bestGroup = -1;
      let bestEffective = 0;
      let bestFee = 0;
      let bestOffer = 0;
      if (index !== null) {
        if (index.best(bidGroup)) {
          bestGroup = index.group;
          bestEffective = index.effective;
          bestFee = index.fee;
          bestOffer = index.offer;
        }
        // The scan's cheapest head is only read once the bid stops short.
        if (bestGroup < 0 || bidPrice < bestEffective) cheapestHead = index.cheapestHead();
      } else {
        cheapestHead = Number.POSITIVE_INFINITY;
        for (let g = 0; g < groupCount; g++) {
          const queue = queues[g]!;
          const head = heads[g]!;
          if (head >= queue.length) continue;
          const offer = queue[head]!;
          const price = book.offerPrice[offer]!;
          if (price < cheapestHead) cheapestHead = price;
          if (allowed && allowed[g]?.[bidGroup] === false) continue;
          const fee = fees ? (fees[g]?.[bidGroup] ?? 0) : 0;
          const effective = price + fee;
          if (
            bestGroup < 0 ||
            effective < bestEffective ||
            (effective === bestEffective && (fee < bestFee || (fee === bestFee && offer < bestOffer)))
          ) {
            bestGroup = g;
            bestEffective = effective;
            bestFee = fee;
            bestOffer = offer;
          }
        }
      }
      if (bestGroup < 0 || bidPrice < bestEffective) break;
      const quantity = Math.min(bidLeft, offerLeft[bestOffer]!);
      bidLeft -= quantity;
      offerLeft[bestOffer]! -= quantity;
      if (offerLeft[bestOffer] === 0) {
        if (index !== null) index.advance(bestGroup);
        else heads[bestGroup]!++;
      }
      pairCount++;
      if (keepPairs) {
        pairBid.push(bid);
        pairOffer.push(bestOffer);
        pairQuantity.push(quantity);
        pairFee.push(bestFee);
        pairEffective.push(bestEffective);
      }
      lastBidPrice = bidPrice;
      lastOfferEffective = bestEffective;
      cleared += quantity;
    }
    bidTraded[bid] = book.bidQuantity[bid]! - bidLeft;
    // Fees are never negative, so once a bid is below every remaining offer price no later
    // (lower) bid can match either: the walk ends, exactly as the plain rule ends.
    if (bidLeft > 0 && (cheapestHead === Number.POSITIVE_INFINITY || bidPrice < cheapestHead)) break;
  }

  if (pairCount === 0) return { clearingPrice: null, clearedQuantity: 0, pairs: [], pairing: 'priority' };
  const clearingPrice = Math.floor((lastBidPrice + lastOfferEffective) / 2);
  const offerTraded = new Float64Array(offerLeft.length);
  for (let i = 0; i < offerLeft.length; i++) offerTraded[i] = book.offerQuantity[i]! - offerLeft[i]!;
  const prioritised = pairByPriority(book, pricing, clearingPrice, bids, bidTraded, offerTraded, indexed);
  if (prioritised !== null) {
    return { clearingPrice, clearedQuantity: cleared, pairs: prioritised, pairing: 'priority' };
  }
  // Unreachable without fees: every traded bid covers the price every traded offer lies below.
  if (!keepPairs) throw new Error('priority pairing failed on a book without fees');
  return {
    clearingPrice,
    clearedQuantity: cleared,
    pairing: 'walk',
    pairs: pairBid.map((bid, k) => {
      const offerEffective = pairEffective[k]!;
      const fee = pairFee[k]!;
      // Uniform: everyone trades at the clearing price, raised to the pair's offer price plus
      // fee where locational fees made the walk non-monotone, so no seller is paid below its
      // offer. Matched bids never fall below the last one, so no buyer pays above its bid.
      // Pay-as-bid: each pair at the midpoint of its own bid and fee-adjusted offer.
      const buyerPrice =
        pricing === 'uniform'
          ? Math.max(clearingPrice, offerEffective)
          : Math.floor((book.bidPrice[bid]! + offerEffective) / 2);
      return {
        bid,
        offer: pairOffer[k]!,
        quantity: pairQuantity[k]!,
        feePerKwh: fee,
        buyerPricePerKwh: buyerPrice,
        sellerPricePerKwh: buyerPrice - fee,
      };
    }),
  };
}

function countGroups(book: OrderBook): number {
  let max = 0;
  const groups = book.offerGroup;
  if (groups) for (let i = 0; i < groups.length; i++) if (groups[i]! > max) max = groups[i]!;
  return max + 1;
}
