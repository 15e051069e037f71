import type { Highs } from 'highs';
import {
  adjustedEntry,
  buildBlocks,
  type CongestionObjective,
  curtailmentCost,
  shareCurtailment,
} from './congestion-blocks.js';
import { type LinearContext, linearStep, widenMargins } from './congestion-lp.js';
import { GridError } from './errors.js';
import type { PowerFlowEngine, PowerFlowState } from './powerflow.js';
import type { Schedule, ScheduleEntry } from './schedule.js';
import { type Measures, measure, type Violation, violationKey, violationsOf } from './security.js';
import { chooseSensitivities, type SensitivityMethod } from './sensitivity.js';

/**
 * Congestion management of one insecure interval. The order of the steps is what makes it
 * complete: it finds a secure schedule whenever one exists, and reports infeasibility only with
 * a proof.
 *
 * 1. Floor. The schedule with every adjustable position curtailed to zero is checked first. When
 *    it is secure it is the first secure point, and the answer can only get cheaper from there.
 *    Infeasibility is reported only when it is insecure, with that schedule and its violations in
 *    the error's payload (and only after the search below found nothing either: an insecure floor
 *    alone proves nothing when sellers relieve a section the case's own load overloads).
 * 2. Linearise (sequential linear programming). From the schedule, the limits are linearised at
 *    the current AC point and HiGHS finds the cheapest curtailment meeting them; the AC check
 *    judges it; repeat while a limit is broken.
 * 3. Bisection. When the linear program has no answer, the AC flow has no solution at the
 *    current point, or the rounds run out, the curtailments move on the straight line from the
 *    insecure point towards the last secure one, bisecting on the AC check to the watt. Every
 *    solve starts from the last secure point's voltages.
 * 4. Refine. From the secure point, linearise again and move towards the cheaper target; when the
 *    target is insecure, bisect between the two. Keep a point only if the AC check passes and it
 *    costs less.
 * 5. Verify. The chosen point is shared among the members in whole watts and checked exactly as
 *    the final security check will check it (flat start, member positions); should that ever
 *    disagree with the block-level search, an earlier secure point or bisection towards the floor
 *    settles it.
 */

export interface IntervalSettings {
  readonly objective: CongestionObjective;
  readonly maxRounds: number;
  readonly sensitivities: SensitivityMethod;
  readonly highs: Highs;
}

export interface IntervalOutcome {
  /** Linear programs solved. */
  readonly rounds: number;
  /** AC power flows solved while bisecting. */
  readonly bisections: number;
  readonly curtailedW: number;
}

/** Extra rounds that re-linearise at a secure point to curtail less. */
const MAX_REFINEMENTS = 4;
/** A refinement that saves less than this (in objective units of kW × weight) is not worth a round. */
const COST_EPSILON = 1e-9;

/** A curtailment of each block and what the AC power flow says of it. */
interface Point {
  readonly curtailW: readonly number[];
  readonly extra: { p: Float64Array; q: Float64Array };
  /** Null when the power flow has no solution there. */
  readonly measures: Measures | null;
  readonly violations: readonly Violation[];
  readonly secure: boolean;
}

interface SecurePoint extends Point {
  readonly measures: Measures;
}

/**
 * Resolves one interval in place: the adjusted signed watts of its positions are written into
 * `adjustedW`, which holds the scheduled watts on entry.
 */
