import { cosSin } from './complex.js';
import { GridError } from './errors.js';
import type { Grid } from './model.js';
import { validateGrid } from './validate.js';

/**
 * A grid compiled for the solvers: buses numbered 0..n-1 in case order, per-unit injections, and
 * the two-port admittances of the in-service branches (MATPOWER's pi model with tap and shift).
 * Built once per grid; solving for another schedule only changes the injection arrays.
 */
export interface Network {
  readonly grid: Grid;
  readonly n: number;
  readonly ids: readonly number[];
  readonly indexOf: ReadonlyMap<number, number>;
  readonly slack: number;
  /** 1 where the bus holds its voltage magnitude (a PV bus with an in-service generator). */
  readonly isPv: Uint8Array;
  /** 1 where the bus is connected to the slack bus; other buses are isolated and left at 0 V. */
  readonly active: Uint8Array;
  /** Voltage magnitude set point for PV and slack buses, initial magnitude elsewhere. */
  readonly vInit: Float64Array;
  readonly aInitRad: Float64Array;
  /** Specified net injection (generation minus load), per unit on baseMva. */
  readonly pSpec: Float64Array;
  readonly qSpec: Float64Array;
  /** Shunt admittance to ground, per unit. */
  readonly gShunt: Float64Array;
  readonly bShunt: Float64Array;
  readonly branches: CompiledBranches;
  /** Bus-to-bus adjacency over the in-service branches. */
  readonly adjacency: Adjacency;
  /** True when the in-service network is a tree rooted at the slack bus. */
  readonly radial: boolean;
  readonly pvCount: number;
}

/** In-service branches only; `source` maps back to the index in grid.branches. */
export interface CompiledBranches {
  readonly count: number;
  readonly source: Int32Array;
  readonly from: Int32Array;
  readonly to: Int32Array;
  readonly yffRe: Float64Array;
  readonly yffIm: Float64Array;
  readonly yftRe: Float64Array;
  readonly yftIm: Float64Array;
  readonly ytfRe: Float64Array;
  readonly ytfIm: Float64Array;
  readonly yttRe: Float64Array;
  readonly yttIm: Float64Array;
  readonly rateKva: Float64Array;
}

