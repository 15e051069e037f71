import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../src/crypto/index.js';
import { GridError } from '../../src/grid/errors.js';
import { Prng } from '../../src/kit/prng.js';
import { partyKey } from '../../src/market/acceptance.js';
import { quoteCommitment } from '../../src/market/commitment.js';
import { TariffFeeTable } from '../../src/market/crossing-tariff.js';
import { nextDeadline } from '../../src/market/cycle-clock.js';
import { MarketDriver, type Signer } from '../../src/market/driver.js';
import { initMarket, type MarketResult } from '../../src/market/executor.js';
import { BusExportLimitChecker } from '../../src/market/grid-doubles.js';
import type {
  ScheduleInterval,
  SecurityChecker,
  SecurityCheckResult,
} from '../../src/market/grid-interface.js';
import type { MarketAction, MarketConfig, Quotation } from '../../src/market/index.js';
import { checkInvariants } from '../../src/market/invariants.js';
import { MemoryState } from '../../src/market/memory-state.js';
import { MarketStore } from '../../src/market/store.js';
import { HOUR_MS, project, START_MS, seedSigner, testConfig } from './fixture.js';

/**
 * Random cycles with random failures: sealed quotations never revealed, security checks that
 * fail (a typed infeasibility, possibly cured by a cut) or crash the transaction, a trading
 * center or grid enterprise that falls silent, transactions sent long after their deadline,
 * meter batches with bad readings. Every cycle must end `settled` or `cancelled` within a
 * bounded number of blocks, with money and energy conserved. Parties accept their contracts by
 * standing consent (sometimes revoked), by signing them, or never: a contract not accepted by
 * delivery start lapses and must not hold the cycle up.
 *
 * Each seed runs twice: once with a member pushing the cycle by `advanceCycle`, once with nobody
 * doing so, where blocks alone (the market's begin-block work) must move it past its deadlines.
 *
 * Replay one seed: MARKET_LIVENESS_SEED=<seed> node scripts/run-tests.mjs market/liveness
 */
const ONE_SEED = process.env.MARKET_LIVENESS_SEED;
const SEEDS = ONE_SEED !== undefined ? [Number(ONE_SEED)] : Array.from({ length: 32 }, (_, i) => i + 1);
const MAX_BLOCKS_PER_CYCLE = 2_000;
/** What the seeds made happen, so the full run can show it met every kind of failure. */
const seen = new Set<string>();
const MINUTE_MS = 60_000;

/** A check transaction that throws this is refused by the chain (no state change), like a crash. */
class CheckCrash extends Error {}

type IntervalPlan = 'ok' | 'infeasibleAbove' | 'infeasible' | 'crash';

/** The bus-limit stand-in, with per-interval failures chosen by the seed. */
class ChaosChecker implements SecurityChecker {
  plan = new Map<number, IntervalPlan>();
  thresholdWh = 0;
  constructor(private readonly inner: SecurityChecker) {}

  check(schedule: readonly ScheduleInterval[]): SecurityCheckResult {
    for (const slice of schedule) {
      const totalWh = slice.entries.reduce((sum, e) => sum + e.energyWh, 0);
      const mode = this.plan.get(slice.interval) ?? 'ok';
      if (mode === 'crash') throw new CheckCrash('checker crashed');
      if (mode === 'infeasible' && totalWh > 0) {
        throw new GridError('CONGESTION_INFEASIBLE', 'no curtailment makes the interval secure');
      }
      if (mode === 'infeasibleAbove' && totalWh > this.thresholdWh) {
        throw new GridError('CONGESTION_INFEASIBLE', `more than ${this.thresholdWh} Wh cannot be secured`);
      }
    }
    return this.inner.check(schedule);
  }
}

