import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../src/crypto/hash.js';
import { encodeMarketPayload, type MarketAction } from '../../src/market/actions.js';
import { MemoryState } from '../../src/market/memory-state.js';
import type { Deal } from '../../src/market/records.js';
import { MarketStore } from '../../src/market/store.js';
import { decodeMarketAction } from '../../web/src/lib/market-action.js';
import {
  dealsKey,
  decodeDeals,
  decodeOutcomes,
  decodeTransitions,
  emptyFlags,
  outcomesKey,
  readReason,
  transitionsKey,
} from '../../web/src/lib/market-state.js';

// The portal's own readers of market records and actions against the node's encoders: the same
// bytes, read back to the same values.

const key = (n: number) => new Uint8Array(32).fill(n);

function deal(energyWh: number, adjustmentReason: string): Deal {
  return {
    round: 0,
    interval: 2,
    mode: 'direct',
    seller: key(1),
    project: 0,
    buyer: key(2),
    matchedWh: 5000,
    energyWh,
    adjustmentReason,
    sellerPricePerKwh: 400,
    buyerPricePerKwh: 420,
    feePerKwh: 20,
  };
}

describe('portal market records', () => {
  it('finds and reads transitions, interval outcomes and deals where the market stores them', () => {
    const state = new MemoryState();
    const store = new MarketStore(state);
    store.addTransition('c-1', {
      from: 'open',
      to: 'closed',
      round: 0,
      atMs: 1_700_000_012_000,
      height: 41,
      code: 'GATE_CLOSED',
      reason: 'gate closure reached',
    });
    store.setIntervalOutcomes('c-1', [
      { interval: 0, outcome: 'secure', code: 'SECURE', reason: '' },
      {
        interval: 2,
        outcome: 'cancelled',
        code: 'CHECK_FAILED',
        reason: 'GRID: voltage-low:18, not-converged',
      },
    ]);
    store.setDeals('c-1', 2, [
      deal(5000, ''),
      deal(3100, 'AC security check: branch-thermal:7-6, voltage-high:33'),
    ]);
    const values = new Map([...state.sortedEntries()].map(([k, v]) => [toHex(k), toHex(v)]));

    assert.deepEqual(decodeTransitions(values.get(transitionsKey('c-1'))!), [
      {
        from: 'open',
        to: 'closed',
        round: 0,
        atMs: 1_700_000_012_000,
        height: 41,
        code: 'GATE_CLOSED',
        reason: 'gate closure reached',
      },
    ]);
    const outcomes = decodeOutcomes(values.get(outcomesKey('c-1'))!);
    assert.deepEqual(
      outcomes.map((o) => [o.interval, o.outcome, o.code]),
      [
        [0, 'secure', 'SECURE'],
        [2, 'cancelled', 'CHECK_FAILED'],
      ],
    );
    const deals = decodeDeals(values.get(dealsKey('c-1', 2))!);
    assert.deepEqual(
      deals.map((d) => [d.seller, d.buyer, d.matchedWh, d.energyWh, d.adjustmentReason]),
      [
        [toHex(key(1)), toHex(key(2)), 5000, 5000, ''],
        [toHex(key(1)), toHex(key(2)), 5000, 3100, 'AC security check: branch-thermal:7-6, voltage-high:33'],
      ],
    );

    const flags = readReason(outcomes[1]!.reason, emptyFlags());
    readReason(deals[1]!.adjustmentReason, flags);
    assert.deepEqual([...flags.lines], ['6-7']);
    assert.deepEqual([...flags.voltageLow], [18]);
    assert.deepEqual([...flags.voltageHigh], [33]);
    assert.equal(flags.notConverged, true);
    // Bytes that are not such a record are refused, not misread.
    assert.throws(() => decodeOutcomes(values.get(transitionsKey('c-1'))!));
  });

  it('decodes market actions as the node encodes them, refusing the retired signed format', () => {
    const actions: [MarketAction, [string, string][], boolean][] = [
      [
        {
          type: 'openCycle',
          cycleId: 'c-1',
          intervals: 4,
          intervalMs: 900_000,
          deliveryStartMs: 1_700_003_600_000,
          gateClosureMs: 1_700_001_800_000,
          gridEnterprise: key(3),
        },
        [
          ['cycleId', 'c-1'],
          ['intervals', '4'],
          ['intervalMs', '900000'],
          ['deliveryStartMs', '1700003600000'],
          ['gateClosureMs', '1700001800000'],
          ['gridEnterprise', toHex(key(3))],
        ],
        true,
      ],
      [{ type: 'settle', cycleId: 'c-1' }, [['cycleId', 'c-1']], true],
      [
        { type: 'audit', member: key(4), approve: true, note: 'ok' },
        [
          ['member', toHex(key(4))],
          ['approve', 'true'],
          ['note', 'ok'],
        ],
        true,
      ],
      [
        {
          type: 'submitQuote',
          cycleId: 'c-1',
          quoteId: 'q0',
          quote: { side: 'buy', mode: 'direct', project: 0, curves: [] },
        },
        [
          ['cycleId', 'c-1'],
          ['quoteId', 'q0'],
        ],
        false,
      ],
    ];
    for (const [action, fields, complete] of actions) {
      const payload = encodeMarketPayload(action);
      const decoded = decodeMarketAction(payload);
      assert.equal(decoded.type, action.type);
      assert.equal(decoded.cycleId, 'cycleId' in action ? action.cycleId : null);
      assert.equal(decoded.complete, complete);
      assert.deepEqual(
        decoded.fields.map(([name, v]) => [name, v.kind === 'time' ? String(v.ms) : v.value]),
        fields,
      );
      if (complete) assert.throws(() => decodeMarketAction(Uint8Array.from([...payload, 0])), action.type);
    }
    assert.throws(() => decodeMarketAction(Uint8Array.of(2, 200)));
    // Version 1 carried sender, nonce and its own signature; it is not read.
    const retired = Uint8Array.from([
      1,
      ...key(9),
      ...new Uint8Array(8),
      ...encodeMarketPayload(actions[1]![0]).slice(1),
    ]);
    assert.throws(() => decodeMarketAction(retired), /version/);
  });
});
