import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runShardedSimulation, shardedRunOk } from '../../src/sim/sharded/run.js';
import type { ShardedOptions } from '../../src/sim/sharded/types.js';

const base: ShardedOptions = {
  shards: 4,
  nodesPerShard: 4,
  faultyPerShard: 1,
  byzantine: 'all',
  byzantineMaster: true,
  crossRatio: 0.5,
  trades: 24,
  seed: 0,
};

const replay = (seed: number) =>
  `npx gridshard sim --sharded --shards 4 --nodes-per-shard 4 --faulty-per-shard 1 --byzantine all --byzantine-master --cross-ratio 0.5 --transactions 24 --seeds 1 --seed-start ${seed} --json`;

describe('sharded simulation', () => {
  for (const seed of [11, 12]) {
    it(`seed ${seed}: cross-zone trades are atomic under Byzantine validators and masters`, () => {
      const result = runShardedSimulation({ ...base, seed });
      assert.ok(
        shardedRunOk(result),
        `seed ${seed} failed: ${result.problems.join('; ')}\n  replay: ${replay(seed)}`,
      );
      assert.ok(result.crossShardCommitted > 0, 'some cross-zone trades commit');
      assert.ok(result.crossShardAborted > 0, 'some cross-zone trades abort (buyers and sellers run short)');
      assert.ok(Object.keys(result.masterAttacks).length >= 3, 'the Byzantine masters attacked');
      const refused = Object.values(result.refusedDecisions).reduce((a, b) => a + b, 0);
      assert.ok(refused > 0, 'forged and replayed decisions reached the chains and were refused there');
      assert.ok(
        result.rootFinalHeights.every((height) => height > 0),
        'every shard is final in the root chain',
      );
    });
  }

  it("runs committees under the consensus simulator's asynchronous scheduler and colluding brain", () => {
    // Seed 2 draws the asynchronous scheduler for shards 0 and 3 and the root committee, and the
    // colluding brain for shards 1 and 2.
    const seed = 2;
    const result = runShardedSimulation({ ...base, seed });
    assert.deepEqual(result.schedulers, ['async', 'colluding', 'colluding', 'async', 'async']);
    assert.ok(
      shardedRunOk(result),
      `seed ${seed} failed: ${result.problems.join('; ')}\n  replay: ${replay(seed)}`,
    );
    result.schedulers.forEach((scheduler, c) => {
      const held = result.heldMessages[c]!;
      if (scheduler === 'async') assert.ok(held > 100, `committee ${c}'s scheduler held messages`);
      if (scheduler === 'colluding') assert.ok(held > 0, `committee ${c}'s brain held messages`);
    });
    assert.ok(result.colludingAttacks > 0, 'the brains attacked');
    assert.ok(result.crossShardCommitted > 0);
    assert.ok(result.rootFinalHeights.every((height) => height > 0));
  });

  it('runs faulty members as twins, whose equivocations honest cores prove and nothing breaks', () => {
    // Seed 33 draws every kind: the colluding brain for shard 0, twins for shards 1 and 3, the
    // fault plan for shard 2 and the asynchronous scheduler for the root committee.
    const seed = 33;
    const result = runShardedSimulation({ ...base, seed });
    assert.deepEqual(result.schedulers, ['colluding', 'twins', 'fault-plan', 'twins', 'async']);
    assert.ok(
      shardedRunOk(result),
      `seed ${seed} failed: ${result.problems.join('; ')}\n  replay: ${replay(seed)}`,
    );
    assert.equal(result.twinsProven, 2, 'in both twins committees an honest core holds the proof');
    assert.ok(result.crossShardCommitted > 0);
    assert.ok(result.rootFinalHeights.every((height) => height > 0));
  });

  it('is a function of its seed', () => {
    const a = runShardedSimulation({ ...base, seed: 5, trades: 12 });
    const b = runShardedSimulation({ ...base, seed: 5, trades: 12 });
    assert.deepEqual(a, b);
  });

  it('catches the atomicity and conservation breaks of validators that take signatures on trust', () => {
    // A planted bug: every certificate check passes, so a master's forged commit is applied.
    const trusting = { verified: () => true };
    let caught = 0;
    for (const seed of [11, 12]) {
      const result = runShardedSimulation({ ...base, seed, certificateChecks: trusting });
      if (result.atomicityViolations > 0 || result.conservationViolations > 0 || result.doubleSpends > 0)
        caught++;
    }
    assert.ok(caught > 0, 'the checks see a trade applied in some shards and not others');
  });

  it('refuses options it cannot run', () => {
    assert.throws(() => runShardedSimulation({ ...base, faultyPerShard: 2 }), /faulty-per-shard/);
    assert.throws(() => runShardedSimulation({ ...base, crossRatio: 2 }), /cross-ratio/);
    assert.throws(() => runShardedSimulation({ ...base, faultyPerShard: 0 }), /byzantine-master/);
  });
});
