import { availableParallelism } from 'node:os';
import { ConsensusBenchError } from './errors.js';
import {
  type RunOptions,
  type RunResult,
  runScenario,
  SCENARIOS,
  type Scenario,
  type SignedPool,
} from './harness.js';
import { type BenchProtocol, loadProtocol, type ProtocolName } from './protocols.js';
import { median, round } from './stats.js';
import { clientKeys } from './transactions.js';
import { VerifyPool } from './verify-pool.js';

export { ConsensusBenchError } from './errors.js';
export type { RunOptions, RunResult, Scenario } from './harness.js';
export { SCENARIOS } from './harness.js';

export interface BenchOptions extends Omit<RunOptions, 'scenario'> {
  readonly repeats: number;
  readonly workers: number;
}

export const DEFAULT_BENCH_OPTIONS: BenchOptions = {
  nodes: 4,
  durationS: 5,
  latencyMs: 5,
  jitterMs: 2,
  leaderDelayMs: 1500,
  inflightS: 2,
  warmupS: 2,
  calibrateMs: 1000,
  seed: 1,
  heapEveryS: 0,
  repeats: 1,
  workers: availableParallelism(),
};

/** Most pre-signed transactions kept; longer runs cycle through them. */
const MAX_POOL = 250_000;

function check(options: BenchOptions): void {
  const positive: [string, number][] = [
    ['nodes', options.nodes],
    ['duration', options.durationS],
    ['repeats', options.repeats],
    ['workers', options.workers],
  ];
  for (const [name, value] of positive) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new ConsensusBenchError('BAD_OPTION', `--${name} must be a positive number, got ${value}`, {
        name,
        value,
      });
    }
  }
  if (!Number.isInteger(options.nodes) || options.nodes > 64) {
    throw new ConsensusBenchError('BAD_OPTION', `--nodes must be an integer 1 … 64, got ${options.nodes}`);
  }
  for (const [name, value] of [
    ['latency-ms', options.latencyMs],
    ['leader-delay-ms', options.leaderDelayMs],
    ['heap-every', options.heapEveryS],
  ] as const) {
    if (!Number.isFinite(value) || value < 0) {
      throw new ConsensusBenchError('BAD_OPTION', `--${name} must be ≥ 0, got ${value}`, { name, value });
    }
  }
}

function parseScenario(name: string): Scenario {
  if ((SCENARIOS as readonly string[]).includes(name)) return name as Scenario;
  throw new ConsensusBenchError('BAD_OPTION', `unknown scenario "${name}" (expected ${SCENARIOS.join('|')})`);
}

/** Signs enough transactions for the longest run before anything is timed. */
async function prepare(
  options: BenchOptions,
  runs: number,
): Promise<{ pool: VerifyPool; signed: SignedPool }> {
  const pool = new VerifyPool(clientKeys(), options.workers);
  const probe = await pool.sign(0, 512);
  const native = await pool.calibrate(probe, 300);
  // Enough for every run at the verification bound with margin, cycling beyond the cap.
  const needed = Math.ceil((native / options.nodes) * options.durationS * 1.5) + 4096;
  const count = Math.min(MAX_POOL, needed);
  void runs;
  const bytes = await pool.sign(0, count);
  return { pool, signed: { bytes, count } };
}

/** Median of each numeric field over repeats; other fields from the first repeat. */
function medianOf(results: RunResult[]): RunResult {
  const first = results[0]!;
  if (results.length === 1) return first;
  const out: Record<string, unknown> = { ...first };
  for (const [key, value] of Object.entries(first)) {
    if (typeof value === 'number') out[key] = median(results.map((r) => r[key as keyof RunResult] as number));
  }
  return { ...(out as unknown as RunResult), repeats: results.length } as RunResult;
}

async function runRepeats(
  bench: BenchProtocol,
  options: BenchOptions,
  scenario: Scenario,
  pool: VerifyPool,
  signed: SignedPool,
): Promise<RunResult> {
  const results: RunResult[] = [];
  for (let k = 0; k < options.repeats; k++) {
    results.push(await runScenario(bench, { ...options, scenario, seed: options.seed + k }, pool, signed));
  }
  return medianOf(results);
}