/** The transitions the state machine allows, as `from>to:code` (docs/MARKET.md lists them). */
const ALLOWED = new Set([
  'open>open:CYCLE_OPENED',
  'open>closed:GATE_CLOSED',
  'open>closed:GATE_CLOSED_BY_DEADLINE',
  'closed>matched:MATCHED',
  'closed>matched:MATCHED_BY_DEADLINE',
  'matched>open:ROUND_OPENED',
  'matched>checked:CHECKED',
  'matched>checked:CHECKED_AFTER_RECHECK',
  'matched>checked:CHECKED_PARTLY_CANCELLED',
  'matched>cancelled:CHECK_FAILED',
  'matched>checked:CHECK_MISSED',
  'matched>cancelled:CHECK_MISSED',
  'checked>contracted:CONTRACTED',
  'checked>contracted:CONTRACTED_BY_DEADLINE',
  'contracted>settled:SETTLED',
  'contracted>settled:SETTLED_BY_DEADLINE',
]);

/** Refusals a well-formed but badly timed or unauthorised transaction may meet. */
const EXPECTED_REFUSALS = new Set([
  'WRONG_CYCLE_STATE',
  'GATE_CLOSED',
  'GATE_NOT_CLOSED',
  'DEADLINE_PASSED',
  'NOT_DUE',
  'BAD_ACTION',
  'NOT_FOUND',
  'CAPACITY_EXCEEDED',
]);

type Accepts = 'consent' | 'signed' | 'never';

interface Trader {
  signer: Signer;
  role: 'generator' | 'user';
  revealsLate: boolean;
  /** How it accepts its contracts: standing consent, its own signed transaction, or never. */
  accepts: Accepts;
}

interface Run {
  random: Prng;
  state: MemoryState;
  store: MarketStore;
  driver: MarketDriver;
  chaos: ChaosChecker;
  config: MarketConfig;
  center: Signer;
  grid: Signer;
  regulator: Signer;
  traders: Trader[];
  gridAccepts: Accepts;
  refusals: Map<string, number>;
  crashes: number;
  /** Deadlines move at each block by themselves; nobody sends `advanceCycle`. */
  byBlocks: boolean;
}

function setUp(seed: number, byBlocks: boolean): Run {
  const random = new Prng(seed);
  const operator = seedSigner(1);
  const center = seedSigner(2);
  const grid = seedSigner(3);
  const regulator = seedSigner(4);
  const config = testConfig(operator.publicKey, {
    sealedBids: random.float() < 0.5,
    busLimits: [{ bus: 1, exportLimitKw: random.range(50, 400) }],
    revealWindowMs: random.range(1, 30) * MINUTE_MS,
    stepGraceMs: random.range(1, 20) * MINUTE_MS,
    checkWindowMs: random.range(5, 60) * MINUTE_MS,
    meterWindowMs: random.range(10, 240) * MINUTE_MS,
    recheckAttempts: random.range(0, 3),
    recheckCutBps: random.pick([2_500, 5_000, 10_000]),
    missedCheckFallback: random.pick(['gridPurchase', 'cancel'] as const),
  });
  const state = new MemoryState();
  initMarket(state, config);
  const chaos = new ChaosChecker(new BusExportLimitChecker(config.busLimits));
  const plugins = {
    crossingFees: new TariffFeeTable(config),
    securityChecker: chaos,
  };
  const driver = new MarketDriver(state, 'liveness-chain', START_MS, 1000, plugins);
  const run: Run = {
    random,
    state,
    store: new MarketStore(state),
    driver,
    chaos,
    config,
    center,
    grid,
    regulator,
    traders: [],
    gridAccepts: random.pick(['consent', 'consent', 'signed', 'never'] as const),
    refusals: new Map(),
    crashes: 0,
    byBlocks,
  };
  driver.runDeadlines = byBlocks;
  for (const [signer, role] of [
    [center, 'tradingCenter'],
    [grid, 'gridEnterprise'],
    [regulator, 'regulator'],
  ] as const) {
    must(run, signer, {
      type: 'register',
      role,
      name: role,
      bus: 0,
      voltageKv: 10,
      maxLoadKw: 0,
      projects: [],
      meterKey: null,
    });
    must(run, operator, { type: 'audit', member: signer.publicKey, approve: true, note: '' });
  }
  const count = random.range(2, 6);
  for (let i = 0; i < count; i++) {
    const role = i % 2 === 0 ? 'generator' : 'user';
    const signer = seedSigner(100 + i);
    must(run, signer, {
      type: 'register',
      role,
      name: role,
      bus: random.range(1, 3),
      voltageKv: 10,
      maxLoadKw: role === 'user' ? random.range(100, 800) : 0,
      projects:
        role === 'generator'
          ? [project({ bus: random.range(1, 3), capacityKw: random.range(100, 800) })]
          : [],
      meterKey: null,
    });
    must(run, center, { type: 'audit', member: signer.publicKey, approve: true, note: '' });
    const accepts = random.pick(['consent', 'consent', 'signed', 'never'] as const);
    if (accepts === 'consent') must(run, signer, { type: 'consent', standing: true });
    run.traders.push({ signer, role, revealsLate: false, accepts });
  }
  if (run.gridAccepts === 'consent') must(run, grid, { type: 'consent', standing: true });
  return run;
}