export function compileNetwork(grid: Grid): Network {
  validateGrid(grid);
  const n = grid.buses.length;
  const ids = grid.buses.map((b) => b.id);
  const indexOf = new Map<number, number>();
  ids.forEach((id, i) => {
    indexOf.set(id, i);
  });
  const at = (id: number) => indexOf.get(id)!;
  const base = grid.baseMva * 1000;
  const slack = at(grid.buses.find((b) => b.type === 'slack')!.id);

  const vInit = new Float64Array(n);
  const aInitRad = new Float64Array(n);
  const pSpec = new Float64Array(n);
  const qSpec = new Float64Array(n);
  const gShunt = new Float64Array(n);
  const bShunt = new Float64Array(n);
  grid.buses.forEach((bus, i) => {
    vInit[i] = bus.vmPu > 0 ? bus.vmPu : 1;
    aInitRad[i] = (bus.vaDeg * Math.PI) / 180;
    gShunt[i] = bus.gsKw / base;
    bShunt[i] = bus.bsKvar / base;
  });
  for (const load of grid.loads) {
    pSpec[at(load.bus)]! -= load.pKw / base;
    qSpec[at(load.bus)]! -= load.qKvar / base;
  }
  const hasGen = new Uint8Array(n);
  for (const gen of grid.generators) {
    if (!gen.inService) continue;
    const i = at(gen.bus);
    pSpec[i]! += gen.pKw / base;
    qSpec[i]! += gen.qKvar / base;
    // MATPOWER assigns the set points of all in-service generators at once, so with several at
    // one bus the last one listed sets its voltage.
    vInit[i] = gen.vSetPu;
    hasGen[i] = 1;
  }
  const isPv = new Uint8Array(n);
  let pvCount = 0;
  grid.buses.forEach((bus, i) => {
    // A PV bus whose generators are all out of service cannot hold its voltage: it is a PQ bus.
    if (bus.type === 'pv' && hasGen[i] === 1) {
      isPv[i] = 1;
      pvCount++;
    }
  });

  const inService = grid.branches.map((b, k) => [b, k] as const).filter(([b]) => b.inService);
  const m = inService.length;
  const branches: CompiledBranches = {
    count: m,
    source: new Int32Array(m),
    from: new Int32Array(m),
    to: new Int32Array(m),
    yffRe: new Float64Array(m),
    yffIm: new Float64Array(m),
    yftRe: new Float64Array(m),
    yftIm: new Float64Array(m),
    ytfRe: new Float64Array(m),
    ytfIm: new Float64Array(m),
    yttRe: new Float64Array(m),
    yttIm: new Float64Array(m),
    rateKva: new Float64Array(m),
  };
  inService.forEach(([b, k], j) => {
    branches.source[j] = k;
    branches.from[j] = at(b.from);
    branches.to[j] = at(b.to);
    branches.rateKva[j] = b.rateKva;
    const den = b.rPu * b.rPu + b.xPu * b.xPu;
    const ysRe = b.rPu / den;
    const ysIm = -b.xPu / den;
    const shift = (b.shiftDeg * Math.PI) / 180;
    const [cShift, sShift] = cosSin(shift);
    const tRe = b.tap * cShift;
    const tIm = b.tap * sShift;
    const tt = b.tap * b.tap;
    // Ytt = ys + j b/2;  Yff = Ytt / |t|^2;  Yft = -ys / conj(t);  Ytf = -ys / t.
    branches.yttRe[j] = ysRe;
    branches.yttIm[j] = ysIm + b.bPu / 2;
    branches.yffRe[j] = ysRe / tt;
    branches.yffIm[j] = (ysIm + b.bPu / 2) / tt;
    branches.yftRe[j] = -(ysRe * tRe - ysIm * tIm) / tt;
    branches.yftIm[j] = -(ysIm * tRe + ysRe * tIm) / tt;
    branches.ytfRe[j] = -(ysRe * tRe + ysIm * tIm) / tt;
    branches.ytfIm[j] = -(ysIm * tRe - ysRe * tIm) / tt;
  });

  const adjacency = buildAdjacency(n, branches);
  const active = reachable(n, slack, adjacency);
  let activeCount = 0;
  for (let i = 0; i < n; i++) {
    if (active[i] === 1) {
      activeCount++;
      continue;
    }
    if (pSpec[i] !== 0 || qSpec[i] !== 0 || grid.buses[i]!.type !== 'isolated') {
      throw new GridError('GRID_ISLANDED', `bus ${ids[i]} is not connected to the slack bus ${ids[slack]}`, {
        bus: ids[i],
      });
    }
  }
  let activeBranches = 0;
  for (let j = 0; j < m; j++) if (active[branches.from[j]!] === 1) activeBranches++;
  const radial = activeBranches === activeCount - 1;
  return {
    grid,
    n,
    ids,
    indexOf,
    slack,
    isPv,
    active,
    vInit,
    aInitRad,
    pSpec,
    qSpec,
    gShunt,
    bShunt,
    branches,
    adjacency,
    radial,
    pvCount,
  };
}

function reachable(n: number, root: number, adjacency: Adjacency): Uint8Array {
  const seen = new Uint8Array(n);
  const stack = [root];
  seen[root] = 1;
  while (stack.length > 0) {
    const i = stack.pop()!;
    for (let e = adjacency.start[i]!; e < adjacency.start[i + 1]!; e++) {
      const j = adjacency.neighbour[e]!;
      if (seen[j] === 0) {
        seen[j] = 1;
        stack.push(j);
      }
    }
  }
  return seen;
}

/** Bus-to-bus adjacency in compressed form; `branch` names the branch of each edge. */
export interface Adjacency {
  readonly start: Int32Array;
  readonly neighbour: Int32Array;
  readonly branch: Int32Array;
}

export function buildAdjacency(n: number, branches: CompiledBranches): Adjacency {
  const degree = new Int32Array(n + 1);
  for (let j = 0; j < branches.count; j++) {
    degree[branches.from[j]!]!++;
    degree[branches.to[j]!]!++;
  }
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i]! + degree[i]!;
  const fill = start.slice(0, n);
  const neighbour = new Int32Array(2 * branches.count);
  const branch = new Int32Array(2 * branches.count);
  for (let j = 0; j < branches.count; j++) {
    const f = branches.from[j]!;
    const t = branches.to[j]!;
    neighbour[fill[f]!] = t;
    branch[fill[f]!++] = j;
    neighbour[fill[t]!] = f;
    branch[fill[t]!++] = j;
  }
  return { start, neighbour, branch };
}
