import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../src/crypto/index.js';
import { contractsAwaiting, partyKey } from '../../src/market/acceptance.js';
import { expectError, type Signer } from '../../src/market/driver.js';
import { MARKET_PARAMETER_DEFAULTS } from '../../src/market/parameters.js';
import {
  type Contract,
  configRecord,
  contractListRecord,
  memberRecord,
  type Quotation,
  statementRecord,
} from '../../src/market/records.js';
import { bid, HOUR_MS, offer, project, TestMarket } from './fixture.js';

/**
 * Tripartite contracts are accepted by their three parties (section II.B.a), each with its own
 * signed `acceptContracts` or by standing consent; a contract not accepted by delivery start
 * lapses and falls back to grid purchase; binding contracts carry breach liability.
 */

interface Trade {
  market: TestMarket;
  gen: Signer;
  user: Signer;
}

/** One direct trade of 100 kWh in interval 0, contracted and still before delivery. */
function trade(options: { gen?: boolean; user?: boolean; grid?: boolean } = {}): Trade {
  const market = new TestMarket();
  if (options.grid === false) market.driver.must(market.grid, { type: 'consent', standing: false });
  const gen = market.generator([project({ bus: 1 })], true, options.gen ?? true);
  const user = market.user(1, 1000, null, options.user ?? true);
  market.openCycle('c1', 1);
  market.driver.must(gen, {
    type: 'submitQuote',
    cycleId: 'c1',
    quoteId: 'o',
    quote: offer(0, 300, 100_000),
  });
  market.driver.must(user, { type: 'submitQuote', cycleId: 'c1', quoteId: 'b', quote: bid(0, 400, 100_000) });
  market.closeAndMatch();
  market.driver.must(market.center, { type: 'check', cycleId: 'c1' });
  market.driver.must(market.center, { type: 'contract', cycleId: 'c1' });
  return { market, gen, user };
}

const only = (market: TestMarket): Contract => {
  const contracts = market.store.allContracts('c1');
  assert.equal(contracts.length, 1);
  return contracts[0]!;
};

/** Delivery ends; the grid enterprise reads both meters; the trading center settles. */
function meterAndSettle(t: Trade, genWh: number, userWh: number): void {
  const cycle = t.market.store.cycle('c1')!;
  t.market.driver.advanceTo(cycle.deliveryStartMs + HOUR_MS);
  t.market.driver.must(t.market.grid, {
    type: 'meterReadings',
    cycleId: 'c1',
    meters: [
      { participant: t.gen.publicKey, readings: [{ interval: 0, energyWh: genWh }] },
      { participant: t.user.publicKey, readings: [{ interval: 0, energyWh: userWh }] },
    ],
  });
  t.market.driver.must(t.market.center, { type: 'settle', cycleId: 'c1' });
}

function lines(market: TestMarket, member: Uint8Array): Record<string, bigint> {
  const statement = market.store.statement('c1', member)!;
  return Object.fromEntries(statement.lines.map((l) => [l.kind, l.amount]));
}

/** Every kind of line sums to zero over all statements of the cycle (a sale is a purchase's other side). */
function assertKindsBalance(market: TestMarket): void {
  const sums = new Map<string, bigint>();
  for (const member of market.store.statementMembers('c1')) {
    for (const line of market.store.statement('c1', member)!.lines) {
      const kind = line.kind === 'energySale' ? 'energyPurchase' : line.kind;
      sums.set(kind, (sums.get(kind) ?? 0n) + line.amount);
    }
  }
  for (const [kind, sum] of sums) assert.equal(sum, 0n, `${kind} lines sum to zero`);
}

