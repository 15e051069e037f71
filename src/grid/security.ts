import { magnitude } from './complex.js';
import { GridError } from './errors.js';
import type { Grid, Injection } from './model.js';
import { PowerFlowEngine, type PowerFlowMethod, type PowerFlowState } from './powerflow.js';
import { type Schedule, scheduleIntervals, validateSchedule } from './schedule.js';

/**
 * Security check: the AC power flow of each interval's schedule, on top of the grid's own loads,
 * and every limit it breaks. Limits are the branch ratings (apparent power at either end), the
 * bus voltage band and the substation transformer's capacity.
 */
export type Violation =
  | {
      readonly kind: 'branch-thermal';
      readonly interval: number;
      /** Index in grid.branches. */
      readonly branch: number;
      readonly from: number;
      readonly to: number;
      readonly flowKva: number;
      readonly limitKva: number;
    }
  | {
      readonly kind: 'voltage-low' | 'voltage-high';
      readonly interval: number;
      readonly bus: number;
      readonly vmPu: number;
      readonly limitPu: number;
    }
  | {
      readonly kind: 'substation-capacity';
      readonly interval: number;
      readonly bus: number;
      readonly flowKva: number;
      readonly limitKva: number;
    }
  | {
      readonly kind: 'not-converged';
      readonly interval: number;
      readonly message: string;
    };

export interface IntervalCheck {
  readonly interval: number;
  readonly secure: boolean;
  readonly lossKw: number | null;
  readonly minVoltagePu: number | null;
  readonly minVoltageBus: number | null;
  readonly substationKva: number | null;
  readonly violations: readonly Violation[];
}

export interface SecurityReport {
  readonly secure: boolean;
  readonly intervals: readonly IntervalCheck[];
  readonly violations: readonly Violation[];
}

export interface SecurityOptions {
  readonly method?: PowerFlowMethod;
}

/** Limits are met within these margins, so rounding noise never reports a violation. */
export const VOLTAGE_TOLERANCE_PU = 1e-9;
export const FLOW_TOLERANCE_KVA = 1e-6;

export function securityCheck(grid: Grid, schedule: Schedule, options: SecurityOptions = {}): SecurityReport {
  validateSchedule(grid, schedule);
  const engine = new PowerFlowEngine(grid, options.method ?? 'auto');
  for (const entry of schedule) {
    // A position on a bus cut off from the substation would silently go nowhere.
    if (engine.net.active[engine.net.indexOf.get(entry.bus)!] === 0) {
      throw new GridError(
        'SCHEDULE_INVALID',
        `schedule: participant ${entry.participantId} is at bus ${entry.bus}, which is not connected to the substation`,
        { participantId: entry.participantId, bus: entry.bus },
      );
    }
  }
  // One pass to group the entries: a day of 96 intervals must not scan the schedule 96 times.
  const byInterval = new Map<number, Injection[]>();
  for (const interval of scheduleIntervals(schedule)) byInterval.set(interval, []);
  for (const e of schedule) byInterval.get(e.interval)!.push({ bus: e.bus, pKw: e.netKw });
  const intervals = [...byInterval].map(
    ([interval, injections]) => checkInterval(engine, injections, interval).check,
  );
  const violations = intervals.flatMap((i) => i.violations);
  return { secure: violations.length === 0, intervals, violations };
}

/** The measured quantities of one solved interval, in the units the limits use. */
export interface Measures {
  readonly state: PowerFlowState;
  readonly branchKva: Float64Array;
  readonly vm: Float64Array;
  readonly substationKva: number;
}

export function measure(
  engine: PowerFlowEngine,
  extra: { p: Float64Array; q: Float64Array },
  start: PowerFlowState | null,
): Measures {
  const state = engine.solve(extra, start);
  const branchKva = new Float64Array(engine.net.branches.count);
  engine.branchKva(state, branchKva);
  const vm = new Float64Array(engine.net.n);
  for (let i = 0; i < vm.length; i++) vm[i] = magnitude(state.vRe[i]!, state.vIm[i]!);
  const [p, q] = engine.substationPower(state, extra);
  return { state, branchKva, vm, substationKva: magnitude(p, q) };
}

export function violationsOf(engine: PowerFlowEngine, measures: Measures, interval: number): Violation[] {
  const net = engine.net;
  const grid = engine.grid;
  const violations: Violation[] = [];
  const br = net.branches;
  for (let j = 0; j < br.count; j++) {
    const limit = br.rateKva[j]!;
    if (limit > 0 && measures.branchKva[j]! > limit + FLOW_TOLERANCE_KVA) {
      violations.push({
        kind: 'branch-thermal',
        interval,
        branch: br.source[j]!,
        from: net.ids[br.from[j]!]!,
        to: net.ids[br.to[j]!]!,
        flowKva: measures.branchKva[j]!,
        limitKva: limit,
      });
    }
  }
  for (let i = 0; i < net.n; i++) {
    if (net.active[i] === 0) continue;
    const bus = grid.buses[i]!;
    const vm = measures.vm[i]!;
    if (vm < bus.vMinPu - VOLTAGE_TOLERANCE_PU) {
      violations.push({ kind: 'voltage-low', interval, bus: bus.id, vmPu: vm, limitPu: bus.vMinPu });
    } else if (vm > bus.vMaxPu + VOLTAGE_TOLERANCE_PU) {
      violations.push({ kind: 'voltage-high', interval, bus: bus.id, vmPu: vm, limitPu: bus.vMaxPu });
    }
  }
  const capacity = grid.substation.capacityKva;
  if (capacity > 0 && measures.substationKva > capacity + FLOW_TOLERANCE_KVA) {
    violations.push({
      kind: 'substation-capacity',
      interval,
      bus: grid.substation.bus,
      flowKva: measures.substationKva,
      limitKva: capacity,
    });
  }
  return violations;
}

function checkInterval(
  engine: PowerFlowEngine,
  injections: readonly Injection[],
  interval: number,
): { check: IntervalCheck; measures: Measures | null } {
  const extra = engine.injectionVector(injections);
  let measures: Measures;
  try {
    measures = measure(engine, extra, null);
  } catch (error) {
    if (error instanceof GridError && error.code === 'NOT_CONVERGED') {
      const violation: Violation = { kind: 'not-converged', interval, message: error.message };
      const check: IntervalCheck = {
        interval,
        secure: false,
        lossKw: null,
        minVoltagePu: null,
        minVoltageBus: null,
        substationKva: null,
        violations: [violation],
      };
      return { check, measures: null };
    }
    throw error;
  }
  const report = engine.report(measures.state, extra);
  const violations = violationsOf(engine, measures, interval);
  return {
    check: {
      interval,
      secure: violations.length === 0,
      lossKw: report.lossKw,
      minVoltagePu: report.minVoltagePu,
      minVoltageBus: report.minVoltageBus,
      substationKva: measures.substationKva,
      violations,
    },
    measures,
  };
}

/** A short stable name of the limit a violation breaks, used as the reason of an adjustment. */
export function violationKey(v: Violation): string {
  switch (v.kind) {
    case 'branch-thermal':
      return `branch-thermal:${v.from}-${v.to}`;
    case 'voltage-low':
    case 'voltage-high':
      return `${v.kind}:${v.bus}`;
    case 'substation-capacity':
      return `substation-capacity:${v.bus}`;
    case 'not-converged':
      return 'not-converged';
  }
}
