import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSimulation } from '../../src/sim/index.js';
import { exhaustiveTwinsScenarios, setPartitions } from '../../src/sim/twins.js';
import { runTwinsExhaustive } from '../../src/sim/twins-campaign.js';

describe('twins', () => {
  it('enumerates the bounded scenarios for n = 4', () => {
    // Set partitions of 5 instances into at most 3 groups: S(5,1) + S(5,2) + S(5,3) = 1 + 15 + 25.
    assert.equal(setPartitions([0, 1, 2, 3, 4], 3).length, 41);
    const scenarios = exhaustiveTwinsScenarios(1, 4, 200);
    assert.equal(scenarios.length, 59);
    assert.equal(scenarios.filter((s) => s.phases.length === 1).length, 27);
    // In every two-phase scenario the twin's copies are on opposite sides in both phases.
    for (const s of scenarios.filter((x) => x.phases.length === 2)) {
      for (const phase of s.phases) {
        const sideOf = (i: number) => phase.groups.findIndex((g) => g.includes(i));
        assert.notEqual(sideOf(1), sideOf(4));
      }
    }
  });

  it('runs exhaustive scenarios on the DAG and PBFT without a violation (a slice; the CLI runs all 59)', () => {
    for (const protocol of ['dag', 'pbft']) {
      for (const only of [0, 40]) {
        const report = runTwinsExhaustive({
          protocol,
          nodes: 4,
          seed: 1,
          transactions: 4,
          phaseMs: 200,
          livenessBoundMs: 20_000,
          only,
        });
        assert.equal(report.scenarios, 1);
        assert.equal(report.violations, 0, JSON.stringify(report.failing));
      }
    }
  });

  it('runs a random scenario with the twin on both sides and keeps every check', () => {
    const result = runSimulation({
      protocol: 'dag',
      nodes: 4,
      faulty: 1,
      byzantine: 'silent',
      seed: 7,
      adversary: 'twins',
      transactions: 10,
      txWindowMs: 400,
    });
    assert.equal(result.adversary, 'twins');
    assert.equal(
      result.agreementOk && result.validityOk && result.livenessOk,
      true,
      result.problems.join('; '),
    );
    assert.equal(result.equivocationOk, true);
  });
});
