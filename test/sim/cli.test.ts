import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { campaignOptionsFrom, type SimFlags } from '../../src/cli/commands/sim.js';
import { SimError } from '../../src/sim/errors.js';

function gridshard(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
}

describe('sim command', () => {
  it('prints the agreed JSON fields and exits 0 when every check passes', () => {
    const run = gridshard(
      'sim',
      '--protocol',
      'dag',
      '--nodes',
      '4',
      '--faulty',
      '1',
      '--byzantine',
      'all',
      '--seeds',
      '2',
      '--seed-start',
      '3',
      '--transactions',
      '20',
      '--json',
    );
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.runs, 2);
    assert.equal(report.agreementViolations, 0);
    assert.equal(report.validityViolations, 0);
    assert.equal(report.livenessFailures, 0);
    assert.equal(report.committedTx, 40);
    assert.deepEqual(report.failingSeeds, []);
  });

  it('refuses bad options with typed errors', () => {
    const flags: SimFlags = {
      protocol: 'dag',
      nodes: '4',
      faulty: '1',
      byzantine: 'all',
      seeds: '2',
      seedStart: '1',
      transactions: '100',
      livenessBoundMs: '30000',
    };
    assert.equal(campaignOptionsFrom(flags).faulty, 1);
    const code = (f: Partial<SimFlags>) => {
      try {
        campaignOptionsFrom({ ...flags, ...f });
        return 'accepted';
      } catch (error) {
        assert.ok(error instanceof SimError);
        return error.code;
      }
    };
    assert.equal(code({ faulty: '2' }), 'BAD_OPTIONS');
    assert.equal(code({ nodes: 'four' }), 'BAD_OPTIONS');
    assert.equal(code({ seeds: '0' }), 'BAD_OPTIONS');
    assert.equal(code({ protocol: 'raft' }), 'UNKNOWN_PROTOCOL');
    assert.equal(code({ byzantine: 'sneaky' }), 'UNKNOWN_STRATEGY');
    assert.equal(code({ adversary: 'chaos' }), 'UNKNOWN_ADVERSARY');
    assert.equal(campaignOptionsFrom({ ...flags, adversary: 'all' }).adversary, 'all');
    assert.equal(code({ workload: 'stocks', execute: true }), 'BAD_OPTIONS');
    assert.equal(code({ workload: 'market' }), 'BAD_OPTIONS', 'the market workload needs --execute');
    assert.equal(campaignOptionsFrom({ ...flags, execute: true, workload: 'market' }).workload, 'market');
    assert.equal(campaignOptionsFrom(flags).workload, 'kv');
  });

  it('runs an adversary model and reports honest equivocation with the other checks', () => {
    const run = gridshard(
      'sim',
      '--protocol',
      'pbft',
      '--nodes',
      '4',
      '--faulty',
      '1',
      '--adversary',
      'async',
      '--seeds',
      '1',
      '--seed-start',
      '2',
      '--transactions',
      '10',
      '--json',
    );
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.adversary, 'async');
    assert.equal(report.equivocationViolations, 0);
    assert.equal(report.agreementViolations + report.validityViolations + report.livenessFailures, 0);
    assert.equal(report.committedTx, 10);
    assert.deepEqual(report.failingSeeds, []);
  });

  it('runs one exhaustive twins scenario by its index', () => {
    const run = gridshard(
      'sim',
      '--protocol',
      'pbft',
      '--twins-exhaustive',
      '--nodes',
      '4',
      '--twins-scenario',
      '30',
      '--json',
    );
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.scenarios, 1);
    assert.equal(report.violations, 0);
  });

  it('prints the seed and a replay command for a failing run and exits 1', () => {
    // A liveness bound of 1 ms cannot be met: the run fails on purpose.
    const run = gridshard(
      'sim',
      '--protocol',
      'dag',
      '--nodes',
      '4',
      '--faulty',
      '0',
      '--seeds',
      '1',
      '--seed-start',
      '9',
      '--transactions',
      '5',
      '--liveness-bound-ms',
      '1',
      '--json',
    );
    assert.equal(run.status, 1);
    assert.deepEqual(JSON.parse(run.stdout).failingSeeds, [9]);
    assert.match(run.stderr, /seed 9 failed/);
    assert.match(
      run.stderr,
      /replay: npx gridshard sim --protocol dag --nodes 4 --faulty 0 --byzantine all --seeds 1 --seed-start 9 --transactions 5 --liveness-bound-ms 1 --json/,
    );
  });

  it('hands a committee over with --churn, and prints a churn replay command for a failing seed', () => {
    const run = gridshard(
      'sim',
      '--churn',
      '--cycles',
      '2',
      '--seeds',
      '1',
      '--seed-start',
      '7',
      '--transactions',
      '20',
      '--json',
    );
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.reconfigurations, 2);
    assert.equal(report.replacedVerifiers, 1);
    assert.equal(report.epochSafetyViolations + report.blockDivergences + report.livenessFailures, 0);
    const failing = gridshard(
      'sim',
      '--churn',
      '--cycles',
      '2',
      '--seeds',
      '1',
      '--seed-start',
      '7',
      '--transactions',
      '20',
      '--liveness-bound-ms',
      '1',
      '--json',
    );
    assert.equal(failing.status, 1);
    assert.match(
      failing.stderr,
      /replay: npx gridshard sim --churn --nodes 4 --standby 1 --faulty 1 --byzantine all --cycles 2 --keys dkg --transactions 20 --liveness-bound-ms 1 --seeds 1 --seed-start 7/,
    );
  });

  it('hands every zone shard over with --sharded --churn, with the sharded fields and the churn ones', () => {
    const run = gridshard(
      'sim',
      '--sharded',
      '--churn',
      '--shards',
      '2',
      '--cycles',
      '1',
      '--seeds',
      '1',
      '--seed-start',
      '5',
      '--transactions',
      '8',
      '--json',
    );
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.reconfigurations, 2);
    for (const field of [
      'replacedVerifiers',
      'suspendedNodes',
      'epochSafetyViolations',
      'atomicityViolations',
      'conservationViolations',
      'finalityViolations',
      'committeeRecordViolations',
    ])
      assert.equal(typeof report[field], 'number', field);
    assert.equal(report.crossShardCommitted + report.crossShardAborted, 8);
    assert.deepEqual(report.failingSeeds, []);
    const refused = gridshard('sim', '--sharded', '--churn', '--byzantine-master', '--seeds', '1');
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /--byzantine-master and --cross-ratio are not offered/);
    const unknown = gridshard('sim', '--sharded', '--churn', '--adversary', 'leader', '--seeds', '1');
    assert.equal(unknown.status, 2);
    assert.match(
      unknown.stderr,
      /--churn takes --adversary fault-plan \(or crash-loss\), async, twins, colluding or all, got "leader"/,
    );
  });
});
