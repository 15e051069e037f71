import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SHARDS_COMMITTEE, shardCommitteeConflictKey } from '../../src/cross-zone/committee-application.js';
import {
  directoryFromState,
  encodeShardCommittee,
  shardCommitteeKey,
} from '../../src/cross-zone/directory.js';
import { StateShardBook } from '../../src/cross-zone/state-book.js';
import { CROSS_DECIDE, crossZoneApplication } from '../../src/cross-zone/trade-application.js';
import { bytesEqual } from '../../src/crypto/hash.js';
import type { Application } from '../../src/ledger/application.js';
import { decodeCommitteeChange, decodeDecision, ShardLedger } from '../../src/sharding/index.js';
import { shardedChurnReplayCommand, shardedChurnRunOk } from '../../src/sim/sharded-churn/campaign.js';
import {
  runShardedChurnSimulation,
  type ShardedChurnOptions,
  type ShardedChurnResult,
} from '../../src/sim/sharded-churn/run.js';

const base: Omit<ShardedChurnOptions, 'seed'> = {
  shards: 2,
  nodesPerShard: 4,
  standby: 1,
  faultyPerShard: 1,
  byzantine: 'all',
  cycles: 2,
  trades: 16,
};

async function run(seed: number, extra: Partial<ShardedChurnOptions> = {}): Promise<ShardedChurnResult> {
  const options = { ...base, ...extra };
  const result = await runShardedChurnSimulation({ ...options, seed });
  return result;
}

function assertPassed(result: ShardedChurnResult, options: Omit<ShardedChurnOptions, 'seed'> = base): void {
  assert.ok(
    shardedChurnRunOk(result),
    `seed ${result.seed}: ${result.problems.join('; ')}\n  replay: ${shardedChurnReplayCommand(options, result.seed)}`,
  );
}

/** Records whatever certificate it is given, checking nothing: what a chain must never do. */
const uncheckedCommittees: Application = {
  types: [SHARDS_COMMITTEE],
  execute(state, tx) {
    const change = decodeCommitteeChange(tx.payload);
    const key = shardCommitteeKey(change.shardId, change.nextEpoch);
    const value = encodeShardCommittee(change.members, change.credit);
    const known = state.get(key);
    if (known === undefined) state.set(key, value);
    else if (!bytesEqual(known, value))
      state.set(shardCommitteeConflictKey(change.shardId, change.nextEpoch), tx.payload);
  },
};

/** The cross-zone contract, but counting the votes of every committee ever recorded, however long gone. */
const unretiredVotes: Application = {
  types: crossZoneApplication.types,
  execute(state, tx, context) {
    if (tx.type !== CROSS_DECIDE) return crossZoneApplication.execute(state, tx, context);
    const directory = directoryFromState(state)!;
    const everyCommittee = { committee: directory.committee };
    new ShardLedger(context.shardId, context.chainId, 0, new StateShardBook(state), everyCommittee).decide(
      decodeDecision(tx.payload),
    );
  },
};

describe('the sharded system under churn (whole validators on every chain)', () => {
  it('hands every zone shard over each cycle while cross-zone trades stay atomic and the root final over every shard', async () => {
    const result = await run(11);
    assertPassed(result);
    assert.equal(result.reconfigurations, 4, 'two handovers in each of two shards');
    assert.ok(result.crossCommitted > 0 && result.crossCommitted + result.crossAborted === 16);
    assert.ok(result.replayedMessages > 0, 'old epochs were replayed');
    assert.ok(result.byzantineShares > 0, 'Byzantine members voted both ways, in old and future epochs');
    assert.equal(result.boundaryPausesMs.length, 4);
    // The same seed replays to the same run.
    assert.deepEqual(await run(11), result);
  });

  it('refuses the forged certificates the adversary carries; a chain that checked none would record them', async () => {
    let seed = 20;
    let honest = await run(seed);
    while (honest.forgedCertificates === 0 && seed < 30) honest = await run(++seed);
    assert.ok(honest.forgedCertificates > 0, 'a seed up to 30 carries a forged certificate');
    assertPassed(honest);
    const planted = await run(seed, { committeeContract: uncheckedCommittees });
    assert.ok(planted.committeeRecordViolations > 0, `seed ${seed}: the forged records went unseen`);
    assert.equal(shardedChurnRunOk(planted), false);
  });

  it('refuses aborts certified with the leaked keys of a retired committee; a chain that counted them would split trades', async () => {
    // Two standby nodes per shard and four handovers: by the later trades a quorum of an old
    // committee has left (or is faulty), and the adversary holds its keys.
    const options = { ...base, standby: 2, cycles: 4, trades: 24 };
    const seed = 580001;
    const honest = await run(seed, options);
    assert.ok(honest.leakedKeyDecisions > 0, `seed ${seed}: no leaked quorum to sign with`);
    assertPassed(honest, options);
    const planted = await run(seed, { ...options, crossZoneContract: unretiredVotes });
    assert.ok(planted.atomicityViolations > 0, `seed ${seed}: the forged aborts split no trade`);
    assert.equal(shardedChurnRunOk(planted), false);
  });

  it('suspends an equivocating member within a cycle of the first proof, and elects a standby node in its place', async () => {
    const options = { ...base, byzantine: 'equivocate' as const };
    const result = await run(31, options);
    assertPassed(result, options);
    assert.ok(result.suspendedNodes >= 1, 'an equivocator was suspended');
    for (const delay of result.suspensionDelaysMs)
      assert.ok(delay <= 3000, `suspended ${delay} ms after the proof`);
    assert.ok(result.replacedVerifiers >= result.suspendedNodes);
  });

  it('runs twins, the colluding brain and the asynchronous scheduler side by side when asked for all: both equivocators are suspended, trades stay atomic', async () => {
    const options = { ...base, adversary: 'all' as const };
    const result = await run(11, options);
    assertPassed(result, options);
    assert.deepEqual(result.schedulers, ['twins', 'colluding', 'async']);
    assert.ok(result.colludingAttacks > 0, 'the brain attacked');
    assert.equal(
      result.suspendedNodes,
      2,
      "the twins' and the brain's equivocations were proven and suspended",
    );
    assert.ok(result.crossCommitted > 0 && result.crossCommitted + result.crossAborted === 16);
    assert.match(shardedChurnReplayCommand(options, 11), / --adversary all /);
  });

  it('refuses options it cannot run', async () => {
    await assert.rejects(run(1, { shards: 1 }), /--shards/);
    await assert.rejects(run(1, { faultyPerShard: 2 }), /--faulty-per-shard/);
    await assert.rejects(run(1, { cycles: 0 }), /--cycles/);
  });
});