export async function runConsensusBench(
  protocol: ProtocolName | string,
  scenarioName: string,
  overrides: Partial<BenchOptions> = {},
): Promise<RunResult & { repeats: number }> {
  const options = { ...DEFAULT_BENCH_OPTIONS, ...overrides };
  check(options);
  const scenario = parseScenario(scenarioName);
  const bench = await loadProtocol(protocol);
  const { pool, signed } = await prepare(options, 1);
  try {
    const result = await runRepeats(bench, options, scenario, pool, signed);
    return { ...result, repeats: options.repeats };
  } finally {
    await pool.close();
  }
}

/** The figures a side-by-side row shows, from one run (the median of its repeats). */
export interface CompareRow {
  readonly committedTxPerSec: number;
  readonly slowestTxPerSec: number;
  readonly efficiency: number;
  readonly slowestEfficiency: number;
  readonly p50LatencyMs: number;
  readonly p99LatencyMs: number;
  readonly slowestP99LatencyMs: number;
  readonly maxCommitGapMs: number;
  readonly maxGapAfterCrashMs: number | null;
  readonly verifyBoundTxPerSec: number;
}

export interface CompareResult {
  readonly nodes: number;
  readonly durationS: number;
  readonly repeats: number;
  readonly leaderDelayMs: number;
  readonly runs: Record<string, RunResult | { unavailable: string }>;
  /**
   * Per scenario, both protocols' rows and DAG ÷ PBFT, all from this one invocation. Efficiency
   * divides out each run's own calibration, so its ratio is the one to trust on a shared machine.
   */
  readonly sideBySide: Record<
    string,
    { dag: CompareRow | null; pbft: CompareRow | null; dagOverPbft: Record<string, number | null> }
  >;
  readonly goals: Record<
    string,
    { measured: number | null; throughputRatio?: number | null; goal: string; met: boolean | null }
  >;
}

function row(r: RunResult | null): CompareRow | null {
  if (r === null) return null;
  return {
    committedTxPerSec: r.committedTxPerSec,
    slowestTxPerSec: r.slowestTxPerSec,
    efficiency: r.efficiency,
    slowestEfficiency: r.slowestEfficiency,
    p50LatencyMs: r.p50LatencyMs,
    p99LatencyMs: r.p99LatencyMs,
    slowestP99LatencyMs: r.slowestP99LatencyMs,
    maxCommitGapMs: r.maxCommitGapMs,
    maxGapAfterCrashMs: r.maxGapAfterCrashMs,
    verifyBoundTxPerSec: r.verifyBoundTxPerSec,
  };
}

const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a == null || b == null || b === 0 ? null : round(a / b, 3);