describe('contract acceptance', () => {
  it('binds only once generator, user and grid enterprise each signed it, with their block times', () => {
    const t = trade({ gen: false, user: false, grid: false });
    const { market } = t;
    assert.deepEqual([only(market).status, only(market).acceptances.length], ['pending', 0]);
    const order: [Signer, string][] = [
      [t.gen, 'generator'],
      [t.user, 'user'],
      [market.grid, 'gridEnterprise'],
    ];
    for (const [i, [signer, role]] of order.entries()) {
      market.driver.log = [];
      assert.equal(
        market.driver.submit(signer, { type: 'acceptContracts', cycleId: 'c1', contractIds: ['c1/0'] }).ok,
        true,
      );
      const contract = only(market);
      assert.equal(contract.status, i === 2 ? 'binding' : 'pending');
      const acceptance = contract.acceptances[i]!;
      assert.deepEqual(
        [
          acceptance.role,
          toHex(partyKey(contract, acceptance.role)),
          acceptance.how,
          acceptance.atMs,
          acceptance.height,
        ],
        [role, toHex(signer.publicKey), 'signed', market.driver.blockTimeMs, market.driver.height],
      );
      // The acceptance names the transaction that carried it, whose envelope the party signed
      // (test/market/deadline-blocks.test.ts checks that on a ledger chain).
      assert.equal(toHex(acceptance.txHash!), toHex(market.driver.log[0]!.context.txHash));
    }
    assert.match(only(market).statusReason, /^accepted by all three parties at /);
  });

  it('lists for each party the contracts still waiting for its signature, until it signs', () => {
    const t = trade({ gen: false, user: false, grid: false });
    const { market } = t;
    const cycle = market.store.cycle('c1')!;
    const waiting = (signer: Signer) => contractsAwaiting(market.store, 'c1', signer.publicKey);
    for (const [signer, role] of [
      [t.gen, 'generator'],
      [t.user, 'user'],
      [market.grid, 'gridEnterprise'],
    ] as const) {
      assert.deepEqual(waiting(signer), [
        { contractId: 'c1/0', deal: 0, interval: 0, roles: [role], acceptBeforeMs: cycle.deliveryStartMs },
      ]);
    }
    assert.deepEqual(waiting(market.center), [], 'the trading center is no party');
    market.driver.must(t.user, { type: 'acceptContracts', cycleId: 'c1', contractIds: ['c1/0'] });
    assert.deepEqual(waiting(t.user), [], 'signed: no longer waiting for the user');
    assert.equal(waiting(t.gen).length, 1, 'still waiting for the generator');
    assert.deepEqual(contractsAwaiting(market.store, 'no-such-cycle', t.gen.publicKey), []);
    // Past its contracted state a cycle waits for nobody.
    meterAndSettle(t, 100_000, 100_000);
    assert.deepEqual(waiting(t.gen), []);
  });

  it('refuses non-parties, unknown or repeated contracts, second acceptances and late ones, writing nothing', () => {
    const t = trade({ gen: false });
    const { market } = t;
    const other = market.generator([project()]);
    const attempts: [Signer, string[], string][] = [
      [market.regulator, ['c1/0'], 'NOT_AUTHORISED'],
      [other, ['c1/0'], 'NOT_AUTHORISED'],
      [t.gen, ['c1/9'], 'NOT_FOUND'],
      [t.gen, ['other/0'], 'NOT_FOUND'],
      [t.gen, ['c1/00'], 'NOT_FOUND'],
      [t.gen, ['c1/0', 'c1/0'], 'BAD_ACTION'],
      [t.gen, [], 'BAD_ACTION'],
      [t.user, ['c1/0'], 'DUPLICATE'],
    ];
    for (const [signer, contractIds, code] of attempts) {
      const root = toHex(market.state.root());
      const result = market.driver.submit(signer, { type: 'acceptContracts', cycleId: 'c1', contractIds });
      assert.equal(expectError(result).code, code, `${contractIds.join(',')} → ${code}`);
      assert.equal(toHex(market.state.root()), root);
    }
    market.driver.advanceTo(only(market).termStartMs);
    const late = market.driver.submit(t.gen, {
      type: 'acceptContracts',
      cycleId: 'c1',
      contractIds: ['c1/0'],
    });
    assert.equal(expectError(late).code, 'DEADLINE_PASSED');
    assert.equal(only(market).status, 'pending');
  });

  it('a contract not accepted by delivery start lapses: grid purchase, the user supplied by the grid, no liability', () => {
    const t = trade({ user: false });
    const { market } = t;
    assert.deepEqual(
      only(market).acceptances.map((a) => [a.role, a.how]),
      [
        ['generator', 'standingConsent'],
        ['gridEnterprise', 'standingConsent'],
      ],
    );
    // The generator delivers half its contract: a breach, had the contract bound.
    meterAndSettle(t, 50_000, 100_000);
    const contract = only(market);
    assert.equal(contract.status, 'lapsed');
    assert.equal(
      contract.statusReason,
      'LAPSED: not accepted before delivery start by user; settled as grid purchase at the benchmark price',
    );
    const subsidyAccount = market.store.config()!.subsidyAccount;
    // 100 kWh to the grid enterprise at the benchmark 400; 50 kWh short at 400; 45 kWh beyond the band at 100.
    assert.deepEqual(lines(market, t.gen.publicKey), {
      energySale: 40_000n,
      imbalance: -20_000n,
      penalty: -4_500n,
    });
    // The user buys the contract's energy from the grid enterprise at the composite price 450.
    assert.deepEqual(lines(market, t.user.publicKey), { gridSupply: -45_000n });
    assert.deepEqual(lines(market, subsidyAccount), { subsidy: -3_000n });
    assert.deepEqual(lines(market, market.grid.publicKey), {
      energyPurchase: -40_000n,
      imbalance: 20_000n,
      penalty: 4_500n,
      subsidy: 3_000n,
      gridSupply: 45_000n,
    });
    for (const member of market.store.statementMembers('c1')) {
      assert.deepEqual(market.store.statement('c1', member)!.liabilities, []);
    }
    assertKindsBalance(market);
  });

  it('a user that takes less than a binding contract pays the generator its liability', () => {
    const t = trade();
    const { market } = t;
    assert.equal(only(market).status, 'binding');
    // 60 of 100 kWh taken: 5 kWh inside the 5 % band, 35 kWh breach at 10 % of the contract value.
    meterAndSettle(t, 100_000, 60_000);
    const contract = only(market);
    const owed = (BigInt(contract.pricePerKwh) * 35_000n * 1000n) / 10_000_000n;
    assert.ok(owed > 0n);
    assert.equal(lines(market, t.user.publicKey).breachLiability, -owed);
    assert.equal(lines(market, t.gen.publicKey).breachLiability, owed);
    const [userCase] = market.store.statement('c1', t.user.publicKey)!.liabilities;
    assert.deepEqual(
      [
        userCase!.contractId,
        userCase!.interval,
        toHex(userCase!.counterparty),
        userCase!.code,
        userCase!.energyWh,
      ],
      ['c1/0', 0, toHex(t.gen.publicKey), 'NON_CONSUMPTION', 35_000],
    );
    assert.match(userCase!.reason, /^NON_CONSUMPTION: the user took 35000 Wh less than contract c1\/0/);
    assert.deepEqual(lines(market, market.grid.publicKey).breachLiability, undefined);
    assertKindsBalance(market);
  });

  it('standing consent covers contracts written after it; revoking it leaves earlier ones accepted', () => {
    const t = trade();
    const { market } = t;
    assert.equal(only(market).status, 'binding');
    const since = market.store.member(t.user.publicKey)!.standingConsent!;
    assert.ok(since.sinceMs > 0);
    market.driver.must(t.user, { type: 'consent', standing: false });
    assert.equal(market.store.member(t.user.publicKey)!.standingConsent, null);
    assert.equal(only(market).status, 'binding');
    market.openCycle('c2', 1);
    market.driver.must(t.gen, {
      type: 'submitQuote',
      cycleId: 'c2',
      quoteId: 'o',
      quote: offer(0, 300, 1_000),
    });
    market.driver.must(t.user, {
      type: 'submitQuote',
      cycleId: 'c2',
      quoteId: 'b',
      quote: bid(0, 400, 1_000),
    });
    market.closeAndMatch('c2');
    market.driver.must(market.center, { type: 'check', cycleId: 'c2' });
    market.driver.must(market.center, { type: 'contract', cycleId: 'c2' });
    const [second] = market.store.allContracts('c2');
    assert.deepEqual(
      [second!.status, second!.acceptances.map((a) => a.role)],
      ['pending', ['generator', 'gridEnterprise']],
    );
    assert.equal(
      expectError(market.driver.submit(market.regulator, { type: 'consent', standing: true })).code,
      'NOT_AUTHORISED',
    );
  });

  it('where the rules allow no standing consent, giving it is refused', () => {
    const market = new TestMarket({ standingConsent: false });
    const gen = market.generator([project()], true, false);
    assert.equal(
      expectError(market.driver.submit(gen, { type: 'consent', standing: true })).code,
      'BAD_ACTION',
    );
  });

  it('in a grid-enterprise mode one signature of the grid enterprise accepts as buyer and transmitter', () => {
    const market = new TestMarket();
    market.driver.must(market.grid, { type: 'consent', standing: false });
    const gen = market.generator([project()]);
    market.openCycle('c1', 1);
    const quote: Quotation = {
      side: 'sell',
      mode: 'gridPurchase',
      project: 0,
      curves: [{ interval: 0, steps: [{ pricePerKwh: 0, energyWh: 50_000 }] }],
    };
    market.driver.must(gen, { type: 'submitQuote', cycleId: 'c1', quoteId: 'p', quote });
    market.closeAndMatch();
    market.driver.must(market.center, { type: 'check', cycleId: 'c1' });
    market.driver.must(market.center, { type: 'contract', cycleId: 'c1' });
    market.driver.must(market.grid, { type: 'acceptContracts', cycleId: 'c1', contractIds: ['c1/0'] });
    const contract = only(market);
    assert.equal(contract.status, 'binding');
    assert.deepEqual(
      contract.acceptances.map((a) => [a.role, a.how]),
      [
        ['generator', 'standingConsent'],
        ['user', 'signed'],
        ['gridEnterprise', 'signed'],
      ],
    );
  });

  it('a contract written after its delivery start cannot be accepted, by consent or otherwise', () => {
    const market = new TestMarket();
    const gen = market.generator([project()]);
    const user = market.user();
    market.openCycle('c1', 1);
    market.driver.must(gen, {
      type: 'submitQuote',
      cycleId: 'c1',
      quoteId: 'o',
      quote: offer(0, 300, 1_000),
    });
    market.driver.must(user, { type: 'submitQuote', cycleId: 'c1', quoteId: 'b', quote: bid(0, 400, 1_000) });
    market.closeAndMatch();
    market.driver.must(market.center, { type: 'check', cycleId: 'c1' });
    market.driver.advanceTo(market.store.cycle('c1')!.deliveryStartMs);
    market.driver.must(market.center, { type: 'contract', cycleId: 'c1' });
    assert.deepEqual([only(market).status, only(market).acceptances.length], ['pending', 0]);
    market.driver.advanceTo(market.store.cycle('c1')!.deliveryStartMs + HOUR_MS);
    market.driver.must(market.center, { type: 'settle', cycleId: 'c1' });
    assert.equal(only(market).status, 'lapsed');
    assert.equal(market.store.cycle('c1')!.state, 'settled');
  });

  it('records written before acceptance existed still decode: contracts as binding, no consent, no liabilities', () => {
    const t = trade();
    meterAndSettle(t, 100_000, 100_000);
    const { market } = t;
    // The earlier layouts are the current ones without the trailing fields (each 1 byte when empty).
    const asV1 = (bytes: Uint8Array, trailing: number) => Uint8Array.from([1, ...bytes.slice(1, -trailing)]);
    const contract = { ...only(market), acceptances: [], status: 'pending' as const, statusReason: '' };
    const old = contractListRecord.decode(asV1(contractListRecord.encode([contract]), 3));
    assert.deepEqual(old, [
      { ...contract, status: 'binding', statusReason: 'written before party acceptance existed' },
    ]);
    const member = { ...market.store.member(t.gen.publicKey)!, standingConsent: null };
    assert.deepEqual(memberRecord.decode(asV1(memberRecord.encode(member), 1)), member);
    const statement = { ...market.store.statement('c1', t.gen.publicKey)!, liabilities: [] };
    assert.deepEqual(statementRecord.decode(asV1(statementRecord.encode(statement), 1)), statement);
    // A version 2 configuration (before the subsidy account, standing consent and the crossing
    // tariff) gets the defaults. With an empty tariff the version 3 tail is 32 + 1 + 1 + 1 bytes.
    const config = { ...market.store.config()!, tariffLevels: [], levelsBetweenBuses: 0 };
    const v3 = configRecord.encode({ ...config, standingConsent: false });
    const v2 = Uint8Array.from([2, ...v3.slice(1, -35)]);
    assert.deepEqual(configRecord.decode(v2), {
      ...config,
      subsidyAccount: MARKET_PARAMETER_DEFAULTS.subsidyAccount,
      standingConsent: true,
    });
  });
});
