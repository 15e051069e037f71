import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RunResult, runSimulation, SimError, STRATEGIES } from '../../src/sim/index.js';

function assertSurvived(result: RunResult): void {
  const context = `seed ${result.seed} ${result.strategies.join(',')}: ${result.problems.join('; ')}`;
  assert.equal(result.agreementOk, true, context);
  assert.equal(result.validityOk, true, context);
  assert.equal(result.livenessOk, true, context);
  assert.equal(result.committedTx, result.submittedTx, context);
}

describe('dag survives every Byzantine strategy (n = 4, f = 1)', () => {
  for (const strategy of STRATEGIES) {
    it(strategy, () => {
      for (const seed of [11]) {
        const result = runSimulation({
          protocol: 'dag',
          nodes: 4,
          faulty: 1,
          byzantine: strategy,
          seed,
          transactions: 30,
        });
        assert.deepEqual(result.strategies, [strategy]);
        assertSurvived(result);
      }
    });
  }
});

describe('dag with 7 validators and 2 Byzantine ones', () => {
  it('survives mixed strategies', () => {
    for (const seed of [3]) {
      const result = runSimulation({
        protocol: 'dag',
        nodes: 7,
        faulty: 2,
        byzantine: 'all',
        seed,
        transactions: 30,
      });
      assert.equal(result.strategies.length, 2);
      assertSurvived(result);
    }
  });
});

describe('pbft keeps safety under every strategy', () => {
  it('agreement and validity hold (liveness may suffer under leader targeting)', () => {
    STRATEGIES.forEach((strategy, k) => {
      const result = runSimulation({
        protocol: 'pbft',
        nodes: 4,
        faulty: 1,
        byzantine: strategy,
        seed: 20 + k,
        transactions: 30,
      });
      const context = `${strategy}: ${result.problems.join('; ')}`;
      assert.equal(result.agreementOk, true, context);
      assert.equal(result.validityOk, true, context);
    });
  });
});

describe('runs', () => {
  it('replay exactly from their seed', () => {
    const a = runSimulation({
      protocol: 'dag',
      nodes: 4,
      faulty: 1,
      byzantine: 'all',
      seed: 5,
      transactions: 30,
    });
    const b = runSimulation({
      protocol: 'dag',
      nodes: 4,
      faulty: 1,
      byzantine: 'all',
      seed: 5,
      transactions: 30,
    });
    assert.deepEqual(a, b);
  });

  it('pass every message through the codecs when asked', () => {
    for (const protocol of ['dag', 'pbft']) {
      const result = runSimulation({
        protocol,
        nodes: 4,
        faulty: 1,
        byzantine: 'flood-future',
        seed: 8,
        transactions: 30,
        wire: true,
      });
      assert.equal(
        result.agreementOk && result.validityOk && result.livenessOk,
        true,
        result.problems.join('; '),
      );
    }
  });

  it('refuse bad options with typed errors', () => {
    assert.throws(
      () => runSimulation({ protocol: 'dag', nodes: 4, faulty: 2, byzantine: 'all', seed: 1 }),
      SimError,
    );
    assert.throws(
      () => runSimulation({ protocol: 'raft', nodes: 4, faulty: 1, byzantine: 'all', seed: 1 }),
      SimError,
    );
    assert.throws(
      () => runSimulation({ protocol: 'dag', nodes: 0, faulty: 0, byzantine: 'all', seed: 1 }),
      SimError,
    );
  });
});
