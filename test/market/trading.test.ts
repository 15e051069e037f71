import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../src/crypto/index.js';
import { partyKey } from '../../src/market/acceptance.js';
import { expectError } from '../../src/market/driver.js';
import type { Quotation } from '../../src/market/records.js';
import { bid, HOUR_MS, offer, project, seedSigner, TestMarket } from './fixture.js';

const gridQuote = (mode: 'entrusted' | 'gridPurchase', energyWh: number): Quotation => ({
  side: 'sell',
  mode,
  project: 0,
  curves: [{ interval: 0, steps: [{ pricePerKwh: 0, energyWh }] }],
});

function lines(market: TestMarket, member: Uint8Array) {
  const statement = market.store.statement('c1', member)!;
  return {
    net: statement.net,
    lines: Object.fromEntries(statement.lines.map((line) => [line.kind, [line.energyWh, line.amount]])),
    statement,
  };
}

describe('direct trading, contract and settlement', () => {
  it('trades at the uniform price with the crossing fee, writes the tripartite contract and settles deviations', () => {
    const market = new TestMarket();
    const meter = seedSigner(600);
    const gen = market.generator([project({ bus: 1 })]);
    const user = market.user(2, 1000, meter.publicKey);
    market.openCycle('c1', 2);
    market.driver.must(gen, {
      type: 'submitQuote',
      cycleId: 'c1',
      quoteId: 'o',
      quote: offer(0, 300, 100_000),
    });
    market.driver.must(user, {
      type: 'submitQuote',
      cycleId: 'c1',
      quoteId: 'b',
      quote: bid(0, 400, 100_000),
    });
    market.closeAndMatch();

    // Offer 300 + fee 20 (different 10 kV buses) = 320; clearing floor((400 + 320) / 2) = 360.
    assert.deepEqual(market.store.summary('c1', 0, 0), {
      clearingPricePerKwh: 360,
      volumeWh: 100_000,
      participants: 2,
    });
    assert.deepEqual(market.store.summary('c1', 0, 1), {
      clearingPricePerKwh: null,
      volumeWh: 0,
      participants: 0,
    });
    market.checkAndContract();
    const cycle = market.store.cycle('c1')!;
    const contract = market.store.allContracts('c1')[0]!;
    // All three parties gave standing consent, so the contract binds from the block that wrote it.
    const writtenAt = market.store.transitions('c1').find((t) => t.to === 'contracted')!.atMs;
    assert.deepEqual(
      contract.acceptances.map((a) => [a.role, toHex(partyKey(contract, a.role)), a.how, a.atMs]),
      [
        ['generator', toHex(gen.publicKey), 'standingConsent', writtenAt],
        ['user', toHex(user.publicKey), 'standingConsent', writtenAt],
        ['gridEnterprise', toHex(market.grid.publicKey), 'standingConsent', writtenAt],
      ],
    );
    assert.deepEqual(
      {
        ...contract,
        acceptances: contract.acceptances.length,
        generator: toHex(contract.generator),
        user: toHex(contract.user),
        gridEnterprise: toHex(contract.gridEnterprise),
      },
      {
        contractId: 'c1/0',
        cycleId: 'c1',
        deal: 0,
        mode: 'direct',
        generator: toHex(gen.publicKey),
        user: toHex(user.publicKey),
        gridEnterprise: toHex(market.grid.publicKey),
        interval: 0,
        termStartMs: cycle.deliveryStartMs,
        termEndMs: cycle.deliveryStartMs + HOUR_MS,
        energyWh: 100_000,
        pricePerKwh: 340,
        crossingFeePerKwh: 20,
        subsidyPerKwh: 0,
        breachLiabilityBps: 1000,
        toleranceBps: 500,
        penaltyPerKwh: 100,
        adjustmentReason: '',
        acceptances: 3,
        status: 'binding',
        statusReason: '',
      },
    );

    // The grid enterprise reads the generator; the meter it bound to the user signs the user's reading.
    market.driver.must(market.grid, {
      type: 'meterReadings',
      cycleId: 'c1',
      meters: [{ participant: gen.publicKey, readings: [{ interval: 0, energyWh: 90_000 }] }],
    });
    const stranger = market.driver.submit(market.regulator, {
      type: 'meterReadings',
      cycleId: 'c1',
      meters: [{ participant: user.publicKey, readings: [{ interval: 0, energyWh: 1 }] }],
    });
    assert.equal(expectError(stranger).code, 'NOT_AUTHORISED');
    market.driver.must(meter, {
      type: 'meterReadings',
      cycleId: 'c1',
      meters: [{ participant: user.publicKey, readings: [{ interval: 0, energyWh: 102_000 }] }],
    });
    market.driver.must(market.center, { type: 'settle', cycleId: 'c1' });

    // Generator: 10,000 Wh short, 5,000 within the 5 % band, 5,000 penalised; the same 5,000 Wh
    // left undelivered under a binding contract owe the user 10 % of their value at 340.
    const g = lines(market, gen.publicKey);
    assert.deepEqual(g.lines, {
      energySale: [100_000, 34_000n],
      imbalance: [10_000, -4_000n],
      penalty: [5_000, -500n],
      breachLiability: [5_000, -170n],
    });
    assert.equal(g.net, 29_330n);
    assert.deepEqual(
      g.statement.liabilities.map((l) => [
        l.contractId,
        l.interval,
        toHex(l.counterparty),
        l.code,
        l.energyWh,
        l.amount,
      ]),
      [['c1/0', 0, toHex(user.publicKey), 'NON_DELIVERY', 5_000, -170n]],
    );
    assert.match(
      g.statement.liabilities[0]!.reason,
      /^NON_DELIVERY: the generator delivered 5000 Wh less than contract c1\/0/,
    );
    assert.deepEqual(
      [g.statement.contractedWh, g.statement.meteredWh, g.statement.deviationWh, g.statement.penalisedWh],
      [100_000, 90_000, 10_000, 5_000],
    );
    // User: 2,000 Wh over, inside the band: imbalance at the benchmark price only.
    const u = lines(market, user.publicKey);
    assert.deepEqual(u.lines, {
      energyPurchase: [100_000, -34_000n],
      crossingFee: [100_000, -2_000n],
      imbalance: [2_000, -800n],
      breachLiability: [5_000, 170n],
    });
    assert.deepEqual(
      u.statement.liabilities.map((l) => [l.contractId, toHex(l.counterparty), l.code, l.amount]),
      [['c1/0', toHex(gen.publicKey), 'NON_DELIVERY', 170n]],
    );
    const grid = lines(market, market.grid.publicKey);
    assert.deepEqual(grid.lines, {
      crossingFee: [100_000, 2_000n],
      imbalance: [12_000, 4_800n],
      penalty: [5_000, 500n],
    });
    assert.equal(g.net + u.net + grid.net, 0n);
    assert.equal(market.store.balance(gen.publicKey), 29_330n);
    assert.equal(market.store.cycle('c1')!.state, 'settled');
  });

  it('refuses a meter reading before its interval has ended, reading by reading', () => {
    const market = new TestMarket();
    const gen = market.generator([project()]);
    const user = market.user();
    market.openCycle('c1', 2);
    market.driver.must(gen, { type: 'submitQuote', cycleId: 'c1', quoteId: 'o', quote: offer(0, 300, 1000) });
    market.driver.must(user, { type: 'submitQuote', cycleId: 'c1', quoteId: 'b', quote: bid(0, 400, 1000) });
    market.closeAndMatch();
    market.driver.must(market.center, { type: 'check', cycleId: 'c1' });
    market.driver.must(market.center, { type: 'contract', cycleId: 'c1' });
    const early = market.driver.must(market.grid, {
      type: 'meterReadings',
      cycleId: 'c1',
      meters: [{ participant: gen.publicKey, readings: [{ interval: 0, energyWh: 1000 }] }],
    });
    assert.equal(early.readings, 0);
    assert.deepEqual(
      (early.refusals as { code: string }[]).map((r) => r.code),
      ['NOT_DUE'],
    );
    assert.deepEqual(market.store.meterWh('c1', gen.publicKey), []);
    assert.equal(market.store.meterRejections('c1')[0]!.code, 'NOT_DUE');
  });

  it('prefers the nearer seller when price plus crossing fee ties', () => {
    const market = new TestMarket();
    const distant = market.generator([project({ bus: 5 })]);
    const local = market.generator([project({ bus: 1 })]);
    const user = market.user(1);
    market.openCycle();
    market.driver.must(distant, {
      type: 'submitQuote',
      cycleId: 'c1',
      quoteId: 'o',
      quote: offer(0, 310, 50_000),
    });
    market.driver.must(local, {
      type: 'submitQuote',
      cycleId: 'c1',
      quoteId: 'o',
      quote: offer(0, 330, 50_000),
    });
    market.driver.must(user, {
      type: 'submitQuote',
      cycleId: 'c1',
      quoteId: 'b',
      quote: bid(0, 400, 50_000),
    });
    market.closeAndMatch();
    const deal = market.store.allDeals('c1')[0]!;
    assert.equal(market.store.allDeals('c1').length, 1);
    assert.equal(toHex(deal.seller), toHex(local.publicKey));
    assert.equal(deal.feePerKwh, 0);
  });

  it('prices each pair at its own midpoint under pay-as-bid', () => {
    const market = new TestMarket({ pricing: 'payAsBid', sameBusFeePerKwh: 0 });
    const gen = market.generator([project({ bus: 1 })]);
    const a = market.user(1);
    const b = market.user(1);
    market.openCycle();
    market.driver.must(gen, {
      type: 'submitQuote',
      cycleId: 'c1',
      quoteId: 'o',
      quote: offer(0, 300, 100_000),
    });
    market.driver.must(a, { type: 'submitQuote', cycleId: 'c1', quoteId: 'b', quote: bid(0, 500, 50_000) });
    market.driver.must(b, { type: 'submitQuote', cycleId: 'c1', quoteId: 'b', quote: bid(0, 400, 50_000) });
    market.closeAndMatch();
    assert.deepEqual(
      [market.store.allDeals('c1')[0]!.buyerPricePerKwh, market.store.allDeals('c1')[1]!.buyerPricePerKwh],
      [400, 350],
    );
  });
});