/** Executes like a block would: a crashing check is a refused transaction and changes nothing. */
function send(run: Run, signer: Signer, action: MarketAction): MarketResult | null {
  // What the transaction may change is the state after its block's begin-block work.
  let root = toHex(run.state.root());
  run.driver.onBlockStart = () => {
    root = toHex(run.state.root());
  };
  try {
    const result = run.driver.submit(signer, action);
    if (!result.ok) {
      const code = result.error.code;
      assert.ok(EXPECTED_REFUSALS.has(code), `${action.type} refused with ${code}: ${result.error.message}`);
      run.refusals.set(code, (run.refusals.get(code) ?? 0) + 1);
      assert.equal(toHex(run.state.root()), root, 'a refused transaction writes nothing');
    }
    return result;
  } catch (error) {
    if (!(error instanceof CheckCrash)) throw error;
    run.crashes++;
    assert.equal(toHex(run.state.root()), root, 'a crashed transaction writes nothing');
    return null;
  }
}

function must(run: Run, signer: Signer, action: MarketAction): void {
  const result = run.driver.submit(signer, action);
  if (!result.ok) throw result.error;
}

/** A one-step curve per interval; one generator quote in five sells to the grid enterprise. */
function quoteFor(run: Run, trader: Trader, intervals: number): Quotation {
  const member = run.store.member(trader.signer.publicKey)!;
  const powerKw = trader.role === 'generator' ? member.approvedKw[0]! : member.maxLoadKw;
  const mode = trader.role === 'generator' && run.random.float() < 0.2 ? 'gridPurchase' : 'direct';
  const curves = Array.from({ length: intervals }, (_, interval) => ({
    interval,
    steps: [
      {
        pricePerKwh:
          mode !== 'direct'
            ? 0
            : trader.role === 'generator'
              ? run.random.range(250, 420)
              : run.random.range(330, 500),
        energyWh: Math.max(1, Math.floor(powerKw * 1000 * 0.3 * run.random.float())),
      },
    ],
  }));
  return { side: trader.role === 'generator' ? 'sell' : 'buy', mode, project: 0, curves };
}

