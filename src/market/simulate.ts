import { toHex } from '../crypto/index.js';
import { Prng } from '../kit/prng.js';
import { quoteCommitment } from './commitment.js';
import { MarketDriver, type RecordedAction, type Signer, signerFromSeed } from './driver.js';
import { initMarket } from './executor.js';
import { checkInvariants, ParticipantEnergy } from './invariants.js';
import { MemoryState } from './memory-state.js';
import { MARKET_PARAMETER_DEFAULTS } from './parameters.js';
import type { MarketConfig, Project, Quotation, TradingMode } from './records.js';
import { MarketStore } from './store.js';

export interface SimulationOptions {
  readonly participants: number;
  readonly intervals: number;
  readonly seed: number;
  /** Defaults to true: sealed commit/reveal quotations. */
  readonly sealedBids?: boolean;
  readonly pricing?: 'uniform' | 'payAsBid';
  /** Length of a delivery interval; defaults to an hour (a province's day of 15 minutes is 96). */
  readonly intervalMs?: number;
}

export interface SimulationReport {
  participants: number;
  generators: number;
  users: number;
  admitted: number;
  refused: number;
  intervals: number;
  transactions: number;
  rejectedTransactions: number;
  orders: number;
  deals: number;
  contracts: number;
  /** Contracts all three parties accepted (signed or by standing consent); the rest lapsed. */
  bindingContracts: number;
  lapsedContracts: number;
  /** Breach cases settled (each one line on the payer's and one on the payee's statement). */
  breaches: number;
  matchedWh: number;
  contractedWh: number;
  curtailedWh: number;
  resubmittedQuotes: number;
  averageClearingPricePerKwh: number | null;
  moneyTransferred: string;
  moneyConserved: boolean;
  energyBalanced: boolean;
  capacityRespected: boolean;
  stateRoot: string;
  stateEntries: number;
  /** Generating the participants' key pairs, before the market starts. */
  setupMs: number;
  /** Market access: registration and audit of every member. */
  accessMs: number;
  /** The trading cycle proper, open to settled: quotations, matching, check, contracts, metering, settlement. */
  cycleMs: number;
  cycleCpuMs: number;
  /** Everything: every transaction signed and executed, registration to settlement. */
  elapsedMs: number;
  /** Process CPU time over the same span; below elapsedMs when the machine's cores are contended. */
  elapsedCpuMs: number;
}

const HOUR_MS = 3_600_000;

export function simulationConfig(operator: Uint8Array, buses: number, sealedBids = true): MarketConfig {
  return {
    ...MARKET_PARAMETER_DEFAULTS,
    marketId: 'sim-market',
    sealedBids,
    pricing: 'uniform',
    priceFloorPerKwh: 0,
    priceCapPerKwh: 1500,
    benchmarkPricePerKwh: 400,
    subsidyPerKwh: 30,
    compositePricePerKwh: 450,
    toleranceBps: 300,
    penaltyPerKwh: 100,
    breachLiabilityBps: 1000,
    sameBusFeePerKwh: 0,
    feeLevels: [],
    // T&D price by voltage level; two buses meet one level above the lower connection.
    tariffLevels: [
      { maxVoltageKv: 10, tdPricePerKwh: 120 },
      { maxVoltageKv: 35, tdPricePerKwh: 100 },
      { maxVoltageKv: 110, tdPricePerKwh: 60 },
    ],
    levelsBetweenBuses: 1,
    // Every fourth bus is a weak feeder end with a tight export limit, to exercise curtailment.
    busLimits: Array.from({ length: Math.ceil(buses / 4) }, (_, i) => ({ bus: i * 4, exportLimitKw: 2000 })),
    operators: [operator],
  };
}

interface Trader {
  signer: Signer;
  role: 'generator' | 'user';
  projects: Project[];
  maxLoadKw: number;
  bus: number;
  mode: TradingMode;
  basePrice: number;
  /** Quoted energy per interval (project 0 for generators), to find what stayed unmatched. */
  quotedWh: number[];
  /** How it accepts its contracts: standing consent, its own acceptContracts transaction, or never. */
  accepts: 'consent' | 'signed' | 'never';
}

