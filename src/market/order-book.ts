import { clearInterval, type PricingRule } from './clearing.js';
import { MarketError } from './errors.js';

/**
 * The plain order-book form used by `market clear`: named orders, one interval, no locations.
 * Price is integer money units per kWh, quantity integer Wh.
 */
export interface PlainOrder {
  readonly id: string;
  readonly side: 'buy' | 'sell';
  readonly price: number;
  readonly quantity: number;
}

export interface PlainMatch {
  readonly buy: string;
  readonly sell: string;
  readonly quantity: number;
  readonly price: number;
}

export interface PlainClearing {
  readonly clearingPrice: number | null;
  readonly clearedQuantity: number;
  readonly matches: PlainMatch[];
}

/** Two prices must add up exactly (the midpoint), so a price stays below 2^52. */
export const MAX_PRICE = 2 ** 52;

function orderLabel(raw: unknown, index: number): string {
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id.length > 0 ? `order "${id}" (#${index})` : `order #${index}`;
}

function bad(message: string, data: Record<string, unknown>): MarketError {
  return new MarketError('BAD_INPUT', message, data);
}

/** Validates `{"orders":[…]}` from an untrusted file; every refusal names the order and field. */
export function parseOrderFile(input: unknown): PlainOrder[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw bad('input must be a JSON object with an "orders" array', { field: 'orders' });
  }
  const list = (input as { orders?: unknown }).orders;
  if (!Array.isArray(list)) throw bad('input must have an "orders" array', { field: 'orders' });
  const seen = new Set<string>();
  const orders: PlainOrder[] = [];
  // Totals per side stay exact integers, so cleared quantities never lose precision.
  const totals = { buy: 0, sell: 0 };
  list.forEach((raw: unknown, index) => {
    const label = orderLabel(raw, index);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw bad(`${label} must be an object`, { index });
    }
    const record = raw as Record<string, unknown>;
    const fieldError = (field: string, rule: string) =>
      bad(`${label}: field "${field}" ${rule}, got ${JSON.stringify(record[field]) ?? 'nothing'}`, {
        index,
        id: record.id,
        field,
      });
    for (const field of ['id', 'side', 'price', 'quantity']) {
      if (!(field in record) || record[field] === undefined) throw fieldError(field, 'is missing');
    }
    const { id, side, price, quantity } = record;
    if (typeof id !== 'string' || id.length === 0) throw fieldError('id', 'must be a non-empty string');
    if (seen.has(id)) throw fieldError('id', 'duplicates an earlier order id');
    seen.add(id);
    if (side !== 'buy' && side !== 'sell') throw fieldError('side', 'must be "buy" or "sell"');
    if (typeof price !== 'number' || !Number.isSafeInteger(price) || price < 0 || price > MAX_PRICE) {
      throw fieldError('price', `must be a non-negative integer up to ${MAX_PRICE} (money units per kWh)`);
    }
    if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity <= 0) {
      throw fieldError('quantity', 'must be a positive integer (Wh)');
    }
    totals[side] += quantity;
    if (!Number.isSafeInteger(totals[side])) {
      throw fieldError('quantity', `makes the ${side} total exceed ${Number.MAX_SAFE_INTEGER} Wh`);
    }
    orders.push({ id, side, price, quantity });
  });
  return orders;
}

/** Clears one interval of plain orders with the uniform-price rule (or pay-as-bid). */
export function clearPlainOrders(
  orders: readonly PlainOrder[],
  pricing: PricingRule = 'uniform',
): PlainClearing {
  const bids = orders.filter((order) => order.side === 'buy');
  const offers = orders.filter((order) => order.side === 'sell');
  const result = clearInterval(
    {
      bidPrice: bids.map((order) => order.price),
      bidQuantity: bids.map((order) => order.quantity),
      offerPrice: offers.map((order) => order.price),
      offerQuantity: offers.map((order) => order.quantity),
    },
    pricing,
  );
  return {
    clearingPrice: result.clearingPrice,
    clearedQuantity: result.clearedQuantity,
    matches: result.pairs.map((pair) => ({
      buy: bids[pair.bid]!.id,
      sell: offers[pair.offer]!.id,
      quantity: pair.quantity,
      price: pair.buyerPricePerKwh,
    })),
  };
}
