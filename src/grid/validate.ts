import { GridError } from './errors.js';
import type { Grid } from './model.js';

/**
 * Checks that a grid is internally consistent before any solver sees it: every reference names a
 * bus, every number is finite and in range, exactly one slack bus feeds the network.
 */
export function validateGrid(grid: Grid): void {
  const fail = (message: string, data: Record<string, unknown> = {}): never => {
    throw new GridError('GRID_INVALID', message, data);
  };
  if (!(grid.baseMva > 0) || !Number.isFinite(grid.baseMva))
    fail(`baseMva must be positive, not ${grid.baseMva}`);
  if (grid.buses.length === 0) fail('the grid has no buses');
  const ids = new Set<number>();
  let slackCount = 0;
  for (const bus of grid.buses) {
    if (!Number.isSafeInteger(bus.id) || bus.id <= 0)
      fail(`bus id ${bus.id} is not a positive integer`, { bus: bus.id });
    if (ids.has(bus.id)) fail(`bus ${bus.id} appears twice`, { bus: bus.id });
    ids.add(bus.id);
    if (!allFinite(bus.baseKv, bus.vMinPu, bus.vMaxPu, bus.gsKw, bus.bsKvar, bus.vmPu, bus.vaDeg)) {
      fail(`bus ${bus.id}: every number must be finite`, { bus: bus.id });
    }
    if (!(bus.baseKv > 0)) fail(`bus ${bus.id}: baseKv must be positive`, { bus: bus.id });
    if (bus.vMinPu > bus.vMaxPu) fail(`bus ${bus.id}: vMinPu exceeds vMaxPu`, { bus: bus.id });
    if (bus.type === 'slack') slackCount++;
  }
  if (slackCount !== 1) fail(`the grid must have exactly one slack bus, it has ${slackCount}`);
  const known = (bus: number, what: string) => {
    if (!ids.has(bus)) fail(`${what} refers to unknown bus ${bus}`, { bus });
  };
  grid.branches.forEach((branch, index) => {
    if (!ids.has(branch.from) || !ids.has(branch.to)) {
      fail(`branch ${index + 1} (${branch.from}-${branch.to}) refers to an unknown bus`, { branch: index });
    }
    const what = `branch ${index + 1}`;
    if (!allFinite(branch.rPu, branch.xPu, branch.bPu, branch.rateKva, branch.tap, branch.shiftDeg)) {
      fail(`branch ${index + 1}: every number must be finite`, { branch: index });
    }
    if (branch.from === branch.to) fail(`${what} connects a bus to itself`, { branch: index });
    if (branch.inService && branch.rPu === 0 && branch.xPu === 0)
      fail(`${what} has zero impedance`, { branch: index });
    if (!(branch.tap > 0)) fail(`${what}: tap must be positive`, { branch: index });
    if (branch.rateKva < 0) fail(`${what}: rateKva must not be negative`, { branch: index });
  });
  grid.loads.forEach((load, index) => {
    known(load.bus, `load ${index + 1}`);
    if (!Number.isFinite(load.pKw) || !Number.isFinite(load.qKvar)) fail(`load ${index + 1} is not finite`);
  });
  grid.generators.forEach((gen, index) => {
    known(gen.bus, `generator ${index + 1}`);
    if (!Number.isFinite(gen.pKw) || !Number.isFinite(gen.qKvar) || !(gen.vSetPu > 0)) {
      fail(`generator ${index + 1} has a non-finite power or a non-positive voltage set point`);
    }
  });
  known(grid.substation.bus, 'the substation');
  if (!(grid.substation.capacityKva >= 0)) fail('substation capacityKva must not be negative');
}

function allFinite(...values: number[]): boolean {
  for (const value of values) if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  return true;
}