export function resolveInterval(
  engine: PowerFlowEngine,
  schedule: Schedule,
  interval: number,
  adjustedW: number[],
  settings: IntervalSettings,
): IntervalOutcome {
  const scheduledW = adjustedW.slice();
  const blocks = buildBlocks(engine, schedule, interval, scheduledW);
  const positions = schedule.flatMap((e, k) => (e.interval === interval ? [k] : []));
  const blockBuses = [...new Set(blocks.map((b) => b.busIndex))].sort((a, b) => a - b);
  const base = engine.grid.baseMva * 1000;
  let bisections = 0;

  /** Injections of the schedule with block k curtailed by curtailW[k], at block level. */
  const blockExtra = (curtailW: readonly number[]) => {
    const extra = engine.injectionVector(
      positions.map((k) => ({ bus: schedule[k]!.bus, pKw: schedule[k]!.netKw })),
    );
    blocks.forEach((block, k) => {
      extra.p[block.busIndex]! -= (block.direction * curtailW[k]!) / 1000 / base;
    });
    return extra;
  };
  /** The member positions a curtailment becomes, as they will leave congestion management. */
  const memberEntries = (curtailW: readonly number[]): { entries: ScheduleEntry[]; watts: number[] } => {
    const watts = scheduledW.slice();
    shareCurtailment(blocks, curtailW, schedule, watts);
    return { entries: positions.map((k) => adjustedEntry(schedule[k]!, watts[k]!)), watts };
  };
  const judge = (
    curtailW: readonly number[],
    extra: { p: Float64Array; q: Float64Array },
    start: PowerFlowState | null,
  ): Point => {
    const measures = solveOrNull(engine, extra, start);
    const violations: Violation[] =
      measures === null
        ? [{ kind: 'not-converged', interval, message: 'the power flow has no solution' }]
        : violationsOf(engine, measures, interval);
    return { curtailW, extra, measures, violations, secure: violations.length === 0 };
  };
  /** Block-level check, warm-started: what the search uses. */
  const evaluate = (curtailW: readonly number[], start: PowerFlowState | null) =>
    judge(curtailW, blockExtra(curtailW), start);
  /** Member-level check from a flat start: exactly what the final security check does. */
  const verify = (curtailW: readonly number[]) => {
    const { entries } = memberEntries(curtailW);
    return judge(curtailW, engine.injectionVector(entries.map((e) => ({ bus: e.bus, pKw: e.netKw }))), null);
  };
  /**
   * On the line from a secure point to an insecure one, the secure point nearest the insecure
   * end, to one watt on the block that moves most.
   */
  const bisect = (secure: SecurePoint, insecure: Point, check: typeof evaluate): SecurePoint => {
    const span = secure.curtailW.reduce((max, w, k) => Math.max(max, Math.abs(insecure.curtailW[k]! - w)), 0);
    let low: SecurePoint = secure;
    let lowStep = 0;
    let highStep = span;
    while (highStep - lowStep > 1) {
      const mid = Math.floor((lowStep + highStep) / 2);
      const curtailW = secure.curtailW.map(
        (w, k) => w + Math.round(((insecure.curtailW[k]! - w) * mid) / span),
      );
      const point = check(curtailW, low.measures.state);
      bisections++;
      if (point.secure) {
        low = point as SecurePoint;
        lowStep = mid;
      } else highStep = mid;
    }
    return low;
  };
  const cost = (curtailW: readonly number[]) => curtailmentCost(blocks, curtailW, settings.objective);

  // 1. Floor: the first secure point, or the evidence for an infeasibility verdict.
  const floorW = blocks.map((b) => b.volumeW);
  const floor = verify(floorW);
  const found: SecurePoint[] = floor.secure ? [floor as SecurePoint] : [];

  const ctx: LinearContext = {
    engine,
    blocks,
    blockBuses,
    sensitivities: chooseSensitivities(settings.sensitivities, engine, blockBuses.length),
    objective: settings.objective,
    highs: settings.highs,
    watched: new Map(),
    margin: new Map(),
  };
  let rounds = 0;
  const linearRounds = (from: Point): Point => {
    let point = from;
    for (let used = 1; !point.secure && point.measures !== null && used <= settings.maxRounds; used++) {
      rounds++;
      widenMargins(ctx.margin, point.violations, used);
      const target = linearStep(ctx, point as SecurePoint);
      if (target === null) break;
      point = evaluate(target, point.measures.state);
    }
    return point;
  };

  // 2. Sequential linear programming from the schedule.
  let point = linearRounds(
    evaluate(
      blocks.map(() => 0),
      null,
    ),
  );
  // 3. Bisection towards the floor when the linear rounds did not get there.
  if (!point.secure && floor.secure) point = bisect(floor as SecurePoint, point, evaluate);
  // An insecure floor proves nothing by itself: sellers beyond a section overloaded by the case's
  // own load relieve it, so zero is not the best they can do. Search once more from that side.
  if (!point.secure && floor.measures !== null) point = linearRounds(floor);
  if (!point.secure) throw infeasible(interval, floor, memberEntries(floorW).entries, point.violations);
  let secure = point as SecurePoint;
  if (floor.secure && cost(floor.curtailW) < cost(secure.curtailW)) secure = floor as SecurePoint;
  found.push(secure);

  // 4. Refinement from the secure side.
  for (let r = 0; r < MAX_REFINEMENTS; r++) {
    rounds++;
    const target = linearStep(ctx, secure);
    if (target === null || cost(target) >= cost(secure.curtailW) - COST_EPSILON) break;
    let next = evaluate(target, secure.measures.state);
    if (!next.secure) next = bisect(secure, next, evaluate);
    if (cost(next.curtailW) >= cost(secure.curtailW) - COST_EPSILON) break;
    secure = next as SecurePoint;
    found.push(secure);
  }

  // 5. Verify as the final check will. Should the block-level search and the exact check ever
  // disagree, the latest point that passes exactly stands, or bisection towards the floor.
  let final: Point | null = null;
  for (let k = found.length - 1; k >= 0 && final === null; k--) {
    const exact = verify(found[k]!.curtailW);
    if (exact.secure) final = exact;
    else if (floor.secure) final = bisect(floor as SecurePoint, exact, (w) => verify(w));
  }
  if (final === null) throw infeasible(interval, floor, memberEntries(floorW).entries, point.violations);
  const { watts } = memberEntries(final.curtailW);
  for (const k of positions) adjustedW[k] = watts[k]!;
  return { rounds, bisections, curtailedW: final.curtailW.reduce((sum, w) => sum + w, 0) };
}

function solveOrNull(
  engine: PowerFlowEngine,
  extra: { p: Float64Array; q: Float64Array },
  start: PowerFlowState | null,
): Measures | null {
  try {
    return measure(engine, extra, start);
  } catch (error) {
    if (
      error instanceof GridError &&
      (error.code === 'NOT_CONVERGED' || error.code === 'SINGULAR_JACOBIAN')
    ) {
      return null;
    }
    throw error;
  }
}

function infeasible(
  interval: number,
  floor: Point,
  entries: ScheduleEntry[],
  violations: readonly Violation[],
): GridError {
  const keys = (list: readonly Violation[]) => [...new Set(list.map(violationKey))].join(', ');
  return new GridError(
    'CONGESTION_INFEASIBLE',
    `interval ${interval}: no curtailment found that removes ${keys(violations)}, and with every position ` +
      `curtailed to zero the network breaks ${keys(floor.violations)}`,
    { interval, violations, floor: { entries, violations: floor.violations } },
  );
}
