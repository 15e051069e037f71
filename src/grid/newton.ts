import { GridError } from './errors.js';
import type { Network } from './network.js';
import { minimumDegreeOrder, SparseMatrix, solveSparse } from './sparse.js';

/**
 * Newton-Raphson power flow in polar coordinates, for meshed networks and PV buses. Unknowns are
 * the angle of every non-slack bus and the magnitude of every PQ bus; the Jacobian is built
 * sparse from the bus admittance matrix with MATPOWER's derivative formulas and solved by the
 * sparse elimination in sparse.ts, with an ordering computed once per network.
 */
/** Rounding error of a mismatch, in units of ε·Σ|Y|: a few ulps of the largest row sum. */
const ROUNDOFF_FACTOR = 4;

export class NewtonSolver {
  private readonly yStart: Int32Array;
  private readonly yCol: Int32Array;
  private readonly yRe: Float64Array;
  private readonly yIm: Float64Array;
  /** Variable index of each bus's angle and magnitude, -1 where the bus has none. */
  private readonly angleVar: Int32Array;
  private readonly magnitudeVar: Int32Array;
  private readonly variableCount: number;
  private readonly order: Int32Array;
  /**
   * The smallest power mismatch (per unit) that floating point can resolve on this network: a
   * bus's mismatch is a sum of products Y_ik·V_k, whose rounding error grows with Σ_k |Y_ik|
   * (taken as |Re| + |Im|, exact in floating point, so the floor is the same everywhere). A
   * near-zero impedance (a 1e-5 Ω jumper: 1.6e6 pu of admittance) puts that floor above 1e-10,
   * where no iteration can get below it. The requested tolerance is raised to this floor.
   */
  readonly mismatchFloor: number;

