import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../src/kit/prng.js';
import { clearInterval } from '../../src/market/clearing.js';
import { MarketError } from '../../src/market/errors.js';
import { clearPlainOrders, type PlainOrder, parseOrderFile } from '../../src/market/order-book.js';

const order = (id: string, side: 'buy' | 'sell', price: number, quantity: number): PlainOrder => ({
  id,
  side,
  price,
  quantity,
});

/** The rule written as directly as possible, to check the fast walk against. */
function referenceClear(orders: PlainOrder[]) {
  const bids = orders.filter((o) => o.side === 'buy').map((o, i) => ({ ...o, i, left: o.quantity }));
  const offers = orders.filter((o) => o.side === 'sell').map((o, i) => ({ ...o, i, left: o.quantity }));
  bids.sort((a, b) => b.price - a.price || a.i - b.i);
  offers.sort((a, b) => a.price - b.price || a.i - b.i);
  const matches: { buy: string; sell: string; quantity: number }[] = [];
  let b = 0;
  let s = 0;
  let lastBid = 0;
  let lastOffer = 0;
  while (b < bids.length && s < offers.length && bids[b]!.price >= offers[s]!.price) {
    const quantity = Math.min(bids[b]!.left, offers[s]!.left);
    matches.push({ buy: bids[b]!.id, sell: offers[s]!.id, quantity });
    lastBid = bids[b]!.price;
    lastOffer = offers[s]!.price;
    bids[b]!.left -= quantity;
    offers[s]!.left -= quantity;
    if (bids[b]!.left === 0) b++;
    if (offers[s]!.left === 0) s++;
  }
  const clearingPrice = matches.length === 0 ? null : Math.floor((lastBid + lastOffer) / 2);
  return {
    clearingPrice,
    clearedQuantity: matches.reduce((sum, m) => sum + m.quantity, 0),
    matches: matches.map((m) => ({ ...m, price: clearingPrice! })),
  };
}