/**
 * Runs one whole trading cycle on the in-memory state: registration, audit, sealed quotations,
 * matching, one resubmission round, security check, contracts, metering with random deviations
 * and settlement; then checks the invariants. The same seed gives the same state root.
 */
export function simulateMarket(options: SimulationOptions): SimulationReport {
  return runSimulation(options).report;
}

/** The simulation with its final state and, if asked, every transaction in execution order. */
export function runSimulation(options: SimulationOptions & { readonly record?: boolean }): {
  report: SimulationReport;
  state: MemoryState;
  config: MarketConfig;
  log: RecordedAction[];
} {
  const setupStarted = performance.now();
  const random = new Prng(options.seed);
  const { participants, intervals } = options;
  const intervalMs = options.intervalMs ?? HOUR_MS;
  const sealed = options.sealedBids ?? true;
  const buses = Math.max(4, Math.ceil(participants / 25));
  const state = new MemoryState();
  const newSigner = () => signerFromSeed(random.bytes(32));
  const operator = newSigner();
  const tradingCenter = newSigner();
  const gridEnterprise = newSigner();
  const regulator = newSigner();
  // Keys exist before the market does: generating them is set-up, not part of the cycle.
  const traderSigners = Array.from({ length: participants }, newSigner);
  const setupMs = performance.now() - setupStarted;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  // Every transaction is a block a second apart: the windows that take one transaction per
  // participant (quoting before the gate, revealing after it) grow with the market beyond the
  // defaults, which fit up to 1,200 participants.
  const windowMs = (atLeastMs: number) => Math.max(atLeastMs, participants * 1500);
  const base = simulationConfig(operator.publicKey, buses, sealed);
  const config = {
    ...base,
    revealWindowMs: windowMs(base.revealWindowMs),
    pricing: options.pricing ?? 'uniform',
  };
  initMarket(state, config);
  const driver = new MarketDriver(state, 'gridshard-sim', 1_700_000_000_000);
  if (options.record) driver.log = [];
  const store = new MarketStore(state);

  for (const [signer, role, name] of [
    [tradingCenter, 'tradingCenter', 'trading center'],
    [gridEnterprise, 'gridEnterprise', 'grid enterprise'],
    [regulator, 'regulator', 'regulator'],
  ] as const) {
    driver.must(signer, {
      type: 'register',
      role,
      name,
      bus: 0,
      voltageKv: 110,
      maxLoadKw: 0,
      projects: [],
      meterKey: null,
    });
    driver.must(operator, { type: 'audit', member: signer.publicKey, approve: true, note: '' });
  }
  driver.must(gridEnterprise, { type: 'consent', standing: true });

  const traders: Trader[] = [];
  for (let i = 0; i < participants; i++) {
    const role = random.float() < 0.4 ? 'generator' : 'user';
    const bus = random.range(0, buses - 1);
    const roll = random.float();
    // Mostly small projects; a few large ones test the 20-50 MW rule, some of them refused.
    const capacityKw =
      roll < 0.9 ? random.range(100, 3000) : roll < 0.97 ? random.range(20_500, 45_000) : 60_000;
    const voltageKv =
      capacityKw > 20_000 ? (random.float() < 0.7 ? 110 : 220) : random.float() < 0.8 ? 10 : 35;
    const projects: Project[] =
      role === 'generator'
        ? [
            {
              technology: random.pick(['pv', 'wind', 'storage', 'chp']),
              capacityKw,
              ownMaxLoadKw: random.range(0, Math.floor(capacityKw / 20)),
              bus,
              voltageKv,
              absorbedLocally: random.float() < 0.8,
            },
          ]
        : [];
    const modeRoll = random.float();
    traders.push({
      signer: traderSigners[i]!,
      role,
      projects,
      maxLoadKw: role === 'user' ? random.range(50, 2000) : 0,
      bus,
      mode: role === 'user' || modeRoll < 0.84 ? 'direct' : modeRoll < 0.92 ? 'entrusted' : 'gridPurchase',
      basePrice: role === 'generator' ? random.range(280, 460) : random.range(380, 560),
      quotedWh: new Array<number>(intervals).fill(0),
      accepts: 'consent',
    });
  }
  // Most parties consent at registration; some sign each contract; a few never accept.
  for (const trader of traders) {
    const roll = random.float();
    trader.accepts = roll < 0.8 ? 'consent' : roll < 0.95 ? 'signed' : 'never';
  }
  for (const trader of traders) {
    driver.must(trader.signer, {
      type: 'register',
      role: trader.role,
      name: `${trader.role}-${traders.indexOf(trader)}`,
      bus: trader.bus,
      voltageKv: 10,
      maxLoadKw: trader.maxLoadKw,
      projects: trader.projects,
      meterKey: null,
    });
    if (trader.accepts === 'consent') driver.must(trader.signer, { type: 'consent', standing: true });
  }
  // The trading center publishes its audit decisions in batches of 250.
  let admitted = 0;
  for (let from = 0; from < traders.length; from += 250) {
    const decisions = traders
      .slice(from, from + 250)
      .map((trader) => ({ member: trader.signer.publicKey, approve: true, note: '' }));
    admitted += Number(driver.must(tradingCenter, { type: 'auditBatch', decisions }).approved);
  }
  const active = traders.filter((t) => store.member(t.signer.publicKey)!.status === 'approved');

  // Market access is done once; the trading cycle proper starts here.
  const cycleStarted = performance.now();
  const cycleCpuStarted = process.cpuUsage();
  const cycleId = 'day-1';
  const deliveryStartMs = driver.blockTimeMs + 24 * HOUR_MS;
  driver.must(tradingCenter, {
    type: 'openCycle',
    cycleId,
    intervals,
    intervalMs,
    deliveryStartMs,
    gateClosureMs: driver.blockTimeMs + windowMs(4 * HOUR_MS),
    gridEnterprise: gridEnterprise.publicKey,
  });

  let orders = 0;
  let resubmittedQuotes = 0;
  const runRound = (round: number) => {
    const reveals: { trader: Trader; quoteId: string; quote: Quotation; salt: Uint8Array }[] = [];
    for (const trader of active) {
      const quote = buildQuote(trader, round, intervals, intervalMs, random, store, cycleId);
      if (quote === null) continue;
      const quoteId = `q${round}`;
      orders += quote.curves.reduce((sum, curve) => sum + curve.steps.length, 0);
      if (round > 0) resubmittedQuotes++;
      if (sealed) {
        const salt = random.bytes(32);
        const commitment = quoteCommitment(trader.signer.publicKey, cycleId, quoteId, quote, salt);
        driver.must(trader.signer, { type: 'commitQuote', cycleId, quoteId, commitment });
        reveals.push({ trader, quoteId, quote, salt });
      } else {
        driver.must(trader.signer, { type: 'submitQuote', cycleId, quoteId, quote });
      }
    }
    driver.advanceTo(store.cycle(cycleId)!.gateClosureMs);
    driver.must(tradingCenter, { type: 'closeGate', cycleId });
    for (const reveal of reveals) {
      driver.must(reveal.trader.signer, {
        type: 'revealQuote',
        cycleId,
        quoteId: reveal.quoteId,
        quote: reveal.quote,
        salt: reveal.salt,
      });
    }
    driver.must(tradingCenter, { type: 'match', cycleId });
  };
  runRound(0);
  driver.must(tradingCenter, {
    type: 'openRound',
    cycleId,
    gateClosureMs: driver.blockTimeMs + windowMs(2 * HOUR_MS),
  });
  runRound(1);
  const checked = driver.must(gridEnterprise, { type: 'check', cycleId });
  driver.must(tradingCenter, { type: 'contract', cycleId });
  acceptBySignature(driver, store, cycleId, active);

  // Metering after delivery: each contracted participant's reading deviates by up to +-8 %.
  driver.advanceTo(deliveryStartMs + intervals * intervalMs);
  // The grid enterprise's meter data system sends readings in batches of 250 participants.
  const contracted = scheduledByParticipant(store, cycleId, intervals);
  // In key order. (A sort without a comparator would turn each entry, its readings included,
  // into a string at every comparison; the keys are distinct and of one length, so the order is
  // the same.)
  const meters = [...contracted.entries()].sort(byKey).map(([name, byInterval]) => ({
    participant: Uint8Array.from(Buffer.from(name, 'hex')),
    readings: byInterval
      .map((wh, interval) => ({
        interval,
        energyWh: Math.max(0, Math.round(wh * (0.92 + 0.16 * random.float()))),
      }))
      .filter((_, interval) => byInterval[interval]! > 0),
  }));
  for (let from = 0; from < meters.length; from += 250) {
    driver.must(gridEnterprise, { type: 'meterReadings', cycleId, meters: meters.slice(from, from + 250) });
  }
  const settled = driver.must(tradingCenter, { type: 'settle', cycleId });
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  const cycleMs = performance.now() - cycleStarted;
  const cycleCpu = process.cpuUsage(cycleCpuStarted);

  const checks = checkInvariants(store, cycleId, intervals, traders);
  let matchedWh = 0;
  const deals = store.allDeals(cycleId);
  for (const deal of deals) matchedWh += deal.matchedWh;
  let priceSum = 0;
  let priceCount = 0;
  for (let round = 0; round <= 1; round++) {
    for (let interval = 0; interval < intervals; interval++) {
      const summary = store.summary(cycleId, round, interval);
      if (summary === undefined) continue;
      if (summary.clearingPricePerKwh !== null) {
        priceSum += summary.clearingPricePerKwh;
        priceCount++;
      }
    }
  }
  // Interval by interval: a large cycle's contracts are not all held at once.
  const contractCount = { all: 0, binding: 0, lapsed: 0 };
  for (let interval = 0; interval < intervals; interval++) {
    for (const contract of store.contracts(cycleId, interval)) {
      contractCount.all++;
      if (contract.status === 'binding') contractCount.binding++;
      if (contract.status === 'lapsed') contractCount.lapsed++;
    }
  }
  const report: SimulationReport = {
    participants,
    generators: traders.filter((t) => t.role === 'generator').length,
    users: traders.filter((t) => t.role === 'user').length,
    admitted,
    refused: participants - admitted,
    intervals,
    transactions: driver.transactions,
    rejectedTransactions: driver.rejected,
    orders,
    deals: deals.length,
    contracts: contractCount.all,
    bindingContracts: contractCount.binding,
    lapsedContracts: contractCount.lapsed,
    breaches: store
      .statementMembers(cycleId)
      .reduce(
        (sum, m) => sum + store.statement(cycleId, m)!.liabilities.filter((l) => l.amount < 0n).length,
        0,
      ),
    matchedWh,
    contractedWh: checks.contractedWh,
    curtailedWh: Number(checked.curtailedWh),
    resubmittedQuotes,
    averageClearingPricePerKwh: priceCount === 0 ? null : Math.round(priceSum / priceCount),
    moneyTransferred: String(settled.transferred),
    moneyConserved: checks.moneyConserved,
    energyBalanced: checks.energyBalanced,
    capacityRespected: checks.capacityRespected,
    stateRoot: toHex(state.root()),
    stateEntries: state.size,
    setupMs: Math.round(setupMs),
    accessMs: Math.round(elapsedMs - cycleMs),
    cycleMs: Math.round(cycleMs),
    cycleCpuMs: Math.round((cycleCpu.user + cycleCpu.system) / 1000),
    elapsedMs: Math.round(elapsedMs),
    elapsedCpuMs: Math.round((cpu.user + cpu.system) / 1000),
  };
  return { report, state, config, log: driver.log ?? [] };
}

