/**
 * Values of the case-file language: every number is a matrix (a scalar is 1 x 1), stored row-major.
 * Strings and cell arrays are kept only so that fields such as `mpc.version` can be read.
 */
export interface MatrixValue {
  readonly kind: 'matrix';
  readonly rows: number;
  readonly cols: number;
  readonly data: number[];
}

export interface StringValue {
  readonly kind: 'string';
  readonly text: string;
}

export interface CellValue {
  readonly kind: 'cell';
  readonly items: readonly string[];
}

export type Value = MatrixValue | StringValue | CellValue;

export function scalar(x: number): MatrixValue {
  return { kind: 'matrix', rows: 1, cols: 1, data: [x] };
}

export function matrix(rows: number, cols: number, data: number[]): MatrixValue {
  return { kind: 'matrix', rows, cols, data };
}

export function isScalar(v: MatrixValue): boolean {
  return v.rows === 1 && v.cols === 1;
}

/** MATPOWER's named column indices, in the order its idx_* functions return them. */
export const INDEX_FUNCTIONS: Readonly<Record<string, readonly (readonly [string, number])[]>> = {
  idx_bus: [
    ['PQ', 1],
    ['PV', 2],
    ['REF', 3],
    ['NONE', 4],
    ['BUS_I', 1],
    ['BUS_TYPE', 2],
    ['PD', 3],
    ['QD', 4],
    ['GS', 5],
    ['BS', 6],
    ['BUS_AREA', 7],
    ['VM', 8],
    ['VA', 9],
    ['BASE_KV', 10],
    ['ZONE', 11],
    ['VMAX', 12],
    ['VMIN', 13],
    ['LAM_P', 14],
    ['LAM_Q', 15],
    ['MU_VMAX', 16],
    ['MU_VMIN', 17],
  ],
  idx_brch: [
    ['F_BUS', 1],
    ['T_BUS', 2],
    ['BR_R', 3],
    ['BR_X', 4],
    ['BR_B', 5],
    ['RATE_A', 6],
    ['RATE_B', 7],
    ['RATE_C', 8],
    ['TAP', 9],
    ['SHIFT', 10],
    ['BR_STATUS', 11],
    ['PF', 12],
    ['QF', 13],
    ['PT', 14],
    ['QT', 15],
    ['MU_SF', 16],
    ['MU_ST', 17],
    ['ANGMIN', 18],
    ['ANGMAX', 19],
    ['MU_ANGMIN', 20],
    ['MU_ANGMAX', 21],
  ],
  idx_gen: [
    ['GEN_BUS', 1],
    ['PG', 2],
    ['QG', 3],
    ['QMAX', 4],
    ['QMIN', 5],
    ['VG', 6],
    ['MBASE', 7],
    ['GEN_STATUS', 8],
    ['PMAX', 9],
    ['PMIN', 10],
    ['PC1', 11],
    ['PC2', 12],
    ['QC1MIN', 13],
    ['QC1MAX', 14],
    ['QC2MIN', 15],
    ['QC2MAX', 16],
    ['RAMP_AGC', 17],
    ['RAMP_10', 18],
    ['RAMP_30', 19],
    ['RAMP_Q', 20],
    ['APF', 21],
    ['MU_PMAX', 22],
    ['MU_PMIN', 23],
    ['MU_QMAX', 24],
    ['MU_QMIN', 25],
  ],
  idx_cost: [
    ['PW_LINEAR', 1],
    ['POLYNOMIAL', 2],
    ['MODEL', 1],
    ['STARTUP', 2],
    ['SHUTDOWN', 3],
    ['NCOST', 4],
    ['COST', 5],
  ],
};

/** Elementwise functions a conversion may call (power-factor conversions use the trigonometric ones). */
export const FUNCTIONS: Readonly<Record<string, (x: number) => number>> = {
  sqrt: Math.sqrt,
  abs: Math.abs,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  exp: Math.exp,
  log: Math.log,
  log10: Math.log10,
};

export const CONSTANTS: Readonly<Record<string, number>> = {
  pi: Math.PI,
  Inf: Number.POSITIVE_INFINITY,
  inf: Number.POSITIVE_INFINITY,
  NaN: Number.NaN,
  nan: Number.NaN,
};
