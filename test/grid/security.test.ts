import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GridError, type ScheduleEntry, scheduleFromJson, securityCheck } from '../../src/grid/index.js';
import { ieee33, withRating } from './cases.js';

describe('security check', () => {
  it('passes a modest schedule on the base feeder', () => {
    const schedule: ScheduleEntry[] = [
      { participantId: 'pv-a', bus: 18, interval: 0, netKw: 100, pricePerKwh: 40 },
      { participantId: 'home-b', bus: 17, interval: 0, netKw: -60, pricePerKwh: 60 },
    ];
    const report = securityCheck(ieee33(), schedule);
    assert.equal(report.secure, true);
    assert.equal(report.intervals.length, 1);
    assert.deepEqual(report.violations, []);
  });

  it('lists thermal, voltage and substation violations per interval', () => {
    let grid = withRating(ieee33(), 6, 7, 1500);
    grid = { ...grid, substation: { ...grid.substation, capacityKva: 4000 } };
    grid = { ...grid, buses: grid.buses.map((b) => (b.type === 'slack' ? b : { ...b, vMaxPu: 1.02 })) };
    const schedule: ScheduleEntry[] = [
      // Interval 0: 3 MW of export at the far end reverses and overloads 6-7 and lifts voltages.
      { participantId: 'pv-a', bus: 18, interval: 0, netKw: 3000, pricePerKwh: 40 },
      // Interval 1: extra demand overloads the substation and sinks the far-end voltage.
      { participantId: 'plant', bus: 2, interval: 1, netKw: -1500, pricePerKwh: 90 },
      { participantId: 'mill', bus: 18, interval: 1, netKw: -400, pricePerKwh: 70 },
    ];
    const report = securityCheck(grid, schedule);
    assert.equal(report.secure, false);
    const kinds0 = new Set(report.intervals[0]!.violations.map((v) => v.kind));
    assert.ok(kinds0.has('branch-thermal'));
    assert.ok(kinds0.has('voltage-high'));
    const kinds1 = new Set(report.intervals[1]!.violations.map((v) => v.kind));
    assert.ok(kinds1.has('substation-capacity'));
    assert.ok(kinds1.has('voltage-low'));
    const thermal = report.violations.find((v) => v.kind === 'branch-thermal');
    assert.ok(thermal !== undefined && thermal.kind === 'branch-thermal');
    assert.equal(thermal.from, 6);
    assert.equal(thermal.limitKva, 1500);
  });

  it('reports a schedule with no operating point as a violation', () => {
    const schedule: ScheduleEntry[] = [
      { participantId: 'huge', bus: 18, interval: 3, netKw: -40000, pricePerKwh: 1 },
    ];
    const report = securityCheck(ieee33(), schedule);
    assert.equal(report.secure, false);
    assert.equal(report.violations[0]!.kind, 'not-converged');
  });

  it('rejects malformed schedules', () => {
    const bad = (run: () => unknown) =>
      assert.throws(run, (e: unknown) => e instanceof GridError && e.code === 'SCHEDULE_INVALID');
    bad(() => scheduleFromJson({ entries: [{ participantId: '', bus: 1, netKw: 1 }] }));
    bad(() => scheduleFromJson({ entries: [{ participantId: 'a', bus: 1.5, netKw: 1 }] }));
    bad(() => scheduleFromJson({ nope: [] }));
    bad(() =>
      securityCheck(ieee33(), [{ participantId: 'a', bus: 99, interval: 0, netKw: 1, pricePerKwh: 1 }]),
    );
    bad(() =>
      securityCheck(ieee33(), [
        { participantId: 'a', bus: 2, interval: 0, netKw: 1, pricePerKwh: 1 },
        { participantId: 'a', bus: 3, interval: 0, netKw: 1, pricePerKwh: 1 },
      ]),
    );
    const withIsland = {
      ...ieee33(),
      buses: [...ieee33().buses, { ...ieee33().buses[1]!, id: 34, type: 'isolated' as const }],
    };
    bad(() =>
      securityCheck(withIsland, [{ participantId: 'a', bus: 34, interval: 0, netKw: 1, pricePerKwh: 1 }]),
    );
    assert.deepEqual(scheduleFromJson([{ participantId: 'a', bus: 2, netKw: -3 }]), [
      { participantId: 'a', bus: 2, interval: 0, netKw: -3, pricePerKwh: 0 },
    ]);
  });
});
