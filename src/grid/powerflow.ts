import { cosSin, magnitude } from './complex.js';
import { GridError } from './errors.js';
import type { Grid, Injection } from './model.js';
import { compileNetwork, type Network } from './network.js';
import { NewtonSolver } from './newton.js';
import { SweepSolver } from './sweep.js';

export type PowerFlowMethod = 'auto' | 'bfs' | 'nr';

export interface PowerFlowOptions {
  /** auto: the sweep for radial feeders without PV buses, Newton-Raphson otherwise. */
  readonly method?: PowerFlowMethod;
  /** Extra injections on top of the grid's own loads and generation (a trading schedule). */
  readonly injections?: readonly Injection[];
  /** Largest voltage change (sweep) or power mismatch (Newton-Raphson) accepted, per unit. */
  readonly tolerance?: number;
  readonly maxIterations?: number;
}

export interface BusResult {
  readonly id: number;
  /** The bus's zone, which is the shard its participants belong to. */
  readonly zone: string;
  readonly vmPu: number;
  readonly vaDeg: number;
  /** Net injection into the network at the bus (generation minus load), kW / kvar. */
  readonly pKw: number;
  readonly qKvar: number;
}

export interface BranchResult {
  /** Index in grid.branches. */
  readonly index: number;
  readonly from: number;
  readonly to: number;
  readonly pFromKw: number;
  readonly qFromKvar: number;
  readonly pToKw: number;
  readonly qToKvar: number;
  readonly lossKw: number;
  readonly lossKvar: number;
  /** Larger apparent power of the two ends against the rating, percent; null when unrated. */
  readonly loadingPct: number | null;
}

export interface PowerFlowResult {
  readonly method: 'bfs' | 'nr';
  readonly converged: true;
  readonly iterations: number;
  readonly loadKw: number;
  readonly loadKvar: number;
  readonly lossKw: number;
  readonly lossKvar: number;
  /** Power delivered by the substation (the slack bus). */
  readonly substationKw: number;
  readonly substationKvar: number;
  readonly minVoltagePu: number;
  readonly minVoltageBus: number;
  readonly maxVoltagePu: number;
  readonly maxVoltageBus: number;
  readonly buses: readonly BusResult[];
  readonly branches: readonly BranchResult[];
}

export const DEFAULT_TOLERANCE = 1e-10;
export const DEFAULT_MAX_ITERATIONS = { bfs: 200, nr: 30 } as const;

/** Solves the AC power flow of a grid. Non-convergence throws NOT_CONVERGED, never a wrong answer. */
export function runPowerFlow(grid: Grid, options: PowerFlowOptions = {}): PowerFlowResult {
  const engine = new PowerFlowEngine(grid, options.method ?? 'auto');
  const extra = engine.injectionVector(options.injections ?? []);
  const state = engine.solve(extra, null, options.tolerance, options.maxIterations);
  return engine.report(state, extra);
}

/** A solved operating point: complex bus voltages in rectangular form. */
export interface PowerFlowState {
  readonly vRe: Float64Array;
  readonly vIm: Float64Array;
  readonly iterations: number;
}

/**
 * A grid compiled once and solved many times for different injections, as the security check and
 * congestion management do. Solving allocates only the result arrays.
 */
export class PowerFlowEngine {
  readonly net: Network;
  readonly method: 'bfs' | 'nr';
  private readonly sweep: SweepSolver | null;
  private readonly newton: NewtonSolver | null;
  private readonly pWork: Float64Array;
  private readonly qWork: Float64Array;
  private readonly vmWork: Float64Array;
  private readonly vaWork: Float64Array;

  constructor(
    readonly grid: Grid,
    method: PowerFlowMethod = 'auto',
  ) {
    this.net = compileNetwork(grid);
    const radial = this.net.radial && this.net.pvCount === 0;
    this.method = method === 'auto' ? (radial ? 'bfs' : 'nr') : method;
    this.sweep = this.method === 'bfs' ? new SweepSolver(this.net) : null;
    this.newton = this.method === 'nr' ? new NewtonSolver(this.net) : null;
    const n = this.net.n;
    this.pWork = new Float64Array(n);
    this.qWork = new Float64Array(n);
    this.vmWork = new Float64Array(n);
    this.vaWork = new Float64Array(n);
  }

  /**
   * Newton-Raphson's convergence test is the larger of the requested tolerance and this floor:
   * the mismatch floating point can resolve on this network (0 for the sweep, which tests voltage
   * changes instead).
   */
  get mismatchFloorPu(): number {
    return this.newton?.mismatchFloor ?? 0;
  }

