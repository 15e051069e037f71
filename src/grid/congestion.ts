import type { Highs } from 'highs';
import { GridError } from './errors.js';
import { loadHighs } from './highs.js';
import { LpModel, solveLp } from './lp.js';
import type { Grid } from './model.js';
import { PowerFlowEngine, type PowerFlowMethod } from './powerflow.js';
import type { Schedule, ScheduleEntry } from './schedule.js';
import {
  type Measures,
  measure,
  type SecurityReport,
  securityCheck,
  type Violation,
  violationKey,
  violationsOf,
} from './security.js';
import {
  type Constraint,
  chooseSensitivities,
  linDistFlowSensitivities,
  measuredSensitivities,
  measuredValue,
  type SensitivityMethod,
} from './sensitivity.js';

/**
 * Congestion ("blocking") management. When an interval's schedule breaks a limit, the volumes are
 * reduced by a linear program solved with HiGHS: minimise the curtailed welfare (or energy)
 * subject to the network limits linearised around the current AC operating point, with
 * sensitivities measured on the AC power flow itself. The AC power flow then re-checks the
 * adjusted schedule; while a limit is still broken the limits are linearised again at the new
 * point (sequential linear programming). Positions only shrink towards zero, never change sign.
 *
 * Equal participants (same bus, same direction, same price) are interchangeable to the network
 * and to the objective, so the program sees them as one block and its curtailment is shared pro
 * rata to their scheduled volumes, in whole watts, leftover watts going to the largest remainders
 * and then to the lower participant id. That rule, not the solver's choice of vertex, decides.
 */
export type CongestionObjective = 'welfare' | 'energy';

export interface CongestionOptions {
  readonly objective?: CongestionObjective;
  readonly method?: PowerFlowMethod;
  /** Linearise-solve-recheck rounds per interval before giving up. */
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
  readonly rounds: number;
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
/** Extra rounds that re-linearise at a feasible answer to curtail less. */
const MAX_REFINEMENTS = 3;
/** Elements this close to a limit are kept in the program even when not yet broken. */
const FLOW_WATCH_FRACTION = 0.8;
const VOLTAGE_WATCH_PU = 0.03;
/**
 * Every limit is aimed at from slightly inside, so that rounding curtailments to whole watts and
 * the solver's feasibility tolerance cannot leave a sliver of excess: 20 VA, 1e-6 pu.
 */
const FLOW_MARGIN_KVA = 0.02;
const VOLTAGE_MARGIN_PU = 1e-6;
/** Smallest extra margin for a limit that stays broken. */
const FLOW_STEP_KVA = 0.1;
const VOLTAGE_STEP_PU = 1e-5;
/** Voltage rows are written in units of 1e-4 pu so their coefficients are of order one. */
const VOLTAGE_SCALE = 1e4;

export async function resolveCongestion(
  grid: Grid,
  schedule: Schedule,
  options: CongestionOptions = {},
): Promise<CongestionResult> {
  const needsSolver =
    options.solver === undefined &&
    !securityCheck(grid, schedule, { method: options.method ?? 'auto' }).secure;
  return resolveCongestionWith(grid, schedule, {
    ...options,
    ...(needsSolver ? { solver: await loadHighs() } : {}),
  });
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
  const before = securityCheck(grid, schedule, { method: options.method ?? 'auto' });
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
      const resolution = resolveInterval(
        engine,
        schedule,
        check.interval,
        check.violations,
        adjustedW,
        highs,
        {
          objective: options.objective ?? 'welfare',
          maxRounds: options.maxRounds ?? DEFAULT_MAX_ROUNDS,
          sensitivities: options.sensitivities ?? 'auto',
        },
      );
      resolutions.push(resolution);
      reasonsByInterval.set(check.interval, [...new Set(check.violations.map(violationKey))]);
    }
  }
  const adjusted = schedule.map((e, k) =>
    adjustedW[k] === Math.round(e.netKw * 1000) ? e : { ...e, netKw: adjustedW[k]! / 1000 },
  );
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

/** A block of equal participants: same bus, same direction, same price. */
interface Block {
  readonly bus: number;
  readonly busIndex: number;
  /** +1 for injections (sellers), -1 for withdrawals (buyers). */
  readonly direction: 1 | -1;
  readonly pricePerKwh: number;
  /** Schedule positions of the members, ordered by participant id. */
  readonly members: number[];
  /** Scheduled magnitude of each member and of the block, watts. */
  readonly memberW: number[];
  volumeW: number;
  /** Current curtailment of the block, watts. */
  curtailedW: number;
}