describe('grid-enterprise trading modes', () => {
  it('entrusted sale: the grid enterprise sells at the composite price and remits it less the crossing fee', () => {
    const market = new TestMarket();
    const gen = market.generator([project({ bus: 1 })]);
    market.openCycle();
    market.driver.must(gen, {
      type: 'submitQuote',
      cycleId: 'c1',
      quoteId: 'e',
      quote: gridQuote('entrusted', 50_000),
    });
    market.closeAndMatch();
    market.checkAndContract();
    const contract = market.store.allContracts('c1')[0]!;
    assert.equal(contract.mode, 'entrusted');
    assert.equal(toHex(contract.user), toHex(market.grid.publicKey));
    assert.equal(contract.pricePerKwh, 430); // composite 450 less the 10 kV fee of 20
    assert.equal(contract.crossingFeePerKwh, 20);
    market.driver.must(market.center, { type: 'settle', cycleId: 'c1' });
    assert.deepEqual(lines(market, gen.publicKey).lines, { energySale: [50_000, 21_500n] });
    assert.equal(lines(market, market.grid.publicKey).net, -21_500n);
  });

  it('grid purchase: bought at the benchmark price, the state subsidising the grid enterprise', () => {
    const market = new TestMarket();
    const gen = market.generator([project({ bus: 1 })]);
    market.openCycle();
    market.driver.must(gen, {
      type: 'submitQuote',
      cycleId: 'c1',
      quoteId: 'p',
      quote: gridQuote('gridPurchase', 50_000),
    });
    market.closeAndMatch();
    market.checkAndContract();
    const contract = market.store.allContracts('c1')[0]!;
    assert.deepEqual(
      [contract.mode, contract.pricePerKwh, contract.crossingFeePerKwh, contract.subsidyPerKwh],
      ['gridPurchase', 400, 0, 30],
    );
    market.driver.must(market.center, { type: 'settle', cycleId: 'c1' });
    // The generator gets the benchmark price; the subsidy goes from the state's subsidy account
    // to the grid enterprise whose purchase it supports (section II.B.b, mode 3).
    assert.deepEqual(lines(market, gen.publicKey).lines, { energySale: [50_000, 20_000n] });
    const subsidyAccount = market.store.config()!.subsidyAccount;
    assert.deepEqual(lines(market, market.grid.publicKey).lines, {
      energyPurchase: [50_000, -20_000n],
      subsidy: [50_000, 1_500n],
    });
    assert.deepEqual(lines(market, subsidyAccount).lines, { subsidy: [50_000, -1_500n] });
    assert.equal(market.store.balance(subsidyAccount), -1_500n);
    assert.equal(market.store.balance(market.grid.publicKey), -18_500n);
  });

  it('refuses a price in a grid-enterprise mode and a bid in any mode but direct', () => {
    const market = new TestMarket();
    const gen = market.generator([project()]);
    const user = market.user();
    market.openCycle();
    const priced: Quotation = {
      ...gridQuote('entrusted', 1000),
      curves: [{ interval: 0, steps: [{ pricePerKwh: 5, energyWh: 1000 }] }],
    };
    assert.equal(
      expectError(
        market.driver.submit(gen, { type: 'submitQuote', cycleId: 'c1', quoteId: 'x', quote: priced }),
      ).code,
      'BAD_ACTION',
    );
    const entrustedBid: Quotation = { ...bid(0, 0, 1000), mode: 'entrusted' };
    assert.equal(
      expectError(
        market.driver.submit(user, { type: 'submitQuote', cycleId: 'c1', quoteId: 'x', quote: entrustedBid }),
      ).code,
      'BAD_ACTION',
    );
  });
});

