import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writer } from '../../src/codec/index.js';
import { toHex } from '../../src/crypto/index.js';
import { GridError } from '../../src/grid/errors.js';
import { TariffFeeTable } from '../../src/market/crossing-tariff.js';
import { nextDeadline } from '../../src/market/cycle-clock.js';
import { expectError } from '../../src/market/driver.js';
import { initMarket } from '../../src/market/executor.js';
import { BusExportLimitChecker } from '../../src/market/grid-doubles.js';
import type { ScheduleInterval, SecurityChecker } from '../../src/market/grid-interface.js';
import { MemoryState } from '../../src/market/memory-state.js';
import { MARKET_PARAMETER_DEFAULTS } from '../../src/market/parameters.js';
import { configCodec, configRecord, configV1Codec, type MarketConfig } from '../../src/market/records.js';
import { MarketStore } from '../../src/market/store.js';
import { bid, HOUR_MS, offer, project, seedSigner, TestMarket, testConfig } from './fixture.js';

/** Refuses, as the grid engine would, any interval carrying more than `limitWh`. */
class InfeasibleAbove implements SecurityChecker {
  calls = 0;
  constructor(private readonly limitWh: number) {}
  check(schedule: readonly ScheduleInterval[]) {
    this.calls++;
    for (const slice of schedule) {
      const total = slice.entries.reduce((sum, e) => sum + e.energyWh, 0);
      if (total > this.limitWh) throw new GridError('CONGESTION_INFEASIBLE', `${total} Wh cannot be secured`);
    }
    return new BusExportLimitChecker([]).check(schedule);
  }
}

function marketWith(checker: SecurityChecker | null, overrides: Partial<MarketConfig> = {}) {
  const config = testConfig(seedSigner(1).publicKey, overrides);
  const plugins =
    checker === null ? undefined : { crossingFees: new TariffFeeTable(config), securityChecker: checker };
  const market = new TestMarket(overrides, plugins);
  const gen = market.generator([project({ bus: 1 })]);
  const user = market.user(1);
  market.openCycle('c1', 1);
  market.driver.must(gen, { type: 'submitQuote', cycleId: 'c1', quoteId: 'o', quote: offer(0, 300, 80_000) });
  market.driver.must(user, { type: 'submitQuote', cycleId: 'c1', quoteId: 'b', quote: bid(0, 400, 80_000) });
  market.closeAndMatch();
  return { market, gen, user };
}

const codes = (market: TestMarket) => market.store.transitions('c1').map((t) => `${t.to}:${t.code}`);

