import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../src/crypto/index.js';
import { Prng } from '../../src/kit/prng.js';
import { StateOverlay } from '../../src/ledger/overlay.js';
import { type MarketAction, marketActionCodec } from '../../src/market/actions.js';
import { applyAdjustments, securityCheckProblems } from '../../src/market/grid-compliance.js';
import { BusExportLimitChecker } from '../../src/market/grid-doubles.js';
import type { ScheduleInterval } from '../../src/market/grid-interface.js';
import { MemoryState } from '../../src/market/memory-state.js';
import { versioned } from '../../src/market/schema.js';
import { bid, offer, project } from './fixture.js';

const actionRecord = versioned(1, marketActionCodec, 'action');
const key = new Uint8Array(32).fill(3);

const samples: MarketAction[] = [
  {
    type: 'register',
    role: 'generator',
    name: 'PV 光伏',
    bus: 3,
    voltageKv: 10,
    maxLoadKw: 0,
    projects: [project()],
    meterKey: key,
  },
  { type: 'audit', member: key, approve: false, note: 'x' },
  { type: 'suspend', member: key, reason: 'r' },
  { type: 'exit' },
  {
    type: 'openCycle',
    cycleId: 'c',
    intervals: 96,
    intervalMs: 900_000,
    deliveryStartMs: 5,
    gateClosureMs: 4,
    gridEnterprise: key,
  },
  { type: 'closeGate', cycleId: 'c' },
  { type: 'commitQuote', cycleId: 'c', quoteId: 'q', commitment: key },
  { type: 'submitQuote', cycleId: 'c', quoteId: 'q', quote: offer(1, 2, 3) },
  { type: 'amendQuote', cycleId: 'c', quoteId: 'q', commitment: null, quote: bid(0, 1, 2) },
  { type: 'withdrawQuote', cycleId: 'c', quoteId: 'q' },
  { type: 'revealQuote', cycleId: 'c', quoteId: 'q', quote: offer(0, 1, 1), salt: key },
  { type: 'match', cycleId: 'c' },
  { type: 'openRound', cycleId: 'c', gateClosureMs: 9 },
  { type: 'check', cycleId: 'c' },
  { type: 'contract', cycleId: 'c' },
  {
    type: 'meterReadings',
    cycleId: 'c',
    meters: [{ participant: key, readings: [{ interval: 0, energyWh: 7 }] }],
  },
  { type: 'settle', cycleId: 'c' },
  { type: 'auditBatch', decisions: [{ member: key, approve: true, note: '' }] },
  { type: 'advanceCycle', cycleId: 'c' },
  { type: 'bindMeter', member: key, meterKey: key },
  { type: 'bindMeter', member: key, meterKey: null },
  { type: 'acceptContracts', cycleId: 'c', contractIds: ['c/0', 'c/17'] },
  { type: 'consent', standing: true },
  { type: 'consent', standing: false },
];

describe('market action codec', () => {
  it('round-trips every action variant canonically', () => {
    for (const action of samples) {
      const bytes = actionRecord.encode(action);
      const decoded = actionRecord.decode(bytes);
      assert.deepEqual(decoded, action);
      assert.equal(toHex(actionRecord.encode(decoded)), toHex(bytes));
    }
  });

  it('keeps the tags of earlier variants: an existing payload decodes as before', () => {
    // Variants are appended only: register stays tag 0, auditBatch tag 17, the new ones after it.
    assert.equal(actionRecord.encode(samples[0]!)[1], 0);
    assert.equal(actionRecord.encode(samples.find((a) => a.type === 'auditBatch')!)[1], 17);
    assert.equal(actionRecord.encode(samples.find((a) => a.type === 'advanceCycle')!)[1], 18);
    assert.equal(actionRecord.encode(samples.find((a) => a.type === 'bindMeter')!)[1], 19);
    assert.equal(actionRecord.encode(samples.find((a) => a.type === 'acceptContracts')!)[1], 20);
    assert.equal(actionRecord.encode(samples.find((a) => a.type === 'consent')!)[1], 21);
  });

  it('refuses an unknown variant tag, an unknown enum value and trailing bytes', () => {
    assert.throws(() => actionRecord.decode(new Uint8Array([1, 200])));
    const register = actionRecord.encode(samples[0]!);
    const badRole = register.slice();
    badRole[2] = 99;
    assert.throws(() => actionRecord.decode(badRole));
    assert.throws(() => actionRecord.decode(new Uint8Array([...actionRecord.encode(samples[3]!), 0])));
    assert.throws(() => actionRecord.decode(new Uint8Array([2, 3])));
  });
});

describe('in-memory state and overlay', () => {
  it('gives a root that depends on content only, not on insertion order', () => {
    const random = new Prng(5);
    const pairs = Array.from({ length: 200 }, () => [
      random.bytes(random.range(1, 40)),
      random.bytes(random.range(0, 200)),
    ]);
    const a = new MemoryState();
    const b = new MemoryState();
    for (const [k, v] of pairs) a.set(k!, v!);
    for (const [k, v] of [...pairs].reverse()) if (b.get(k!) === undefined) b.set(k!, v!);
    // Later writes win in `a`; apply the same rule to `b` by writing forwards over it.
    for (const [k, v] of pairs) b.set(k!, v!);
    assert.equal(toHex(a.root()), toHex(b.root()));
    b.set(new Uint8Array([9, 9, 9]), new Uint8Array([1]));
    assert.notEqual(toHex(a.root()), toHex(b.root()));
  });

  it('shows staged writes and deletes, and reaches the base only on commit', () => {
    const base = new MemoryState();
    base.set(new Uint8Array([1]), new Uint8Array([10]));
    base.set(new Uint8Array([2]), new Uint8Array([20]));
    const before = toHex(base.root());
    const overlay = new StateOverlay(base);
    overlay.set(new Uint8Array([1]), new Uint8Array([11]));
    overlay.delete(new Uint8Array([2]));
    assert.deepEqual(overlay.get(new Uint8Array([1])), new Uint8Array([11]));
    assert.equal(overlay.get(new Uint8Array([2])), undefined);
    assert.equal(toHex(base.root()), before);
    overlay.commitTo();
    assert.deepEqual(base.get(new Uint8Array([1])), new Uint8Array([11]));
    assert.equal(base.get(new Uint8Array([2])), undefined);
  });
});

describe('security checker contract', () => {
  it('the bus-limit double satisfies it and resolves the violations it reports', () => {
    const random = new Prng(17);
    const checker = new BusExportLimitChecker([
      { bus: 0, exportLimitKw: 100 },
      { bus: 2, exportLimitKw: 40 },
    ]);
    let id = 0;
    const schedule: ScheduleInterval[] = Array.from({ length: 4 }, (_, interval) => ({
      interval,
      intervalMs: 3_600_000,
      entries: Array.from({ length: 12 }, () => {
        const energyWh = random.range(1, 30_000);
        return {
          id: id++,
          seller: 'a',
          buyer: 'b',
          sellerBus: random.range(0, 3),
          buyerBus: 1,
          energyWh,
          powerKw: energyWh / 1000,
        };
      }),
    }));
    const result = checker.check(schedule);
    assert.ok(result.violations.length > 0);
    assert.deepEqual(securityCheckProblems(checker, schedule), []);
    assert.deepEqual(checker.check(applyAdjustments(schedule, result)).violations, []);
  });
});