  constructor(private readonly net: Network) {
    const n = net.n;
    const br = net.branches;
    const rows = Array.from({ length: n }, () => new Map<number, [number, number]>());
    const add = (i: number, k: number, re: number, im: number) => {
      const entry = rows[i]!.get(k);
      if (entry === undefined) rows[i]!.set(k, [re, im]);
      else {
        entry[0] += re;
        entry[1] += im;
      }
    };
    for (let i = 0; i < n; i++) add(i, i, net.gShunt[i]!, net.bShunt[i]!);
    for (let j = 0; j < br.count; j++) {
      const f = br.from[j]!;
      const t = br.to[j]!;
      add(f, f, br.yffRe[j]!, br.yffIm[j]!);
      add(f, t, br.yftRe[j]!, br.yftIm[j]!);
      add(t, f, br.ytfRe[j]!, br.ytfIm[j]!);
      add(t, t, br.yttRe[j]!, br.yttIm[j]!);
    }
    this.yStart = new Int32Array(n + 1);
    let nnz = 0;
    for (let i = 0; i < n; i++) {
      nnz += rows[i]!.size;
      this.yStart[i + 1] = nnz;
    }
    this.yCol = new Int32Array(nnz);
    this.yRe = new Float64Array(nnz);
    this.yIm = new Float64Array(nnz);
    let e = 0;
    for (let i = 0; i < n; i++) {
      for (const k of [...rows[i]!.keys()].sort((x, y) => x - y)) {
        const [re, im] = rows[i]!.get(k)!;
        this.yCol[e] = k;
        this.yRe[e] = re;
        this.yIm[e] = im;
        e++;
      }
    }

    // Variables are numbered bus by bus in minimum-degree order, angle before magnitude.
    const solvable = (i: number) => i !== net.slack && net.active[i] === 1;
    const busNeighbours: number[][] = [];
    const busList: number[] = [];
    const local = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) {
      if (!solvable(i)) continue;
      local[i] = busList.length;
      busList.push(i);
    }
    for (const i of busList) {
      const list: number[] = [];
      for (let q = this.yStart[i]!; q < this.yStart[i + 1]!; q++) {
        const k = this.yCol[q]!;
        if (k !== i && local[k]! >= 0) list.push(local[k]!);
      }
      busNeighbours.push(list);
    }
    const busOrder = minimumDegreeOrder(busNeighbours);
    this.angleVar = new Int32Array(n).fill(-1);
    this.magnitudeVar = new Int32Array(n).fill(-1);
    let v = 0;
    for (const b of busOrder) {
      const i = busList[b]!;
      this.angleVar[i] = v++;
      if (net.isPv[i] === 0) this.magnitudeVar[i] = v++;
    }
    this.variableCount = v;
    let widestRow = 0;
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let q = this.yStart[i]!; q < this.yStart[i + 1]!; q++)
        sum += Math.abs(this.yRe[q]!) + Math.abs(this.yIm[q]!);
      widestRow = Math.max(widestRow, sum);
    }
    this.mismatchFloor = ROUNDOFF_FACTOR * Number.EPSILON * widestRow;
    this.order = new Int32Array(v);
    for (let s = 0; s < v; s++) this.order[s] = s;
  }

  /**
   * Solves in place: vm/va hold the starting point (slack and PV magnitudes are their set points)
   * and receive the answer. Returns the iteration count; throws NOT_CONVERGED past the limit.
   *
   * Each Newton step is taken whole when it lowers the sum of squared mismatches and halved (up to
   * five times) when it does not. Near the solution the whole step always wins, so convergence
   * stays quadratic and the answer is the same; far from it (phase shifters seen from a flat
   * start) the halving keeps a wild first step from throwing the iteration away.
   */
  solve(
    pSpec: Float64Array,
    qSpec: Float64Array,
    vm: Float64Array,
    va: Float64Array,
    tolerance: number,
    maxIterations: number,
  ): number {
    const n = this.net.n;
    const target = Math.max(tolerance, this.mismatchFloor);
    const w = new NewtonWork(n, this.variableCount);
    let norm = this.evaluate(pSpec, qSpec, vm, va, w);
    const vmBase = new Float64Array(n);
    const vaBase = new Float64Array(n);
    for (let iteration = 0; iteration <= maxIterations; iteration++) {
      if (!Number.isFinite(norm)) break;
      if (w.worst < target) return iteration;
      if (iteration === maxIterations) break;
      const dx = solveSparse(this.jacobian(vm, w.vRe, w.vIm, w.iRe, w.iIm), w.mismatch, this.order);
      vmBase.set(vm);
      vaBase.set(va);
      let step = 1;
      for (let halvings = 0; ; halvings++) {
        for (let i = 0; i < n; i++) {
          const a = this.angleVar[i]!;
          if (a >= 0) va[i] = vaBase[i]! - step * dx[a]!;
          const m = this.magnitudeVar[i]!;
          if (m >= 0) vm[i] = vmBase[i]! - step * dx[m]!;
        }
        const next = this.evaluate(pSpec, qSpec, vm, va, w);
        if (next < norm || halvings === 5) {
          norm = next;
          break;
        }
        step /= 2;
      }
    }
    throw new GridError('NOT_CONVERGED', `Newton-Raphson did not converge in ${maxIterations} iterations`, {
      method: 'nr',
      maxIterations,
    });
  }

  /**
   * A starting point for flat cases: angles and magnitudes carried from the slack along a spanning
   * tree through each transformer's ratio and phase shift. Without it a phase shifter between two
   * flat buses starts with a mismatch of many per unit.
   */
  transformerStart(vm: Float64Array, va: Float64Array): void {
    const net = this.net;
    const br = net.branches;
    const grid = net.grid;
    let any = false;
    for (let j = 0; j < br.count && !any; j++) {
      const source = grid.branches[br.source[j]!]!;
      any = source.tap !== 1 || source.shiftDeg !== 0;
    }
    if (!any) return;
    const adjacency = net.adjacency;
    const seen = new Uint8Array(net.n);
    const queue = [net.slack];
    seen[net.slack] = 1;
    for (let head = 0; head < queue.length; head++) {
      const p = queue[head]!;
      for (let e = adjacency.start[p]!; e < adjacency.start[p + 1]!; e++) {
        const c = adjacency.neighbour[e]!;
        if (seen[c] === 1) continue;
        seen[c] = 1;
        queue.push(c);
        const source = grid.branches[br.source[adjacency.branch[e]!]!]!;
        const shift = (source.shiftDeg * Math.PI) / 180;
        const forward = br.from[adjacency.branch[e]!] === p;
        // Vt = Vf / (tap∠shift) through the ideal transformer at the from end.
        va[c] = forward ? va[p]! - shift : va[p]! + shift;
        if (net.isPv[c] === 0) vm[c] = forward ? vm[p]! / source.tap : vm[p]! * source.tap;
      }
    }
  }

  /** Fills the work arrays at (vm, va); returns the sum of squared mismatches. */
  private evaluate(
    pSpec: Float64Array,
    qSpec: Float64Array,
    vm: Float64Array,
    va: Float64Array,
    w: NewtonWork,
  ): number {
    const n = this.net.n;
    const { vRe, vIm, iRe, iIm, mismatch } = w;
    for (let i = 0; i < n; i++) {
      vRe[i] = vm[i]! * Math.cos(va[i]!);
      vIm[i] = vm[i]! * Math.sin(va[i]!);
    }
    let worst = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      let re = 0;
      let im = 0;
      for (let q = this.yStart[i]!; q < this.yStart[i + 1]!; q++) {
        const k = this.yCol[q]!;
        re += this.yRe[q]! * vRe[k]! - this.yIm[q]! * vIm[k]!;
        im += this.yRe[q]! * vIm[k]! + this.yIm[q]! * vRe[k]!;
      }
      iRe[i] = re;
      iIm[i] = im;
      const a = this.angleVar[i]!;
      if (a < 0) continue;
      // S = V·conj(I); the mismatch is computed minus specified.
      const dp = vRe[i]! * re + vIm[i]! * im - pSpec[i]!;
      mismatch[a] = dp;
      worst = Math.max(worst, Math.abs(dp));
      sum += dp * dp;
      const m = this.magnitudeVar[i]!;
      if (m >= 0) {
        const dq = vIm[i]! * re - vRe[i]! * im - qSpec[i]!;
        mismatch[m] = dq;
        worst = Math.max(worst, Math.abs(dq));
        sum += dq * dq;
      }
    }
    w.worst = Number.isNaN(worst) ? Number.POSITIVE_INFINITY : worst;
    return Number.isNaN(sum) ? Number.POSITIVE_INFINITY : sum;
  }

  /**
   * dS_i/dθ_k = -j·V_i·conj(Y_ik·V_k) off the diagonal, j·V_i·conj(I_i - Y_ii·V_i) on it;
   * dS_i/d|V_k| = V_i·conj(Y_ik·V_k/|V_k|), plus conj(I_i)·V_i/|V_i| on the diagonal.
   */
  private jacobian(
    vm: Float64Array,
    vRe: Float64Array,
    vIm: Float64Array,
    iRe: Float64Array,
    iIm: Float64Array,
  ): SparseMatrix {
    const jac = new SparseMatrix(this.variableCount);
    const n = this.net.n;
    for (let i = 0; i < n; i++) {
      const pRow = this.angleVar[i]!;
      if (pRow < 0) continue;
      const qRow = this.magnitudeVar[i]!;
      for (let q = this.yStart[i]!; q < this.yStart[i + 1]!; q++) {
        const k = this.yCol[q]!;
        const yr = this.yRe[q]!;
        const yi = this.yIm[q]!;
        // Y_ik·V_k
        const yvRe = yr * vRe[k]! - yi * vIm[k]!;
        const yvIm = yr * vIm[k]! + yi * vRe[k]!;
        // dS/dθ_k
        let cRe = -yvRe;
        let cIm = -yvIm;
        if (k === i) {
          cRe += iRe[i]!;
          cIm += iIm[i]!;
        }
        // V_i·conj(c), times j
        const tRe = vRe[i]! * cRe + vIm[i]! * cIm;
        const tIm = vIm[i]! * cRe - vRe[i]! * cIm;
        const dThetaRe = -tIm;
        const dThetaIm = tRe;
        // dS/d|V_k|
        const inv = 1 / vm[k]!;
        let dVRe = (vRe[i]! * yvRe + vIm[i]! * yvIm) * inv;
        let dVIm = (vIm[i]! * yvRe - vRe[i]! * yvIm) * inv;
        if (k === i) {
          dVRe += (iRe[i]! * vRe[i]! + iIm[i]! * vIm[i]!) * inv;
          dVIm += (iRe[i]! * vIm[i]! - iIm[i]! * vRe[i]!) * inv;
        }
        const aCol = this.angleVar[k]!;
        const mCol = this.magnitudeVar[k]!;
        if (aCol >= 0) {
          jac.add(pRow, aCol, dThetaRe);
          if (qRow >= 0) jac.add(qRow, aCol, dThetaIm);
        }
        if (mCol >= 0) {
          jac.add(pRow, mCol, dVRe);
          if (qRow >= 0) jac.add(qRow, mCol, dVIm);
        }
      }
    }
    return jac;
  }
}

/** Voltages, currents and mismatches at the current iterate. */
class NewtonWork {
  readonly vRe: Float64Array;
  readonly vIm: Float64Array;
  readonly iRe: Float64Array;
  readonly iIm: Float64Array;
  readonly mismatch: Float64Array;
  worst = Number.POSITIVE_INFINITY;

  constructor(n: number, variables: number) {
    this.vRe = new Float64Array(n);
    this.vIm = new Float64Array(n);
    this.iRe = new Float64Array(n);
    this.iIm = new Float64Array(n);
    this.mismatch = new Float64Array(variables);
  }
}
