import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Grid,
  GridError,
  ieee33Feeder,
  resolveCongestion,
  runPowerFlow,
  type ScheduleEntry,
  securityCheck,
  syntheticRadialFeeder,
  syntheticSchedule,
} from '../../src/grid/index.js';
import { Prng } from '../../src/kit/prng.js';
import { ieee33, withRating } from './cases.js';

/** Smallest total export at one bus that must be curtailed for the schedule to pass, by bisection on the AC check. */
function minimumCurtailmentKw(grid: Grid, bus: number, exportKw: number): number {
  const secureAt = (curtailKw: number) =>
    securityCheck(grid, [
      { participantId: 'x', bus, interval: 0, netKw: exportKw - curtailKw, pricePerKwh: 1 },
    ]).secure;
  let low = 0;
  let high = exportKw;
  assert.equal(secureAt(low), false);
  assert.equal(secureAt(high), true);
  while (high - low > 0.001) {
    const mid = (low + high) / 2;
    if (secureAt(mid)) high = mid;
    else low = mid;
  }
  return high;
}

const exporters: ScheduleEntry[] = [
  { participantId: 'pv-c', bus: 18, interval: 0, netKw: 900, pricePerKwh: 40 },
  { participantId: 'pv-a', bus: 18, interval: 0, netKw: 300, pricePerKwh: 40 },
  { participantId: 'pv-b', bus: 18, interval: 0, netKw: 600, pricePerKwh: 40 },
  { participantId: 'pv-d', bus: 18, interval: 0, netKw: 1200, pricePerKwh: 40 },
];

