/**
 * A static copy of the IEEE 33-bus feeder's topology (Baran & Wu 1989, as src/grid/ieee33.ts
 * builds it) with loads in kW, laid out for a single-line diagram. The API serves the power flow
 * of a checked interval on the chain's grid model, not the model itself, so the grid view draws
 * this case, the one the devnet's market configuration is written for, and matches the flow's
 * lines to it by their end buses.
 */
export interface DiagramBus {
  readonly id: number;
  readonly x: number;
  readonly y: number;
  readonly loadKw: number;
}

export interface DiagramLine {
  readonly from: number;
  readonly to: number;
  /** False for the five normally open tie switches. */
  readonly inService: boolean;
}

const LOAD_KW = [
  0, 100, 90, 120, 60, 60, 200, 200, 60, 60, 45, 60, 60, 120, 60, 60, 60, 90, 90, 90, 90, 90, 90, 420, 420,
  60, 60, 60, 120, 200, 150, 210, 60,
];

const LINES: readonly (readonly [number, number, boolean])[] = [
  ...Array.from({ length: 17 }, (_, i) => [i + 1, i + 2, true] as const),
  [2, 19, true],
  [19, 20, true],
  [20, 21, true],
  [21, 22, true],
  [3, 23, true],
  [23, 24, true],
  [24, 25, true],
  [6, 26, true],
  [26, 27, true],
  [27, 28, true],
  [28, 29, true],
  [29, 30, true],
  [30, 31, true],
  [31, 32, true],
  [32, 33, true],
  [21, 8, false],
  [9, 15, false],
  [12, 22, false],
  [18, 33, false],
  [25, 29, false],
];

export const STEP = 46;
const X0 = 30;
const ROW = [70, 160, 240];

/** The main feeder on the first row; each lateral on a row below, starting under its branching bus. */
function place(id: number): [number, number] {
  if (id <= 18) return [X0 + (id - 1) * STEP, ROW[0]!];
  if (id <= 22) return [X0 + (id - 19 + 1) * STEP, ROW[2]!];
  if (id <= 25) return [X0 + (id - 23 + 2) * STEP, ROW[1]!];
  return [X0 + (id - 26 + 5) * STEP, ROW[1]!];
}

export const BUSES: readonly DiagramBus[] = LOAD_KW.map((loadKw, i) => {
  const [x, y] = place(i + 1);
  return { id: i + 1, x, y, loadKw };
});

export const FEEDER_LINES: readonly DiagramLine[] = LINES.map(([from, to, inService]) => ({
  from,
  to,
  inService,
}));

export const DIAGRAM_WIDTH = X0 * 2 + 17 * STEP + 24;
export const DIAGRAM_HEIGHT = 270;

/**
 * An in-service line runs down from its upstream bus, then along its row. A tie between buses of
 * one row arcs clear of the row (above the main feeder, below a lateral); other ties are straight.
 */
export function linePath(line: DiagramLine): string {
  const a = BUSES[line.from - 1]!;
  const b = BUSES[line.to - 1]!;
  if (line.inService) {
    return a.y === b.y ? `M${a.x},${a.y} L${b.x},${b.y}` : `M${a.x},${a.y} L${a.x},${b.y} L${b.x},${b.y}`;
  }
  if (a.y !== b.y) return `M${a.x},${a.y} L${b.x},${b.y}`;
  const bend = a.y === ROW[0] ? -110 : 70;
  return `M${a.x},${a.y} Q${(a.x + b.x) / 2},${a.y + bend} ${b.x},${b.y}`;
}
