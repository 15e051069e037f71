import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSimulation } from '../../src/sim/index.js';

describe('asynchronous scheduler', () => {
  for (const protocol of ['dag', 'pbft']) {
    it(`${protocol}: holds messages arbitrarily long, releases them all by its deadline, and every transaction commits`, () => {
      const result = runSimulation({
        protocol,
        nodes: 4,
        faulty: 1,
        byzantine: 'silent',
        seed: 3,
        adversary: 'async',
        transactions: 20,
        txWindowMs: 400,
      });
      assert.equal(result.adversary, 'async');
      assert.ok(result.heldMessages > 50, `only ${result.heldMessages} messages went through the scheduler`);
      assert.equal(result.agreementOk, true, result.problems.join('; '));
      assert.equal(result.validityOk, true, result.problems.join('; '));
      assert.equal(result.livenessOk, true, result.problems.join('; '));
      assert.equal(result.committedTx, 20);
    });
  }

  it('replays exactly from its seed', () => {
    const run = () =>
      runSimulation({
        protocol: 'pbft',
        nodes: 4,
        faulty: 1,
        byzantine: 'equivocate',
        seed: 4,
        adversary: 'async',
        transactions: 10,
        txWindowMs: 300,
      });
    assert.deepEqual(run(), run());
  });
});
