import type { Branch, Bus, Grid, Load } from './model.js';

/**
 * The IEEE 33-bus distribution feeder of Baran & Wu (1989), built in code so the benchmark and
 * demonstrations need no file: 12.66 kV, 10 MVA base, loads in kW and kvar, impedances in ohms
 * converted to per unit as MATPOWER's case file does. The five tie switches are open.
 * Published AC power flow: losses 202.68 kW and 135.14 kvar, lowest voltage 0.9131 pu at bus 18.
 */
const LOADS: readonly (readonly [number, number])[] = [
  [0, 0],
  [100, 60],
  [90, 40],
  [120, 80],
  [60, 30],
  [60, 20],
  [200, 100],
  [200, 100],
  [60, 20],
  [60, 20],
  [45, 30],
  [60, 35],
  [60, 35],
  [120, 80],
  [60, 10],
  [60, 20],
  [60, 20],
  [90, 40],
  [90, 40],
  [90, 40],
  [90, 40],
  [90, 40],
  [90, 50],
  [420, 200],
  [420, 200],
  [60, 25],
  [60, 25],
  [60, 20],
  [120, 70],
  [200, 600],
  [150, 70],
  [210, 100],
  [60, 40],
];

/** from, to, r (ohm), x (ohm), in service */
const BRANCHES: readonly (readonly [number, number, number, number, 0 | 1])[] = [
  [1, 2, 0.0922, 0.047, 1],
  [2, 3, 0.493, 0.2511, 1],
  [3, 4, 0.366, 0.1864, 1],
  [4, 5, 0.3811, 0.1941, 1],
  // biome-ignore lint/suspicious/noApproximativeNumericConstant: a published reactance in ohms, not 1/sqrt(2)
  [5, 6, 0.819, 0.707, 1],
  [6, 7, 0.1872, 0.6188, 1],
  [7, 8, 0.7114, 0.2351, 1],
  [8, 9, 1.03, 0.74, 1],
  [9, 10, 1.044, 0.74, 1],
  [10, 11, 0.1966, 0.065, 1],
  [11, 12, 0.3744, 0.1238, 1],
  [12, 13, 1.468, 1.155, 1],
  [13, 14, 0.5416, 0.7129, 1],
  [14, 15, 0.591, 0.526, 1],
  [15, 16, 0.7463, 0.545, 1],
  [16, 17, 1.289, 1.721, 1],
  [17, 18, 0.732, 0.574, 1],
  [2, 19, 0.164, 0.1565, 1],
  [19, 20, 1.5042, 1.3554, 1],
  [20, 21, 0.4095, 0.4784, 1],
  [21, 22, 0.7089, 0.9373, 1],
  [3, 23, 0.4512, 0.3083, 1],
  [23, 24, 0.898, 0.7091, 1],
  [24, 25, 0.896, 0.7011, 1],
  [6, 26, 0.203, 0.1034, 1],
  [26, 27, 0.2842, 0.1447, 1],
  [27, 28, 1.059, 0.9337, 1],
  [28, 29, 0.8042, 0.7006, 1],
  [29, 30, 0.5075, 0.2585, 1],
  [30, 31, 0.9744, 0.963, 1],
  [31, 32, 0.3105, 0.3619, 1],
  [32, 33, 0.341, 0.5302, 1],
  [21, 8, 2, 2, 0],
  [9, 15, 2, 2, 0],
  [12, 22, 2, 2, 0],
  [18, 33, 0.5, 0.5, 0],
  [25, 29, 0.5, 0.5, 0],
];

export function ieee33Feeder(): Grid {
  const baseKv = 12.66;
  const baseMva = 10;
  // The case file's own conversion: ohms / (Vbase^2 / Sbase), with Vbase in V and Sbase in VA.
  const zBase = (baseKv * 1e3) ** 2 / (baseMva * 1e6);
  const buses: Bus[] = LOADS.map((_, i) => ({
    id: i + 1,
    type: i === 0 ? 'slack' : 'pq',
    baseKv,
    vMinPu: i === 0 ? 1 : 0.9,
    vMaxPu: i === 0 ? 1 : 1.1,
    zone: '1',
    gsKw: 0,
    bsKvar: 0,
    vmPu: 1,
    vaDeg: 0,
  }));
  const loads: Load[] = LOADS.flatMap(([p, q], i) =>
    p === 0 && q === 0 ? [] : [{ bus: i + 1, pKw: p, qKvar: q }],
  );
  const branches: Branch[] = BRANCHES.map(([from, to, r, x, status]) => ({
    from,
    to,
    rPu: r / zBase,
    xPu: x / zBase,
    bPu: 0,
    rateKva: 0,
    tap: 1,
    shiftDeg: 0,
    inService: status === 1,
  }));
  return {
    name: 'ieee33-baran-wu',
    baseMva,
    buses,
    branches,
    loads,
    generators: [{ bus: 1, pKw: 0, qKvar: 0, vSetPu: 1, inService: true, pMaxKw: 10000, pMinKw: 0 }],
    substation: { bus: 1, capacityKva: 10000 },
  };
}
