import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Highs } from 'highs';
import { type Grid, ieee33Feeder, loadHighs, securityCheck } from '../../src/grid/index.js';
import { applyAdjustments, securityCheckProblems } from '../../src/market/grid-compliance.js';
import type { ScheduleInterval } from '../../src/market/grid-interface.js';
import { GridSecurityChecker } from '../../src/market/grid-security.js';

const HOUR_MS = 3_600_000;

/** The IEEE 33-bus feeder with its far lateral (sections beyond bus 12 on the main trunk) rated 1.2 MVA. */
function weakEndFeeder(): Grid {
  const grid = ieee33Feeder();
  return {
    ...grid,
    branches: grid.branches.map((b) => ({ ...b, rateKva: b.from >= 12 && b.to <= 18 ? 1200 : 0 })),
  };
}

function interval(n: number, trades: { id: number; sellerBus: number; powerKw: number }[]): ScheduleInterval {
  return {
    interval: n,
    intervalMs: HOUR_MS,
    entries: trades.map((t) => ({
      id: t.id,
      seller: `s${t.id}`,
      buyer: `b${t.id}`,
      sellerBus: t.sellerBus,
      buyerBus: 2,
      energyWh: t.powerKw * 1000,
      powerKw: t.powerKw,
    })),
  };
}

describe('market security check on the AC power flow', () => {
  let highs: Highs;
  before(async () => {
    highs = await loadHighs();
  });

  it('passes trades the IEEE 33-bus feeder can carry, untouched', () => {
    const checker = new GridSecurityChecker(weakEndFeeder(), highs);
    const schedule = [
      interval(0, [
        { id: 0, sellerBus: 18, powerKw: 300 },
        { id: 1, sellerBus: 25, powerKw: 400 },
      ]),
    ];
    assert.deepEqual(checker.check(schedule), { violations: [], adjustments: [] });
  });

  it('curtails injections that break a limit, with a reason, until the AC flow is secure', () => {
    const grid = weakEndFeeder();
    const checker = new GridSecurityChecker(grid, highs);
    // 3.5 MW of generation at the far end of the weak lateral: reverse flow above the 1.2 MVA rating.
    const schedule = [
      interval(0, [
        { id: 0, sellerBus: 18, powerKw: 2000 },
        { id: 1, sellerBus: 17, powerKw: 1500 },
        { id: 2, sellerBus: 25, powerKw: 200 },
      ]),
      interval(1, [{ id: 3, sellerBus: 18, powerKw: 100 }]),
    ];
    const result = checker.check(schedule);
    assert.ok(result.violations.length > 0, 'the overload is reported');
    assert.ok(result.violations.every((v) => v.interval === 0));
    assert.ok(result.adjustments.length > 0);
    for (const adjustment of result.adjustments) assert.match(adjustment.reason, /^AC security check: /);
    assert.deepEqual(securityCheckProblems(checker, schedule), [], 'the market’s rules for a checker hold');
    const adjusted = applyAdjustments(schedule, result);
    const after = securityCheck(
      grid,
      adjusted.flatMap((i) =>
        i.entries.map((e) => ({
          participantId: String(e.id),
          bus: e.sellerBus,
          interval: i.interval,
          netKw: (e.energyWh / 1000) * (HOUR_MS / i.intervalMs),
          pricePerKwh: 1,
        })),
      ),
    );
    assert.equal(after.secure, true, JSON.stringify(after.violations));
    const curtailedWh = result.adjustments.reduce(
      (sum, a) => sum + (schedule[0]!.entries.find((e) => e.id === a.id)!.energyWh - a.energyWh),
      0,
    );
    assert.ok(curtailedWh > 0 && curtailedWh < 3_700_000, `curtailed ${curtailedWh} Wh`);
  });
});
