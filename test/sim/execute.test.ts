import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Application, keyValueApplication } from '../../src/ledger/application.js';
import { runCampaign, runSimulation } from '../../src/sim/index.js';

describe('simulator with whole validators (--execute)', () => {
  it('honest validators execute the same blocks to the same state under every adversary (4/1)', () => {
    const report = runCampaign({
      protocol: 'dag',
      nodes: 4,
      faulty: 1,
      byzantine: 'all',
      adversary: 'all',
      seeds: 4,
      seedStart: 1,
      execute: true,
    });
    assert.deepEqual(
      report.failingSeeds,
      [],
      `replay: npx gridshard sim --protocol dag --nodes 4 --faulty 1 --adversary all --execute --seeds 1 --seed-start ${report.failingSeeds[0]}`,
    );
    assert.ok(report.execution !== undefined);
    assert.equal(report.execution.stateRootDivergences, 0);
    assert.equal(report.execution.finalStateMismatches, 0);
    assert.ok(report.execution.blocks > 0);
    // Every submitted transaction executed once with a successful receipt; a resent copy is refused.
    assert.equal(report.execution.executedTx, report.submittedTx);
  });

  it('PBFT validators execute to the same state too', () => {
    const report = runCampaign({
      protocol: 'pbft',
      nodes: 4,
      faulty: 1,
      byzantine: 'all',
      adversary: 'all',
      seeds: 2,
      seedStart: 3,
      execute: true,
    });
    assert.deepEqual(report.failingSeeds, []);
    assert.equal(report.execution?.stateRootDivergences, 0);
    assert.equal(report.execution?.executedTx, report.submittedTx);
  });

  it('gives honest validators the same block hashes when they hold different quorums of one decision', () => {
    // Each of these runs once wrote blocks whose states agreed but whose hashes did not: the
    // block evidence held the votes (DAG) or commits (PBFT) each validator had gathered, and a
    // Byzantine twin, or an author restarted from its signed log, certifies one vertex with two
    // quorums. The evidence now holds what the decision's digest fixes; the quorum is a proof
    // kept beside the block.
    const runs = [
      { protocol: 'dag', adversary: 'twins', seed: 13 },
      { protocol: 'dag', adversary: 'crash-loss', seed: 15 },
      { protocol: 'pbft', adversary: undefined, seed: 8 },
    ] as const;
    for (const run of runs) {
      const result = runSimulation({
        protocol: run.protocol,
        nodes: 4,
        faulty: 1,
        byzantine: 'all',
        ...(run.adversary === undefined ? {} : { adversary: run.adversary }),
        seed: run.seed,
        execute: true,
      });
      const replay = `npx gridshard sim --protocol ${run.protocol} --nodes 4 --faulty 1${run.adversary === undefined ? '' : ` --adversary ${run.adversary}`} --execute --seeds 1 --seed-start ${run.seed}`;
      assert.ok(result.execution !== undefined);
      assert.ok(result.execution.blocks > 0);
      assert.equal(result.execution.stateRootDivergences, 0, `${result.problems[0]}; replay: ${replay}`);
    }
  });

  it('catches a validator whose execution is not deterministic', () => {
    // Instance 0 also writes its own name into the state: same order, different roots.
    const skewed: Application = {
      types: keyValueApplication.types,
      execute(state, tx, context) {
        keyValueApplication.execute(state, tx, context);
        state.set(new TextEncoder().encode('whoami'), new TextEncoder().encode('zero'));
      },
    };
    const result = runSimulation({
      protocol: 'dag',
      nodes: 4,
      faulty: 0,
      byzantine: 'all',
      seed: 7,
      calm: true,
      transactions: 20,
      execute: true,
      executionApplication: (instance) => (instance === 0 ? skewed : keyValueApplication),
    });
    assert.ok(result.agreementOk, 'the order itself agrees');
    assert.ok(result.execution !== undefined);
    assert.ok(result.execution.stateRootDivergences > 0, 'the divergence is reported');
    assert.ok(result.problems.some((p) => p.startsWith('state:')));
  });

  it('a validator one block of certificates short when the run stops still agrees; the state is what counts', () => {
    // Seed 50222 under the async adversary ends with one honest validator a block without
    // transactions behind the others, at the same state root.
    const result = runSimulation({
      protocol: 'dag',
      nodes: 4,
      faulty: 1,
      byzantine: 'all',
      adversary: 'async',
      seed: 50222,
      execute: true,
    });
    assert.ok(result.execution !== undefined);
    assert.equal(result.execution.stateRootDivergences, 0);
    assert.equal(result.execution.finalStateMismatches, 0, result.problems.join('; '));
  });
});
