import { Prng } from '../kit/prng.js';
import type { Branch, Bus, Grid, Load } from './model.js';
import { runPowerFlow } from './powerflow.js';
import type { ScheduleEntry } from './schedule.js';

/**
 * A synthetic radial feeder of any size, the same for the same seed: a 12.66 kV network whose
 * laterals mostly continue from the previous bus and sometimes branch off an earlier one, with
 * short overhead sections and small residential loads. Sized so that 10,000 buses still keep
 * voltages in the usual band; it exists to measure the solvers, not to model a real place.
 */
export function syntheticRadialFeeder(busCount: number, seed = 1): Grid {
  const rng = new Prng(seed);
  const baseKv = 12.66;
  const baseMva = 10;
  const zBase = baseKv ** 2 / baseMva;
  const buses: Bus[] = [];
  const branches: Branch[] = [];
  const loads: Load[] = [];
  for (let id = 1; id <= busCount; id++) {
    buses.push({
      id,
      type: id === 1 ? 'slack' : 'pq',
      baseKv,
      vMinPu: id === 1 ? 1 : 0.9,
      vMaxPu: id === 1 ? 1 : 1.1,
      zone: String(1 + Math.floor((id - 1) / 1000)),
      gsKw: 0,
      bsKvar: 0,
      vmPu: 1,
      vaDeg: 0,
    });
    if (id === 1) continue;
    const parent = id === 2 || rng.float() < 0.6 ? id - 1 : 1 + rng.int(id - 1);
    branches.push({
      from: parent,
      to: id,
      rPu: rng.between(0.1, 0.3) / zBase,
      xPu: rng.between(0.05, 0.2) / zBase,
      bPu: 0,
      rateKva: 0,
      tap: 1,
      shiftDeg: 0,
      inService: true,
    });
    const pKw = rng.between(0.1, 0.6);
    loads.push({ bus: id, pKw, qKvar: pKw * rng.between(0.2, 0.5) });
  }
  return {
    name: `synthetic-radial-${busCount}-${seed}`,
    baseMva,
    buses,
    branches,
    loads,
    generators: [{ bus: 1, pKw: 0, qKvar: 0, vSetPu: 1, inService: true, pMaxKw: 0, pMinKw: 0 }],
    substation: { bus: 1, capacityKva: 0 },
  };
}

/**
 * A trading interval with `count` participants on a feeder, the same for the same seed: sellers
 * (rooftop PV and small wind) crowd the far ends of the laterals, buyers are spread everywhere,
 * and prices come from a short list so that equal participants occur.
 */
export function syntheticSchedule(grid: Grid, count: number, seed = 1): ScheduleEntry[] {
  const rng = new Prng(seed);
  const loadBuses = grid.buses.filter((b) => b.type === 'pq').map((b) => b.id);
  const farBuses = loadBuses.slice(Math.floor(loadBuses.length / 2));
  const prices = [30, 35, 40, 45, 50, 60];
  const entries: ScheduleEntry[] = [];
  for (let k = 0; k < count; k++) {
    const seller = rng.float() < 0.6;
    const bus = seller ? farBuses[rng.int(farBuses.length)]! : loadBuses[rng.int(loadBuses.length)]!;
    const netKw = Math.round(rng.between(1, seller ? 9 : 4) * 1000) / 1000;
    entries.push({
      participantId: `p${String(k).padStart(4, '0')}`,
      bus,
      interval: 0,
      netKw: seller ? netKw : -netKw,
      pricePerKwh: prices[rng.int(prices.length)]!,
    });
  }
  return entries;
}

/**
 * The 33-bus feeder with thermal ratings: the trunk's first sections at 5 MVA, every other
 * section at 1.2 MVA. With `syntheticSchedule(grid, 1000, 7)` the buyers beyond bus 6 overload
 * the 6-7 section: the benchmark's congestion case.
 */
export function ratedFeeder(grid: Grid): Grid {
  return {
    ...grid,
    branches: grid.branches.map((b) => ({ ...b, rateKva: b.from <= 5 && b.to <= 6 ? 5000 : 1200 })),
  };
}

/**
 * A congested interval on a synthetic feeder, the same for the same arguments: one section in
 * twenty (chosen by the seed) rated at 110 % of its base-case flow plus 1 kVA, and
 * `syntheticSchedule` with its volumes scaled by 1/50 so that the participants' export is of the
 * order of the feeder's own load (the synthetic feeder's loads are 0.1-0.6 kW a bus). The sellers
 * crowding the far ends overload some rated sections: the benchmark's large congestion case.
 */
export function congestedSyntheticCase(
  busCount: number,
  participants: number,
  seed = 1,
): { grid: Grid; schedule: ScheduleEntry[] } {
  const feeder = syntheticRadialFeeder(busCount, seed);
  const flows = new Map(
    runPowerFlow(feeder).branches.map((f) => [f.index, Math.hypot(f.pFromKw, f.qFromKvar)]),
  );
  const rng = new Prng(seed + 10);
  const grid: Grid = {
    ...feeder,
    branches: feeder.branches.map((b, i) => {
      const kva = flows.get(i) ?? 0;
      return rng.float() < 0.05 ? { ...b, rateKva: Math.round(kva * 1.1 * 1000) / 1000 + 1 } : b;
    }),
  };
  const schedule = syntheticSchedule(grid, participants, seed + 1).map((e) => ({
    ...e,
    netKw: Math.round(e.netKw * 20) / 1000,
  }));
  return { grid, schedule };
}
