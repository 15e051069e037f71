import { GridError } from './errors.js';
import type { PowerFlowEngine } from './powerflow.js';
import { type Measures, measure } from './security.js';

/**
 * How much each watched quantity moves per kW more injection at a bus. Two ways:
 *
 * - `measured`: perturb the injection by 1 kW and solve the AC power flow again (warm-started),
 *   one solve per bus that holds a position. Exact to first order, losses included; costs one
 *   power flow per bus, which is nothing on a 33-bus feeder and seconds on a 10,000-bus one.
 * - `lindistflow`: the linearised DistFlow model of a radial feeder. An injection at bus b lowers
 *   the active power entering every section on the path from the substation to b by the same
 *   amount, and raises the voltage of bus i by the resistance the two paths share. Losses are
 *   ignored, so the figures are a few percent off; the AC re-check and re-linearisation of
 *   congestion management absorb that. Costs O(path length) per bus and limit.
 */
export type SensitivityMethod = 'auto' | 'measured' | 'lindistflow';

/** A limit congestion management watches: a branch flow, a bus voltage or the substation. */
export interface Constraint {
  readonly key: string;
  readonly kind: 'flow' | 'vlow' | 'vhigh' | 'substation';
  /** Compiled branch index for flows, bus index for voltages. */
  readonly index: number;
  readonly limit: number;
}

/**
 * Above this much work per linearisation (buses with positions times buses: one power flow per
 * bus with positions), `auto` prefers LinDistFlow on radial feeders. At 1,000 buses with
 * positions on a 1,000-bus feeder measuring took seconds a round, LinDistFlow milliseconds.
 */
const MEASURED_WORK_LIMIT = 200_000;
const STEP_KW = 1;

export function chooseSensitivities(
  method: SensitivityMethod,
  engine: PowerFlowEngine,
  busCount: number,
): 'measured' | 'lindistflow' {
  const net = engine.net;
  if (method === 'lindistflow' && !net.radial) {
    throw new GridError('METHOD_UNSUITABLE', 'LinDistFlow sensitivities need a radial network', {});
  }
  if (method !== 'auto') return method;
  return net.radial && busCount * net.n > MEASURED_WORK_LIMIT ? 'lindistflow' : 'measured';
}

export function measuredValue(c: Constraint, m: Measures): number {
  switch (c.kind) {
    case 'flow':
      return m.branchKva[c.index]!;
    case 'vlow':
    case 'vhigh':
      return m.vm[c.index]!;
    case 'substation':
      return m.substationKva;
  }
}

/** One row per bus (by bus index): the sensitivity of each constraint, in its unit per kW. */
export function measuredSensitivities(
  engine: PowerFlowEngine,
  extra: { p: Float64Array; q: Float64Array },
  current: Measures,
  constraints: readonly Constraint[],
  buses: readonly number[],
): Map<number, Float64Array> {
  const base = engine.grid.baseMva * 1000;
  const rows = new Map<number, Float64Array>();
  for (const b of buses) {
    const p = extra.p.slice();
    p[b]! += STEP_KW / base;
    const moved = measure(engine, { p, q: extra.q }, current.state);
    const row = new Float64Array(constraints.length);
    constraints.forEach((c, k) => {
      row[k] = (measuredValue(c, moved) - measuredValue(c, current)) / STEP_KW;
    });
    rows.set(b, row);
  }
  return rows;
}

