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
    if (
      !finite6(bus.baseKv, bus.vMinPu, bus.vMaxPu, bus.gsKw, bus.bsKvar, bus.vmPu) ||
      !Number.isFinite(bus.vaDeg)
    ) {
      fail(`bus ${bus.id}: every number must be finite`, { bus: bus.id });
    }
    if (!(bus.baseKv > 0)) fail(`bus ${bus.id}: baseKv must be positive`, { bus: bus.id });
    if (bus.vMinPu > bus.vMaxPu) fail(`bus ${bus.id}: vMinPu exceeds vMaxPu`, { bus: bus.id });
    if (bus.type === 'slack') slackCount++;
  }
  if (slackCount !== 1) fail(`the grid must have exactly one slack bus, it has ${slackCount}`);
  // Loops without per-element strings or closures: a 10,000-bus feeder is checked on every solve.
  const branches = grid.branches;
  for (let index = 0; index < branches.length; index++) {
    const branch = branches[index]!;
    const what = () => `branch ${index + 1} (${branch.from}-${branch.to})`;
    if (!ids.has(branch.from) || !ids.has(branch.to))
      fail(`${what()} refers to an unknown bus`, { branch: index });
    if (!finite6(branch.rPu, branch.xPu, branch.bPu, branch.rateKva, branch.tap, branch.shiftDeg)) {
      fail(`${what()}: every number must be finite`, { branch: index });
    }
    if (branch.from === branch.to) fail(`${what()} connects a bus to itself`, { branch: index });
    // Series capacitors legitimately have negative reactance; a negative resistance only appears in
    // reduced equivalents (a three-winding transformer's star legs), never in a physical feeder
    // section, and it would make the section generate power: refused, in or out of service.
    if (branch.rPu < 0) {
      fail(`${what()}: resistance ${branch.rPu} pu is negative`, {
        branch: index,
        from: branch.from,
        to: branch.to,
        field: 'rPu',
        value: branch.rPu,
      });
    }
    if (branch.inService && branch.rPu === 0 && branch.xPu === 0)
      fail(`${what()} has zero impedance`, { branch: index });
    if (!(branch.tap > 0)) fail(`${what()}: tap must be positive`, { branch: index });
    if (branch.rateKva < 0) fail(`${what()}: rateKva must not be negative`, { branch: index });
  }
  const loads = grid.loads;
  for (let index = 0; index < loads.length; index++) {
    const load = loads[index]!;
    if (!ids.has(load.bus)) fail(`load ${index + 1} refers to unknown bus ${load.bus}`, { bus: load.bus });
    if (!Number.isFinite(load.pKw) || !Number.isFinite(load.qKvar)) fail(`load ${index + 1} is not finite`);
  }
  const generators = grid.generators;
  for (let index = 0; index < generators.length; index++) {
    const gen = generators[index]!;
    if (!ids.has(gen.bus)) fail(`generator ${index + 1} refers to unknown bus ${gen.bus}`, { bus: gen.bus });
    if (!Number.isFinite(gen.pKw) || !Number.isFinite(gen.qKvar) || !(gen.vSetPu > 0)) {
      fail(`generator ${index + 1} has a non-finite power or a non-positive voltage set point`);
    }
  }
  if (!ids.has(grid.substation.bus)) fail(`the substation refers to unknown bus ${grid.substation.bus}`);
  if (!(grid.substation.capacityKva >= 0)) fail('substation capacityKva must not be negative');
}

function finite6(a: number, b: number, c: number, d: number, e: number, f: number): boolean {
  return (
    Number.isFinite(a) &&
    Number.isFinite(b) &&
    Number.isFinite(c) &&
    Number.isFinite(d) &&
    Number.isFinite(e) &&
    Number.isFinite(f)
  );
}
