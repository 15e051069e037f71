import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clearInterval } from '../../src/market/clearing.js';
import type { Quotation } from '../../web/src/lib/market-tx.js';
import {
  type Book,
  bookOf,
  clearingPoint,
  demandCurve,
  supplyCurve,
} from '../../web/src/lib/supply-demand.js';

/** A small deterministic generator (mulberry32), so every run draws the same books. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBook(next: () => number): Book {
  const orders = (n: number, base: number) =>
    Array.from({ length: n }, () => ({
      // Few distinct prices, so ties in price (kept in chain order) are common.
      price: base + Math.floor(next() * 8) * 10,
      quantity: 1 + Math.floor(next() * 5_000),
    }));
  return { bids: orders(Math.floor(next() * 12), 340), offers: orders(Math.floor(next() * 12), 320) };
}

const market = (book: Book) =>
  clearInterval({
    bidPrice: book.bids.map((o) => o.price),
    bidQuantity: book.bids.map((o) => o.quantity),
    offerPrice: book.offers.map((o) => o.price),
    offerQuantity: book.offers.map((o) => o.quantity),
  });

describe('supply and demand curves', () => {
  it('cross where the market clears, on 500 seeded books', () => {
    const next = random(20261129);
    let crossed = 0;
    for (let i = 0; i < 500; i++) {
      const book = randomBook(next);
      const ours = clearingPoint(book);
      const theirs = market(book);
      assert.deepEqual(ours, { price: theirs.clearingPrice, volumeWh: theirs.clearedQuantity }, `book ${i}`);
      if (ours.price !== null) crossed++;
    }
    assert.ok(crossed > 100 && crossed < 500, `both outcomes drawn (${crossed} crossed)`);
  });

  it('are stepwise: sorted, cumulative, one step per price', () => {
    const book: Book = {
      bids: [
        { price: 400, quantity: 1_000 },
        { price: 450, quantity: 500 },
        { price: 400, quantity: 250 },
      ],
      offers: [
        { price: 390, quantity: 800 },
        { price: 350, quantity: 600 },
      ],
    };
    assert.deepEqual(demandCurve(book), [
      { price: 450, fromWh: 0, toWh: 500 },
      { price: 400, fromWh: 500, toWh: 1_750 },
    ]);
    assert.deepEqual(supplyCurve(book), [
      { price: 350, fromWh: 0, toWh: 600 },
      { price: 390, fromWh: 600, toWh: 1_400 },
    ]);
    // 450 × 500 against 350, then 400 against 350 (100 left) and 390 (800): 1,400 Wh, last pair 400/390.
    assert.deepEqual(clearingPoint(book), { price: 395, volumeWh: 1_400 });
    assert.deepEqual(clearingPoint({ bids: [{ price: 300, quantity: 1 }], offers: book.offers }), {
      price: null,
      volumeWh: 0,
    });
    assert.deepEqual(clearingPoint({ bids: [], offers: [] }), { price: null, volumeWh: 0 });
  });

  it('builds the book the match walks: revealed, direct, approved, this interval', () => {
    const q = (side: 'buy' | 'sell', mode: Quotation['mode'], price: number): Quotation => ({
      side,
      mode,
      project: 0,
      curves: [
        { interval: 0, steps: [{ pricePerKwh: price, energyWh: 100 }] },
        { interval: 1, steps: [{ pricePerKwh: price + 1, energyWh: 7 }] },
      ],
    });
    const book = bookOf(
      [
        { quote: q('buy', 'direct', 400), withdrawn: false, approved: true },
        { quote: q('sell', 'direct', 380), withdrawn: false, approved: true },
        { quote: q('sell', 'direct', 300), withdrawn: true, approved: true },
        { quote: q('sell', 'direct', 301), withdrawn: false, approved: false },
        { quote: q('buy', 'entrusted', 500), withdrawn: false, approved: true },
        { quote: null, withdrawn: false, approved: true },
      ],
      1,
    );
    assert.deepEqual(book, { bids: [{ price: 401, quantity: 7 }], offers: [{ price: 381, quantity: 7 }] });
  });
});