export function linDistFlowSensitivities(
  engine: PowerFlowEngine,
  current: Measures,
  constraints: readonly Constraint[],
  buses: readonly number[],
): Map<number, Float64Array> {
  const tree = feederTree(engine);
  const net = engine.net;
  const br = net.branches;
  const base = engine.grid.baseMva * 1000;
  const { vRe, vIm } = current.state;
  // Per constraint, what the formula needs: the section's child bus and its d|S|/dP, or the
  // voltage bus with its ancestors marked by their cumulative resistance.
  const columns = constraints.map((c) => {
    if (c.kind === 'flow') {
      const f = br.from[c.index]!;
      const t = br.to[c.index]!;
      const child = tree.parent[t] === f ? t : f;
      const parentEnd = child === t ? f : t;
      // Active and reactive power entering the section at its parent end, per unit.
      const [p, q] = endPower(engine, c.index, parentEnd, vRe, vIm);
      const s = Math.sqrt(p * p + q * q);
      return { child, slope: s > 0 ? -p / s : 0 };
    }
    if (c.kind === 'substation') {
      const [p, q] = engine.substationPower(current.state, {
        p: new Float64Array(net.n),
        q: new Float64Array(net.n),
      });
      const s = Math.sqrt(p * p + q * q);
      return { child: -1, slope: s > 0 ? -p / s : 0 };
    }
    return { child: -1, slope: 0 };
  });
  const mark = new Int32Array(net.n).fill(-1);
  const rows = new Map<number, Float64Array>();
  for (const b of buses) rows.set(b, new Float64Array(constraints.length));
  constraints.forEach((c, k) => {
    if (c.kind === 'flow') {
      const { child, slope } = columns[k]!;
      for (const b of buses) if (tree.inSubtree(b, child)) rows.get(b)![k] = slope;
      return;
    }
    if (c.kind === 'substation') {
      for (const b of buses) rows.get(b)![k] = columns[k]!.slope;
      return;
    }
    // Voltage: mark the path from bus i to the substation, then meet it from each bus b.
    const i = c.index;
    for (let a = i; a >= 0; a = tree.parent[a]!) mark[a] = k;
    const vm = current.vm[i]!;
    for (const b of buses) {
      let a = b;
      while (mark[a] !== k) a = tree.parent[a]!;
      rows.get(b)![k] = tree.resistance[a]! / vm / base;
    }
  });
  return rows;
}

/** Complex power entering compiled branch j at bus `end`, per unit. */
function endPower(
  engine: PowerFlowEngine,
  j: number,
  end: number,
  vRe: Float64Array,
  vIm: Float64Array,
): [number, number] {
  const br = engine.net.branches;
  const f = br.from[j]!;
  const t = br.to[j]!;
  const atFrom = end === f;
  const aRe = atFrom ? br.yffRe[j]! : br.ytfRe[j]!;
  const aIm = atFrom ? br.yffIm[j]! : br.ytfIm[j]!;
  const bRe = atFrom ? br.yftRe[j]! : br.yttRe[j]!;
  const bIm = atFrom ? br.yftIm[j]! : br.yttIm[j]!;
  const iRe = aRe * vRe[f]! - aIm * vIm[f]! + bRe * vRe[t]! - bIm * vIm[t]!;
  const iIm = aRe * vIm[f]! + aIm * vRe[f]! + bRe * vIm[t]! + bIm * vRe[t]!;
  return [vRe[end]! * iRe + vIm[end]! * iIm, vIm[end]! * iRe - vRe[end]! * iIm];
}

interface FeederTree {
  readonly parent: Int32Array;
  /** Series resistance from the substation to the bus, per unit. */
  readonly resistance: Float64Array;
  inSubtree(bus: number, root: number): boolean;
}

/** Parent links, cumulative resistance and an Euler tour of the feeder, from the slack bus. */
function feederTree(engine: PowerFlowEngine): FeederTree {
  const net = engine.net;
  const { adjacency, branches } = net;
  const n = net.n;
  const parent = new Int32Array(n).fill(-1);
  const resistance = new Float64Array(n);
  const enter = new Int32Array(n);
  const leave = new Int32Array(n);
  const seen = new Uint8Array(n);
  // Iterative depth-first walk: a bus is entered when pushed and left when its children are done.
  const stack: number[] = [net.slack];
  const next = new Int32Array(n);
  for (let i = 0; i < n; i++) next[i] = adjacency.start[i]!;
  seen[net.slack] = 1;
  let clock = 0;
  enter[net.slack] = clock++;
  while (stack.length > 0) {
    const p = stack[stack.length - 1]!;
    if (next[p]! < adjacency.start[p + 1]!) {
      const e = next[p]!;
      next[p] = e + 1;
      const c = adjacency.neighbour[e]!;
      if (seen[c] === 1) continue;
      seen[c] = 1;
      parent[c] = p;
      const source = engine.grid.branches[branches.source[adjacency.branch[e]!]!]!;
      resistance[c] = resistance[p]! + source.rPu;
      enter[c] = clock++;
      stack.push(c);
    } else {
      leave[p] = clock++;
      stack.pop();
    }
  }
  return {
    parent,
    resistance,
    inSubtree: (bus, root) => enter[bus]! >= enter[root]! && leave[bus]! <= leave[root]!,
  };
}