describe('resubmission rounds and capacity', () => {
  it('offers unmatched quantity a second round and counts earlier matches against capacity', () => {
    const market = new TestMarket({ resubmissionRounds: 1 });
    const gen = market.generator([project({ capacityKw: 100, bus: 1 })]);
    const small = market.user(1);
    const big = market.user(1);
    market.openCycle();
    market.driver.must(gen, {
      type: 'submitQuote',
      cycleId: 'c1',
      quoteId: 'o',
      quote: offer(0, 300, 100_000),
    });
    market.driver.must(small, {
      type: 'submitQuote',
      cycleId: 'c1',
      quoteId: 'b',
      quote: bid(0, 400, 60_000),
    });
    market.driver.must(big, { type: 'submitQuote', cycleId: 'c1', quoteId: 'b', quote: bid(0, 250, 80_000) });
    assert.equal(market.closeAndMatch().matchedWh, 60_000);

    const gate = market.driver.blockTimeMs + HOUR_MS;
    market.driver.must(market.center, { type: 'openRound', cycleId: 'c1', gateClosureMs: gate });
    assert.equal(market.store.cycle('c1')!.round, 1);
    const over = market.driver.submit(gen, {
      type: 'submitQuote',
      cycleId: 'c1',
      quoteId: 'o2',
      quote: offer(0, 240, 50_000),
    });
    assert.equal(expectError(over).code, 'CAPACITY_EXCEEDED');
    market.driver.must(gen, {
      type: 'submitQuote',
      cycleId: 'c1',
      quoteId: 'o2',
      quote: offer(0, 240, 40_000),
    });
    market.driver.must(big, {
      type: 'submitQuote',
      cycleId: 'c1',
      quoteId: 'b2',
      quote: bid(0, 260, 80_000),
    });
    assert.equal(market.closeAndMatch().matchedWh, 40_000);
    assert.deepEqual(market.store.summary('c1', 1, 0), {
      clearingPricePerKwh: 250,
      volumeWh: 40_000,
      participants: 2,
    });
    // This market caps resubmission at one round.
    const third = market.driver.submit(market.center, {
      type: 'openRound',
      cycleId: 'c1',
      gateClosureMs: gate + HOUR_MS,
    });
    assert.equal(expectError(third).code, 'WRONG_CYCLE_STATE');
    market.checkAndContract();
    assert.equal(market.store.allContracts('c1').length, 2);
  });

  it('refuses prices outside the cap and floor', () => {
    const market = new TestMarket({ priceFloorPerKwh: 100, priceCapPerKwh: 800 });
    const gen = market.generator([project()]);
    market.openCycle();
    for (const price of [99, 801]) {
      const result = market.driver.submit(gen, {
        type: 'submitQuote',
        cycleId: 'c1',
        quoteId: `q${price}`,
        quote: offer(0, price, 10),
      });
      assert.equal(expectError(result).code, 'PRICE_OUT_OF_RANGE');
    }
  });
});