describe('failed and missing security checks', () => {
  it('re-checks an infeasible interval with its trades cut, and contracts what passed', () => {
    const checker = new InfeasibleAbove(30_000);
    const { market } = marketWith(checker, { recheckAttempts: 3, recheckCutBps: 5_000 });
    const detail = market.driver.must(market.grid, { type: 'check', cycleId: 'c1' });
    // 80,000 fails, 40,000 fails, 20,000 passes.
    assert.equal(checker.calls, 3);
    assert.equal(detail.rechecked, 1);
    assert.equal(detail.curtailedWh, 60_000);
    const [deal] = market.store.deals('c1', 0);
    assert.equal(deal!.energyWh, 20_000);
    assert.match(
      deal!.adjustmentReason,
      /^RECHECKED: cut 2 time\(s\) by 5000 bps after CONGESTION_INFEASIBLE/,
    );
    assert.deepEqual(
      market.store.intervalOutcomes('c1').map((o) => o.outcome),
      ['rechecked'],
    );
    market.driver.must(market.center, { type: 'contract', cycleId: 'c1' });
    assert.equal(market.store.allContracts('c1')[0]!.energyWh, 20_000);
    assert.equal(market.store.cycle('c1')!.state, 'contracted');
  });

  it('cancels an interval no re-check can secure, with the reason, and the cycle with it', () => {
    const { market } = marketWith(new InfeasibleAbove(0), { recheckAttempts: 2, recheckCutBps: 2_500 });
    market.driver.must(market.grid, { type: 'check', cycleId: 'c1' });
    const cycle = market.store.cycle('c1')!;
    assert.equal(cycle.state, 'cancelled');
    assert.equal(cycle.reasonCode, 'CHECK_FAILED');
    const [deal] = market.store.deals('c1', 0);
    assert.equal(deal!.energyWh, 0);
    assert.match(deal!.adjustmentReason, /^CHECK_FAILED: CONGESTION_INFEASIBLE/);
    assert.deepEqual(market.store.intervalOutcomes('c1')[0]!.outcome, 'cancelled');
    // Final: nothing moves it any more.
    assert.equal(nextDeadline(cycle, market.store.config()!), null);
    market.driver.advanceTo(cycle.deliveryStartMs + 10 * HOUR_MS);
    const advance = market.driver.submit(market.regulator, { type: 'advanceCycle', cycleId: 'c1' });
    assert.equal(expectError(advance).code, 'NOT_DUE');
    const settle = market.driver.submit(market.center, { type: 'settle', cycleId: 'c1' });
    assert.equal(expectError(settle).code, 'WRONG_CYCLE_STATE');
  });

  it('a check that never comes: late check refused, generators sell to the grid at the benchmark price', () => {
    const { market, gen, user } = marketWith(null);
    const config = market.store.config()!;
    const matched = market.store.cycle('c1')!;
    const early = market.driver.submit(user, { type: 'advanceCycle', cycleId: 'c1' });
    assert.equal(expectError(early).code, 'NOT_DUE');
    market.driver.advanceTo(matched.stateSinceMs + config.checkWindowMs);
    const late = market.driver.submit(market.grid, { type: 'check', cycleId: 'c1' });
    assert.equal(expectError(late).code, 'DEADLINE_PASSED');
    const lateRound = market.driver.submit(market.center, {
      type: 'openRound',
      cycleId: 'c1',
      gateClosureMs: market.driver.blockTimeMs + HOUR_MS,
    });
    assert.equal(expectError(lateRound).code, 'DEADLINE_PASSED');
    // The user, not an institution, pushes the cycle on.
    market.driver.must(user, { type: 'advanceCycle', cycleId: 'c1' });
    assert.equal(market.store.cycle('c1')!.reasonCode, 'CHECK_MISSED');
    market.driver.must(market.center, { type: 'contract', cycleId: 'c1' });
    const [contract] = market.store.allContracts('c1');
    assert.equal(contract!.mode, 'gridPurchase');
    assert.equal(toHex(contract!.user), toHex(market.grid.publicKey));
    assert.equal(contract!.pricePerKwh, 400);
    assert.equal(contract!.subsidyPerKwh, 30);
    assert.equal(contract!.energyWh, 80_000);
    const cycle = market.store.cycle('c1')!;
    market.driver.advanceTo(cycle.deliveryStartMs + HOUR_MS);
    market.driver.must(market.center, { type: 'settle', cycleId: 'c1' });
    // 80 kWh at 400 from the grid enterprise, which the subsidy account pays 30 per kWh; the
    // user pays nothing.
    assert.equal(market.store.balance(gen.publicKey), 32_000n);
    assert.equal(market.store.balance(user.publicKey), 0n);
    assert.equal(market.store.balance(market.grid.publicKey), -32_000n + 2_400n);
    assert.equal(market.store.balance(config.subsidyAccount), -2_400n);
  });

  it('a check that never comes cancels the cycle when genesis says so', () => {
    const { market } = marketWith(null, { missedCheckFallback: 'cancel' });
    const matched = market.store.cycle('c1')!;
    market.driver.advanceTo(matched.stateSinceMs + market.store.config()!.checkWindowMs);
    market.driver.must(market.regulator, { type: 'advanceCycle', cycleId: 'c1' });
    assert.deepEqual(codes(market).slice(-1), ['cancelled:CHECK_MISSED']);
    assert.equal(market.store.deals('c1', 0)[0]!.energyWh, 0);
  });
});

