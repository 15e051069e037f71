import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Certificate, type DagCore, dagProtocol } from '../../../src/consensus/dag/index.js';
import type { CommittedBatch } from '../../../src/consensus/interface.js';
import { DagBuilder } from './builder.js';
import { Cluster, txs } from './harness.js';

function feed(core: DagCore, certificates: Certificate[]): CommittedBatch[] {
  const commits: CommittedBatch[] = [];
  for (const certificate of certificates) {
    const from = certificate.header.author === 3 ? 0 : certificate.header.author;
    for (const effect of core.handle(
      { kind: 'message', from, message: { type: 'certificate', certificate } },
      0,
    )) {
      if (effect.kind === 'commit') commits.push(effect.batch);
    }
  }
  return commits;
}

const labels = (batches: CommittedBatch[]) => batches.map((b) => new TextDecoder().decode(b.transactions[0]));

// Validator 3 observes; the DAGs are built from the other validators' vertices (and 3's in round 1).
describe('commit rule on hand-built DAGs', () => {
  it('commits a wave leader with f + 1 support once the coin opens, and only then', () => {
    const dag = new DagBuilder(21);
    const leader = dag.leader(1);
    const all = [0, 1, 2, 3];
    const core = dagProtocol.create(dag.inits[3]!) as DagCore;
    assert.deepEqual(feed(core, dag.round(1, { 0: [], 1: [], 2: [], 3: [] })), []);
    // Round 2: every vertex references every round-1 vertex, so the leader has full support.
    assert.deepEqual(feed(core, dag.round(2, { 0: all, 1: all, 2: all })), []);
    // One coin-round vertex: f shares, the coin is still closed.
    assert.deepEqual(feed(core, [dag.vertex(0, 3, [0, 1, 2])]), []);
    const committed = feed(core, [dag.vertex(1, 3, [0, 1, 2])]);
    assert.deepEqual(labels(committed), [DagBuilder.label(leader, 1)]);
    assert.equal(committed[0]!.sequence, 0);
  });

  it('skips a leader without f + 1 support, then orders it first through a later leader that reaches it', () => {
    // Pick a genesis where the two leaders are distinct validators among 0 … 2.
    let seed = 30;
    let dag = new DagBuilder(seed);
    while (dag.leader(1) === 3 || dag.leader(2) === 3 || dag.leader(1) === dag.leader(2))
      dag = new DagBuilder(++seed);
    const l1 = dag.leader(1);
    const l2 = dag.leader(2);
    const others = [0, 1, 2, 3].filter((a) => a !== l1);
    const core = dagProtocol.create(dag.inits[3]!) as DagCore;
    feed(core, dag.round(1, { 0: [], 1: [], 2: [], 3: [] }));
    // Round 2: only l2's vertex references l1 (support 1 < f + 1).
    const round2: Record<number, number[]> = {};
    for (const a of [0, 1, 2]) round2[a] = a === l2 ? [0, 1, 2, 3] : others;
    feed(core, dag.round(2, round2));
    assert.deepEqual(feed(core, dag.round(3, { 0: [0, 1, 2], 1: [0, 1, 2], 2: [0, 1, 2] })), []);
    feed(core, dag.round(4, { 0: [0, 1, 2], 1: [0, 1, 2], 2: [0, 1, 2] }));
    const committed = labels(feed(core, dag.round(5, { 0: [0, 1, 2], 1: [0, 1, 2] })));
    // Wave 1's leader comes first (its history is itself), then wave 2's leader's history by
    // (round, author), ending with the leader.
    assert.equal(committed[0], DagBuilder.label(l1, 1));
    assert.equal(committed[committed.length - 1], DagBuilder.label(l2, 3));
    const expectedRest = [
      ...others.map((a) => DagBuilder.label(a, 1)),
      ...[0, 1, 2].map((a) => DagBuilder.label(a, 2)),
      DagBuilder.label(l2, 3),
    ];
    assert.deepEqual(committed.slice(1), expectedRest);
  });
});

describe('newcomers to the committee and the leader election', () => {
  /** The round of the leader of each validator's first commit, with member 3 down from the start. */
  function firstLeaderRounds(seedByte: number, newcomers: readonly number[] | undefined): number[] {
    const cluster = new Cluster(4, seedByte);
    for (let i = 0; i < 3; i++)
      cluster.replace(
        i,
        dagProtocol.create({
          ...cluster.inits[i]!,
          ...(newcomers === undefined ? {} : { newcomers }),
        }) as DagCore,
      );
    cluster.kill(3);
    cluster.start();
    for (let i = 0; i < 3; i++) cluster.submit(i, txs(`n${seedByte}-${i}`, 2));
    cluster.run(1_000);
    return [0, 1, 2].map((i) => cluster.commits[i]!.find((b) => b.endsCommit)?.round ?? -1);
  }

  it('leaves a newcomer that has not been ordered out of the election, so the first wave commits', () => {
    // Seed bytes 15, 19 and 20 deal coin keys whose first wave elects member 3 among all four.
    for (const seedByte of [15, 19, 20]) {
      assert.deepEqual(
        firstLeaderRounds(seedByte, undefined),
        [3, 3, 3],
        `seed byte ${seedByte}: the wave is lost`,
      );
      assert.deepEqual(firstLeaderRounds(seedByte, [3]), [1, 1, 1], `seed byte ${seedByte}`);
    }
    // Elsewhere the list changes nothing the committee could see: the first wave commits either way.
    for (const seedByte of [1, 2, 3]) assert.deepEqual(firstLeaderRounds(seedByte, [3]), [1, 1, 1]);
  });
});