describe('security check', () => {
  it('curtails trades from a congested bus pro rata and records the reason in the contracts', () => {
    const market = new TestMarket({ busLimits: [{ bus: 1, exportLimitKw: 50 }] });
    const a = market.generator([project({ bus: 1 })]);
    const b = market.generator([project({ bus: 1 })]);
    const user = market.user(1);
    market.openCycle();
    market.driver.must(a, { type: 'submitQuote', cycleId: 'c1', quoteId: 'o', quote: offer(0, 300, 60_000) });
    market.driver.must(b, { type: 'submitQuote', cycleId: 'c1', quoteId: 'o', quote: offer(0, 310, 40_000) });
    market.driver.must(user, {
      type: 'submitQuote',
      cycleId: 'c1',
      quoteId: 'b',
      quote: bid(0, 400, 100_000),
    });
    market.closeAndMatch();
    const checked = market.driver.must(market.grid, { type: 'check', cycleId: 'c1' });
    assert.deepEqual(checked, {
      cycleId: 'c1',
      violations: 1,
      adjustments: 2,
      curtailedWh: 50_000,
      rechecked: 0,
      cancelledIntervals: 0,
    });
    market.driver.must(market.center, { type: 'contract', cycleId: 'c1' });
    const contracts = [market.store.allContracts('c1')[0]!, market.store.allContracts('c1')[1]!];
    assert.deepEqual(
      contracts.map((c) => c.energyWh),
      [30_000, 20_000],
    );
    for (const c of contracts) assert.match(c.adjustmentReason, /bus 1 export limit 50 kW exceeded/);
    assert.equal(market.store.allDeals('c1')[0]!.matchedWh, 60_000);
  });
});

