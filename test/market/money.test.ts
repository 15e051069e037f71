import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../src/kit/prng.js';
import { intervalCapacityWh, moneyFor } from '../../src/market/handler-context.js';
import { MoneySum, money } from '../../src/market/money-sum.js';

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

  it('gives the same amounts as numbers while they are safe integers', () => {
    const random = new Prng(7);
    for (let i = 0; i < 5000; i++) {
      const price = random.range(0, 1_000_000);
      const energy = i % 2 === 0 ? random.range(0, 2 ** 31) : random.range(0, 1_000_000_000);
      const amount = money(price, energy);
      assert.equal(BigInt(amount), moneyFor(price, energy));
      if (typeof amount === 'number') assert.ok(Number.isSafeInteger(amount));
    }
    assert.equal(typeof money(2 ** 30, 2 ** 30), 'bigint');
  });

  it('sums money exactly across the safe-integer boundary, in either direction', () => {
    const random = new Prng(8);
    for (let run = 0; run < 200; run++) {
      const sum = new MoneySum();
      let exact = 0n;
      for (let i = 0; i < 50; i++) {
        const roll = random.float();
        // Amounts near 2^53 push the number part over the edge; a few bigints come in directly.
        const size = roll < 0.3 ? Number.MAX_SAFE_INTEGER - random.range(0, 1000) : random.range(0, 2 ** 40);
        const amount: number | bigint = roll > 0.9 ? BigInt(size) * 3n : random.float() < 0.5 ? -size : size;
        sum.add(amount);
        exact += BigInt(amount);
        assert.equal(sum.total(), exact, `run ${run}, step ${i}`);
      }
    }
  });

  it('turns power over an interval into whole Wh', () => {
    assert.equal(intervalCapacityWh(1000, 3_600_000), 1_000_000);
    assert.equal(intervalCapacityWh(1, 900_000), 250);
    assert.equal(intervalCapacityWh(7, 1000), 1);
  });
});
