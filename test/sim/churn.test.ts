import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readCoinSession } from '../../src/roles/handover.js';
import { churnReplayCommand, churnRunOk } from '../../src/sim/churn/campaign.js';
import { epochSafetyProblems } from '../../src/sim/churn/epoch-checks.js';
import { runChurnSimulation } from '../../src/sim/churn/run.js';
import type { ChurnOptions } from '../../src/sim/churn/types.js';
import { decodeBlockEvidence } from '../../src/validator/evidence.js';

const base: Omit<ChurnOptions, 'seed'> = {
  nodes: 4,
  standby: 1,
  faulty: 1,
  byzantine: 'all',
  cycles: 3,
  transactions: 60,
};

function run(seed: number, extra: Partial<ChurnOptions> = {}) {
  const result = runChurnSimulation({ ...base, ...extra, seed });
  assert.ok(
    churnRunOk(result),
    `seed ${seed}: ${result.problems.join('; ')}\n  replay: ${churnReplayCommand({ ...base, ...extra }, seed)}`,
  );
  return result;
}

describe('committee handovers in the simulator', () => {
  it('hands over every cycle under the fault plan or the asynchronous scheduler and every Byzantine strategy, with one chain everywhere', () => {
    const schedulers = new Set<string>();
    for (let seed = 1; seed <= 6; seed++) {
      const result = run(seed);
      schedulers.add(result.scheduler);
      assert.equal(result.reconfigurations, 3, `seed ${seed}`);
      assert.ok(result.keySessions >= 3, 'each new committee generated its keys');
      assert.equal(result.committedTx, 60);
      assert.ok(result.replayedMessages > 0, 'old epochs’ messages were replayed');
      assert.ok(result.firstCommitRounds.length >= 2, `seed ${seed}: the new epochs committed`);
    }
    assert.deepEqual([...schedulers].sort(), ['async', 'fault-plan']);
  });

  it('replaces a silent member by the standby, which then orders the new epochs', () => {
    const result = run(7, { keepChain: true });
    assert.deepEqual(result.strategies, ['silent']);
    assert.deepEqual(result.faultyNodes, [2]);
    assert.deepEqual(result.committees, [
      [0, 1, 2, 3],
      [0, 1, 4, 3],
      [0, 1, 4, 3],
      [0, 1, 4, 3],
    ]);
    assert.equal(result.replacedVerifiers, 1);
    // Index 2 is node 4 from epoch 1 on: its vertices are in the chain.
    const joined = result.chain!.blocks.some(
      ({ block }) =>
        block.header.epoch >= 1 &&
        block.header.evidence.length > 0 &&
        decodeBlockEvidence(block.header.evidence).batches.some((b) => b.proposer === 2),
    );
    assert.ok(joined, 'the standby that joined had vertices ordered');
    // Its coin keys came from its own key generation, which the chain records for every epoch.
    const last = result.chain!.blocks.at(-1)!.block.view;
    const state = { get: (key: Uint8Array) => last.getState(key) };
    for (const epoch of [1, 2, 3]) assert.ok(readCoinSession(state, epoch) !== null, `epoch ${epoch}`);
    assert.equal(readCoinSession(state, 0), null, 'genesis keys come from the dealer');
  });

  it('hands over with dealt keys too', () => {
    const result = run(3, { keys: 'dealer' });
    assert.equal(result.reconfigurations, 3);
    assert.equal(result.keySessions, 0);
  });

  it('suspends an equivocating member within a cycle of the first proof, and elects it out', () => {
    const result = run(1);
    assert.deepEqual(result.strategies, ['equivocate']);
    assert.deepEqual(result.faultyNodes, [0]);
    assert.equal(result.suspendedNodes, 1);
    assert.ok(
      result.suspensionDelaysMs[0]! <= 3000,
      `suspended ${result.suspensionDelaysMs[0]} ms after the proof`,
    );
    assert.deepEqual(result.committees.slice(1), [
      [4, 1, 2, 3],
      [4, 1, 2, 3],
      [4, 1, 2, 3],
    ]);
  });

  it('runs a Byzantine member as twins split by partitions through every cycle: the identity equivocates, is suspended within a cycle and elected out, and one chain holds', () => {
    for (const seed of [2, 3]) {
      const result = run(seed, { adversary: 'twins' });
      assert.equal(result.scheduler, 'twins');
      assert.deepEqual(result.strategies, [], 'both instances run the honest code');
      assert.equal(result.reconfigurations, 3);
      assert.equal(result.committedTx, 60);
      // Nothing but the split between its two instances made it equivocate.
      assert.equal(result.suspendedNodes, 1, `seed ${seed}: the twins' equivocation went unproven`);
      assert.ok(
        result.suspensionDelaysMs[0]! <= 3000,
        `seed ${seed}: suspended ${result.suspensionDelaysMs[0]} ms after the proof`,
      );
      const [faulty] = result.faultyNodes;
      for (const committee of result.committees.slice(1))
        assert.ok(!committee.includes(faulty!), `seed ${seed}: node ${faulty} elected after its suspension`);
    }
    assert.match(churnReplayCommand({ ...base, adversary: 'twins' }, 2), / --adversary twins /);
  });

  it('lets the colluding brain drive the Byzantine member of each epoch it is in: its attacks break nothing, its double votes get it suspended and elected out', () => {
    for (const seed of [2, 3]) {
      const result = run(seed, { adversary: 'colluding' });
      assert.equal(result.scheduler, 'colluding');
      assert.deepEqual(result.strategies, [], 'the brain plays the faulty member');
      assert.ok(result.colludingAttacks > 0, `seed ${seed}: the brain attacked`);
      assert.equal(result.reconfigurations, 3);
      assert.equal(result.committedTx, 60);
      assert.equal(result.suspendedNodes, 1, `seed ${seed}: the brain's double votes went unproven`);
      const [faulty] = result.faultyNodes;
      for (const committee of result.committees.slice(1))
        assert.ok(!committee.includes(faulty!), `seed ${seed}: node ${faulty} elected after its suspension`);
    }
  });

  it('brings a member that was down across boundaries back: it follows the blocks and joins at a boundary', () => {
    // Node 3 is down from before the first handover until the chain is two epochs on.
    for (const scheduler of ['fault-plan', 'async'] as const) {
      const result = run(5, {
        faulty: 0,
        calm: true,
        scheduler,
        crash: { node: 3, atMs: 2000, restartMs: 14_000 },
      });
      assert.equal(result.reconfigurations, 3);
      assert.ok(result.resyncs >= 1, 'it gave up the epoch it was left in');
    }
    // Down across one boundary only, it is still in the next committee and orders again: its
    // vertices are in that epoch's blocks (it is index 3 there).
    const back = run(5, {
      faulty: 0,
      calm: true,
      scheduler: 'fault-plan',
      crash: { node: 3, atMs: 4000, restartMs: 9500 },
      keepChain: true,
    });
    assert.deepEqual(back.committees[1], [0, 1, 2, 3]);
    const proposers = back
      .chain!.blocks.filter(({ block }) => block.header.epoch === 1 && block.header.evidence.length > 0)
      .flatMap(({ block }) => decodeBlockEvidence(block.header.evidence).batches.map((b) => b.proposer));
    assert.ok(proposers.includes(3), 'node 3 ordered in epoch 1');
  });

  it('hands over on a chain slower than the key generation’s phases (seed 350685)', () => {
    // About one block a second: with fixed 1 s phases no dealing was ever ordered in time.
    const result = run(350_685, { transactions: 200 });
    assert.deepEqual(result.strategies, ['leader-targeting']);
    assert.equal(result.reconfigurations, 3);
    assert.ok(result.keySessions > 3, 'some sessions failed and were run again with longer phases');
  });

  it('the epoch checks catch a block of the wrong epoch, a certificate of another epoch and a gap', () => {
    const { chain } = run(3, { keepChain: true, calm: true });
    const { genesis, blocks } = chain!;
    assert.deepEqual(epochSafetyProblems(blocks, genesis), []);
    const firstOfEpoch1 = blocks.findIndex(
      ({ block }) => block.header.epoch === 1 && block.header.evidence.length > 0,
    );
    assert.ok(firstOfEpoch1 > 0);
    const entry = blocks[firstOfEpoch1]!;
    const restamped = blocks.map((b, i) =>
      i === firstOfEpoch1 ? { ...b, block: { ...b.block, header: { ...b.block.header, epoch: 0 } } } : b,
    );
    assert.match(epochSafetyProblems(restamped, genesis).join(), /stamped epoch 0/);
    // The same block offered as if epoch 0 had gone on: epoch 1's certificates do not verify against epoch 0's committee.
    const boundary = blocks.findIndex(({ block }) => block.header.epoch === 1) - 1;
    const asEpoch0 = [
      ...blocks.slice(0, boundary),
      { ...entry, block: { ...entry.block, header: { ...entry.block.header, epoch: 0 } } },
    ];
    const problems = epochSafetyProblems(asEpoch0, genesis);
    assert.ok(
      problems.some((p) => /against epoch 0's committee/.test(p)),
      problems.join('; '),
    );
    const withGap = blocks.filter((_, i) => i !== firstOfEpoch1);
    assert.match(epochSafetyProblems(withGap, genesis).join(), /expected/);
  });

  it('refuses options outside their bounds', () => {
    assert.throws(() => runChurnSimulation({ ...base, seed: 1, faulty: 2 }), /--faulty/);
    assert.throws(() => runChurnSimulation({ ...base, seed: 1, cycles: 0 }), /--cycles/);
  });
});
