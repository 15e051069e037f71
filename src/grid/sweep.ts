import { GridError } from './errors.js';
import type { Network } from './network.js';

/**
 * Backward/forward sweep for radial feeders. Each branch is a two-port seen from its parent bus:
 * with D the current the subtree below the child draws, the child's voltage is Vc = a·Vp + b·D and
 * the current drawn from the parent is Ip = c·Vp + d·D. The backward pass sums currents from the
 * leaves up, the forward pass updates voltages from the root down. At the fixed point both
 * Kirchhoff laws hold for the exact branch model (taps and line charging included), so the answer
 * is MATPOWER's, not an approximation. Everything lives in typed arrays sized once: an iteration
 * is O(n) and allocates nothing.
 */
export class SweepSolver {
  readonly n: number;
  /** Buses in breadth-first order from the slack; order[0] is the slack. */
  private readonly order: Int32Array;
  private readonly parent: Int32Array;
  private readonly aRe: Float64Array;
  private readonly aIm: Float64Array;
  private readonly bRe: Float64Array;
  private readonly bIm: Float64Array;
  private readonly cRe: Float64Array;
  private readonly cIm: Float64Array;
  private readonly dRe: Float64Array;
  private readonly dIm: Float64Array;
  private readonly curRe: Float64Array;
  private readonly curIm: Float64Array;
  private readonly count: number;

  constructor(private readonly net: Network) {
    if (!net.radial) {
      throw new GridError('METHOD_UNSUITABLE', 'the sweep needs a radial network; this one has a loop', {});
    }
    if (net.pvCount > 0) {
      throw new GridError('METHOD_UNSUITABLE', 'the sweep cannot hold PV bus voltages; use Newton-Raphson', {
        pvBuses: net.pvCount,
      });
    }
    const n = net.n;
    this.n = n;
    this.order = new Int32Array(n);
    this.parent = new Int32Array(n).fill(-1);
    this.aRe = new Float64Array(n);
    this.aIm = new Float64Array(n);
    this.bRe = new Float64Array(n);
    this.bIm = new Float64Array(n);
    this.cRe = new Float64Array(n);
    this.cIm = new Float64Array(n);
    this.dRe = new Float64Array(n);
    this.dIm = new Float64Array(n);
    this.curRe = new Float64Array(n);
    this.curIm = new Float64Array(n);
    const br = net.branches;
    const adjacency = net.adjacency;
    const seen = new Uint8Array(n);
    let head = 0;
    let tail = 0;
    this.order[tail++] = net.slack;
    seen[net.slack] = 1;
    while (head < tail) {
      const p = this.order[head++]!;
      for (let e = adjacency.start[p]!; e < adjacency.start[p + 1]!; e++) {
        const c = adjacency.neighbour[e]!;
        if (seen[c] === 1) continue;
        seen[c] = 1;
        this.order[tail++] = c;
        this.parent[c] = p;
        const j = adjacency.branch[e]!;
        const forward = br.from[j] === p;
        // Two-port seen from the parent: Ypp, Ypc, Ycp, Ycc.
        const ppRe = forward ? br.yffRe[j]! : br.yttRe[j]!;
        const ppIm = forward ? br.yffIm[j]! : br.yttIm[j]!;
        const pcRe = forward ? br.yftRe[j]! : br.ytfRe[j]!;
        const pcIm = forward ? br.yftIm[j]! : br.ytfIm[j]!;
        const cpRe = forward ? br.ytfRe[j]! : br.yftRe[j]!;
        const cpIm = forward ? br.ytfIm[j]! : br.yftIm[j]!;
        const ccRe = forward ? br.yttRe[j]! : br.yffRe[j]!;
        const ccIm = forward ? br.yttIm[j]! : br.yffIm[j]!;
        // b = -1/Ycc,  a = -Ycp/Ycc,  c = Ypp + Ypc·a,  d = Ypc·b.
        const den = ccRe * ccRe + ccIm * ccIm;
        const bRe = -ccRe / den;
        const bIm = ccIm / den;
        const aRe = cpRe * bRe - cpIm * bIm;
        const aIm = cpRe * bIm + cpIm * bRe;
        this.bRe[c] = bRe;
        this.bIm[c] = bIm;
        this.aRe[c] = aRe;
        this.aIm[c] = aIm;
        this.cRe[c] = ppRe + (pcRe * aRe - pcIm * aIm);
        this.cIm[c] = ppIm + (pcRe * aIm + pcIm * aRe);
        this.dRe[c] = pcRe * bRe - pcIm * bIm;
        this.dIm[c] = pcRe * bIm + pcIm * bRe;
      }
    }
    this.count = tail;
  }