  /** Per-unit active injection per bus index from a list of injections in kW. */
  injectionVector(injections: readonly Injection[]): { p: Float64Array; q: Float64Array } {
    const n = this.net.n;
    const p = new Float64Array(n);
    const q = new Float64Array(n);
    const base = this.grid.baseMva * 1000;
    for (const injection of injections) {
      const i = this.net.indexOf.get(injection.bus);
      if (i === undefined) {
        throw new GridError('GRID_INVALID', `an injection refers to unknown bus ${injection.bus}`, {
          bus: injection.bus,
        });
      }
      if (!Number.isFinite(injection.pKw) || !Number.isFinite(injection.qKvar ?? 0)) {
        throw new GridError('GRID_INVALID', `the injection at bus ${injection.bus} is not a finite number`);
      }
      p[i]! += injection.pKw / base;
      q[i]! += (injection.qKvar ?? 0) / base;
    }
    return { p, q };
  }

  /**
   * Solves with the given extra injections (per unit, per bus index). `start`, when given, is a
   * previous answer to start from: near-identical schedules then converge in a few iterations.
   */
  solve(
    extra: { p: Float64Array; q: Float64Array },
    start: PowerFlowState | null,
    tolerance = DEFAULT_TOLERANCE,
    maxIterations?: number,
  ): PowerFlowState {
    const net = this.net;
    const n = net.n;
    const p = this.pWork;
    const q = this.qWork;
    for (let i = 0; i < n; i++) {
      p[i] = net.pSpec[i]! + extra.p[i]!;
      q[i] = net.qSpec[i]! + extra.q[i]!;
    }
    const vRe = new Float64Array(n);
    const vIm = new Float64Array(n);
    if (start !== null) {
      vRe.set(start.vRe);
      vIm.set(start.vIm);
    } else {
      for (let i = 0; i < n; i++) {
        if (net.active[i] === 0) continue;
        // The sweep starts flat at the slack voltage; Newton-Raphson from the case's values.
        const vm = this.method === 'bfs' ? net.vInit[net.slack]! : net.vInit[i]!;
        const va = this.method === 'bfs' ? net.aInitRad[net.slack]! : net.aInitRad[i]!;
        const [c, sn] = cosSin(va);
        vRe[i] = vm * c;
        vIm[i] = vm * sn;
      }
    }
    // The slack (and PV magnitudes) are fixed by their set points whatever the starting point.
    const s = net.slack;
    const slackAngle = net.aInitRad[s]!;
    const [cs, ss] = cosSin(slackAngle);
    vRe[s] = net.vInit[s]! * cs;
    vIm[s] = net.vInit[s]! * ss;
    let iterations: number;
    if (this.sweep !== null) {
      iterations = this.sweep.solve(p, q, vRe, vIm, tolerance, maxIterations ?? DEFAULT_MAX_ITERATIONS.bfs);
    } else {
      const vm = this.vmWork;
      const va = this.vaWork;
      let flat = true;
      for (let i = 0; i < n; i++) {
        vm[i] = net.isPv[i] === 1 ? net.vInit[i]! : magnitude(vRe[i]!, vIm[i]!);
        va[i] = Math.atan2(vIm[i]!, vRe[i]!);
        if (i !== net.slack && net.active[i] === 1 && (vm[i] !== 1 || va[i] !== 0)) flat = false;
      }
      // A flat case start is improved by carrying transformer ratios and shifts from the slack.
      if (start === null && flat) this.newton!.transformerStart(vm, va);
      iterations = this.newton!.solve(p, q, vm, va, tolerance, maxIterations ?? DEFAULT_MAX_ITERATIONS.nr);
      for (let i = 0; i < n; i++) {
        if (net.active[i] === 0) continue;
        vRe[i] = vm[i]! * Math.cos(va[i]!);
        vIm[i] = vm[i]! * Math.sin(va[i]!);
      }
    }
    return { vRe, vIm, iterations };
  }

