import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  caracas141Feeder,
  congestedSyntheticCase,
  gridToJson,
  ieee33Feeder,
  ratedFeeder,
  resolveCongestion,
  runPowerFlow,
  securityCheck,
  syntheticRadialFeeder,
  syntheticSchedule,
} from '../../src/grid/index.js';
import { ieee33, loadFixtureGrid } from './cases.js';

describe('built-in and synthetic cases', () => {
  it('the built-in 33-bus feeder is the fixture, number for number', () => {
    assert.deepEqual(gridToJson(ieee33Feeder()), gridToJson(ieee33()));
  });

  it('the synthetic 10,000-bus feeder is radial, solved by the sweep, and agrees with Newton-Raphson', () => {
    const grid = syntheticRadialFeeder(10000, 1);
    assert.deepEqual(gridToJson(grid), gridToJson(syntheticRadialFeeder(10000, 1)));
    const sweep = runPowerFlow(grid);
    assert.equal(sweep.method, 'bfs');
    assert.ok(sweep.minVoltagePu > 0.9 && sweep.minVoltagePu < 0.99);
    assert.ok(Math.abs(sweep.substationKw - sweep.loadKw - sweep.lossKw) < 1e-6);
    const small = syntheticRadialFeeder(500, 3);
    const a = runPowerFlow(small);
    const b = runPowerFlow(small, { method: 'nr' });
    assert.ok(Math.abs(a.lossKw - b.lossKw) < 1e-6);
    for (const [i, bus] of a.buses.entries()) assert.ok(Math.abs(bus.vmPu - b.buses[i]!.vmPu) < 1e-9);
  });

  it('resolves the 1,000-participant congestion case of the benchmark', async () => {
    const grid = ratedFeeder(ieee33Feeder());
    const schedule = syntheticSchedule(grid, 1000, 7);
    const result = await resolveCongestion(grid, schedule);
    assert.equal(result.before.secure, false);
    assert.equal(result.after.secure, true);
    assert.ok(result.curtailedKw > 0);
    for (const a of result.adjustments) {
      // Positions shrink towards zero and never change sign.
      assert.ok(Math.abs(a.adjustedKw) < Math.abs(a.scheduledKw));
      assert.ok(a.adjustedKw === 0 || Math.sign(a.adjustedKw) === Math.sign(a.scheduledKw));
    }
    // The overload on 6-7 is carried towards the buses beyond it; only positions there can help.
    const beyond = new Set([7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
    for (const a of result.adjustments) assert.ok(beyond.has(a.bus), `bus ${a.bus}`);
  });
});

describe('built-in 141-bus feeder and the large congestion case', () => {
  it('the 141-bus feeder in code equals the fixture converted from the case file', () => {
    const inCode = runPowerFlow(caracas141Feeder());
    const fromFile = runPowerFlow(loadFixtureGrid('case141.json'));
    assert.equal(inCode.buses.length, 141);
    assert.ok(Math.abs(inCode.lossKw - fromFile.lossKw) < 1e-6);
    assert.ok(Math.abs(inCode.loadKw - 11944.625) < 1e-9);
    assert.equal(inCode.minVoltageBus, 87);
    for (let i = 0; i < 141; i++)
      assert.ok(Math.abs(inCode.buses[i]!.vmPu - fromFile.buses[i]!.vmPu) < 1e-12);
  });

  it('the congested synthetic case is insecure and resolved', async () => {
    const { grid, schedule } = congestedSyntheticCase(300, 3000, 2);
    assert.equal(securityCheck(grid, schedule).secure, false);
    const result = await resolveCongestion(grid, schedule);
    assert.equal(result.after.secure, true);
    assert.ok(result.curtailedKw > 0);
  });
});
