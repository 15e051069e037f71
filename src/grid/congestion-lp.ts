import type { Highs } from 'highs';
import { type Block, blockCost, type CongestionObjective, maxPriceOf } from './congestion-blocks.js';
import { LpModel, solveLp } from './lp.js';
import type { PowerFlowEngine } from './powerflow.js';
import type { Measures, Violation } from './security.js';
import {
  type Constraint,
  linDistFlowSensitivities,
  measuredSensitivities,
  measuredValue,
} from './sensitivity.js';

/**
 * One linearised step of congestion management: at a solved operating point, the watched limits
 * as linear functions of the blocks' curtailments, and the cheapest curtailment that meets them
 * (HiGHS). The answer is a target for the AC check, not a verdict: a linear program with no
 * answer only says the linear model found none, so the caller falls back to the AC flow itself.
 */

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

export interface LinearContext {
  readonly engine: PowerFlowEngine;
  readonly blocks: readonly Block[];
  /** Bus indices holding a block, ascending. */
  readonly blockBuses: readonly number[];
  readonly sensitivities: 'measured' | 'lindistflow';
  readonly objective: CongestionObjective;
  readonly highs: Highs;
  /** Every limit ever near its bound in this interval; once watched, always watched. */
  readonly watched: Map<string, Constraint>;
  /** Extra margin per limit that stayed broken. */
  readonly margin: Map<string, number>;
}

/**
 * The cheapest curtailment (whole watts per block, rounded up so rounding never undoes relief)
 * meeting the limits linearised at `at`, or null when the linear program has no answer.
 */
export function linearStep(
  ctx: LinearContext,
  at: { curtailW: readonly number[]; measures: Measures; extra: { p: Float64Array; q: Float64Array } },
): number[] | null {
  const { engine, blocks, blockBuses } = ctx;
  watch(engine, at.measures, ctx.watched);
  const constraints = [...ctx.watched.values()];
  const sensitivities =
    ctx.sensitivities === 'measured'
      ? measuredSensitivities(engine, at.extra, at.measures, constraints, blockBuses)
      : linDistFlowSensitivities(engine, at.measures, constraints, blockBuses);

  // Rows first, on block indices; a block that moves no watched limit is left out of the program
  // and not curtailed at all (curtailing it would cost and relieve nothing).
  const busRow = new Map<number, Float64Array>();
  for (const b of blockBuses) busRow.set(b, sensitivities.get(b)!);
  const rows: { key: string; terms: [number, number][]; lower: number; upper: number }[] = [];
  const used = new Uint8Array(blocks.length);
  for (let j = 0; j < constraints.length; j++) {
    const c = constraints[j]!;
    const scale = c.kind === 'vlow' || c.kind === 'vhigh' ? VOLTAGE_SCALE : 1;
    const terms: [number, number][] = [];
    // The linear model around the point: value + Σ s·(-direction)·(x - x_now).
    let offset = measuredValue(c, at.measures);
    blocks.forEach((block, k) => {
      const s = busRow.get(block.busIndex)![j]!;
      if (Math.abs(s) < 1e-12) return;
      const coefficient = -block.direction * s;
      terms.push([k, coefficient * scale]);
      used[k] = 1;
      offset -= (coefficient * at.curtailW[k]!) / 1000;
    });
    const m = (ctx.margin.get(c.key) ?? 0) + (scale === 1 ? FLOW_MARGIN_KVA : VOLTAGE_MARGIN_PU);
    const lower = c.kind === 'vlow' ? (c.limit + m - offset) * scale : Number.NEGATIVE_INFINITY;
    const upper = c.kind === 'vlow' ? Number.POSITIVE_INFINITY : (c.limit - m - offset) * scale;
    if (terms.length === 0) {
      // No block moves this limit: met or not, the program cannot change it.
      if (lower > 0 || upper < 0) return null;
      continue;
    }
    rows.push({ key: c.key, terms, lower, upper });
  }
  const lp = new LpModel();
  const maxPrice = maxPriceOf(blocks);
  // Columns: the curtailment of each block that moves a limit, kW.
  const column = new Int32Array(blocks.length).fill(-1);
  blocks.forEach((block, k) => {
    if (used[k] === 0) return;
    column[k] = lp.addColumn(`x${k}`, blockCost(block, ctx.objective, maxPrice), 0, block.volumeW / 1000);
  });
  for (const row of rows) {
    lp.addRow(
      row.key,
      row.terms.map(([k, value]) => [column[k]!, value]),
      row.lower,
      row.upper,
    );
  }
  if (lp.columnCount === 0) return blocks.map(() => 0);
  const solution = solveLp(ctx.highs, lp);
  if (solution.status !== 'optimal') return null;
  return blocks.map((block, k) => {
    if (column[k]! < 0) return 0;
    const kw = solution.values[column[k]!]!;
    return Math.min(block.volumeW, Math.max(0, Math.ceil(kw * 1000 - 1e-6)));
  });
}

/**
 * A limit that stays broken after three re-linearisations gets a margin of its own, at least a
 * step and doubling while it stays broken, so the rounds cannot stall on a sliver of excess.
 */
export function widenMargins(
  margin: Map<string, number>,
  violations: readonly Violation[],
  round: number,
): void {
  if (round <= 3) return;
  for (const v of violations) {
    const key = constraintKey(v);
    if (key === null) continue;
    const step = v.kind === 'voltage-low' || v.kind === 'voltage-high' ? VOLTAGE_STEP_PU : FLOW_STEP_KVA;
    const now = margin.get(key) ?? 0;
    margin.set(key, Math.max(2 * now, now + excessOf(v), step));
  }
}

/** Adds the elements at or near a limit to the watched set. */
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
