import { GridError } from './errors.js';
import type { Grid, Injection } from './model.js';
import { PowerFlowEngine } from './powerflow.js';
import { measure, type Violation, violationsOf } from './security.js';

/**
 * The AC power flow of one interval with every figure the security check judges, not only the
 * limits it finds broken: each line's apparent power against its rating, each bus's voltage
 * against its band, the substation's loading. It solves with the same engine, the same
 * measurement and the same limit rules as `securityCheck` (security.ts), so its violations are
 * the check's own for the same injections.
 */
export interface LineLoading {
  /** Index in grid.branches. */
  readonly branch: number;
  readonly from: number;
  readonly to: number;
  readonly inService: boolean;
  /** Apparent power at the worse end, kVA (0 for a line out of service). */
  readonly flowKva: number;
  /** Thermal rating, kVA; 0 means unrated. */
  readonly rateKva: number;
  /** flowKva against rateKva, percent; null for an unrated line. */
  readonly loadingPct: number | null;
}

export interface BusVoltage {
  readonly bus: number;
  /** Null for a bus cut off from the substation. */
  readonly vmPu: number | null;
  readonly vMinPu: number;
  readonly vMaxPu: number;
}

export interface IntervalFlow {
  readonly interval: number;
  /** False when the power flow found no solution: then only `violations` (not-converged) is filled. */
  readonly converged: boolean;
  readonly lines: readonly LineLoading[];
  readonly buses: readonly BusVoltage[];
  readonly substationKva: number | null;
  readonly substationCapacityKva: number;
  readonly lossKw: number | null;
  readonly violations: readonly Violation[];
}

export function intervalFlow(grid: Grid, injections: readonly Injection[], interval: number): IntervalFlow {
  const engine = new PowerFlowEngine(grid, 'auto');
  const extra = engine.injectionVector(injections);
  const base = { interval, substationCapacityKva: grid.substation.capacityKva };
  let measures: ReturnType<typeof measure>;
  try {
    measures = measure(engine, extra, null);
  } catch (error) {
    if (error instanceof GridError && error.code === 'NOT_CONVERGED') {
      return {
        ...base,
        converged: false,
        lines: [],
        buses: [],
        substationKva: null,
        lossKw: null,
        violations: [{ kind: 'not-converged', interval, message: error.message }],
      };
    }
    throw error;
  }
  const net = engine.net;
  const kvaOf = new Map<number, number>();
  for (let j = 0; j < net.branches.count; j++) kvaOf.set(net.branches.source[j]!, measures.branchKva[j]!);
  const lines = grid.branches.map((b, k): LineLoading => {
    const flowKva = kvaOf.get(k) ?? 0;
    return {
      branch: k,
      from: b.from,
      to: b.to,
      inService: b.inService,
      flowKva,
      rateKva: b.rateKva,
      loadingPct: b.rateKva > 0 ? (flowKva / b.rateKva) * 100 : null,
    };
  });
  const buses = grid.buses.map((b, i): BusVoltage => {
    const index = net.indexOf.get(b.id) ?? i;
    return {
      bus: b.id,
      vmPu: net.active[index] === 0 ? null : measures.vm[index]!,
      vMinPu: b.vMinPu,
      vMaxPu: b.vMaxPu,
    };
  });
  return {
    ...base,
    converged: true,
    lines,
    buses,
    substationKva: measures.substationKva,
    lossKw: engine.report(measures.state, extra).lossKw,
    violations: violationsOf(engine, measures, interval),
  };
}
