import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CrossingTariff,
  crossingFee,
  crossingFeeBetweenBuses,
  crossingFeePerKwh,
  GridError,
  ieee33Feeder,
  tariffFromJson,
} from '../../src/grid/index.js';
import { Prng } from '../../src/kit/prng.js';

/** An illustrative table in integer money units per kWh: higher voltage, lower T&D price. */
const tariff: CrossingTariff = {
  levels: [
    { name: 'below 1 kV', maxKv: 1, tdPricePerKwh: 233 },
    { name: '1-10 kV', maxKv: 10, tdPricePerKwh: 213 },
    { name: '20 kV', maxKv: 20, tdPricePerKwh: 203 },
    { name: '35 kV', maxKv: 35, tdPricePerKwh: 193 },
    { name: '110 kV', maxKv: 110, tdPricePerKwh: 163 },
  ],
};
const kv = (value: number, bus?: number) => (bus === undefined ? { kv: value } : { kv: value, bus });

describe('network crossing fee', () => {
  it("is the buyer level's T&D price minus that of the highest level crossed", () => {
    // Seller at 10 kV, buyer at 0.4 kV: the energy reaches 10 kV.
    assert.equal(crossingFeePerKwh(tariff, kv(10), kv(0.4)), 233 - 213);
    assert.equal(crossingFeePerKwh(tariff, kv(35), kv(10)), 213 - 193);
    // Both at 0.4 kV: the energy stays on the low-voltage network and pays nothing by default.
    assert.equal(crossingFeePerKwh(tariff, kv(0.4), kv(0.4)), 0);
    // A buyer above the seller pays nothing either: the fee is never negative.
    assert.equal(crossingFeePerKwh(tariff, kv(0.4), kv(35)), 0);
  });

  it('maps connection voltages to the first level that covers them', () => {
    const fee = crossingFee(tariff, kv(12.66), kv(0.38));
    assert.equal(fee.sellerLevel, '20 kV');
    assert.equal(fee.buyerLevel, 'below 1 kV');
    assert.equal(fee.highestLevel, '20 kV');
    assert.equal(fee.levelsAboveSeller, 0);
  });

  it('counts the levels climbed between different buses, none on one bus', () => {
    const upstream = { ...tariff, levelsBetweenBuses: 1 };
    // Two 10 kV buses meet at 20 kV; on one bus they stay at 10 kV.
    assert.equal(crossingFeePerKwh(upstream, kv(10, 1), kv(10, 2)), 213 - 203);
    assert.equal(crossingFee(upstream, kv(10, 1), kv(10, 2)).levelsAboveSeller, 1);
    assert.equal(crossingFeePerKwh(upstream, kv(10, 1), kv(10, 1)), 0);
    // An unknown bus counts as another bus.
    assert.equal(crossingFeePerKwh(upstream, kv(10), kv(10, 1)), 10);
    // A 35 kV seller and a 10 kV buyer elsewhere: the buyer climbs to 20 kV, the energy is at 35 kV.
    assert.equal(crossingFee(upstream, kv(35, 1), kv(10, 2)).highestLevel, '35 kV');
    // Never above the top level of the table.
    assert.equal(crossingFeePerKwh(upstream, kv(110, 1), kv(110, 2)), 0);
  });

  it('nearest is cheapest: the fee never falls as the energy climbs (seeded property)', () => {
    const seed = Number(process.env.GRID_FEE_SEED ?? 11);
    const random = new Prng(seed);
    try {
      for (let round = 0; round < 2000; round++) {
        const levels = Array.from({ length: random.range(1, 6) }, (_, i) => ({
          name: `L${i}`,
          maxKv: (i + 1) * 10,
          tdPricePerKwh: 0,
        }));
        // T&D prices fall as the level rises.
        let price = random.range(0, 1000);
        for (let i = levels.length - 1; i >= 0; i--) {
          levels[i]!.tdPricePerKwh = price;
          price += random.range(0, 50);
        }
        const top = levels.length * 10;
        const point = () => kv(random.range(1, top), random.range(0, 3));
        const seller = point();
        const buyer = point();
        const near = crossingFee({ levels, levelsBetweenBuses: 0 }, seller, buyer);
        const far = crossingFee({ levels, levelsBetweenBuses: random.range(1, 3) }, seller, buyer);
        assert.ok(Number.isSafeInteger(near.feePerKwh) && near.feePerKwh >= 0);
        assert.ok(far.feePerKwh >= near.feePerKwh, `round ${round}`);
        assert.ok(far.levelsAboveSeller >= near.levelsAboveSeller, `round ${round}`);
      }
    } catch (error) {
      console.error(
        `fee property failed with seed ${seed}; replay: GRID_FEE_SEED=${seed} node scripts/run-tests.mjs grid/fee`,
      );
      throw error;
    }
  });

  it('prices a trade between two buses of a grid by their base voltages', () => {
    const grid = ieee33Feeder();
    const fee = crossingFeeBetweenBuses(tariff, grid, 18, 33);
    assert.equal(fee.buyerLevel, '20 kV');
    assert.equal(fee.feePerKwh, 0);
    assert.equal(crossingFeeBetweenBuses({ ...tariff, levelsBetweenBuses: 1 }, grid, 18, 33).feePerKwh, 10);
    assert.equal(crossingFeeBetweenBuses({ ...tariff, levelsBetweenBuses: 1 }, grid, 18, 18).feePerKwh, 0);
    assert.throws(
      () => crossingFeeBetweenBuses(tariff, grid, 18, 99),
      (e: unknown) => e instanceof GridError && e.code === 'TARIFF_INVALID',
    );
  });

  it('rejects tariffs and voltages it cannot price, and prices in anything but integer money units', () => {
    const bad = (run: () => unknown) =>
      assert.throws(run, (e: unknown) => e instanceof GridError && e.code === 'TARIFF_INVALID');
    bad(() => crossingFeePerKwh(tariff, kv(220), kv(10)));
    bad(() => crossingFeePerKwh(tariff, kv(0), kv(10)));
    bad(() => crossingFeePerKwh({ levels: [] }, kv(10), kv(10)));
    bad(() => crossingFeePerKwh({ ...tariff, levelsBetweenBuses: -1 }, kv(10), kv(10)));
    bad(() => tariffFromJson({ levels: [{ maxKv: 10 }] }));
    bad(() => tariffFromJson({ levels: [{ maxKv: 10, tdPricePerKwh: -1 }] }));
    // A price in yuan (a fraction) is refused rather than read in another unit.
    bad(() => tariffFromJson({ levels: [{ maxKv: 10, tdPricePerKwh: 0.2129 }] }));
    bad(() => tariffFromJson({ levels: [{ maxKv: 10, tdPricePerKwh: 1 }], levelsAboveConnection: 1 }));
    bad(() => tariffFromJson(null));
    const parsed = tariffFromJson(JSON.parse(JSON.stringify(tariff)));
    assert.equal(crossingFeePerKwh(parsed, kv(10), kv(0.4)), 20);
  });
});
