import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../src/kit/prng.js';
import { clearIntervalWith, type OrderBook, type PricingRule } from '../../src/market/clearing.js';

/** A located book with many groups, fees from a short tariff (so many ties) and barred pairs. */
function randomBook(random: Prng): OrderBook {
  // Some books have runs of equal fee long enough to be found through the order of heads.
  const groups = random.range(1, random.float() < 0.3 ? 150 : 40);
  const bids = random.range(0, 120);
  const offers = random.range(0, 120);
  const tariff = [0, 20, 35, 60];
  const fee = Array.from({ length: groups }, (_, g) =>
    Array.from({ length: groups }, (_, h) => (g === h ? 0 : random.pick(tariff))),
  );
  const withFees = random.float() < 0.8;
  const withBars = random.float() < 0.5;
  return {
    bidPrice: Array.from({ length: bids }, () => random.range(90, 140)),
    bidQuantity: Array.from({ length: bids }, () => random.range(1, 60)),
    bidGroup: Array.from({ length: bids }, () => random.range(0, groups - 1)),
    bidOwner: Array.from({ length: bids }, () => random.range(0, 30)),
    offerPrice: Array.from({ length: offers }, () => random.range(60, 120)),
    offerQuantity: Array.from({ length: offers }, () => random.range(1, 60)),
    offerGroup: Array.from({ length: offers }, () => random.range(0, groups - 1)),
    offerOwner: Array.from({ length: offers }, () => random.range(0, 30)),
    ...(withFees ? { crossingFee: fee } : {}),
    ...(withBars
      ? {
          allowed: Array.from({ length: groups }, (_, g) =>
            Array.from({ length: groups }, (_, h) => g === h || random.float() < 0.6),
          ),
        }
      : {}),
  };
}

describe('the indexed clearing walk and pairing (seeded property)', () => {
  it('gives exactly the scan over every group: price, volume and every pair', () => {
    const seed = Number(process.env.MARKET_WALK_SEED ?? 7);
    const random = new Prng(seed);
    let traded = 0;
    for (let round = 0; round < 600; round++) {
      const book = randomBook(random);
      const pricing: PricingRule = random.float() < 0.7 ? 'uniform' : 'payAsBid';
      const scanned = clearIntervalWith(book, pricing, false);
      // Twice on the same matrices: the second call reads the cached fee columns.
      for (let again = 0; again < 2; again++) {
        assert.deepEqual(
          clearIntervalWith(book, pricing, true),
          scanned,
          `book ${round}, seed ${seed}; replay: MARKET_WALK_SEED=${seed} node scripts/run-tests.mjs market/indexed-walk`,
        );
      }
      if (scanned.clearedQuantity > 0) traded++;
    }
    assert.ok(traded > 400, `only ${traded} books traded`);
  });
});