/** Drives one cycle to its end and checks every property; returns the number of blocks it took. */
function driveCycle(run: Run, cycleId: string): number {
  const { random, store, driver, center, grid } = run;
  const intervals = random.range(1, 3);
  const gate = driver.blockTimeMs + random.range(10, 120) * MINUTE_MS;
  driver.advanceTo(driver.blockTimeMs);
  must(run, center, {
    type: 'openCycle',
    cycleId,
    intervals,
    intervalMs: HOUR_MS,
    deliveryStartMs: gate + random.range(1, 6) * HOUR_MS,
    gateClosureMs: gate,
    gridEnterprise: grid.publicKey,
  });
  // Who fails this time, and how.
  const centerSilentFrom = random.pick([
    'never',
    'never',
    'closed',
    'matched',
    'checked',
    'contracted',
    'open',
  ]);
  const gridSilent = random.float() < 0.3;
  run.chaos.thresholdWh = random.range(0, 200_000);
  run.chaos.plan = new Map(
    Array.from({ length: intervals }, (_, i) => [
      i,
      random.pick(['ok', 'ok', 'infeasibleAbove', 'infeasible', 'crash'] as const),
    ]),
  );
  for (const trader of run.traders) trader.revealsLate = random.float() < 0.25;
  // Now and then a party revokes its standing consent, or gives it, between cycles.
  for (const trader of run.traders) {
    if (trader.accepts === 'never' || random.float() >= 0.15) continue;
    trader.accepts = trader.accepts === 'consent' ? 'signed' : 'consent';
    must(run, trader.signer, { type: 'consent', standing: trader.accepts === 'consent' });
  }
  const keeper = random.pick([run.regulator, grid, ...run.traders.map((t) => t.signer)]);
  const pending = new Map<string, { quote: Quotation; salt: Uint8Array; quoteId: string }>();
  const quoted = new Set<string>();
  let centerSilent = centerSilentFrom === 'open';
  let readingsSent = 0;
  const quote = (trader: Trader, round: number) => {
    quoted.add(`${toHex(trader.signer.publicKey)}/${round}`);
    const quotation = quoteFor(run, trader, intervals);
    const quoteId = `q${round}`;
    if (run.config.sealedBids) {
      const salt = random.bytes(32);
      const commitment = quoteCommitment(trader.signer.publicKey, cycleId, quoteId, quotation, salt);
      const result = send(run, trader.signer, { type: 'commitQuote', cycleId, quoteId, commitment });
      if (result?.ok) pending.set(toHex(trader.signer.publicKey), { quote: quotation, salt, quoteId });
    } else {
      send(run, trader.signer, { type: 'submitQuote', cycleId, quoteId, quote: quotation });
    }
  };
  // Most traders quote at once; the others quote at random later, some after the gate.
  for (const trader of run.traders) if (random.float() < 0.85) quote(trader, 0);

  for (let block = 0; block < MAX_BLOCKS_PER_CYCLE; block++) {
    const cycle = store.cycle(cycleId)!;
    if (cycle.state === 'settled' || cycle.state === 'cancelled') return block;
    if (cycle.state === centerSilentFrom) centerSilent = true;
    // Time passes: mostly seconds to minutes, sometimes far past the next deadline.
    const due = nextDeadline(cycle, run.config);
    const roll = random.float();
    if (roll < 0.15 && due !== null) driver.advanceTo(due.atMs + random.range(0, 30) * MINUTE_MS);
    else driver.advanceTo(driver.blockTimeMs + random.range(1, roll < 0.8 ? 300 : 3_600) * 1000);
    const now = driver.blockTimeMs + 1000; // the next transaction's block time

    const moves: (() => void)[] = [];
    if (cycle.state === 'open') {
      for (const trader of run.traders) {
        const key = `${toHex(trader.signer.publicKey)}/${cycle.round}`;
        if (!quoted.has(key)) moves.push(() => quote(trader, cycle.round));
      }
      if (!centerSilent) moves.push(() => send(run, center, { type: 'closeGate', cycleId }));
    }
    if (cycle.state === 'closed') {
      for (const trader of run.traders) {
        const name = toHex(trader.signer.publicKey);
        const sealed = pending.get(name);
        if (sealed === undefined) continue;
        // A trader that reveals late sends its reveal only long after the deadline.
        if (trader.revealsLate && now < cycle.gateClosureMs + run.config.revealWindowMs) continue;
        moves.push(() => {
          pending.delete(name);
          send(run, trader.signer, { type: 'revealQuote', cycleId, ...sealed });
        });
      }
      if (!centerSilent) moves.push(() => send(run, center, { type: 'match', cycleId }));
    }
    if (cycle.state === 'matched') {
      if (!centerSilent && cycle.round < 2 && random.float() < 0.3) {
        const gateClosureMs = now + random.range(5, 90) * MINUTE_MS;
        moves.push(() => send(run, center, { type: 'openRound', cycleId, gateClosureMs }));
      }
      if (!gridSilent) moves.push(() => send(run, grid, { type: 'check', cycleId }));
      if (!centerSilent) moves.push(() => send(run, center, { type: 'check', cycleId }));
    }
    if (cycle.state === 'checked' && !centerSilent) {
      moves.push(() => send(run, center, { type: 'contract', cycleId }));
    }
    if (cycle.state === 'contracted') {
      const signers = [
        ...run.traders.filter((t) => t.accepts === 'signed').map((t) => t.signer),
        ...(run.gridAccepts === 'signed' ? [grid] : []),
      ];
      for (const signer of signers) {
        // Usually in time; sometimes naming contracts whose delivery has started (refused).
        const late = random.float() < 0.2;
        const contractIds = unaccepted(run, cycleId, signer.publicKey, late ? Number.POSITIVE_INFINITY : now);
        if (contractIds.length > 0)
          moves.push(() => {
            const result = send(run, signer, { type: 'acceptContracts', cycleId, contractIds });
            if (result?.ok) seen.add('acceptance:signed');
          });
      }
      // Two batches at random moments (often too early), and one more once delivery has ended.
      const deliveryEnded = now >= cycle.deliveryStartMs + cycle.intervals * cycle.intervalMs;
      if (readingsSent < 2 || (readingsSent < 3 && deliveryEnded))
        moves.push(() => {
          readingsSent++;
          sendReadings(run, cycleId, intervals);
        });
      if (!centerSilent) moves.push(() => send(run, center, { type: 'settle', cycleId }));
    }
    // Anyone may push the cycle past a deadline; when one has passed, it must work. Without
    // anyone doing it, time passes in blocks that carry nothing the cycle waits for.
    if (run.byBlocks) moves.push(() => driver.emptyBlock());
    else
      moves.push(() => {
        const dueNow = due !== null && now >= due.atMs;
        const result = send(run, keeper, { type: 'advanceCycle', cycleId });
        if (dueNow)
          assert.equal(
            result?.ok,
            true,
            `advanceCycle at ${now} past deadline ${due!.atMs} (${cycle.state})`,
          );
        else assert.equal(result?.ok, false, `advanceCycle before any deadline (${cycle.state})`);
      });
    random.pick(moves)();
  }
  assert.fail(`cycle ${cycleId} still ${store.cycle(cycleId)!.state} after ${MAX_BLOCKS_PER_CYCLE} blocks`);
}

