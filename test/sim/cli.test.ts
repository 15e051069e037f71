import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

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

  it('refuses a bad option with exit code 2 and a typed error', () => {
    const run = gridshard('sim', '--protocol', 'dag', '--nodes', '4', '--faulty', '2', '--json');
    assert.equal(run.status, 2);
    assert.equal(JSON.parse(run.stdout).error.code, 'BAD_OPTIONS');
    const unknown = gridshard('sim', '--byzantine', 'sneaky', '--json');
    assert.equal(unknown.status, 2);
    assert.equal(JSON.parse(unknown.stdout).error.code, 'UNKNOWN_STRATEGY');
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
});