  /** Apparent power at the worse end of each compiled branch, kVA. */
  branchKva(state: PowerFlowState, out: Float64Array): void {
    const br = this.net.branches;
    const base = this.grid.baseMva * 1000;
    const { vRe, vIm } = state;
    for (let j = 0; j < br.count; j++) {
      const f = br.from[j]!;
      const t = br.to[j]!;
      const ifRe =
        br.yffRe[j]! * vRe[f]! - br.yffIm[j]! * vIm[f]! + br.yftRe[j]! * vRe[t]! - br.yftIm[j]! * vIm[t]!;
      const ifIm =
        br.yffRe[j]! * vIm[f]! + br.yffIm[j]! * vRe[f]! + br.yftRe[j]! * vIm[t]! + br.yftIm[j]! * vRe[t]!;
      const itRe =
        br.ytfRe[j]! * vRe[f]! - br.ytfIm[j]! * vIm[f]! + br.yttRe[j]! * vRe[t]! - br.yttIm[j]! * vIm[t]!;
      const itIm =
        br.ytfRe[j]! * vIm[f]! + br.ytfIm[j]! * vRe[f]! + br.yttRe[j]! * vIm[t]! + br.yttIm[j]! * vRe[t]!;
      const sf = magnitude(vRe[f]!, vIm[f]!) * magnitude(ifRe, ifIm);
      const st = magnitude(vRe[t]!, vIm[t]!) * magnitude(itRe, itIm);
      out[j] = Math.max(sf, st) * base;
    }
  }

  /** Complex power delivered by the substation into the slack bus, kW and kvar. */
  substationPower(state: PowerFlowState, extra: { p: Float64Array; q: Float64Array }): [number, number] {
    const s = this.net.slack;
    const [pInj, qInj] = this.busInjection(state, s);
    const base = this.grid.baseMva * 1000;
    // Loads and schedule injections at the slack bus are served by the substation too.
    let pLocal = extra.p[s]!;
    let qLocal = extra.q[s]!;
    for (const load of this.grid.loads) {
      if (load.bus === this.net.ids[s]) {
        pLocal -= load.pKw / base;
        qLocal -= load.qKvar / base;
      }
    }
    for (const gen of this.grid.generators) {
      // Generators other than the first at the slack bus are ordinary injections.
      if (gen.inService && gen.bus === this.net.ids[s] && gen !== this.slackGenerator()) {
        pLocal += gen.pKw / base;
        qLocal += gen.qKvar / base;
      }
    }
    return [(pInj - pLocal) * base, (qInj - qLocal) * base];
  }

  private slackGenerator() {
    const id = this.net.ids[this.net.slack];
    return this.grid.generators.find((g) => g.inService && g.bus === id);
  }

  /** Net complex power injected into the network at bus i, per unit. */
  busInjection(state: PowerFlowState, i: number): [number, number] {
    const br = this.net.branches;
    const { vRe, vIm } = state;
    let re = this.net.gShunt[i]! * vRe[i]! - this.net.bShunt[i]! * vIm[i]!;
    let im = this.net.gShunt[i]! * vIm[i]! + this.net.bShunt[i]! * vRe[i]!;
    for (let j = 0; j < br.count; j++) {
      const f = br.from[j]!;
      const t = br.to[j]!;
      if (f === i) {
        re +=
          br.yffRe[j]! * vRe[f]! - br.yffIm[j]! * vIm[f]! + br.yftRe[j]! * vRe[t]! - br.yftIm[j]! * vIm[t]!;
        im +=
          br.yffRe[j]! * vIm[f]! + br.yffIm[j]! * vRe[f]! + br.yftRe[j]! * vIm[t]! + br.yftIm[j]! * vRe[t]!;
      } else if (t === i) {
        re +=
          br.ytfRe[j]! * vRe[f]! - br.ytfIm[j]! * vIm[f]! + br.yttRe[j]! * vRe[t]! - br.yttIm[j]! * vIm[t]!;
        im +=
          br.ytfRe[j]! * vIm[f]! + br.ytfIm[j]! * vRe[f]! + br.yttRe[j]! * vIm[t]! + br.yttIm[j]! * vRe[t]!;
      }
    }
    // S = V·conj(I)
    return [vRe[i]! * re + vIm[i]! * im, vIm[i]! * re - vRe[i]! * im];
  }

