/**
 * Supply and demand curves of one interval from revealed quotations, and their crossing: the
 * portal's reading of the market's double auction (src/market/clearing.ts) for a book without
 * locations. Bids sort by price descending, offers ascending, equal prices in chain order; the
 * walk pairs the best bid with the best offer while the bid is at least the offer, and the
 * uniform price is the midpoint of the last pair, rounded down. With crossing fees between
 * locations the market's price can differ from this one: the page says which book it drew.
 */
import type { Quotation } from './market-tx.js';

/** One order: money units per kWh, Wh. */
export interface Order {
  readonly price: number;
  readonly quantity: number;
}

export interface Book {
  /** In chain order (the order of the round's quote list, then the curve's steps). */
  readonly bids: readonly Order[];
  readonly offers: readonly Order[];
}

/** One flat step of a curve: `price` from `fromWh` (cumulative, exclusive) to `toWh`. */
export interface CurveStep {
  readonly price: number;
  readonly fromWh: number;
  readonly toWh: number;
}

export interface ClearingPoint {
  /** Null when no bid meets an offer. */
  readonly price: number | null;
  readonly volumeWh: number;
}

export interface RevealedQuote {
  readonly quote: Quotation | null;
  readonly withdrawn: boolean;
  /** The quoting member is approved now (the market clears only approved members' quotes). */
  readonly approved: boolean;
}

/** The direct-trading book of `interval`: what the match walks (entrusted quotes go to the grid). */
export function bookOf(quotes: readonly RevealedQuote[], interval: number): Book {
  const bids: Order[] = [];
  const offers: Order[] = [];
  for (const { quote, withdrawn, approved } of quotes) {
    if (quote === null || withdrawn || !approved || quote.mode !== 'direct') continue;
    const side = quote.side === 'buy' ? bids : offers;
    for (const curve of quote.curves) {
      if (curve.interval !== interval) continue;
      for (const step of curve.steps) side.push({ price: step.pricePerKwh, quantity: step.energyWh });
    }
  }
  return { bids, offers };
}

function sorted(orders: readonly Order[], descending: boolean): Order[] {
  // Array.prototype.sort is stable: equal prices keep chain order, as in the market.
  return [...orders].sort((a, b) => (descending ? b.price - a.price : a.price - b.price));
}

function steps(orders: readonly Order[]): CurveStep[] {
  const out: CurveStep[] = [];
  let at = 0;
  for (const o of orders) {
    if (o.quantity <= 0) continue;
    const last = out[out.length - 1];
    // Adjacent orders at one price are one step of the curve.
    if (last !== undefined && last.price === o.price)
      out[out.length - 1] = { ...last, toWh: at + o.quantity };
    else out.push({ price: o.price, fromWh: at, toWh: at + o.quantity });
    at += o.quantity;
  }
  return out;
}

/** Demand: bids by price descending, quantities cumulated. */
export const demandCurve = (book: Book): CurveStep[] => steps(sorted(book.bids, true));
/** Supply: offers by price ascending, quantities cumulated. */
export const supplyCurve = (book: Book): CurveStep[] => steps(sorted(book.offers, false));

/** Where the curves cross, by the market's uniform-price walk. */
export function clearingPoint(book: Book): ClearingPoint {
  const bids = sorted(book.bids, true);
  const offers = sorted(book.offers, false);
  let b = 0;
  let o = 0;
  let bidLeft = bids[0]?.quantity ?? 0;
  let offerLeft = offers[0]?.quantity ?? 0;
  let volume = 0;
  let lastBid = 0;
  let lastOffer = 0;
  let matched = false;
  while (b < bids.length && o < offers.length) {
    if (bidLeft <= 0) {
      bidLeft = bids[++b]?.quantity ?? 0;
      continue;
    }
    if (offerLeft <= 0) {
      offerLeft = offers[++o]?.quantity ?? 0;
      continue;
    }
    const bid = bids[b]!;
    const offer = offers[o]!;
    if (bid.price < offer.price) break;
    const q = Math.min(bidLeft, offerLeft);
    bidLeft -= q;
    offerLeft -= q;
    volume += q;
    lastBid = bid.price;
    lastOffer = offer.price;
    matched = true;
  }
  return matched
    ? { price: Math.floor((lastBid + lastOffer) / 2), volumeWh: volume }
    : { price: null, volumeWh: 0 };
}
