import type { Highs } from 'highs';
import { adjustedEntry, type CongestionObjective, compareIds } from './congestion-blocks.js';
import { resolveInterval } from './congestion-interval.js';
import { GridError } from './errors.js';
import { loadHighs } from './highs.js';
import type { Grid } from './model.js';
import { PowerFlowEngine, type PowerFlowMethod } from './powerflow.js';
import type { Schedule, ScheduleEntry } from './schedule.js';
import { type SecurityReport, securityCheck, type Violation, violationKey } from './security.js';
import { chooseSensitivities, type SensitivityMethod } from './sensitivity.js';

/**
 * Congestion ("blocking") management. When an interval's schedule breaks a limit, the volumes are
 * reduced: minimise the curtailed welfare (or energy) subject to the network limits, linearised
 * around the AC operating point and solved with HiGHS, judged by the AC power flow itself, with
 * bisection on the AC flow where the linear model gives no usable answer (congestion-interval.ts).
 * Positions only shrink towards zero, never change sign. A secure schedule is returned whenever
 * curtailing every position to zero is secure; otherwise the error carries that schedule.
 *
 * Equal participants (same bus, same direction, same price) are interchangeable to the network
 * and to the objective, so the program sees them as one block and its curtailment is shared pro
 * rata to their scheduled volumes, in whole watts, leftover watts going to the largest remainders
 * and then to the lower participant id. That rule, not the solver's choice of vertex, decides.
 */
export type { CongestionObjective };

export interface CongestionOptions {
  readonly objective?: CongestionObjective;
  readonly method?: PowerFlowMethod;
  /** Linearise-solve-recheck rounds per interval before bisection on the AC flow takes over. */
  readonly maxRounds?: number;
  /** How limits are linearised; `auto` measures on small cases and uses LinDistFlow on large radial ones. */
  readonly sensitivities?: SensitivityMethod;
  /** A HiGHS instance to use instead of the shared one. */
  readonly solver?: Highs;
}

export interface Adjustment {
  readonly participantId: string;
  readonly interval: number;
  readonly bus: number;
  readonly scheduledKw: number;
  readonly adjustedKw: number;
  readonly curtailedKw: number;
  /** The same volumes in whole watts, for state that only holds integers. */
  readonly adjustedW: number;
  readonly curtailedW: number;
  /** The limits broken in the interval before adjustment, e.g. `branch-thermal:5-6`. */
  readonly reasons: readonly string[];
}

export interface IntervalResolution {
  readonly interval: number;
  /** Linear programs solved. */
  readonly rounds: number;
  /** AC power flows solved while bisecting towards the secure side. */
  readonly bisections: number;
  readonly curtailedKw: number;
  readonly violationsBefore: readonly Violation[];
}

export interface CongestionResult {
  /** The input schedule with adjusted volumes, in input order. */
  readonly schedule: ScheduleEntry[];
  readonly adjustments: readonly Adjustment[];
  readonly curtailedKw: number;
  /** Sum over curtailed positions of kW times pricePerKwh. */
  readonly curtailedWelfare: number;
  readonly intervals: readonly IntervalResolution[];
  readonly before: SecurityReport;
  readonly after: SecurityReport;
}

const DEFAULT_MAX_ROUNDS = 12;

export async function resolveCongestion(
  grid: Grid,
  schedule: Schedule,
  options: CongestionOptions = {},
): Promise<CongestionResult> {
  const before = securityCheck(grid, schedule, { method: options.method ?? 'auto' });
  const solver = options.solver ?? (before.secure ? undefined : await loadHighs());
  return resolveChecked(grid, schedule, solver === undefined ? options : { ...options, solver }, before);
}

/**
 * The same, synchronous, for callers that hold a loaded solver (`loadHighs()` once at start):
 * contracts executing inside a block cannot wait. Without `solver`, a schedule that needs
 * congestion management is an error.
 */
export function resolveCongestionWith(
  grid: Grid,
  schedule: Schedule,
  options: CongestionOptions = {},
): CongestionResult {
  return resolveChecked(
    grid,
    schedule,
    options,
    securityCheck(grid, schedule, { method: options.method ?? 'auto' }),
  );
}

function resolveChecked(
  grid: Grid,
  schedule: Schedule,
  options: CongestionOptions,
  before: SecurityReport,
): CongestionResult {
  const engine = new PowerFlowEngine(grid, options.method ?? 'auto');
  // Refuse an unsuitable choice up front, not only when an interval happens to need it.
  chooseSensitivities(options.sensitivities ?? 'auto', engine, 0);
  const adjustedW = schedule.map((e) => Math.round(e.netKw * 1000));
  const resolutions: IntervalResolution[] = [];
  const reasonsByInterval = new Map<number, string[]>();
  if (!before.secure) {
    const highs = options.solver;
    if (highs === undefined) {
      throw new GridError(
        'SOLVER_FAILED',
        'congestion management needs a loaded HiGHS solver (loadHighs())',
        {},
      );
    }
    for (const check of before.intervals) {
      if (check.secure) continue;
      const outcome = resolveInterval(engine, schedule, check.interval, adjustedW, {
        objective: options.objective ?? 'welfare',
        maxRounds: options.maxRounds ?? DEFAULT_MAX_ROUNDS,
        sensitivities: options.sensitivities ?? 'auto',
        highs,
      });
      resolutions.push({
        interval: check.interval,
        rounds: outcome.rounds,
        bisections: outcome.bisections,
        curtailedKw: outcome.curtailedW / 1000,
        violationsBefore: check.violations,
      });
      reasonsByInterval.set(check.interval, [...new Set(check.violations.map(violationKey))]);
    }
  }
  const adjusted = schedule.map((e, k) => adjustedEntry(e, adjustedW[k]!));
  const adjustments: Adjustment[] = [];
  let curtailedW = 0;
  let curtailedWelfare = 0;
  schedule.forEach((e, k) => {
    if (adjusted[k] === e) return;
    const watts = Math.abs(Math.round(e.netKw * 1000)) - Math.abs(adjustedW[k]!);
    const curtailed = watts / 1000;
    curtailedW += watts;
    curtailedWelfare += curtailed * e.pricePerKwh;
    adjustments.push({
      participantId: e.participantId,
      interval: e.interval,
      bus: e.bus,
      scheduledKw: e.netKw,
      adjustedKw: adjusted[k]!.netKw,
      curtailedKw: curtailed,
      adjustedW: adjustedW[k]!,
      curtailedW: watts,
      reasons: reasonsByInterval.get(e.interval) ?? [],
    });
  });
  adjustments.sort((a, b) => a.interval - b.interval || compareIds(a.participantId, b.participantId));
  const after = before.secure ? before : securityCheck(grid, adjusted, { method: options.method ?? 'auto' });
  if (!after.secure) {
    // Each interval's answer was checked exactly as this check does; reaching here is a bug.
    throw new GridError('CONGESTION_INFEASIBLE', 'the adjusted schedule still breaks network limits', {
      violations: after.violations,
    });
  }
  return {
    schedule: adjusted,
    adjustments,
    curtailedKw: curtailedW / 1000,
    curtailedWelfare,
    intervals: resolutions,
    before,
    after,
  };
}