describe('a silent trading center', () => {
  it('any member carries the cycle from gate to settlement, each step at its deadline', () => {
    const market = new TestMarket({ sealedBids: true });
    const gen = market.generator([project({ bus: 1 })]);
    const user = market.user(1);
    market.openCycle('c1', 1);
    const config = market.store.config()!;
    const step = () => {
      const cycle = market.store.cycle('c1')!;
      const due = nextDeadline(cycle, config)!;
      market.driver.advanceTo(due.atMs - 2000);
      assert.equal(
        expectError(market.driver.submit(gen, { type: 'advanceCycle', cycleId: 'c1' })).code,
        'NOT_DUE',
      );
      market.driver.advanceTo(due.atMs);
      return market.driver.must(gen, { type: 'advanceCycle', cycleId: 'c1' });
    };
    step(); // gate
    step(); // match, with nothing revealed
    step(); // check missed
    step(); // contract
    step(); // settle
    assert.deepEqual(codes(market), [
      'open:CYCLE_OPENED',
      'closed:GATE_CLOSED_BY_DEADLINE',
      'matched:MATCHED_BY_DEADLINE',
      'checked:CHECK_MISSED',
      'contracted:CONTRACTED_BY_DEADLINE',
      'settled:SETTLED_BY_DEADLINE',
    ]);
    // Nothing was revealed or metered: the cycle still settled, with nothing to pay.
    assert.equal(market.store.allContracts('c1').length, 0);
    assert.equal(market.store.balance(user.publicKey), 0n);
  });
});

describe('resubmission', () => {
  it('by default follows the rules: unmatched parties may resubmit round after round until the gate', () => {
    const market = new TestMarket();
    assert.equal(market.store.config()!.resubmissionRounds, MARKET_PARAMETER_DEFAULTS.resubmissionRounds);
    market.openCycle('c1', 1);
    for (let round = 1; round <= 5; round++) {
      market.closeAndMatch();
      const gateClosureMs = market.driver.blockTimeMs + 60_000;
      market.driver.must(market.center, { type: 'openRound', cycleId: 'c1', gateClosureMs });
      assert.equal(market.store.cycle('c1')!.round, round);
    }
    // The gate: no round may close after delivery starts.
    market.closeAndMatch();
    const cycle = market.store.cycle('c1')!;
    const pastGate = market.driver.submit(market.center, {
      type: 'openRound',
      cycleId: 'c1',
      gateClosureMs: cycle.deliveryStartMs + 1,
    });
    assert.equal(expectError(pastGate).code, 'BAD_ACTION');
  });
});

describe('genesis parameters', () => {
  it('a configuration written before the deadlines existed validates and gets the defaults', () => {
    const operator = seedSigner(1).publicKey;
    const full = testConfig(operator);
    const old = Object.fromEntries(
      Object.entries(full).filter(([name]) => !(name in MARKET_PARAMETER_DEFAULTS)),
    ) as MarketConfig;
    configCodec.write(new Writer(256), old);
    const state = new MemoryState();
    initMarket(state, old);
    const stored = new MarketStore(state).config()!;
    for (const [name, value] of Object.entries(MARKET_PARAMETER_DEFAULTS)) {
      assert.deepEqual(stored[name as keyof MarketConfig], value, name);
    }
    // A version 1 record (the layout before the deadlines) still decodes, with the defaults.
    const writer = new Writer(256);
    writer.u8(1);
    configV1Codec.write(writer, full);
    assert.deepEqual(configRecord.decode(writer.finish()), { ...stored, ...MARKET_PARAMETER_DEFAULTS });
    assert.deepEqual(configRecord.decode(configRecord.encode(stored)), stored);
  });

  it('refuses windows that could never be used and cuts beyond the whole', () => {
    const operator = seedSigner(1).publicKey;
    for (const overrides of [
      { checkWindowMs: 0 },
      { sealedBids: true, revealWindowMs: 0 },
      { recheckCutBps: 10_001 },
    ]) {
      assert.throws(
        () => initMarket(new MemoryState(), testConfig(operator, overrides)),
        (e: Error & { code?: string }) => e.code === 'BAD_CONFIG',
      );
    }
  });
});
