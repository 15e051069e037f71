import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../src/crypto/hash.js';
import { MemoryState } from '../../src/market/memory-state.js';
import type { Deal } from '../../src/market/records.js';
import { MarketStore } from '../../src/market/store.js';
import { analysisDictionaries } from '../../web/src/i18n/analysis-dict.js';
import {
  decodeMeters,
  meterKey,
  PRIVATE_COLUMNS,
  privateTable,
  publicTable,
} from '../../web/src/lib/market-analysis.js';
import { dealsKey, decodeDeals } from '../../web/src/lib/market-state.js';
import { parseCsv } from '../../web/src/lib/statement-csv.js';
import { cellText, type Table, tableCsv } from '../../web/src/lib/table-csv.js';

const SELLER = new Uint8Array(32).fill(0xa1);
const BUYER = new Uint8Array(32).fill(0xb2);

function deal(interval: number, matchedWh: number, energyWh: number, feePerKwh: number): Deal {
  return {
    round: 0,
    interval,
    mode: 'direct',
    seller: SELLER,
    project: 0,
    buyer: BUYER,
    matchedWh,
    energyWh,
    adjustmentReason: matchedWh === energyWh ? '' : 'AC security check: branch-thermal:6-7',
    sellerPricePerKwh: 400,
    buyerPricePerKwh: 400 + feePerKwh,
    feePerKwh,
  };
}

/** The records as the node encodes them, read back through the portal's own decoders. */
function fromChain() {
  const state = new MemoryState();
  const store = new MarketStore(state);
  store.setDeals('c-1', 0, [deal(0, 250_000, 180_000, 20), deal(0, 1_999, 1_999, 7)]);
  store.setDeals('c-1', 1, [deal(1, 10_000, 10_000, 0)]);
  store.setMeterWh('c-1', SELLER, [185_000, null]);
  store.setMeterWh('c-1', BUYER, [170_000, 10_400]);
  const values = new Map([...state.sortedEntries()].map(([k, v]) => [toHex(k), toHex(v)]));
  const seller = toHex(SELLER);
  const buyer = toHex(BUYER);
  return {
    deals: [0, 1].map((i) => decodeDeals(values.get(dealsKey('c-1', i))!)),
    meters: new Map([
      [seller, decodeMeters(values.get(meterKey('c-1', seller))!)],
      [buyer, decodeMeters(values.get(meterKey('c-1', buyer))!)],
    ]),
  };
}

/** The CSV read back: the header, then every row as the page shows it. */
function roundTrip(table: Table) {
  const [header, ...rows] = parseCsv(tableCsv(table));
  assert.deepEqual(header, [...table.columns]);
  assert.deepEqual(
    rows,
    table.rows.map((row) => row.map(cellText)),
  );
  return rows;
}

describe('cycle analysis', () => {
  it('sums contracts, congestion cuts, crossing fees and deviations per interval', () => {
    const { deals, meters } = fromChain();
    assert.deepEqual(meters.get(toHex(SELLER)), [185_000, null]);
    const table = privateTable(3, deals, meters);
    assert.deepEqual(table.columns, PRIVATE_COLUMNS);
    assert.deepEqual(table.rows, [
      // 20 × 180 kWh = 3600, 7 × 1.999 kWh = 13.993 → 13 (settlement rounds each payment down).
      [0, 2, 251_999, 181_999, 70_000, '3613', 185_000, 3_001, 170_000, -11_999],
      [1, 1, 10_000, 10_000, 0, '0', null, null, 10_400, 400],
      [2, 0, 0, 0, 0, '0', null, null, null, null],
    ]);
    const rows = roundTrip(table);
    assert.equal(Number(rows[0]![5]), 3613);
    assert.equal(rows[2]![9], '');
  });

  it('shows the public release per interval, the latest round first', () => {
    const table = publicTable(
      {
        cycleId: 'c-1',
        intervals: 2,
        round: 1,
        summaries: [
          { round: 0, interval: 0, clearingPricePerKwh: 410, volumeWh: 5_000, participants: 2 },
          { round: 0, interval: 1, volumeWh: 0, participants: 0 },
          { round: 1, interval: 0, clearingPricePerKwh: 395, volumeWh: 4_000, participants: 3 },
        ],
      } as never,
      [{ interval: 0, outcome: 'adjusted', code: 'ADJUSTED', reason: 'a, "quoted" reason' }],
    );
    assert.deepEqual(table.rows, [
      [0, 1, 395, 4_000, 3, 'adjusted'],
      [1, 0, null, 0, 0, null],
    ]);
    roundTrip(table);
    // Commas, quotes and line breaks survive.
    roundTrip({ columns: ['a', 'b'], rows: [['x, "y"\r\nz', -3]] });
  });

  it('has every string in both languages, with the same placeholders', () => {
    const { en, 'zh-CN': zh } = analysisDictionaries;
    assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      assert.ok(zh[key].length > 0, key);
      assert.deepEqual(placeholders(zh[key]), placeholders(en[key]), key);
    }
  });
});
