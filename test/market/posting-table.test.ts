import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../src/kit/prng.js';
import { MoneySum } from '../../src/market/money-sum.js';
import { PostingTable } from '../../src/market/posting-table.js';

/** The plain path: an object per posted line with its own sum, and a sum per account's net. */
interface PlainAccount {
  lines: ({ energyWh: number; amount: MoneySum } | undefined)[];
  net: MoneySum;
}

describe('posting table', () => {
  it('gives every line and net the plain sums give, across the safe-integer boundary', () => {
    const kinds = 8;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const random = new Prng(seed);
      // A small first capacity, so the rows move to larger arrays several times.
      const table = new PostingTable(kinds, 2);
      const plain: PlainAccount[] = [];
      const rows: number[] = [];
      for (let step = 0; step < 4000; step++) {
        if (plain.length === 0 || random.float() < 0.05) {
          rows.push(table.addRow());
          plain.push({ lines: [], net: new MoneySum() });
        }
        const account = random.range(0, plain.length - 1);
        const kind = random.range(0, kinds - 1);
        const roll = random.float();
        // Mostly small amounts of either sign and zero, some near 2^53, a few bigints.
        const size =
          roll < 0.1
            ? Number.MAX_SAFE_INTEGER - random.range(0, 1000)
            : roll < 0.2
              ? 0
              : random.range(0, 2 ** 40);
        const amount: number | bigint =
          roll > 0.95
            ? BigInt(size) * 5n * (random.float() < 0.5 ? -1n : 1n)
            : random.float() < 0.5
              ? -size
              : size;
        const energyWh = random.range(0, 1_000_000);
        table.post(rows[account]!, kind, energyWh, amount);
        const target = plain[account]!;
        let line = target.lines[kind];
        if (line === undefined) target.lines[kind] = line = { energyWh: 0, amount: new MoneySum() };
        line.energyWh += energyWh;
        line.amount.add(amount);
        target.net.add(amount);
      }
      plain.forEach((account, i) => {
        const row = rows[i]!;
        assert.equal(table.net(row), account.net.total(), `seed ${seed}, account ${i}: net`);
        for (let kind = 0; kind < kinds; kind++) {
          const line = account.lines[kind];
          assert.equal(
            table.posted(row, kind),
            line !== undefined,
            `seed ${seed}, account ${i}, kind ${kind}`,
          );
          if (line === undefined) continue;
          assert.equal(table.energyWh(row, kind), line.energyWh);
          assert.equal(
            table.amount(row, kind),
            line.amount.total(),
            `seed ${seed}, account ${i}, kind ${kind}`,
          );
        }
      });
    }
  });

  it('counts a posting of nothing as a line', () => {
    const table = new PostingTable(3);
    const row = table.addRow();
    table.post(row, 1, 0, 0);
    assert.equal(table.posted(row, 0), false);
    assert.equal(table.posted(row, 1), true);
    assert.equal(table.amount(row, 1), 0n);
    assert.equal(table.net(row), 0n);
  });
});
