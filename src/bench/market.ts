import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Prng } from '../kit/prng.js';
import { clearInterval } from '../market/clearing.js';
import { runSimulation, simulateMarket } from '../market/simulate.js';

export interface MarketBenchOptions {
  readonly repeats: number;
  readonly cycleRepeats: number;
  readonly orders: number;
  readonly participants: number;
  readonly intervals: number;
  /** Also run one large cycle, by default 10,000 participants × 96 intervals (opt-in: it takes a while). */
  readonly large?: boolean;
  readonly largeParticipants?: number;
  readonly largeIntervals?: number;
}

/**
 * The large cycle's shape and its goal: a province's day-ahead market, 10,000 participants and
 * 96 intervals of 15 minutes, within 30 s.
 */
export const LARGE_CYCLE = {
  participants: 10_000,
  intervals: 96,
  intervalMs: 15 * 60_000,
  goalMs: 30_000,
} as const;

const MB = 1024 * 1024;

/**
 * The large cycle runs in a process of its own, with the heap a node executing such a market is
 * given: room for the cycle's state (an old space of 8 GiB) and a young generation of 64 MiB
 * semi-spaces, so the cycle's short-lived records die young instead of being copied and promoted.
 * Node's defaults (a heap limit near 4 GiB here, 16 MiB semi-spaces) are too small for it.
 */
export const LARGE_CYCLE_HEAP = { oldSpaceMb: 8192, semiSpaceMb: 64 } as const;

/**
 * One whole cycle of the large shape, as `market simulate` runs it, once. Its fields are named by
 * the shape (`cycle10000x96Ms` for the default). Memory: the process's peak resident set so far
 * and the heap in use when the cycle has settled, with its state still held.
 */
export function runLargeCycle(
  participants: number = LARGE_CYCLE.participants,
  intervals: number = LARGE_CYCLE.intervals,
): Record<string, number> {
  const { report, state } = runSimulation({
    participants,
    intervals,
    intervalMs: LARGE_CYCLE.intervalMs,
    seed: 1,
  });
  const heapUsed = process.memoryUsage().heapUsed;
  const name = `cycle${participants}x${intervals}`;
  return {
    [`${name}Ms`]: Math.round(report.elapsedMs),
    [`${name}CpuMs`]: Math.round(report.elapsedCpuMs),
    [`${name}TradingMs`]: Math.round(report.cycleMs),
    [`${name}TradingCpuMs`]: Math.round(report.cycleCpuMs),
    [`${name}GoalMs`]: LARGE_CYCLE.goalMs,
    [`${name}Transactions`]: report.transactions,
    [`${name}Orders`]: report.orders,
    [`${name}Contracts`]: report.contracts,
    [`${name}StateEntries`]: state.size,
    [`${name}HeapUsedMb`]: Math.round(heapUsed / MB),
    // maxRSS is in kilobytes; in its own process (runLargeCycleInProcess) it is the cycle's alone.
    [`${name}PeakRssMb`]: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/** `runLargeCycle` in a child process with `LARGE_CYCLE_HEAP`; its fields, and the heap it had. */
export function runLargeCycleInProcess(
  participants: number = LARGE_CYCLE.participants,
  intervals: number = LARGE_CYCLE.intervals,
): Record<string, number> {
  const entry = fileURLToPath(new URL('./large-cycle-main.js', import.meta.url));
  const child = spawnSync(
    process.execPath,
    [
      `--max-old-space-size=${LARGE_CYCLE_HEAP.oldSpaceMb}`,
      `--max-semi-space-size=${LARGE_CYCLE_HEAP.semiSpaceMb}`,
      entry,
      String(participants),
      String(intervals),
    ],
    { encoding: 'utf8', maxBuffer: 16 * MB },
  );
  if (child.status !== 0) {
    const why = child.error?.message ?? child.stderr.trim().split('\n').slice(-5).join('\n');
    throw new Error(`the large cycle's process failed (status ${child.status}): ${why}`);
  }
  const name = `cycle${participants}x${intervals}`;
  return {
    ...(JSON.parse(child.stdout) as Record<string, number>),
    [`${name}OldSpaceMb`]: LARGE_CYCLE_HEAP.oldSpaceMb,
    [`${name}SemiSpaceMb`]: LARGE_CYCLE_HEAP.semiSpaceMb,
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
    ...(options.large === true
      ? runLargeCycleInProcess(options.largeParticipants, options.largeIntervals)
      : {}),
    repeats: { clear: options.repeats, cycle: options.cycleRepeats },
    node: process.version,
  };
}
