import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../src/kit/prng.js';
import { bidRuns } from '../../src/market/bid-runs.js';
import { clearIntervalWith, type OrderBook, type PricingRule } from '../../src/market/clearing.js';
import { TariffFeeTable } from '../../src/market/crossing-tariff.js';
import { MaxTree } from '../../src/market/max-tree.js';

/**
 * A located book as matching builds one: groups are (bus, voltage) points, fees come from the
 * tariff by voltage level, so large runs of one fee differ between offer groups by the few groups
 * on the seller's bus (the case bases with groups outside and beyond them serve), and some
 * sellers may only sell within their level, or some pairs are barred at random.
 */
function locatedBook(random: Prng): OrderBook {
  const buses = random.range(2, 40);
  const groups = random.range(18, random.float() < 0.5 ? 160 : 60);
  const points = Array.from({ length: groups }, () => ({
    bus: random.range(0, buses - 1),
    // Users mostly at 10 kV, as in the simulated market.
    voltageKv: random.float() < 0.7 ? 10 : random.pick([35, 110]),
  }));
  const localOnly = points.map((p) => p.voltageKv === 110 && random.float() < 0.5);
  const table = new TariffFeeTable({
    tariffLevels: [
      { maxVoltageKv: 10, tdPricePerKwh: 120 },
      { maxVoltageKv: 35, tdPricePerKwh: 100 },
      { maxVoltageKv: 110, tdPricePerKwh: 60 },
    ],
    levelsBetweenBuses: random.range(0, 1),
  });
  const crossings = points.map((s) => points.map((b) => table.crossing(s, b)));
  const randomBars = random.float() < 0.25;
  const allowed = crossings.map((row, g) =>
    row.map((c) => (!localOnly[g] || c.levelsAboveSeller === 0) && !(randomBars && random.float() < 0.05)),
  );
  const atLevel = (kv: number) => points.flatMap((p, g) => (p.voltageKv === kv ? [g] : []));
  const userGroups = atLevel(10).length > 0 ? atLevel(10) : [0];
  const bids = random.range(0, 400);
  const offers = random.range(0, 200);
  return {
    bidPrice: Array.from({ length: bids }, () => random.range(100, 260)),
    bidQuantity: Array.from({ length: bids }, () => random.range(1, 80)),
    // Most bids at 10 kV, a few anywhere.
    bidGroup: Array.from({ length: bids }, () =>
      random.float() < 0.9 ? random.pick(userGroups) : random.range(0, groups - 1),
    ),
    bidOwner: Array.from({ length: bids }, () => random.range(0, 90)),
    offerPrice: Array.from({ length: offers }, () => random.range(30, 160)),
    offerQuantity: Array.from({ length: offers }, () => random.range(1, 400)),
    offerGroup: Array.from({ length: offers }, () => random.range(0, groups - 1)),
    offerOwner: Array.from({ length: offers }, () => random.range(0, 60)),
    crossingFee: crossings.map((row) => row.map((c) => c.feePerKwh)),
    allowed,
  };
}

describe('bid runs searched in bases (seeded property)', () => {
  it('pair exactly as the scan over every group on located books', () => {
    const seed = Number(process.env.MARKET_RUNS_SEED ?? 11);
    const random = new Prng(seed);
    let traded = 0;
    let outside = 0;
    let beyond = 0;
    for (let round = 0; round < 300; round++) {
      const book = locatedBook(random);
      const runs = bidRuns(book.crossingFee, book.allowed)!;
      for (const run of runs.columns.flat()) {
        if (run.base >= 0 && run.outside !== null) outside++;
        if (run.base >= 0 && run.groups.length > 0) beyond++;
      }
      const pricing: PricingRule = random.float() < 0.7 ? 'uniform' : 'payAsBid';
      const scanned = clearIntervalWith(book, pricing, false);
      assert.deepEqual(
        clearIntervalWith(book, pricing, true),
        scanned,
        `book ${round}, seed ${seed}; replay: MARKET_RUNS_SEED=${seed} node scripts/run-tests.mjs market/bid-runs`,
      );
      // A book the pairing gives up on (a seller left with no bid it can reach) still searched
      // for every seller before it.
      if (scanned.clearedQuantity > 0) traded++;
    }
    assert.ok(traded > 250, `only ${traded} books traded`);
    // The books do exercise runs that pass over groups of their base and scan groups beyond it.
    assert.ok(outside > 1000 && beyond > 1000, `runs with groups outside: ${outside}, beyond: ${beyond}`);
  });

  it('finds the first leaf from any start as a scan does', () => {
    const random = new Prng(5);
    for (let round = 0; round < 300; round++) {
      const count = random.range(0, 70);
      const values = Array.from({ length: count }, () => random.range(0, 9));
      const tree = new MaxTree(count);
      tree.build((i) => values[i]!, count);
      for (let change = 0; change < 5 && count > 0; change++) {
        const i = random.range(0, count - 1);
        values[i] = random.range(0, 9);
        tree.set(i, values[i]!);
      }
      for (let query = 0; query < 20; query++) {
        const from = random.range(0, count + 1);
        const limit = random.range(0, count + 1);
        const need = random.range(1, 10);
        let expected = -1;
        for (let i = from; i < Math.min(limit, count); i++) {
          if (values[i]! >= need) {
            expected = i;
            break;
          }
        }
        assert.equal(
          tree.firstFrom(from, limit, need),
          expected,
          `round ${round} ${from}..${limit} ≥ ${need}`,
        );
        if (from === 0) assert.equal(tree.first(limit, need), expected);
      }
    }
  });
});