describe('cycle transitions', () => {
  it('moves only along open -> closed -> matched -> checked -> contracted -> settled, on block time', () => {
    const market = new TestMarket();
    market.openCycle();
    const c = 'c1';
    const early = market.driver.submit(market.center, { type: 'closeGate', cycleId: c });
    assert.equal(expectError(early).code, 'GATE_NOT_CLOSED');
    for (const type of ['match', 'check', 'contract', 'settle'] as const) {
      assert.equal(
        expectError(market.driver.submit(market.center, { type, cycleId: c })).code,
        'WRONG_CYCLE_STATE',
      );
    }
    const duplicate = market.driver.submit(market.center, {
      type: 'openCycle',
      cycleId: c,
      intervals: 1,
      intervalMs: HOUR_MS,
      deliveryStartMs: market.driver.blockTimeMs + 10 * HOUR_MS,
      gateClosureMs: market.driver.blockTimeMs + HOUR_MS,
      gridEnterprise: market.grid.publicKey,
    });
    assert.equal(expectError(duplicate).code, 'DUPLICATE');
    market.closeAndMatch();
    const states: string[] = [market.store.cycle(c)!.state];
    for (const type of ['check', 'contract'] as const) {
      market.driver.must(market.center, { type, cycleId: c });
      states.push(market.store.cycle(c)!.state);
    }
    const beforeDelivery = market.driver.submit(market.center, { type: 'settle', cycleId: c });
    assert.equal(expectError(beforeDelivery).code, 'NOT_DUE');
    const cycle = market.store.cycle(c)!;
    market.driver.advanceTo(cycle.deliveryStartMs + cycle.intervals * cycle.intervalMs);
    market.driver.must(market.center, { type: 'settle', cycleId: c });
    states.push(market.store.cycle(c)!.state);
    assert.deepEqual(states, ['matched', 'checked', 'contracted', 'settled']);
    assert.deepEqual(
      market.store.transitions(c).map((t) => `${t.from}>${t.to}:${t.code}`),
      [
        'open>open:CYCLE_OPENED',
        'open>closed:GATE_CLOSED',
        'closed>matched:MATCHED',
        'matched>checked:CHECKED',
        'checked>contracted:CONTRACTED',
        'contracted>settled:SETTLED',
      ],
    );
  });
});