const byKey = (a: [string, unknown], b: [string, unknown]): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;

/**
 * What the meter data system expects each metered participant (generators, direct users) to
 * deliver or take per interval: the checked schedule, the deals as the security check left them,
 * keyed by hex key. The contracts hold the same energies; the deals are a third of the bytes to read.
 */
function scheduledByParticipant(
  store: MarketStore,
  cycleId: string,
  intervals: number,
): Map<string, number[]> {
  const energy = new ParticipantEnergy(intervals);
  for (let interval = 0; interval < intervals; interval++) {
    for (const deal of store.deals(cycleId, interval)) {
      if (deal.energyWh === 0) continue;
      energy.add(deal.seller, interval, deal.energyWh);
      if (deal.mode === 'direct') energy.add(deal.buyer, interval, deal.energyWh);
    }
  }
  return energy.byHex();
}

/** Traders that sign their contracts accept every contract waiting for them, in one batch each. */
function acceptBySignature(
  driver: MarketDriver,
  store: MarketStore,
  cycleId: string,
  traders: readonly Trader[],
): void {
  for (const trader of traders) {
    if (trader.accepts !== 'signed') continue;
    const ids = store.awaiting(cycleId, trader.signer.publicKey).map((entry) => `${cycleId}/${entry.deal}`);
    for (let from = 0; from < ids.length; from += 10_000) {
      const contractIds = ids.slice(from, from + 10_000);
      driver.must(trader.signer, { type: 'acceptContracts', cycleId, contractIds });
    }
  }
}

