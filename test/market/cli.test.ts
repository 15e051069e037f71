import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const dir = mkdtempSync(join(tmpdir(), 'gridshard-market-'));

function clear(orders: unknown): { status: number | null; stdout: string } {
  const path = join(dir, `orders-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(orders));
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'market', 'clear', path, '--json'],
    { encoding: 'utf8' },
  );
  return { status: result.status, stdout: result.stdout };
}

describe('market clear command', () => {
  it('prints the clearing as JSON, and exit 2 with the order and field named for bad input', () => {
    const good = clear({
      orders: [
        { id: 'b1', side: 'buy', price: 450, quantity: 1000 },
        { id: 's1', side: 'sell', price: 300, quantity: 600 },
      ],
    });
    assert.equal(good.status, 0);
    assert.deepEqual(JSON.parse(good.stdout), {
      clearingPrice: 375,
      clearedQuantity: 600,
      matches: [{ buy: 'b1', sell: 's1', quantity: 600, price: 375 }],
    });
    const bad = clear({ orders: [{ id: 's9', side: 'sell', price: 300, quantity: -1 }] });
    assert.equal(bad.status, 2);
    const error = JSON.parse(bad.stdout).error;
    assert.equal(error.code, 'BAD_INPUT');
    assert.match(error.message, /order "s9".*"quantity"/);
  });
});