  /**
   * Solves in place: vRe/vIm hold the starting point (the slack's entry is its fixed voltage) and
   * receive the answer. Returns the number of iterations; throws NOT_CONVERGED past the limit.
   */
  solve(
    pSpec: Float64Array,
    qSpec: Float64Array,
    vRe: Float64Array,
    vIm: Float64Array,
    tolerance: number,
    maxIterations: number,
  ): number {
    const { order, parent, aRe, aIm, bRe, bIm, cRe, cIm, dRe, dIm, curRe, curIm, count } = this;
    const gSh = this.net.gShunt;
    const bSh = this.net.bShunt;
    for (let iteration = 1; iteration <= maxIterations; iteration++) {
      curRe.fill(0);
      curIm.fill(0);
      // Backward: children come after their parents in `order`, so walk it from the end.
      for (let k = count - 1; k >= 1; k--) {
        const c = order[k]!;
        const vr = vRe[c]!;
        const vi = vIm[c]!;
        const mag2 = vr * vr + vi * vi;
        // Current consumed by the bus: conj(-S/V) for the injection plus the shunt's Y·V.
        const ps = pSpec[c]!;
        const qs = qSpec[c]!;
        const ir = -(ps * vr + qs * vi) / mag2 + gSh[c]! * vr - bSh[c]! * vi;
        const ii = -(ps * vi - qs * vr) / mag2 + gSh[c]! * vi + bSh[c]! * vr;
        const dr = curRe[c]! + ir;
        const di = curIm[c]! + ii;
        curRe[c] = dr;
        curIm[c] = di;
        const p = parent[c]!;
        const vpr = vRe[p]!;
        const vpi = vIm[p]!;
        curRe[p]! += cRe[c]! * vpr - cIm[c]! * vpi + dRe[c]! * dr - dIm[c]! * di;
        curIm[p]! += cRe[c]! * vpi + cIm[c]! * vpr + dRe[c]! * di + dIm[c]! * dr;
      }
      // Forward: Vc = a·Vp + b·D from the root down.
      let change = 0;
      for (let k = 1; k < count; k++) {
        const c = order[k]!;
        const p = parent[c]!;
        const vpr = vRe[p]!;
        const vpi = vIm[p]!;
        const dr = curRe[c]!;
        const di = curIm[c]!;
        const nr = aRe[c]! * vpr - aIm[c]! * vpi + bRe[c]! * dr - bIm[c]! * di;
        const ni = aRe[c]! * vpi + aIm[c]! * vpr + bRe[c]! * di + bIm[c]! * dr;
        const delta = Math.abs(nr - vRe[c]!) + Math.abs(ni - vIm[c]!);
        if (delta > change || Number.isNaN(delta))
          change = Number.isNaN(delta) ? Number.POSITIVE_INFINITY : delta;
        vRe[c] = nr;
        vIm[c] = ni;
      }
      if (!Number.isFinite(change)) break;
      if (change < tolerance) return iteration;
    }
    throw new GridError('NOT_CONVERGED', `the sweep did not converge in ${maxIterations} iterations`, {
      method: 'bfs',
      maxIterations,
    });
  }
}