function resolveInterval(
  engine: PowerFlowEngine,
  schedule: Schedule,
  interval: number,
  violationsBefore: readonly Violation[],
  adjustedW: number[],
  highs: Highs,
  settings: { objective: CongestionObjective; maxRounds: number; sensitivities: SensitivityMethod },
): IntervalResolution {
  if (violationsBefore.some((v) => v.kind === 'not-converged')) {
    throw new GridError(
      'CONGESTION_INFEASIBLE',
      `interval ${interval}: the power flow has no solution, so there is no operating point to adjust from`,
      { interval },
    );
  }
  const blocks = buildBlocks(engine, schedule, interval, adjustedW);
  const blockBuses = [...new Set(blocks.map((b) => b.busIndex))].sort((a, b) => a - b);
  const sensitivityMethod = chooseSensitivities(settings.sensitivities, engine, blockBuses.length);
  const watched = new Map<string, Constraint>();
  const margin = new Map<string, number>();
  let start = null as Measures['state'] | null;

  // The best AC-feasible curtailment found so far, per block, and its objective value.
  let best: number[] | null = null;
  let bestCost = Number.POSITIVE_INFINITY;
  let refinements = 0;
  const finish = (rounds: number): IntervalResolution => {
    blocks.forEach((block, k) => {
      block.curtailedW = best![k]!;
    });
    applyBlocks(blocks, adjustedW, schedule);
    return {
      interval,
      rounds,
      curtailedKw: blocks.reduce((sum, b) => sum + b.curtailedW, 0) / 1000,
      violationsBefore,
    };
  };

  for (let round = 1; round <= settings.maxRounds + MAX_REFINEMENTS; round++) {
    const extra = injectionsWith(engine, schedule, interval, blocks);
    const current = measure(engine, extra, start);
    start = current.state;
    const violations = violationsOf(engine, current, interval);
    if (violations.length === 0) {
      // Feasible. Linearising again at this point can only tighten the estimate of what is
      // needed; keep refining while the AC check still passes and the objective still falls.
      const cost = blocksCost(blocks, settings.objective);
      if (cost >= bestCost - 1e-9) return finish(round - 1);
      best = blocks.map((b) => b.curtailedW);
      bestCost = cost;
      if (++refinements > MAX_REFINEMENTS) return finish(round - 1);
    } else if (best !== null) {
      // A refinement overshot into a violation: the last feasible answer stands.
      return finish(round - 1);
    } else if (round > settings.maxRounds) {
      break;
    }
    // A limit that stays broken after three re-linearisations gets a margin of its own, at least a
    // step and doubling while it stays broken, so the rounds cannot stall on a sliver of excess.
    for (const v of violations) {
      const key = constraintKey(v);
      if (round <= 3 || key === null) continue;
      const step = v.kind === 'voltage-low' || v.kind === 'voltage-high' ? VOLTAGE_STEP_PU : FLOW_STEP_KVA;
      const now = margin.get(key) ?? 0;
      margin.set(key, Math.max(2 * now, now + excessOf(v), step));
    }
    watch(engine, current, watched);

    // Sensitivities of every watched quantity to 1 kW more injection at each block bus.
    const constraints = [...watched.values()];
    const sensitivities =
      sensitivityMethod === 'measured'
        ? measuredSensitivities(engine, extra, current, constraints, blockBuses)
        : linDistFlowSensitivities(engine, current, constraints, blockBuses);

    const lp = new LpModel();
    const maxPrice = maxPriceOf(blocks);
    // x_k: curtailment of block k, kW. Columns 0..K-1 in block order.
    blocks.forEach((block, k) => {
      lp.addColumn(`x${k}`, blockCost(block, settings.objective, maxPrice), 0, block.volumeW / 1000);
    });
    // d_b: change of injection at bus b from the original schedule, kW.
    const changeColumn = new Map<number, number>();
    const currentChange = new Map<number, number>();
    for (const b of blockBuses) {
      changeColumn.set(b, lp.addColumn(`d${b}`, 0, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY));
    }
    for (const b of blockBuses) {
      const terms: [number, number][] = [[changeColumn.get(b)!, 1]];
      let change = 0;
      blocks.forEach((block, k) => {
        if (block.busIndex !== b) return;
        terms.push([k, block.direction]);
        change -= (block.direction * block.curtailedW) / 1000;
      });
      currentChange.set(b, change);
      lp.addRow(`bal${b}`, terms, 0, 0);
    }
    constraints.forEach((c, k) => {
      const scale = c.kind === 'vlow' || c.kind === 'vhigh' ? VOLTAGE_SCALE : 1;
      const terms: [number, number][] = [];
      let offset = measuredValue(c, current);
      for (const b of blockBuses) {
        const s = sensitivities.get(b)![k]!;
        if (Math.abs(s) < 1e-12) continue;
        terms.push([changeColumn.get(b)!, s * scale]);
        offset -= s * currentChange.get(b)!;
      }
      const m = (margin.get(c.key) ?? 0) + (scale === 1 ? FLOW_MARGIN_KVA : VOLTAGE_MARGIN_PU);
      if (c.kind === 'vlow')
        lp.addRow(c.key, terms, (c.limit + m - offset) * scale, Number.POSITIVE_INFINITY);
      else lp.addRow(c.key, terms, Number.NEGATIVE_INFINITY, (c.limit - m - offset) * scale);
    });
    const solution = solveLp(highs, lp);
    if (solution.status === 'infeasible') {
      throw new GridError(
        'CONGESTION_INFEASIBLE',
        `interval ${interval}: no curtailment of the scheduled positions removes ${violations.map(violationKey).join(', ')}`,
        { interval, violations },
      );
    }
    if (solution.status !== 'optimal') {
      throw new GridError(
        'SOLVER_FAILED',
        `interval ${interval}: HiGHS ended with model status ${solution.code}`,
        {
          interval,
          status: solution.code,
        },
      );
    }
    blocks.forEach((block, k) => {
      const kw = solution.values[k]!;
      // Whole watts, rounded up so that rounding never undoes the relief.
      block.curtailedW = Math.min(block.volumeW, Math.max(0, Math.ceil(kw * 1000 - 1e-6)));
    });
  }
  throw new GridError(
    'CONGESTION_INFEASIBLE',
    `interval ${interval}: limits still broken after ${settings.maxRounds} rounds of congestion management`,
    { interval },
  );
}

