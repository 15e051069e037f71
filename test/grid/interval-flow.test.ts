import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ieee33Feeder, ratedFeeder, type Schedule, securityCheck } from '../../src/grid/index.js';
import { intervalFlow } from '../../src/grid/interval-flow.js';
import { Prng } from '../../src/kit/prng.js';

// The per-interval flow the portal draws is the security check's own solution: for the same
// injections it names exactly the violations, substation loading and losses the check reports.

describe('intervalFlow', () => {
  const grid = ratedFeeder(ieee33Feeder());

  it('agrees with securityCheck on seeded schedules, secure and overloaded', () => {
    const rng = new Prng(20261129);
    let insecure = 0;
    for (let round = 0; round < 25; round++) {
      const injections = Array.from({ length: 1 + Math.floor(rng.float() * 6) }, () => ({
        bus: 2 + Math.floor(rng.float() * 32),
        pKw: Math.round(rng.float() * 2500),
      }));
      const schedule: Schedule = injections.map((x, i) => ({
        participantId: `p${i}`,
        bus: x.bus,
        interval: 3,
        netKw: x.pKw,
        pricePerKwh: 1,
      }));
      const report = securityCheck(grid, schedule);
      const flow = intervalFlow(grid, injections, 3);
      assert.deepEqual(flow.violations, report.violations);
      assert.equal(flow.substationKva, report.intervals[0]!.substationKva);
      assert.equal(flow.lossKw, report.intervals[0]!.lossKw);
      const lowest = Math.min(...flow.buses.map((b) => b.vmPu!));
      assert.equal(lowest, report.intervals[0]!.minVoltagePu);
      if (!report.secure) insecure++;
    }
    assert.ok(insecure > 0, 'some schedules overload the feeder');
  });

  it('reports every branch, with the open tie switches at zero and loading against the rating', () => {
    const flow = intervalFlow(grid, [], 0);
    assert.equal(flow.lines.length, grid.branches.length);
    for (const line of flow.lines) {
      const branch = grid.branches[line.branch]!;
      assert.equal(line.inService, branch.inService);
      if (!branch.inService) assert.equal(line.flowKva, 0);
      assert.equal(line.loadingPct, (line.flowKva / branch.rateKva) * 100);
    }
    // The case's own loads: 3715 kW and 2300 kvar, plus losses, come through the substation.
    assert.ok(flow.substationKva! > Math.hypot(3715, 2300));
  });
});
