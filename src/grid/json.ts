import { GridError } from './errors.js';
import type { Branch, Bus, BusType, Generator, Grid, Load } from './model.js';
import { validateGrid } from './validate.js';

/**
 * The project's own grid document: the model as plain JSON with a format tag, so a case imported
 * once from MATPOWER can be stored, hashed and shipped without the importer.
 */
export const GRID_FORMAT = 'gridshard-grid';
export const GRID_FORMAT_VERSION = 1;

export interface GridDocument extends Grid {
  readonly format: typeof GRID_FORMAT;
  readonly version: typeof GRID_FORMAT_VERSION;
}

export function gridToJson(grid: Grid): GridDocument {
  return {
    format: GRID_FORMAT,
    version: GRID_FORMAT_VERSION,
    name: grid.name,
    baseMva: grid.baseMva,
    substation: { bus: grid.substation.bus, capacityKva: grid.substation.capacityKva },
    buses: grid.buses.map((b) => ({
      id: b.id,
      type: b.type,
      baseKv: b.baseKv,
      vMinPu: b.vMinPu,
      vMaxPu: b.vMaxPu,
      zone: b.zone,
      gsKw: b.gsKw,
      bsKvar: b.bsKvar,
      vmPu: b.vmPu,
      vaDeg: b.vaDeg,
    })),
    branches: grid.branches.map((br) => ({
      from: br.from,
      to: br.to,
      rPu: br.rPu,
      xPu: br.xPu,
      bPu: br.bPu,
      rateKva: br.rateKva,
      tap: br.tap,
      shiftDeg: br.shiftDeg,
      inService: br.inService,
    })),
    loads: grid.loads.map((l) => ({ bus: l.bus, pKw: l.pKw, qKvar: l.qKvar })),
    generators: grid.generators.map((g) => ({
      bus: g.bus,
      pKw: g.pKw,
      qKvar: g.qKvar,
      vSetPu: g.vSetPu,
      inService: g.inService,
      pMaxKw: g.pMaxKw,
      pMinKw: g.pMinKw,
    })),
  };
}

/** Reads a grid document; optional fields take the defaults a plain distribution feeder needs. */
export function gridFromJson(value: unknown): Grid {
  const doc = record(value, 'grid document');
  if (doc.format !== GRID_FORMAT) fail(`format must be '${GRID_FORMAT}'`);
  if (doc.version !== GRID_FORMAT_VERSION) fail(`version must be ${GRID_FORMAT_VERSION}`);
  const buses = list(doc.buses, 'buses').map((item, i): Bus => {
    const b = record(item, `buses[${i}]`);
    const where = `buses[${i}]`;
    return {
      id: num(b.id, `${where}.id`),
      type: busType(b.type, `${where}.type`),
      baseKv: num(b.baseKv, `${where}.baseKv`),
      vMinPu: num(b.vMinPu ?? 0.9, `${where}.vMinPu`),
      vMaxPu: num(b.vMaxPu ?? 1.1, `${where}.vMaxPu`),
      zone: str(b.zone ?? '1', `${where}.zone`),
      gsKw: num(b.gsKw ?? 0, `${where}.gsKw`),
      bsKvar: num(b.bsKvar ?? 0, `${where}.bsKvar`),
      vmPu: num(b.vmPu ?? 1, `${where}.vmPu`),
      vaDeg: num(b.vaDeg ?? 0, `${where}.vaDeg`),
    };
  });
  const branches = list(doc.branches, 'branches').map((item, i): Branch => {
    const br = record(item, `branches[${i}]`);
    const where = `branches[${i}]`;
    return {
      from: num(br.from, `${where}.from`),
      to: num(br.to, `${where}.to`),
      rPu: num(br.rPu, `${where}.rPu`),
      xPu: num(br.xPu, `${where}.xPu`),
      bPu: num(br.bPu ?? 0, `${where}.bPu`),
      rateKva: num(br.rateKva ?? 0, `${where}.rateKva`),
      tap: num(br.tap ?? 1, `${where}.tap`),
      shiftDeg: num(br.shiftDeg ?? 0, `${where}.shiftDeg`),
      inService: bool(br.inService ?? true, `${where}.inService`),
    };
  });
  const loads = list(doc.loads ?? [], 'loads').map((item, i): Load => {
    const l = record(item, `loads[${i}]`);
    return {
      bus: num(l.bus, `loads[${i}].bus`),
      pKw: num(l.pKw, `loads[${i}].pKw`),
      qKvar: num(l.qKvar ?? 0, `loads[${i}].qKvar`),
    };
  });
  const generators = list(doc.generators ?? [], 'generators').map((item, i): Generator => {
    const g = record(item, `generators[${i}]`);
    const where = `generators[${i}]`;
    return {
      bus: num(g.bus, `${where}.bus`),
      pKw: num(g.pKw ?? 0, `${where}.pKw`),
      qKvar: num(g.qKvar ?? 0, `${where}.qKvar`),
      vSetPu: num(g.vSetPu ?? 1, `${where}.vSetPu`),
      inService: bool(g.inService ?? true, `${where}.inService`),
      pMaxKw: num(g.pMaxKw ?? 0, `${where}.pMaxKw`),
      pMinKw: num(g.pMinKw ?? 0, `${where}.pMinKw`),
    };
  });
  const slack = buses.find((b) => b.type === 'slack');
  const sub = doc.substation === undefined ? undefined : record(doc.substation, 'substation');
  const grid: Grid = {
    name: str(doc.name ?? 'grid', 'name'),
    baseMva: num(doc.baseMva, 'baseMva'),
    buses,
    branches,
    loads,
    generators,
    substation: {
      bus: num(sub?.bus ?? slack?.id ?? 0, 'substation.bus'),
      capacityKva: num(sub?.capacityKva ?? 0, 'substation.capacityKva'),
    },
  };
  validateGrid(grid);
  return grid;
}

function fail(message: string): never {
  throw new GridError('GRID_INVALID', `grid document: ${message}`);
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} must be an object`);
  return value as Record<string, unknown>;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) fail(`${what} must be an array`);
  return value as unknown[];
}

function num(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${what} must be a finite number`);
  return value as number;
}

function str(value: unknown, what: string): string {
  if (typeof value !== 'string') fail(`${what} must be a string`);
  return value as string;
}

function bool(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') fail(`${what} must be true or false`);
  return value as boolean;
}

function busType(value: unknown, what: string): BusType {
  if (value === 'pq' || value === 'pv' || value === 'slack' || value === 'isolated') return value;
  return fail(`${what} must be one of pq, pv, slack, isolated`);
}