/**
 * Cost of curtailing 1 kW of a block. A tiny energy term breaks welfare ties towards curtailing
 * less; a tiny price term breaks energy ties towards the cheaper position.
 */
function blockCost(block: Block, objective: CongestionObjective, maxPrice: number): number {
  return objective === 'welfare'
    ? block.pricePerKwh + 1e-6 * maxPrice
    : 1 + (1e-6 * block.pricePerKwh) / maxPrice;
}

function maxPriceOf(blocks: readonly Block[]): number {
  return blocks.reduce((max, b) => Math.max(max, b.pricePerKwh), 1);
}

function blocksCost(blocks: readonly Block[], objective: CongestionObjective): number {
  const maxPrice = maxPriceOf(blocks);
  return blocks.reduce((sum, b) => sum + (blockCost(b, objective, maxPrice) * b.curtailedW) / 1000, 0);
}

function buildBlocks(
  engine: PowerFlowEngine,
  schedule: Schedule,
  interval: number,
  adjustedW: number[],
): Block[] {
  const byKey = new Map<string, Block>();
  schedule.forEach((entry, position) => {
    if (entry.interval !== interval) return;
    const w = adjustedW[position]!;
    if (w === 0) return;
    const direction = w > 0 ? 1 : -1;
    const key = `${entry.bus}|${direction}|${entry.pricePerKwh}`;
    let block = byKey.get(key);
    if (block === undefined) {
      block = {
        bus: entry.bus,
        busIndex: engine.net.indexOf.get(entry.bus)!,
        direction,
        pricePerKwh: entry.pricePerKwh,
        members: [],
        memberW: [],
        volumeW: 0,
        curtailedW: 0,
      };
      byKey.set(key, block);
    }
    block.members.push(position);
    block.volumeW += Math.abs(w);
  });
  const blocks = [...byKey.values()];
  for (const block of blocks) {
    block.members.sort((a, b) => compareIds(schedule[a]!.participantId, schedule[b]!.participantId));
    block.memberW.push(...block.members.map((m) => Math.abs(adjustedW[m]!)));
  }
  return blocks.sort((a, b) => a.bus - b.bus || a.direction - b.direction || a.pricePerKwh - b.pricePerKwh);
}