/** Contracts of the cycle naming `party` in a role it has not accepted, due to start after `before`. */
function unaccepted(run: Run, cycleId: string, party: Uint8Array, before: number): string[] {
  const name = toHex(party);
  return run.store
    .allContracts(cycleId)
    .filter((c) => c.status === 'pending' && (before === Number.POSITIVE_INFINITY || before < c.termStartMs))
    .filter((c) =>
      (['generator', 'user', 'gridEnterprise'] as const).some(
        (role) => toHex(partyKey(c, role)) === name && !c.acceptances.some((a) => a.role === role),
      ),
    )
    .map((c) => c.contractId);
}

/** Every settled contract binds with three acceptances made before delivery, or lapsed with its reason. */
function checkAcceptances(run: Run, cycleId: string): void {
  const never = new Set(
    run.traders.filter((t) => t.accepts === 'never').map((t) => toHex(t.signer.publicKey)),
  );
  if (run.gridAccepts === 'never') never.add(toHex(run.grid.publicKey));
  for (const c of run.store.allContracts(cycleId)) {
    seen.add(`contract:${c.status}`);
    if (c.status === 'binding') {
      assert.deepEqual(
        c.acceptances.map((a) => a.role).sort(),
        ['generator', 'gridEnterprise', 'user'],
        'a binding contract has all three parties',
      );
      for (const a of c.acceptances) {
        assert.ok(a.atMs < c.termStartMs, 'accepted before delivery start');
        assert.equal(a.txHash?.length ?? 0, a.how === 'signed' ? 32 : 0);
        assert.ok(
          !never.has(toHex(partyKey(c, a.role))),
          'a party that never accepts is never recorded as accepting',
        );
      }
    } else {
      assert.equal(c.status, 'lapsed', 'no contract is left pending after settlement');
      assert.match(c.statusReason, /^LAPSED: not accepted before delivery start by /);
    }
  }
  for (const member of run.store.statementMembers(cycleId)) {
    const statement = run.store.statement(cycleId, member)!;
    for (const l of statement.liabilities) {
      seen.add('breach');
      const contract = run.store.allContracts(cycleId).find((c) => c.contractId === l.contractId)!;
      assert.equal(contract.status, 'binding', 'only binding contracts carry breach liability');
      assert.equal(contract.interval, l.interval);
    }
  }
}

