import {
  caracas141Feeder,
  congestedSyntheticCase,
  type Grid,
  ieee33Feeder,
  loadHighs,
  PowerFlowEngine,
  ratedFeeder,
  resolveCongestion,
  runPowerFlow,
  type ScheduleEntry,
  securityCheck,
  syntheticRadialFeeder,
  syntheticSchedule,
  violationKey,
} from '../grid/index.js';

export interface GridBenchOptions {
  /** Measured runs per figure; medians are reported. */
  readonly repeats: number;
  /** Size of the synthetic radial feeder. */
  readonly buses: number;
  /** Participants in the 33-bus congestion case. */
  readonly participants: number;
  /** Seed of the synthetic feeders and schedules. */
  readonly seed: number;
}

/** Median of a list of measurements. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Wall-clock time of `run`, in ms, measured `repeats` times after `warmup` unmeasured runs. */
async function timed(repeats: number, warmup: number, batch: number, run: () => unknown): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    for (let i = 0; i < batch; i++) await run();
    times.push((performance.now() - start) / batch);
  }
  return times;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

const LARGE_CONGESTION_BUSES = 1000;
const LARGE_CONGESTION_PARTICIPANTS = 10_000;
const DAY_INTERVALS = 96;
const DAY_PARTICIPANTS = 40;

/**
 * A day of quarter-hour intervals on a feeder: the same participants every interval, sellers
 * following a solar bell curve that peaks at noon, buyers steady: 40 participants, 3,840 entries,
 * a full power flow and limit check per interval.
 */
function dailySchedule(grid: Grid, seed: number): ScheduleEntry[] {
  const base = syntheticSchedule(grid, DAY_PARTICIPANTS, seed + 20);
  const entries: ScheduleEntry[] = [];
  for (let interval = 0; interval < DAY_INTERVALS; interval++) {
    const hour = (interval + 0.5) / 4;
    const sun = Math.max(0, Math.sin(((hour - 6) / 12) * Math.PI));
    for (const e of base) {
      const kw = e.netKw > 0 ? e.netKw * 60 * sun : e.netKw * 20;
      entries.push({ ...e, interval, netKw: Math.round(kw * 1000) / 1000 });
    }
  }
  return entries;
}

/**
 * The grid engine's figures: power flow on the IEEE 33-bus feeder and on a synthetic radial
 * feeder, congestion management on the rated 33-bus feeder and on a synthetic 1,000-bus feeder,
 * and a 96-interval security check on the 141-bus feeder.
 */
export async function runGridBench(options: GridBenchOptions): Promise<Record<string, unknown>> {
  const { repeats, buses, participants, seed } = options;

  const feeder33 = ieee33Feeder();
  const pf33 = runPowerFlow(feeder33);
  const pf33Times = await timed(repeats, 50, 100, () => runPowerFlow(feeder33));

  const feeder10k = syntheticRadialFeeder(buses, seed);
  const pf10k = runPowerFlow(feeder10k);
  const pf10kTimes = await timed(repeats, 10, 1, () => runPowerFlow(feeder10k));
  const engine = new PowerFlowEngine(feeder10k);
  const none = engine.injectionVector([]);
  const solveTimes = await timed(repeats, 5, 1, () => engine.solve(none, null));

  const rated = ratedFeeder(feeder33);
  const schedule = syntheticSchedule(rated, participants, seed + 6);
  await loadHighs();
  const congestion = await resolveCongestion(rated, schedule);
  const congestionTimes = await timed(repeats, 2, 1, () => resolveCongestion(rated, schedule));

  const large = congestedSyntheticCase(LARGE_CONGESTION_BUSES, LARGE_CONGESTION_PARTICIPANTS, seed);
  const congestion10k = await resolveCongestion(large.grid, large.schedule);
  const congestion10kTimes = await timed(repeats, 1, 1, () => resolveCongestion(large.grid, large.schedule));

  const feeder141 = caracas141Feeder();
  const day = dailySchedule(feeder141, seed);
  const day141 = securityCheck(feeder141, day);
  const security141Times = await timed(repeats, 3, 1, () => securityCheck(feeder141, day));

  return {
    pf33Ms: round3(median(pf33Times)),
    pf10kMs: round3(median(pf10kTimes)),
    congestion1kMs: round3(median(congestionTimes)),
    congestion10kMs: round3(median(congestion10kTimes)),
    security96x141Ms: round3(median(security141Times)),
    repeats,
    pf33: {
      method: pf33.method,
      iterations: pf33.iterations,
      lossKw: round3(pf33.lossKw),
      lossKvar: round3(pf33.lossKvar),
      minVoltagePu: Math.round(pf33.minVoltagePu * 1e6) / 1e6,
      minVoltageBus: pf33.minVoltageBus,
    },
    pf10k: {
      buses,
      method: pf10k.method,
      iterations: pf10k.iterations,
      solveOnlyMs: round3(median(solveTimes)),
      loadKw: round3(pf10k.loadKw),
      lossKw: round3(pf10k.lossKw),
      minVoltagePu: Math.round(pf10k.minVoltagePu * 1e6) / 1e6,
    },
    congestion1k: {
      participants,
      violationsBefore: congestion.before.violations.map(violationKey),
      rounds: congestion.intervals.map((i) => i.rounds),
      bisections: congestion.intervals.map((i) => i.bisections),
      curtailedKw: congestion.curtailedKw,
      adjustedPositions: congestion.adjustments.length,
      secureAfter: congestion.after.secure,
    },
    congestion10k: {
      buses: LARGE_CONGESTION_BUSES,
      participants: LARGE_CONGESTION_PARTICIPANTS,
      violationsBefore: congestion10k.before.violations.length,
      rounds: congestion10k.intervals.map((i) => i.rounds),
      bisections: congestion10k.intervals.map((i) => i.bisections),
      curtailedKw: congestion10k.curtailedKw,
      adjustedPositions: congestion10k.adjustments.length,
      secureAfter: congestion10k.after.secure,
    },
    security96x141: {
      intervals: day141.intervals.length,
      entries: day.length,
      insecureIntervals: day141.intervals.filter((i) => !i.secure).length,
      violations: day141.violations.length,
    },
  };
}