/** Both protocols under all three scenarios in one process, with the goals checked. */
export async function runConsensusCompare(overrides: Partial<BenchOptions> = {}): Promise<CompareResult> {
  const options = { ...DEFAULT_BENCH_OPTIONS, ...overrides };
  check(options);
  const protocols: (BenchProtocol | { name: ProtocolName; unavailable: string })[] = [];
  for (const name of ['dag', 'pbft'] as const) {
    try {
      protocols.push(await loadProtocol(name));
    } catch (error) {
      if (!(error instanceof ConsensusBenchError)) throw error;
      protocols.push({ name, unavailable: error.message });
    }
  }
  const { pool, signed } = await prepare(options, protocols.length * SCENARIOS.length);
  const runs: Record<string, RunResult | { unavailable: string }> = {};
  // Repeats go round all six runs in turn, so a burst of other work on the machine falls on
  // different scenarios rather than on all repeats of one.
  const results = new Map<string, RunResult[]>();
  try {
    for (let k = 0; k < options.repeats; k++) {
      for (const protocol of protocols) {
        for (const scenario of SCENARIOS) {
          const key = `${protocol.name}/${scenario}`;
          if ('unavailable' in protocol) {
            runs[key] = { unavailable: protocol.unavailable };
            continue;
          }
          const list = results.get(key) ?? [];
          list.push(
            await runScenario(protocol, { ...options, scenario, seed: options.seed + k }, pool, signed),
          );
          results.set(key, list);
        }
      }
    }
  } finally {
    await pool.close();
  }
  for (const [key, list] of results) runs[key] = medianOf(list);
  const get = (key: string): RunResult | null => {
    const r = runs[key];
    return r !== undefined && !('unavailable' in r) ? r : null;
  };
  const sideBySide: CompareResult['sideBySide'] = {};
  for (const scenario of SCENARIOS) {
    const dag = row(get(`dag/${scenario}`));
    const pbft = row(get(`pbft/${scenario}`));
    sideBySide[scenario] = {
      dag,
      pbft,
      dagOverPbft: {
        committedTxPerSec: ratio(dag?.committedTxPerSec, pbft?.committedTxPerSec),
        slowestTxPerSec: ratio(dag?.slowestTxPerSec, pbft?.slowestTxPerSec),
        efficiency: ratio(dag?.efficiency, pbft?.efficiency),
        p50LatencyMs: ratio(dag?.p50LatencyMs, pbft?.p50LatencyMs),
        p99LatencyMs: ratio(dag?.p99LatencyMs, pbft?.p99LatencyMs),
      },
    };
  }
  const dagNormal = get('dag/normal');
  const dagDelay = get('dag/leader-delay');
  const dagCrash = get('dag/crash-one');
  const pbftNormal = get('pbft/normal');
  const pbftDelay = get('pbft/leader-delay');
  // Each run is measured against its own calibration, so on a shared machine the share of normal
  // throughput is compared through efficiencies; the raw throughput ratio is printed beside it.
  const dagKeeps = ratio(dagDelay?.efficiency, dagNormal?.efficiency);
  const pbftKeeps = ratio(pbftDelay?.efficiency, pbftNormal?.efficiency);
  const goals = {
    dagNormalEfficiency: {
      measured: dagNormal?.efficiency ?? null,
      goal: '>= 0.7',
      met: dagNormal === null ? null : dagNormal.efficiency >= 0.7,
    },
    dagLeaderDelayKeepsOfNormal: {
      measured: dagKeeps,
      throughputRatio: ratio(dagDelay?.committedTxPerSec, dagNormal?.committedTxPerSec),
      goal: '>= 0.8 (efficiency under leader-delay / efficiency in normal)',
      met: dagKeeps === null ? null : dagKeeps >= 0.8,
    },
    pbftLeaderDelayKeepsOfNormal: {
      measured: pbftKeeps,
      throughputRatio: ratio(pbftDelay?.committedTxPerSec, pbftNormal?.committedTxPerSec),
      goal: 'reported (expected to collapse)',
      met: null,
    },
    dagCrashOneMaxGapAfterCrashRounds: {
      measured: dagCrash?.maxGapAfterCrashRounds ?? null,
      // The same measure without a crash: what the wall-clock pause shows besides the crash.
      normalRunMaxGapRounds: dagNormal?.maxCommitGapRounds ?? null,
      goal: '<= 2 rounds',
      met: dagCrash?.maxGapAfterCrashRounds == null ? null : dagCrash.maxGapAfterCrashRounds <= 2,
    },
    dagCrashOneDecisionGapAfterCrashRounds: {
      measured: dagCrash?.decisionGapAfterCrashRounds ?? null,
      goal: '<= 2 protocol rounds between consecutive decisions (no wave lost)',
      met: dagCrash?.decisionGapAfterCrashRounds == null ? null : dagCrash.decisionGapAfterCrashRounds <= 2,
    },
  };
  return {
    nodes: options.nodes,
    durationS: options.durationS,
    repeats: options.repeats,
    leaderDelayMs: options.leaderDelayMs,
    runs,
    sideBySide,
    goals,
  };
}