/** The grid enterprise's meter batch: mostly good readings, with early, duplicate and unknown ones. */
function sendReadings(run: Run, cycleId: string, intervals: number): void {
  const { random } = run;
  const meters = run.traders.map((trader) => ({
    participant: trader.signer.publicKey,
    readings: Array.from({ length: intervals }, (_, interval) => ({
      interval,
      energyWh: random.range(0, 300_000),
    })).filter(() => random.float() < 0.8),
  }));
  meters.push({ participant: seedSigner(999).publicKey, readings: [{ interval: 0, energyWh: 5 }] });
  const before = run.store.meterRejectionCount(cycleId);
  const result = send(run, run.grid, { type: 'meterReadings', cycleId, meters });
  // Unless its block's deadline work settled the cycle first.
  if (run.byBlocks && !result?.ok && run.store.cycle(cycleId)!.state === 'settled') return;
  assert.ok(result?.ok, 'a meter batch is never refused as a whole for its bad readings');
  const detail = result.ok ? result.detail : {};
  const sent = meters.reduce((sum, m) => sum + m.readings.length, 0);
  assert.equal(Number(detail.readings) + Number(detail.refused), sent);
  assert.equal(run.store.meterRejectionCount(cycleId) - before, Number(detail.refused));
}

/** Money and energy after a cycle ended, whichever way it ended. */
function checkEnd(run: Run, cycleId: string): void {
  const { store } = run;
  const cycle = store.cycle(cycleId)!;
  const transitions = store.transitions(cycleId);
  for (const t of transitions)
    assert.ok(ALLOWED.has(`${t.from}>${t.to}:${t.code}`), `${t.from}>${t.to}:${t.code}`);
  assert.equal(transitions.at(-1)!.to, cycle.state);
  for (let i = 1; i < transitions.length; i++) {
    assert.equal(transitions[i]!.from, transitions[i - 1]!.to, 'transitions chain');
    assert.ok(transitions[i]!.atMs >= transitions[i - 1]!.atMs, 'in block time order');
  }
  let balances = store.balance(run.config.subsidyAccount);
  for (const key of store.memberKeys()) balances += store.balance(key);
  assert.equal(balances, 0n, 'money is conserved, the subsidy account included');
  const deals = store.allDeals(cycleId);
  for (const deal of deals) assert.ok(deal.energyWh <= deal.matchedWh, 'no deal grows');
  const outcomes = store.intervalOutcomes(cycleId);
  const contracts = store.allContracts(cycleId);
  if (cycle.state === 'cancelled') {
    assert.equal(contracts.length, 0);
    assert.equal(store.statementMembers(cycleId).length, 0);
    assert.ok(
      deals.every((d) => d.energyWh === 0),
      'a cancelled cycle keeps no energy',
    );
    assert.ok(cycle.reasonCode === 'CHECK_FAILED' || cycle.reasonCode === 'CHECK_MISSED');
    return;
  }
  const report = checkInvariants(store, cycleId, cycle.intervals, run.traders);
  assert.equal(report.moneyConserved, true, 'statements add up and every kind of line sums to zero');
  checkAcceptances(run, cycleId);
  assert.equal(report.energyBalanced, true, 'energy balances');
  assert.equal(report.capacityRespected, true, 'capacity respected');
  for (const outcome of outcomes) {
    const inInterval = contracts.filter((c) => c.interval === outcome.interval);
    if (outcome.outcome === 'cancelled')
      assert.equal(inInterval.length, 0, 'a cancelled interval has no contract');
    if (outcome.outcome === 'gridPurchase') {
      for (const c of inInterval) {
        assert.equal(c.mode, 'gridPurchase');
        assert.equal(c.pricePerKwh, run.config.benchmarkPricePerKwh);
        assert.equal(toHex(c.user), toHex(cycle.gridEnterprise));
      }
    }
  }
  if (deals.length > 0) assert.equal(outcomes.length, cycle.intervals, 'every interval has an outcome');
}

