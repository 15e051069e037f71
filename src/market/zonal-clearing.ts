import type { CrossTrade, LegEntry } from '../sharding/index.js';
import { type ClearingPair, clearInterval, type OrderBook, type PricingRule } from './clearing.js';

/** An interval's book whose every order names the zone (shard) of its connection bus. */
export interface ZonalBook extends OrderBook {
  readonly bidZone: ArrayLike<number>;
  readonly offerZone: ArrayLike<number>;
}

export interface ZonalClearing {
  /** Pairs whose bid and offer lie in one zone: each commits in that zone's shard alone. */
  readonly local: readonly ClearingPair[];
  /** Pairs across zones: each is a cross-zone trade, committed in both shards or neither. */
  readonly cross: readonly ClearingPair[];
  readonly clearedQuantity: number;
}

/**
 * Two-stage clearing: each zone clears its own book first, then what is left of every zone's
 * bids and offers clears across zones with the crossing fees and the allowed pairs of the full
 * book. Trades stay inside a zone wherever the zone can clear them, which keeps most trades on one
 * shard, and only the residual pays the cost of the cross-zone protocol. Indices in the pairs are
 * those of the full book.
 */
export function clearByZones(book: ZonalBook, pricing: PricingRule = 'uniform'): ZonalClearing {
  const bidLeft = Array.from(book.bidQuantity);
  const offerLeft = Array.from(book.offerQuantity);
  const local: ClearingPair[] = [];
  const cross: ClearingPair[] = [];
  const zones = new Set<number>([...Array.from(book.bidZone), ...Array.from(book.offerZone)]);
  for (const zone of [...zones].sort((a, b) => a - b)) {
    const bids = indicesWhere(book.bidZone, zone);
    const offers = indicesWhere(book.offerZone, zone);
    if (bids.length === 0 || offers.length === 0) continue;
    for (const pair of clearInterval(subBook(book, bids, offers, bidLeft, offerLeft), pricing).pairs)
      take(mapPair(pair, bids, offers), local);
  }
  const bids = indicesWhere(bidLeft, (quantity) => quantity > 0);
  const offers = indicesWhere(offerLeft, (quantity) => quantity > 0);
  if (bids.length > 0 && offers.length > 0) {
    for (const pair of clearInterval(subBook(book, bids, offers, bidLeft, offerLeft), pricing).pairs) {
      const mapped = mapPair(pair, bids, offers);
      take(mapped, book.bidZone[mapped.bid] === book.offerZone[mapped.offer] ? local : cross);
    }
  }
  let clearedQuantity = 0;
  for (const pair of [...local, ...cross]) clearedQuantity += pair.quantity;
  return { local, cross, clearedQuantity };

  function take(pair: ClearingPair, into: ClearingPair[]): void {
    bidLeft[pair.bid] = bidLeft[pair.bid]! - pair.quantity;
    offerLeft[pair.offer] = offerLeft[pair.offer]! - pair.quantity;
    into.push(pair);
  }
}

function indicesWhere(values: ArrayLike<number>, test: number | ((value: number) => boolean)): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++)
    if (typeof test === 'number' ? values[i] === test : test(values[i]!)) out.push(i);
  return out;
}

/** The book restricted to some orders, with what each has left; groups, fees and owners kept. */
function subBook(
  book: OrderBook,
  bids: readonly number[],
  offers: readonly number[],
  bidLeft: readonly number[],
  offerLeft: readonly number[],
): OrderBook {
  const pick = (values: ArrayLike<number> | undefined, indices: readonly number[]) =>
    values === undefined ? undefined : indices.map((i) => values[i]!);
  const optional = (name: string, values: number[] | undefined) =>
    values === undefined ? {} : { [name]: values };
  return {
    bidPrice: pick(book.bidPrice, bids)!,
    bidQuantity: bids.map((i) => bidLeft[i]!),
    offerPrice: pick(book.offerPrice, offers)!,
    offerQuantity: offers.map((i) => offerLeft[i]!),
    ...optional('bidGroup', pick(book.bidGroup, bids)),
    ...optional('offerGroup', pick(book.offerGroup, offers)),
    ...optional('bidOwner', pick(book.bidOwner, bids)),
    ...optional('offerOwner', pick(book.offerOwner, offers)),
    ...(book.crossingFee === undefined ? {} : { crossingFee: book.crossingFee }),
    ...(book.allowed === undefined ? {} : { allowed: book.allowed }),
  };
}

function mapPair(pair: ClearingPair, bids: readonly number[], offers: readonly number[]): ClearingPair {
  return { ...pair, bid: bids[pair.bid]!, offer: offers[pair.offer]! };
}

/** Who a cross-zone pair moves value between, and where each of them is homed. */
export interface CrossZoneParties {
  readonly buyer: { readonly account: string; readonly zone: number };
  readonly seller: { readonly account: string; readonly zone: number };
  /** The grid enterprise's account in the buyer's zone, which collects the crossing fee there. */
  readonly gridAccount: string;
}

/**
 * A cross-zone pair as the trade the shards commit atomically. Quantities are Wh, prices minor
 * units per kWh; the seller's proceeds and the fee are each rounded down to a minor unit and the
 * buyer pays exactly their sum, so the trade moves money and energy without creating any: the
 * buyer's leg pays and receives the energy (and the fee goes to the grid enterprise there), the
 * seller's leg delivers the energy and is paid.
 */
export function crossZoneTrade(
  pair: ClearingPair,
  parties: CrossZoneParties,
  chainId: string,
  session: Uint8Array,
  cycle: number,
): CrossTrade {
  const { buyer, seller } = parties;
  if (buyer.zone === seller.zone) throw new RangeError('a pair within one zone is not a cross-zone trade');
  if (!Number.isSafeInteger(pair.quantity) || pair.quantity <= 0)
    throw new RangeError(`a cross-zone trade needs a whole positive quantity of Wh, got ${pair.quantity}`);
  const energy = BigInt(pair.quantity);
  const sellerMoney = (energy * BigInt(Math.round(pair.sellerPricePerKwh))) / 1000n;
  const fee = (energy * BigInt(Math.round(pair.feePerKwh))) / 1000n;
  const buyerEntries: LegEntry[] = [{ account: buyer.account, money: -(sellerMoney + fee), energy }];
  if (fee > 0n) buyerEntries.push({ account: parties.gridAccount, money: fee, energy: 0n });
  const legs = [
    { shard: buyer.zone, entries: buyerEntries },
    { shard: seller.zone, entries: [{ account: seller.account, money: sellerMoney, energy: -energy }] },
  ].sort((a, b) => a.shard - b.shard);
  return { chainId, session, cycle, legs };
}