function injectionsWith(
  engine: PowerFlowEngine,
  schedule: Schedule,
  interval: number,
  blocks: readonly Block[],
): { p: Float64Array; q: Float64Array } {
  const extra = engine.injectionVector(
    schedule.filter((e) => e.interval === interval).map((e) => ({ bus: e.bus, pKw: e.netKw })),
  );
  const base = engine.grid.baseMva * 1000;
  for (const block of blocks) extra.p[block.busIndex]! -= (block.direction * block.curtailedW) / 1000 / base;
  return extra;
}

/** Shares each block's curtailment among its members: pro rata, whole watts, largest remainder. */
function applyBlocks(blocks: readonly Block[], adjustedW: number[], schedule: Schedule): void {
  for (const block of blocks) {
    if (block.curtailedW === 0) continue;
    const total = BigInt(block.curtailedW);
    const volume = BigInt(block.volumeW);
    const shares = block.memberW.map((w) => (total * BigInt(w)) / volume);
    const remainders = block.memberW.map((w) => (total * BigInt(w)) % volume);
    let left = total - shares.reduce((sum, s) => sum + s, 0n);
    const byRemainder = block.members
      .map((_, k) => k)
      .sort((a, b) => {
        const ra = remainders[a]!;
        const rb = remainders[b]!;
        if (ra !== rb) return ra > rb ? -1 : 1;
        return compareIds(
          schedule[block.members[a]!]!.participantId,
          schedule[block.members[b]!]!.participantId,
        );
      });
    for (const k of byRemainder) {
      if (left === 0n) break;
      shares[k] = shares[k]! + 1n;
      left -= 1n;
    }
    block.members.forEach((position, k) => {
      const share = Number(shares[k]!);
      adjustedW[position] = adjustedW[position]! - block.direction * share;
    });
  }
}

/** Adds the elements at or near a limit to the watched set; once watched, always watched. */
function watch(engine: PowerFlowEngine, current: Measures, watched: Map<string, Constraint>): void {
  const net = engine.net;
  const br = net.branches;
  for (let j = 0; j < br.count; j++) {
    const limit = br.rateKva[j]!;
    if (limit > 0 && current.branchKva[j]! >= FLOW_WATCH_FRACTION * limit) {
      const key = `flow_${br.source[j]}`;
      if (!watched.has(key)) watched.set(key, { key, kind: 'flow', index: j, limit });
    }
  }
  for (let i = 0; i < net.n; i++) {
    if (net.active[i] === 0 || i === net.slack) continue;
    const bus = engine.grid.buses[i]!;
    const vm = current.vm[i]!;
    if (vm <= bus.vMinPu + VOLTAGE_WATCH_PU) {
      const key = `vlow_${bus.id}`;
      if (!watched.has(key)) watched.set(key, { key, kind: 'vlow', index: i, limit: bus.vMinPu });
    }
    if (vm >= bus.vMaxPu - VOLTAGE_WATCH_PU) {
      const key = `vhigh_${bus.id}`;
      if (!watched.has(key)) watched.set(key, { key, kind: 'vhigh', index: i, limit: bus.vMaxPu });
    }
  }
  const capacity = engine.grid.substation.capacityKva;
  if (capacity > 0 && current.substationKva >= FLOW_WATCH_FRACTION * capacity) {
    const key = 'substation';
    if (!watched.has(key)) watched.set(key, { key, kind: 'substation', index: net.slack, limit: capacity });
  }
}

/** The watched-constraint key a violation belongs to (branches by index, so parallel lines differ). */
function constraintKey(v: Violation): string | null {
  switch (v.kind) {
    case 'branch-thermal':
      return `flow_${v.branch}`;
    case 'voltage-low':
      return `vlow_${v.bus}`;
    case 'voltage-high':
      return `vhigh_${v.bus}`;
    case 'substation-capacity':
      return 'substation';
    case 'not-converged':
      return null;
  }
}

function excessOf(v: Violation): number {
  switch (v.kind) {
    case 'branch-thermal':
    case 'substation-capacity':
      return v.flowKva - v.limitKva;
    case 'voltage-low':
      return v.limitPu - v.vmPu;
    case 'voltage-high':
      return v.vmPu - v.limitPu;
    case 'not-converged':
      return 0;
  }
}

/** Participant ids compare by UTF-16 code units, the same on every machine and locale. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