describe('the market never wedges', () => {
  for (const seed of SEEDS)
    for (const byBlocks of [false, true]) {
      const how = byBlocks ? ', by blocks alone' : '';
      it(`seed ${seed}${how}: random cycles with random failures end settled or cancelled`, () => {
        try {
          const run = setUp(seed, byBlocks);
          for (const cycleId of ['a', 'b']) {
            const blocks = driveCycle(run, cycleId);
            assert.ok(blocks <= MAX_BLOCKS_PER_CYCLE);
            checkEnd(run, cycleId);
            for (const t of run.store.transitions(cycleId)) {
              seen.add(byBlocks ? `blocks:${t.code}` : t.code);
              if (t.reason.includes('QUOTE_NOT_REVEALED')) seen.add('QUOTE_NOT_REVEALED');
            }
            for (const o of run.store.intervalOutcomes(cycleId)) seen.add(`interval:${o.outcome}`);
            if (run.store.meterRejectionCount(cycleId) > 0) seen.add('METER_REJECTION');
          }
          if (run.crashes > 0) seen.add('CHECK_CRASHED');
          for (const code of run.refusals.keys()) seen.add(`refused:${code}`);
        } catch (error) {
          const replay = `MARKET_LIVENESS_SEED=${seed} node scripts/run-tests.mjs market/liveness`;
          console.error(`liveness seed ${seed} failed; replay with: ${replay}`);
          throw new Error(`seed ${seed}: ${(error as Error).message}\nreplay: ${replay}`, { cause: error });
        }
      });
    }

  if (ONE_SEED === undefined) {
    it('the seeds between them meet every kind of failure', () => {
      for (const expected of [
        'GATE_CLOSED_BY_DEADLINE',
        'MATCHED_BY_DEADLINE',
        'QUOTE_NOT_REVEALED',
        'CHECK_MISSED',
        'CHECK_FAILED',
        'CHECKED_AFTER_RECHECK',
        'CHECKED_PARTLY_CANCELLED',
        'CONTRACTED_BY_DEADLINE',
        'SETTLED_BY_DEADLINE',
        'ROUND_OPENED',
        'CHECK_CRASHED',
        'METER_REJECTION',
        'refused:DEADLINE_PASSED',
        'interval:gridPurchase',
        'interval:cancelled',
        'interval:rechecked',
        'contract:binding',
        'contract:lapsed',
        'acceptance:signed',
        'breach',
        ...['GATE_CLOSED', 'MATCHED', 'CONTRACTED', 'SETTLED'].map((c) => `blocks:${c}_BY_DEADLINE`),
        'blocks:CHECK_MISSED',
      ]) {
        assert.ok(seen.has(expected), `no seed produced ${expected}`);
      }
    });
  }
});
