import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Grid,
  GridError,
  ieee33Feeder,
  resolveCongestion,
  type ScheduleEntry,
  securityCheck,
} from '../../src/grid/index.js';

/**
 * The largest export at one bus that the AC security check accepts, found by bisection on the
 * check itself: the reference the congestion manager's answer is held to. Independent of the
 * production search (no sensitivities, no linear program, flat-start checks only).
 */
function secureMaximumKw(grid: Grid, bus: number, exportKw: number): number {
  const secureAt = (kw: number) =>
    securityCheck(grid, [{ participantId: 'ref', bus, interval: 0, netKw: kw, pricePerKwh: 1 }]).secure;
  let low = 0;
  let high = exportKw;
  assert.equal(secureAt(low), true, 'the feeder without the export must be secure');
  assert.equal(secureAt(high), false, 'the full export must be insecure');
  while (high - low > 0.001) {
    const mid = (low + high) / 2;
    if (secureAt(mid)) low = mid;
    else high = mid;
  }
  return low;
}

describe('congestion management always finds a secure schedule when one exists', () => {
  const grid = ieee33Feeder();
  const reference = secureMaximumKw(grid, 18, 8000);

  for (let mw = 8; mw <= 25; mw++) {
    it(`curtails a ${mw} MW export at bus 18 to the AC optimum`, async () => {
      const schedule: ScheduleEntry[] = [
        { participantId: 'pv', bus: 18, interval: 0, netKw: mw * 1000, pricePerKwh: 40 },
      ];
      const result = await resolveCongestion(grid, schedule);
      assert.equal(result.after.secure, true);
      assert.equal(securityCheck(grid, result.schedule).secure, true);
      const adjusted = result.schedule[0]!.netKw;
      assert.ok(adjusted <= reference + 0.001, `${adjusted} kW is above the secure maximum ${reference}`);
      assert.ok(reference - adjusted <= 1, `${adjusted} kW curtails more than 1 kW beyond ${reference}`);
      // Whole watts leave the manager.
      assert.equal(Math.round(adjusted * 1000), adjusted * 1000);
    });
  }

  it('gives the same answer to the watt on every run', async () => {
    const schedule: ScheduleEntry[] = [
      { participantId: 'pv', bus: 18, interval: 0, netKw: 12000, pricePerKwh: 40 },
      { participantId: 'pv-2', bus: 33, interval: 0, netKw: 9000, pricePerKwh: 40 },
    ];
    const first = await resolveCongestion(grid, schedule);
    const second = await resolveCongestion(grid, schedule);
    assert.equal(JSON.stringify(first.schedule), JSON.stringify(second.schedule));
    assert.equal(first.after.secure, true);
  });

  it('reports infeasibility with the all-floor schedule as its proof', async () => {
    // The feeder's own load overloads the head section: no curtailment of a position helps.
    const rated: Grid = {
      ...grid,
      branches: grid.branches.map((b) => (b.from === 1 && b.to === 2 ? { ...b, rateKva: 1000 } : b)),
    };
    const schedule: ScheduleEntry[] = [
      { participantId: 'pv', bus: 18, interval: 0, netKw: 500, pricePerKwh: 1 },
      { participantId: 'load', bus: 25, interval: 0, netKw: -800, pricePerKwh: 1 },
    ];
    await assert.rejects(resolveCongestion(rated, schedule), (error: unknown) => {
      assert.ok(error instanceof GridError);
      assert.equal(error.code, 'CONGESTION_INFEASIBLE');
      const floor = (error.data as { floor: { entries: ScheduleEntry[]; violations: unknown[] } }).floor;
      assert.deepEqual(
        floor.entries.map((e) => e.netKw),
        [0, 0],
      );
      assert.ok(floor.violations.length > 0);
      // The proof checks out on its own.
      assert.equal(securityCheck(rated, floor.entries).secure, false);
      return true;
    });
  });
});