/** Quantity traded by every order id, sorted. */
function tradedByOrder(matches: readonly { buy: string; sell: string; quantity: number }[]) {
  const traded = new Map<string, number>();
  for (const m of matches) {
    traded.set(m.buy, (traded.get(m.buy) ?? 0) + m.quantity);
    traded.set(m.sell, (traded.get(m.sell) ?? 0) + m.quantity);
  }
  return [...traded.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/**
 * The rules' priority written directly for plain books (no fees, every order its own party):
 * sellers in price order (then arrival) give their traded quantity first to a buyer who can
 * absorb all of it, then to the higher bid, then the earlier one.
 */
function referencePairing(orders: PlainOrder[], cleared: ReturnType<typeof referenceClear>) {
  const traded = new Map(tradedByOrder(cleared.matches));
  const bids = orders
    .filter((o) => o.side === 'buy')
    .map((o, i) => ({ ...o, i, left: traded.get(o.id) ?? 0 }));
  const offers = orders
    .filter((o) => o.side === 'sell')
    .map((o, i) => ({ ...o, i, left: traded.get(o.id) ?? 0 }))
    .filter((o) => o.left > 0)
    .sort((a, b) => a.price - b.price || a.i - b.i);
  const matches: { buy: string; sell: string; quantity: number; price: number }[] = [];
  for (const offer of offers) {
    while (offer.left > 0) {
      const open = bids.filter((b) => b.left > 0);
      const rank = (b: (typeof open)[number]) => [b.left >= offer.left ? 0 : 1, -b.price, b.i];
      open.sort((a, b) => {
        const [x, y] = [rank(a), rank(b)];
        return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
      });
      const bid = open[0]!;
      const quantity = Math.min(bid.left, offer.left);
      bid.left -= quantity;
      offer.left -= quantity;
      matches.push({ buy: bid.id, sell: offer.id, quantity, price: cleared.clearingPrice! });
    }
  }
  return matches;
}

describe('uniform-price rule', () => {
  it('pairs best bid with best offer and clears at the floored midpoint of the last pair', () => {
    const result = clearPlainOrders([
      order('b1', 'buy', 450, 1000),
      order('s1', 'sell', 300, 600),
      order('s2', 'sell', 400, 800),
      order('b2', 'buy', 421, 500),
    ]);
    assert.deepEqual(result, {
      clearingPrice: 410,
      clearedQuantity: 1400,
      matches: [
        { buy: 'b1', sell: 's1', quantity: 600, price: 410 },
        { buy: 'b1', sell: 's2', quantity: 400, price: 410 },
        { buy: 'b2', sell: 's2', quantity: 400, price: 410 },
      ],
    });
  });

  it('keeps input order among equal prices', () => {
    const result = clearPlainOrders([
      order('s-late', 'sell', 100, 10),
      order('b-first', 'buy', 200, 5),
      order('b-second', 'buy', 200, 5),
      order('s-later', 'sell', 100, 10),
    ]);
    assert.deepEqual(
      result.matches.map((m) => [m.buy, m.sell, m.quantity]),
      [
        ['b-first', 's-late', 5],
        ['b-second', 's-late', 5],
      ],
    );
    assert.equal(result.clearingPrice, 150);
  });

  it('gives null and zero when no bid reaches an offer', () => {
    assert.deepEqual(clearPlainOrders([order('b', 'buy', 99, 10), order('s', 'sell', 100, 10)]), {
      clearingPrice: null,
      clearedQuantity: 0,
      matches: [],
    });
    assert.deepEqual(clearPlainOrders([]), { clearingPrice: null, clearedQuantity: 0, matches: [] });
  });

  it('matches at equal prices', () => {
    const result = clearPlainOrders([order('b', 'buy', 100, 10), order('s', 'sell', 100, 7)]);
    assert.equal(result.clearingPrice, 100);
    assert.equal(result.clearedQuantity, 7);
  });

  it("agrees with a direct reference on random books: price, volume and each order's quantity", () => {
    // The pairing itself follows the priority rule (checked below), so it is compared with the
    // reference pairing, not with the walk's best-bid-best-offer pairs.
    const random = new Prng(7);
    for (let round = 0; round < 300; round++) {
      const orders: PlainOrder[] = [];
      const count = random.range(0, 40);
      for (let i = 0; i < count; i++) {
        orders.push(
          order(`o${i}`, random.float() < 0.5 ? 'buy' : 'sell', random.range(90, 110), random.range(1, 50)),
        );
      }
      const result = clearPlainOrders(orders);
      const reference = referenceClear(orders);
      assert.equal(result.clearingPrice, reference.clearingPrice);
      assert.equal(result.clearedQuantity, reference.clearedQuantity);
      assert.deepEqual(tradedByOrder(result.matches), tradedByOrder(reference.matches));
      assert.deepEqual(result.matches, referencePairing(orders, reference));
    }
  });

  it('prices each pair at its own midpoint under pay-as-bid', () => {
    const result = clearPlainOrders([order('b', 'buy', 500, 10), order('s', 'sell', 301, 10)], 'payAsBid');
    assert.equal(result.matches[0]!.price, 400);
  });
});

describe('nearest-first crossing fee', () => {
  it('adds the fee to the offer price, so a local offer wins a tie against a distant one', () => {
    // Offer 0 is distant (group 1, fee 20 to the bid's group 0); offer 1 is local at a 20 higher price.
    const result = clearInterval({
      bidPrice: [500],
      bidQuantity: [10],
      bidGroup: [0],
      offerPrice: [300, 320],
      offerQuantity: [10, 10],
      offerGroup: [1, 0],
      crossingFee: [
        [0, 20],
        [20, 0],
      ],
    });
    assert.equal(result.pairs.length, 1);
    assert.equal(result.pairs[0]!.offer, 1);
    assert.equal(result.pairs[0]!.feePerKwh, 0);
  });

  it('refuses a pair whose offer plus fee exceeds the bid, and pays the seller net of the fee', () => {
    const book = {
      bidPrice: [330],
      bidQuantity: [10],
      bidGroup: [0],
      offerPrice: [300],
      offerQuantity: [10],
      offerGroup: [1],
      crossingFee: [[0], [40]],
    };
    assert.equal(clearInterval(book).clearedQuantity, 0);
    const cheaper = clearInterval({ ...book, offerPrice: [280] });
    const pair = cheaper.pairs[0]!;
    assert.equal(cheaper.clearingPrice, 325);
    assert.equal(pair.buyerPricePerKwh, 325);
    assert.equal(pair.sellerPricePerKwh, 285);
  });
});

describe('market clear input', () => {
  const expectBad = (input: unknown, field: string, id?: string) =>
    assert.throws(
      () => parseOrderFile(input),
      (e: unknown) =>
        e instanceof MarketError &&
        e.code === 'BAD_INPUT' &&
        e.message.includes(`"${field}"`) &&
        (id === undefined || e.message.includes(`"${id}"`)),
    );

  it('names the order and the field of every refusal', () => {
    expectBad({ orders: [{ id: 'b1', side: 'buy', price: 1 }] }, 'quantity', 'b1');
    expectBad({ orders: [{ id: 'b1', side: 'buy', price: -1, quantity: 1 }] }, 'price', 'b1');
    expectBad({ orders: [{ id: 'b1', side: 'buy', price: 1.5, quantity: 1 }] }, 'price', 'b1');
    expectBad({ orders: [{ id: 'b1', side: 'buy', price: 1, quantity: -3 }] }, 'quantity', 'b1');
    expectBad({ orders: [{ id: 'b1', side: 'buy', price: 1, quantity: 2.5 }] }, 'quantity', 'b1');
    expectBad({ orders: [{ id: 'b1', side: 'buy', price: '1', quantity: 2 }] }, 'price', 'b1');
    expectBad({ orders: [{ id: 'x', side: 'hold', price: 1, quantity: 1 }] }, 'side', 'x');
    expectBad({ orders: [{ side: 'buy', price: 1, quantity: 1 }] }, 'id');
    expectBad(
      {
        orders: [
          { id: 'd', side: 'buy', price: 1, quantity: 1 },
          { id: 'd', side: 'sell', price: 1, quantity: 1 },
        ],
      },
      'id',
      'd',
    );
    expectBad({ nothing: [] }, 'orders');
    expectBad([], 'orders');
  });

  it('accepts a valid file', () => {
    assert.equal(parseOrderFile({ orders: [{ id: 'a', side: 'sell', price: 0, quantity: 1 }] }).length, 1);
  });
});
