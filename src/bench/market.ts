import { Prng } from '../kit/prng.js';
import { clearInterval } from '../market/clearing.js';
import { simulateMarket } from '../market/simulate.js';

export interface MarketBenchOptions {
  readonly repeats: number;
  readonly cycleRepeats: number;
  readonly orders: number;
  readonly participants: number;
  readonly intervals: number;
  /** Also run one cycle of 10,000 participants × 96 intervals (minutes of CPU, so opt-in). */
  readonly large?: boolean;
}

/** The large cycle's shape and its goal: one day-ahead cycle of a big market, within 30 s. */
export const LARGE_CYCLE = { participants: 10_000, intervals: 96, goalMs: 30_000 } as const;

/** One whole cycle of 10,000 participants × 96 intervals, as `market simulate` runs it, once. */
export function runLargeCycle() {
  const report = simulateMarket({
    participants: LARGE_CYCLE.participants,
    intervals: LARGE_CYCLE.intervals,
    seed: 1,
  });
  return {
    cycle10000x96Ms: Math.round(report.elapsedMs),
    cycle10000x96CpuMs: Math.round(report.elapsedCpuMs),
    tradingCycle10000x96Ms: Math.round(report.cycleMs),
    cycle10000x96GoalMs: LARGE_CYCLE.goalMs,
    cycle10000x96Transactions: report.transactions,
    cycle10000x96Contracts: report.contracts,
  };
}

export const DEFAULT_BENCH: MarketBenchOptions = {
  repeats: 7,
  cycleRepeats: 3,
  orders: 100_000,
  participants: 1000,
  intervals: 24,
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round1 = (value: number) => Math.round(value * 10) / 10;

/**
 * Two figures, medians over repeats: clearing one interval of half bids, half offers (prices
 * 200..600, 1..10,000 Wh, seeded) and one whole simulated cycle, registration to settlement
 * (the trading cycle proper, open to settled, is reported next to it). Key generation is set-up. CPU time is reported next to
 * wall time because the machine is shared: wall time includes waiting for a core.
 */
export function runMarketBench(options: MarketBenchOptions = DEFAULT_BENCH) {
  const random = new Prng(2026);
  const half = Math.floor(options.orders / 2);
  const draw = (min: number, max: number) => Array.from({ length: half }, () => random.range(min, max));
  const book = {
    bidPrice: draw(200, 600),
    bidQuantity: draw(1, 10_000),
    offerPrice: draw(200, 600),
    offerQuantity: draw(1, 10_000),
  };
  const clearWall: number[] = [];
  let clearedQuantity = 0;
  let clearingPrice: number | null = null;
  for (let i = 0; i < options.repeats; i++) {
    const started = performance.now();
    const result = clearInterval(book);
    clearWall.push(performance.now() - started);
    clearedQuantity = result.clearedQuantity;
    clearingPrice = result.clearingPrice;
  }

  const cycleWall: number[] = [];
  const cycleCpu: number[] = [];
  const accessWall: number[] = [];
  const totalWall: number[] = [];
  const totalCpu: number[] = [];
  let last: ReturnType<typeof simulateMarket> | undefined;
  for (let i = 0; i < options.cycleRepeats; i++) {
    last = simulateMarket({ participants: options.participants, intervals: options.intervals, seed: 1 });
    cycleWall.push(last.cycleMs);
    cycleCpu.push(last.cycleCpuMs);
    accessWall.push(last.accessMs);
    totalWall.push(last.elapsedMs);
    totalCpu.push(last.elapsedCpuMs);
  }
  return {
    clear100kOrdersMs: round1(median(clearWall)),
    clearOrders: half * 2,
    clearClearedWh: clearedQuantity,
    clearClearingPricePerKwh: clearingPrice,
    // The whole cycle as `market simulate` runs it: registration and audit, then open to settled.
    cycle1000x24Ms: Math.round(median(totalWall)),
    cycleCpuMs: Math.round(median(totalCpu)),
    access1000Ms: Math.round(median(accessWall)),
    tradingCycle1000x24Ms: Math.round(median(cycleWall)),
    tradingCycleCpuMs: Math.round(median(cycleCpu)),
    cycleParticipants: options.participants,
    cycleIntervals: options.intervals,
    cycleTransactions: last?.transactions ?? 0,
    cycleOrders: last?.orders ?? 0,
    cycleContracts: last?.contracts ?? 0,
    cycleStateRoot: last?.stateRoot ?? '',
    ...(options.large === true ? runLargeCycle() : {}),
    repeats: { clear: options.repeats, cycle: options.cycleRepeats },
    node: process.version,
  };
}