/**
 * Round 0: every trader quotes every interval (generators a two-step curve, users one step).
 * Round 1: what stayed unmatched is quoted again at a price moved towards the other side.
 */
function buildQuote(
  trader: Trader,
  round: number,
  intervals: number,
  intervalMs: number,
  random: Prng,
  store: MarketStore,
  cycleId: string,
): Quotation | null {
  const side = trader.role === 'generator' ? 'sell' : 'buy';
  const powerKw =
    trader.role === 'generator' ? store.member(trader.signer.publicKey)!.approvedKw[0]! : trader.maxLoadKw;
  const curves: Quotation['curves'] = [];
  const hours = intervalMs / HOUR_MS;
  const direct = trader.mode === 'direct';
  if (round > 0 && !direct) return null;
  const matchedWh = round === 0 ? [] : store.matchedWh(cycleId, trader.signer.publicKey, 0);
  for (let interval = 0; interval < intervals; interval++) {
    let energyWh: number;
    if (round === 0) {
      // A daily shape: PV peaks at noon, load in the evening; never above capacity. With hourly
      // intervals `hour` is the interval's index.
      const hour = interval * hours;
      const shape = 0.35 + 0.6 * Math.abs(Math.sin(((hour + (side === 'sell' ? 0 : 6)) * Math.PI) / 24));
      energyWh = Math.floor(powerKw * 1000 * hours * shape * (0.5 + 0.5 * random.float()));
      trader.quotedWh[interval] = energyWh;
    } else {
      const matched = matchedWh[interval] ?? 0;
      energyWh = Math.max(0, trader.quotedWh[interval]! - matched);
    }
    if (energyWh < 2) continue;
    const shift = round === 0 ? 0 : side === 'sell' ? -40 : 40;
    const price = direct ? Math.max(0, trader.basePrice + shift + random.range(-20, 20)) : 0;
    const steps =
      side === 'sell' && direct
        ? [
            { pricePerKwh: price, energyWh: Math.floor(energyWh / 2) },
            { pricePerKwh: price + 30, energyWh: energyWh - Math.floor(energyWh / 2) },
          ]
        : [{ pricePerKwh: price, energyWh }];
    curves.push({ interval, steps });
  }
  if (curves.length === 0) return null;
  return { side, mode: trader.mode, project: 0, curves };
}
