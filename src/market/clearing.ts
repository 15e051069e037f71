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
import { pairByPriority } from './priority-pairing.js';

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

/** Indices 0..n-1 sorted by price (stable: Array.prototype.sort keeps input order on ties). */
function sortedIndices(price: ArrayLike<number>, descending: boolean, subset?: number[]): number[] {
  const indices = subset ?? Array.from({ length: price.length }, (_, i) => i);
  if (descending) indices.sort((a, b) => price[b]! - price[a]!);
  else indices.sort((a, b) => price[a]! - price[b]!);
  return indices;
}

export function clearInterval(book: OrderBook, pricing: PricingRule = 'uniform'): ClearingResult {
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

  const pairs: { bid: number; offer: number; quantity: number; fee: number; offerEffective: number }[] = [];
  let lastBidPrice = 0;
  let lastOfferEffective = 0;
  let cleared = 0;

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
      if (bestGroup < 0 || bidPrice < bestEffective) break;
      const quantity = Math.min(bidLeft, offerLeft[bestOffer]!);
      bidLeft -= quantity;
      offerLeft[bestOffer]! -= quantity;
      if (offerLeft[bestOffer] === 0) heads[bestGroup]!++;
      pairs.push({ bid, offer: bestOffer, quantity, fee: bestFee, offerEffective: bestEffective });
      lastBidPrice = bidPrice;
      lastOfferEffective = bestEffective;
      cleared += quantity;
    }
    // Fees are never negative, so once a bid is below every remaining offer price no later
    // (lower) bid can match either: the walk ends, exactly as the plain rule ends.
    if (bidLeft > 0 && (cheapestHead === Number.POSITIVE_INFINITY || bidPrice < cheapestHead)) break;
  }

  if (pairs.length === 0) return { clearingPrice: null, clearedQuantity: 0, pairs: [], pairing: 'priority' };
  const clearingPrice = Math.floor((lastBidPrice + lastOfferEffective) / 2);
  const prioritised = pairByPriority(book, pricing, clearingPrice, bids, pairs);
  if (prioritised !== null) {
    return { clearingPrice, clearedQuantity: cleared, pairs: prioritised, pairing: 'priority' };
  }
  return {
    clearingPrice,
    clearedQuantity: cleared,
    pairing: 'walk',
    pairs: pairs.map((pair) => {
      // Uniform: everyone trades at the clearing price, raised to the pair's offer price plus
      // fee where locational fees made the walk non-monotone, so no seller is paid below its
      // offer. Matched bids never fall below the last one, so no buyer pays above its bid.
      // Pay-as-bid: each pair at the midpoint of its own bid and fee-adjusted offer.
      const buyerPrice =
        pricing === 'uniform'
          ? Math.max(clearingPrice, pair.offerEffective)
          : Math.floor((book.bidPrice[pair.bid]! + pair.offerEffective) / 2);
      return {
        bid: pair.bid,
        offer: pair.offer,
        quantity: pair.quantity,
        feePerKwh: pair.fee,
        buyerPricePerKwh: buyerPrice,
        sellerPricePerKwh: buyerPrice - pair.fee,
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
