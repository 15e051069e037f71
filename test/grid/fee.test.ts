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

/** An illustrative provincial table (currency units per kWh): higher voltage, lower T&D price. */
const tariff: CrossingTariff = {
  levels: [
    { name: 'below 1 kV', maxKv: 1, tdPricePerKwh: 0.2329 },
    { name: '1-10 kV', maxKv: 10, tdPricePerKwh: 0.2129 },
    { name: '20 kV', maxKv: 20, tdPricePerKwh: 0.2029 },
    { name: '35 kV', maxKv: 35, tdPricePerKwh: 0.1929 },
    { name: '110 kV', maxKv: 110, tdPricePerKwh: 0.1629 },
  ],
};

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

describe('network crossing fee', () => {
  it("is the buyer level's T&D price minus that of the highest level involved", () => {
    // Seller at 10 kV, buyer at 0.4 kV: the trade reaches 10 kV.
    close(crossingFeePerKwh(tariff, 10, 0.4), 0.2329 - 0.2129);
    // Seller at 35 kV, buyer at 10 kV.
    close(crossingFeePerKwh(tariff, 35, 10), 0.2129 - 0.1929);
    // Both at 0.4 kV: the trade stays on the low-voltage network and pays nothing by default.
    close(crossingFeePerKwh(tariff, 0.4, 0.4), 0);
    // A buyer above the seller pays nothing either: the fee is never negative.
    close(crossingFeePerKwh(tariff, 0.4, 35), 0);
  });

  it('maps connection voltages to the first level that covers them', () => {
    const fee = crossingFee(tariff, 12.66, 0.38);
    assert.equal(fee.sellerLevel, '20 kV');
    assert.equal(fee.buyerLevel, 'below 1 kV');
    assert.equal(fee.highestLevel, '20 kV');
  });

  it('can count the trade as passing one level above its connections', () => {
    const upstream = { ...tariff, levelsAboveConnection: 1 };
    close(crossingFeePerKwh(upstream, 10, 10), 0.2129 - 0.2029);
    // Never above the top level of the table.
    close(crossingFeePerKwh(upstream, 110, 110), 0);
  });

  it('prices a trade between two buses of a grid by their base voltages', () => {
    const grid = ieee33Feeder();
    const fee = crossingFeeBetweenBuses(tariff, grid, 18, 33);
    assert.equal(fee.buyerLevel, '20 kV');
    close(fee.feePerKwh, 0);
    assert.throws(
      () => crossingFeeBetweenBuses(tariff, grid, 18, 99),
      (e: unknown) => e instanceof GridError && e.code === 'TARIFF_INVALID',
    );
  });

  it('rejects tariffs and voltages it cannot price', () => {
    const bad = (run: () => unknown) =>
      assert.throws(run, (e: unknown) => e instanceof GridError && e.code === 'TARIFF_INVALID');
    bad(() => crossingFeePerKwh(tariff, 220, 10));
    bad(() => crossingFeePerKwh(tariff, 0, 10));
    bad(() => crossingFeePerKwh({ levels: [] }, 10, 10));
    bad(() => tariffFromJson({ levels: [{ maxKv: 10 }] }));
    bad(() => tariffFromJson({ levels: [{ maxKv: 10, tdPricePerKwh: -1 }] }));
    bad(() => tariffFromJson(null));
    const parsed = tariffFromJson(JSON.parse(JSON.stringify(tariff)));
    close(crossingFeePerKwh(parsed, 10, 0.4), 0.02);
  });
});
