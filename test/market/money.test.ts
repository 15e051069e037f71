import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../src/kit/prng.js';
import { intervalCapacityWh, moneyFor } from '../../src/market/handler-context.js';

describe('integer money and energy', () => {
  it('rounds money down exactly, on both sides of the safe-integer boundary', () => {
    const random = new Prng(99);
    for (let i = 0; i < 5000; i++) {
      const price = random.range(0, 1_000_000);
      const energy = i % 2 === 0 ? random.range(0, 2 ** 31) : random.range(0, 1_000_000_000);
      assert.equal(moneyFor(price, energy), (BigInt(price) * BigInt(energy)) / 1000n);
    }
    assert.equal(moneyFor(999, 1), 0n);
    assert.equal(moneyFor(1000, 1), 1n);
    assert.equal(moneyFor(2 ** 30, 2 ** 30), 2n ** 60n / 1000n);
  });

  it('turns power over an interval into whole Wh', () => {
    assert.equal(intervalCapacityWh(1000, 3_600_000), 1_000_000);
    assert.equal(intervalCapacityWh(1, 900_000), 250);
    assert.equal(intervalCapacityWh(7, 1000), 1);
  });
});
