import { GridError } from './errors.js';
import { runCase } from './matpower-interpreter.js';
import { tokenize } from './matpower-lexer.js';
import type { MatrixValue, Value } from './matpower-values.js';
import type { Branch, Bus, BusType, Generator, Grid, Load } from './model.js';
import { validateGrid } from './validate.js';

/** The grid read from a MATPOWER case, with the conversions its own code applied. */
export interface MatpowerImport {
  readonly grid: Grid;
  readonly conversions: readonly string[];
}

const BUS_TYPES: Readonly<Record<number, BusType>> = { 1: 'pq', 2: 'pv', 3: 'slack', 4: 'isolated' };

/** Reads a MATPOWER version 2 case file (the text of the `.m` file). */
export function parseMatpowerCase(text: string, name = 'case'): Grid {
  return importMatpowerCase(text, name).grid;
}

export function importMatpowerCase(text: string, name = 'case'): MatpowerImport {
  const program = runCase(tokenize(text));
  const fields = program.fields;
  const version = fields.get('version');
  if (version === undefined || version.kind !== 'string' || version.text !== '2') {
    throw new GridError(
      'CASE_UNSUPPORTED',
      "only MATPOWER case format version 2 is read (mpc.version = '2')",
      {
        field: 'version',
      },
    );
  }
  const baseMva = scalarField(fields, 'baseMVA');
  if (!(baseMva > 0)) throw new GridError('GRID_INVALID', `mpc.baseMVA must be positive, not ${baseMva}`);
  const bus = matrixField(fields, 'bus', 13);
  const gen = matrixField(fields, 'gen', 10);
  const branch = matrixField(fields, 'branch', 11);
  const kw = (mw: number) => mw * 1000;

  const buses: Bus[] = [];
  const loads: Load[] = [];
  for (let r = 0; r < bus.rows; r++) {
    const at = (c: number) => bus.data[r * bus.cols + c - 1]!;
    const type = BUS_TYPES[at(2)];
    if (type === undefined) {
      throw new GridError('GRID_INVALID', `bus row ${r + 1}: type ${at(2)} is not 1, 2, 3 or 4`, {
        row: r + 1,
      });
    }
    buses.push({
      id: at(1),
      type,
      baseKv: at(10),
      vMinPu: at(13),
      vMaxPu: at(12),
      zone: String(at(11)),
      gsKw: kw(at(5)),
      bsKvar: kw(at(6)),
      vmPu: at(8),
      vaDeg: at(9),
    });
    if (at(3) !== 0 || at(4) !== 0) loads.push({ bus: at(1), pKw: kw(at(3)), qKvar: kw(at(4)) });
  }
  const generators: Generator[] = [];
  for (let r = 0; r < gen.rows; r++) {
    const at = (c: number) => gen.data[r * gen.cols + c - 1]!;
    generators.push({
      bus: at(1),
      pKw: kw(at(2)),
      qKvar: kw(at(3)),
      vSetPu: at(6),
      inService: at(8) > 0,
      pMaxKw: kw(at(9)),
      pMinKw: kw(at(10)),
    });
  }
  const branches: Branch[] = [];
  for (let r = 0; r < branch.rows; r++) {
    const at = (c: number) => branch.data[r * branch.cols + c - 1]!;
    branches.push({
      from: at(1),
      to: at(2),
      rPu: at(3),
      xPu: at(4),
      bPu: at(5),
      rateKva: kw(at(6)),
      // MATPOWER writes 0 for "no transformer", which means a ratio of 1.
      tap: at(9) === 0 ? 1 : at(9),
      shiftDeg: at(10),
      inService: at(11) > 0,
    });
  }
  const slack = buses.find((b) => b.type === 'slack');
  if (slack === undefined) throw new GridError('GRID_INVALID', 'the case has no slack (type 3) bus');
  // The feeder head's capacity is read from the slack generator's Pmax: MATPOWER has no field for it.
  const head = generators.find((g) => g.bus === slack.id && g.inService);
  const capacityKva = head !== undefined && Number.isFinite(head.pMaxKw) && head.pMaxKw > 0 ? head.pMaxKw : 0;
  const grid: Grid = {
    name,
    baseMva,
    buses,
    branches,
    loads,
    generators,
    substation: { bus: slack.id, capacityKva },
  };
  validateGrid(grid);
  return { grid, conversions: program.conversions };
}

function scalarField(fields: ReadonlyMap<string, Value>, name: string): number {
  const value = fields.get(name);
  if (value === undefined)
    throw new GridError('GRID_INVALID', `the case does not assign mpc.${name}`, { field: name });
  if (value.kind !== 'matrix' || value.rows !== 1 || value.cols !== 1) {
    throw new GridError('GRID_INVALID', `mpc.${name} must be a single number`, { field: name });
  }
  return value.data[0]!;
}

function matrixField(fields: ReadonlyMap<string, Value>, name: string, minCols: number): MatrixValue {
  const value = fields.get(name);
  if (value === undefined)
    throw new GridError('GRID_INVALID', `the case does not assign mpc.${name}`, { field: name });
  if (value.kind !== 'matrix' || (value.rows > 0 && value.cols < minCols)) {
    throw new GridError('GRID_INVALID', `mpc.${name} must be a matrix of at least ${minCols} columns`, {
      field: name,
    });
  }
  return value;
}