describe('congestion management', () => {
  it('removes a thermal overload curtailing no more than the AC minimum, shared pro rata', async () => {
    const grid = withRating(ieee33(), 6, 7, 1500);
    const before = securityCheck(grid, exporters);
    assert.equal(before.secure, false);
    const result = await resolveCongestion(grid, exporters, { objective: 'energy' });
    assert.equal(result.after.secure, true);
    const minimum = minimumCurtailmentKw(grid, 18, 3000);
    assert.ok(result.curtailedKw >= minimum - 0.002, `${result.curtailedKw} < minimum ${minimum}`);
    assert.ok(result.curtailedKw <= minimum * 1.001 + 0.005, `${result.curtailedKw} > minimum ${minimum}`);
    // Equal participants share pro rata to their scheduled volumes, to the watt.
    const byId = new Map(result.adjustments.map((a) => [a.participantId, a]));
    for (const entry of exporters) {
      const share = (result.curtailedKw * entry.netKw) / 3000;
      assert.ok(Math.abs(byId.get(entry.participantId)!.curtailedKw - share) <= 0.0011);
      assert.deepEqual(byId.get(entry.participantId)!.reasons, ['branch-thermal:6-7']);
    }
    // The output keeps the input order and only changes volumes.
    assert.deepEqual(
      result.schedule.map((e) => e.participantId),
      exporters.map((e) => e.participantId),
    );
  });

  it('curtails the cheaper position first under the welfare objective', async () => {
    const grid = withRating(ieee33(), 6, 7, 1500);
    const schedule: ScheduleEntry[] = [
      { participantId: 'cheap', bus: 17, interval: 0, netKw: 1500, pricePerKwh: 20 },
      { participantId: 'dear', bus: 18, interval: 0, netKw: 1500, pricePerKwh: 90 },
    ];
    const result = await resolveCongestion(grid, schedule);
    assert.equal(result.after.secure, true);
    const cheap = result.adjustments.find((a) => a.participantId === 'cheap');
    assert.ok(cheap !== undefined && cheap.curtailedKw > 0);
    assert.equal(
      result.adjustments.find((a) => a.participantId === 'dear'),
      undefined,
      'the expensive position is not touched while the cheap one can still relieve the line',
    );
  });

  it('reaches the welfare optimum: the cheap position is used up before the dear one', async () => {
    const grid = withRating(ieee33(), 6, 7, 1500);
    const schedule: ScheduleEntry[] = [
      { participantId: 'cheap', bus: 17, interval: 0, netKw: 200, pricePerKwh: 10 },
      { participantId: 'dear', bus: 18, interval: 0, netKw: 2800, pricePerKwh: 60 },
    ];
    const result = await resolveCongestion(grid, schedule);
    const byId = new Map(result.adjustments.map((a) => [a.participantId, a]));
    assert.equal(byId.get('cheap')!.adjustedKw, 0);
    // With the cheap seller gone, the least the dear one must give up, by bisection on the AC check.
    const secureAt = (dearKw: number) =>
      securityCheck(grid, [{ participantId: 'dear', bus: 18, interval: 0, netKw: dearKw, pricePerKwh: 60 }])
        .secure;
    let low = 0;
    let high = 2800;
    while (high - low > 0.001) {
      const mid = (low + high) / 2;
      if (secureAt(mid)) low = mid;
      else high = mid;
    }
    const dearAdjusted = byId.get('dear')!.adjustedKw;
    assert.ok(dearAdjusted <= low + 0.001, `${dearAdjusted} above the secure maximum ${low}`);
    // Limits are aimed at 20 VA inside, worth a few tens of watts here.
    assert.ok(dearAdjusted >= low - 0.05, `${dearAdjusted} curtails more than needed (max ${low})`);
  });

  it('removes an over-voltage and an under-voltage in separate intervals', async () => {
    const base = ieee33();
    const grid: Grid = {
      ...base,
      buses: base.buses.map((b) => (b.type === 'slack' ? b : { ...b, vMaxPu: 1.03 })),
    };
    const schedule: ScheduleEntry[] = [
      { participantId: 'pv', bus: 33, interval: 0, netKw: 4000, pricePerKwh: 30 },
      { participantId: 'load-a', bus: 18, interval: 1, netKw: -300, pricePerKwh: 50 },
      { participantId: 'load-b', bus: 32, interval: 1, netKw: -300, pricePerKwh: 60 },
    ];
    const result = await resolveCongestion(grid, schedule);
    assert.equal(result.before.intervals[0]!.violations[0]!.kind, 'voltage-high');
    assert.equal(result.before.intervals[1]!.violations[0]!.kind, 'voltage-low');
    assert.equal(result.after.secure, true);
    const adjusted = new Map(result.schedule.map((e) => [`${e.interval}/${e.participantId}`, e.netKw]));
    assert.ok(adjusted.get('0/pv')! < 4000 && adjusted.get('0/pv')! > 0);
    // Buyers are curtailed towards zero, never turned into sellers.
    assert.ok(adjusted.get('1/load-a')! <= 0 && adjusted.get('1/load-a')! > -300);
  });

  it('is deterministic to the byte', async () => {
    const grid = withRating(ieee33(), 6, 7, 1500);
    const first = await resolveCongestion(grid, exporters);
    const second = await resolveCongestion(grid, [...exporters]);
    assert.equal(JSON.stringify(first), JSON.stringify(second));
  });

  it('leaves a secure schedule untouched', async () => {
    const schedule: ScheduleEntry[] = [
      { participantId: 'pv', bus: 18, interval: 0, netKw: 100, pricePerKwh: 1 },
    ];
    const result = await resolveCongestion(ieee33(), schedule);
    assert.deepEqual(result.adjustments, []);
    assert.equal(result.schedule[0], schedule[0]);
  });

  it('reports a violation that no curtailment can remove', async () => {
    // The line 1-2 carries the feeder's own load; no schedule position can bring it under 1 MVA.
    const grid = withRating(ieee33(), 1, 2, 1000);
    const schedule: ScheduleEntry[] = [
      { participantId: 'pv', bus: 18, interval: 0, netKw: 100, pricePerKwh: 1 },
    ];
    await assert.rejects(resolveCongestion(grid, schedule), (e: unknown) => {
      return e instanceof GridError && e.code === 'CONGESTION_INFEASIBLE';
    });
  });
});