  report(state: PowerFlowState, extra: { p: Float64Array; q: Float64Array }): PowerFlowResult {
    const net = this.net;
    const grid = this.grid;
    const base = grid.baseMva * 1000;
    const { vRe, vIm } = state;
    const buses: BusResult[] = [];
    let minV = Number.POSITIVE_INFINITY;
    let minBus = net.ids[net.slack]!;
    let maxV = Number.NEGATIVE_INFINITY;
    let maxBus = minBus;
    const pBus = new Float64Array(net.n);
    const qBus = new Float64Array(net.n);
    for (let i = 0; i < net.n; i++) {
      const vm = magnitude(vRe[i]!, vIm[i]!);
      if (net.active[i] === 1) {
        if (vm < minV) {
          minV = vm;
          minBus = net.ids[i]!;
        }
        if (vm > maxV) {
          maxV = vm;
          maxBus = net.ids[i]!;
        }
      }
    }
    const br = net.branches;
    const branches: BranchResult[] = [];
    let lossP = 0;
    let lossQ = 0;
    for (let j = 0; j < br.count; j++) {
      const f = br.from[j]!;
      const t = br.to[j]!;
      const ifRe =
        br.yffRe[j]! * vRe[f]! - br.yffIm[j]! * vIm[f]! + br.yftRe[j]! * vRe[t]! - br.yftIm[j]! * vIm[t]!;
      const ifIm =
        br.yffRe[j]! * vIm[f]! + br.yffIm[j]! * vRe[f]! + br.yftRe[j]! * vIm[t]! + br.yftIm[j]! * vRe[t]!;
      const itRe =
        br.ytfRe[j]! * vRe[f]! - br.ytfIm[j]! * vIm[f]! + br.yttRe[j]! * vRe[t]! - br.yttIm[j]! * vIm[t]!;
      const itIm =
        br.ytfRe[j]! * vIm[f]! + br.ytfIm[j]! * vRe[f]! + br.yttRe[j]! * vIm[t]! + br.yttIm[j]! * vRe[t]!;
      const pf = vRe[f]! * ifRe + vIm[f]! * ifIm;
      const qf = vIm[f]! * ifRe - vRe[f]! * ifIm;
      const pt = vRe[t]! * itRe + vIm[t]! * itIm;
      const qt = vIm[t]! * itRe - vRe[t]! * itIm;
      pBus[f]! += pf;
      qBus[f]! += qf;
      pBus[t]! += pt;
      qBus[t]! += qt;
      // Series loss as MATPOWER reports it: |Vf/t - Vt|^2 / conj(z), charging excluded.
      const source = grid.branches[br.source[j]!]!;
      const shift = (source.shiftDeg * Math.PI) / 180;
      const [cShift, sShift] = cosSin(shift);
      const tRe = source.tap * cShift;
      const tIm = source.tap * sShift;
      const tt = source.tap * source.tap;
      const vfRe = (vRe[f]! * tRe + vIm[f]! * tIm) / tt;
      const vfIm = (vIm[f]! * tRe - vRe[f]! * tIm) / tt;
      const dv2 = (vfRe - vRe[t]!) ** 2 + (vfIm - vIm[t]!) ** 2;
      const z2 = source.rPu * source.rPu + source.xPu * source.xPu;
      const lossKw = ((dv2 * source.rPu) / z2) * base;
      const lossKvar = ((dv2 * source.xPu) / z2) * base;
      lossP += lossKw;
      lossQ += lossKvar;
      const worst = Math.max(magnitude(pf, qf), magnitude(pt, qt)) * base;
      branches.push({
        index: br.source[j]!,
        from: net.ids[f]!,
        to: net.ids[t]!,
        pFromKw: pf * base,
        qFromKvar: qf * base,
        pToKw: pt * base,
        qToKvar: qt * base,
        lossKw,
        lossKvar,
        loadingPct: br.rateKva[j]! > 0 ? (100 * worst) / br.rateKva[j]! : null,
      });
    }
    for (let i = 0; i < net.n; i++) {
      const vm = magnitude(vRe[i]!, vIm[i]!);
      const shuntP = net.gShunt[i]! * vm * vm;
      const shuntQ = -net.bShunt[i]! * vm * vm;
      buses.push({
        id: net.ids[i]!,
        zone: grid.buses[i]!.zone,
        vmPu: vm,
        vaDeg: (Math.atan2(vIm[i]!, vRe[i]!) * 180) / Math.PI,
        pKw: (pBus[i]! + shuntP) * base,
        qKvar: (qBus[i]! + shuntQ) * base,
      });
    }
    let loadKw = 0;
    let loadKvar = 0;
    for (const load of grid.loads) {
      loadKw += load.pKw;
      loadKvar += load.qKvar;
    }
    const [substationKw, substationKvar] = this.substationPower(state, extra);
    return {
      method: this.method,
      converged: true,
      iterations: state.iterations,
      loadKw,
      loadKvar,
      lossKw: lossP,
      lossKvar: lossQ,
      substationKw,
      substationKvar,
      minVoltagePu: minV,
      minVoltageBus: minBus,
      maxVoltagePu: maxV,
      maxVoltageBus: maxBus,
      buses,
      branches,
    };
  }
}
