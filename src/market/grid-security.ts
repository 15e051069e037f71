import type { Highs } from 'highs';
import {
  type Grid,
  type Violation as GridViolation,
  resolveCongestionWith,
  type Schedule,
  securityCheck,
  violationKey,
} from '../grid/index.js';
import type {
  Adjustment,
  ScheduleInterval,
  SecurityChecker,
  SecurityCheckResult,
  Violation,
} from '../market/grid-interface.js';

/**
 * The market's security check on the grid engine: every matched trade of an interval is the
 * seller's injection at its connection bus, on top of the feeder's own loads (the buyer's
 * purchase is part of the load already on the feeder, so it is not counted twice). The AC power
 * flow lists the limits broken; congestion management (HiGHS, curtailed energy as objective,
 * shared pro rata between equal positions) gives each trade's adjusted volume, re-checked with
 * the AC power flow until the interval is secure.
 *
 * Deterministic: the sweep uses only exactly rounded arithmetic in one order, volumes are rounded
 * to whole watt-hours, and the solver is given the same program at every node.
 */
export class GridSecurityChecker implements SecurityChecker {
  constructor(
    private readonly grid: Grid,
    private readonly highs: Highs,
  ) {}

  check(intervals: readonly ScheduleInterval[]): SecurityCheckResult {
    const violations: Violation[] = [];
    const adjustments: Adjustment[] = [];
    for (const interval of intervals) {
      if (interval.entries.length === 0) continue;
      const schedule: Schedule = interval.entries.map((entry) => ({
        participantId: String(entry.id),
        bus: entry.sellerBus,
        interval: interval.interval,
        netKw: entry.powerKw,
        pricePerKwh: 1,
      }));
      const report = securityCheck(this.grid, schedule);
      if (report.secure) continue;
      for (const v of report.violations) violations.push(marketViolation(interval.interval, v));
      const resolved = resolveCongestionWith(this.grid, schedule, {
        solver: this.highs,
        objective: 'energy',
      });
      // Contracts keep a reason of at most 200 characters.
      const reasons = [...new Set(report.violations.map(violationKey))].join(', ').slice(0, 160);
      resolved.schedule.forEach((entry, i) => {
        const original = interval.entries[i]!;
        if (entry.netKw >= original.powerKw) return;
        const energyWh = Math.max(0, Math.floor((original.energyWh * entry.netKw) / original.powerKw));
        adjustments.push({ id: original.id, energyWh, reason: `AC security check: ${reasons}` });
      });
    }
    return { violations, adjustments };
  }
}

/** Thermal limits keep their kVA figures; a voltage limit is named with its per-unit values. */
function marketViolation(interval: number, v: GridViolation): Violation {
  switch (v.kind) {
    case 'branch-thermal':
    case 'substation-capacity':
      return {
        interval,
        element: violationKey(v),
        limitKw: Math.round(v.limitKva),
        scheduledKw: Math.round(v.flowKva),
      };
    case 'voltage-low':
    case 'voltage-high':
      return {
        interval,
        element: `${violationKey(v)} (${v.vmPu.toFixed(4)} pu, limit ${v.limitPu} pu)`,
        limitKw: 0,
        scheduledKw: 0,
      };
    case 'not-converged':
      return { interval, element: `not-converged: ${v.message}`, limitKw: 0, scheduledKw: 0 };
  }
}