describe('congestion management over random cases', () => {
  it('resolves every insecure case of a seeded family, shrinking positions towards zero only', async () => {
    const base = ieee33Feeder();
    const flows = new Map(
      runPowerFlow(base).branches.map((b) => [b.index, Math.hypot(b.pFromKw, b.qFromKvar)] as const),
    );
    let insecure = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const rng = new Prng(seed * 7919);
      const grid: Grid = {
        ...base,
        buses: base.buses.map((b) => (b.type === 'slack' ? b : { ...b, vMaxPu: 1.05 })),
        branches: base.branches.map((b, i) => ({
          ...b,
          rateKva: rng.float() < 0.3 ? Math.round((flows.get(i) ?? 0) * (1.05 + 0.5 * rng.float())) + 100 : 0,
        })),
        substation: { bus: 1, capacityKva: 5000 + rng.int(3000) },
      };
      const schedule = syntheticSchedule(grid, 20 + rng.int(300), seed).map((e) => ({
        ...e,
        netKw: e.netKw * (1 + rng.int(60)),
        interval: rng.int(3),
      }));
      const result = await resolveCongestion(grid, schedule, {
        objective: seed % 2 === 1 ? 'welfare' : 'energy',
      });
      if (!result.before.secure) insecure++;
      assert.equal(result.after.secure, true, `seed ${seed}`);
      for (const a of result.adjustments) {
        assert.ok(Math.abs(a.adjustedKw) < Math.abs(a.scheduledKw), `seed ${seed} ${a.participantId}`);
        assert.ok(a.adjustedKw === 0 || Math.sign(a.adjustedKw) === Math.sign(a.scheduledKw));
      }
    }
    assert.ok(insecure >= 8, `only ${insecure} of the cases needed management`);
  });
});

describe('LinDistFlow sensitivities', () => {
  it('remove the same overload, close to the AC minimum', async () => {
    const grid = withRating(ieee33(), 6, 7, 1500);
    const result = await resolveCongestion(grid, exporters, {
      objective: 'energy',
      sensitivities: 'lindistflow',
    });
    assert.equal(result.after.secure, true);
    const measured = await resolveCongestion(grid, exporters, {
      objective: 'energy',
      sensitivities: 'measured',
    });
    // The losses LinDistFlow leaves out cost a little optimality, not security.
    assert.ok(result.curtailedKw >= measured.curtailedKw - 0.01);
    assert.ok(
      result.curtailedKw <= measured.curtailedKw * 1.02,
      `${result.curtailedKw} vs ${measured.curtailedKw}`,
    );
  });

  it('resolve voltage limits on a larger synthetic feeder', async () => {
    const feeder = syntheticRadialFeeder(2000, 4);
    const grid: Grid = {
      ...feeder,
      buses: feeder.buses.map((b) => (b.type === 'slack' ? b : { ...b, vMaxPu: 1.01 })),
    };
    const schedule = syntheticSchedule(grid, 300, 5).map((e) => ({
      ...e,
      netKw: e.netKw > 0 ? e.netKw * 6 : e.netKw,
    }));
    const before = securityCheck(grid, schedule);
    assert.equal(before.secure, false);
    const result = await resolveCongestion(grid, schedule, { sensitivities: 'lindistflow' });
    assert.equal(result.after.secure, true);
  });

  it('are refused on a meshed network', async () => {
    const base = withRating(ieee33(), 6, 7, 1500);
    const meshed: Grid = {
      ...base,
      branches: base.branches.map((b) => (b.from === 18 && b.to === 33 ? { ...b, inService: true } : b)),
    };
    await assert.rejects(
      resolveCongestion(meshed, exporters, { sensitivities: 'lindistflow' }),
      (e: unknown) => {
        return e instanceof GridError && e.code === 'METHOD_UNSUITABLE';
      },
    );
  });
});
