import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type LatencyHistogram, latencyOver, pruneReadings } from '../../web/src/lib/latency.js';
import {
  type AlertRules,
  alerts,
  type ChainTrack,
  chainSample,
  type NodeTrack,
  ROOT_SHARD_ID,
  recordPoll,
  trackChain,
} from '../../web/src/lib/ops-alerts.js';
import { recentThroughput } from '../../web/src/lib/throughput.js';

// The operations monitor's rules, replayed with the test's own clock: every sample carries its time.

const RULES: AlertRules = { stallMs: 30_000, behindBlocks: 10, unreachableMs: 10_000 };

function node(shardId: number, index: number, committee = 4): NodeTrack {
  return { shardId, index, committee, last: null, failingSinceMs: null };
}
const answer = (atMs: number, height: number, mempoolSize = 0, peers = 3) => ({
  atMs,
  height,
  mempoolSize,
  peers,
});

/** Replays samples of one chain (time, height, transactions waiting) into its track. */
function replay(samples: readonly [number, number, number][]): ChainTrack {
  let track: ChainTrack | null = null;
  for (const [atMs, height, waiting] of samples) track = trackChain(track, { atMs, height, waiting });
  return track!;
}

describe('operations monitor rules', () => {
  it('calls a chain stalled only when it has not advanced for longer than the threshold while transactions wait', () => {
    const stalledAt = (track: ChainTrack, nowMs: number) =>
      alerts({ nowMs, nodes: [], chains: new Map([[0, track]]) }, RULES);
    // Idle: no block for a minute, but nothing waits.
    assert.deepEqual(
      stalledAt(
        replay([
          [0, 5, 0],
          [30_000, 5, 0],
          [60_000, 5, 0],
        ]),
        60_000,
      ),
      [],
    );
    // Transactions arrive at 60 s after a long idle: the clock starts then, not at the last block.
    const waiting = replay([
      [0, 5, 0],
      [60_000, 5, 3],
      [85_000, 5, 3],
    ]);
    assert.deepEqual(stalledAt(waiting, 85_000), []);
    assert.deepEqual(stalledAt(waiting, 90_000), [], 'exactly the threshold is not past it');
    assert.deepEqual(stalledAt(waiting, 95_000), [{ kind: 'stalled', shardId: 0, seconds: 35, waiting: 3 }]);
    // The chain advances while transactions keep waiting: the clock restarts at the new height.
    const moving = replay([
      [0, 5, 3],
      [20_000, 6, 7],
      [45_000, 6, 7],
    ]);
    assert.deepEqual(stalledAt(moving, 49_000), []);
    assert.deepEqual(stalledAt(moving, 51_000), [{ kind: 'stalled', shardId: 0, seconds: 31, waiting: 7 }]);
    // The mempool drains: no alert, and a new wait starts its own clock.
    const drained = replay([
      [0, 5, 3],
      [40_000, 5, 0],
      [45_000, 5, 2],
    ]);
    assert.equal(drained.waitingSinceMs, 45_000);
    assert.deepEqual(stalledAt(drained, 70_000), []);
  });

  it('samples a chain from the validators that answered: the highest height, the largest mempool', () => {
    const nodes = [
      recordPoll(node(1, 0), answer(1_000, 40, 2)),
      recordPoll(node(1, 1), answer(1_000, 42, 0)),
      recordPoll(recordPoll(node(1, 2), answer(0, 99, 50)), { failedAtMs: 1_000 }),
      recordPoll(node(2, 0), answer(1_000, 7, 1)),
    ];
    assert.deepEqual(chainSample(nodes, 1, 1_000), { atMs: 1_000, height: 42, waiting: 2 });
    assert.equal(chainSample(nodes, 3, 1_000), null);
    assert.equal(chainSample([node(1, 0)], 1, 1_000), null, 'never read');
  });

  it('reports a validator unreachable once its polls have failed for the threshold, from the first failure', () => {
    let v = recordPoll(node(0, 2), answer(0, 10));
    v = recordPoll(v, { failedAtMs: 5_000 });
    v = recordPoll(v, { failedAtMs: 10_000 });
    assert.equal(v.failingSinceMs, 5_000);
    assert.equal(v.last?.height, 10, 'the last answer is kept');
    const at = (nowMs: number) => alerts({ nowMs, nodes: [v], chains: new Map() }, RULES);
    assert.deepEqual(at(14_999), []);
    assert.deepEqual(at(15_000), [{ kind: 'unreachable', shardId: 0, index: 2, seconds: 10 }]);
    // One answer clears it.
    v = recordPoll(v, answer(16_000, 12));
    assert.equal(v.failingSinceMs, null);
    assert.deepEqual(alerts({ nowMs: 30_000, nodes: [v], chains: new Map() }, RULES), []);
  });

  it('reports a validator more than N blocks below the highest of its own chain, and one without peers', () => {
    const nodes = [
      recordPoll(node(0, 0), answer(1_000, 100)),
      recordPoll(node(0, 1), answer(1_000, 90)),
      recordPoll(node(0, 2), answer(1_000, 89, 0, 0)),
      // Another chain's heights are not compared with these.
      recordPoll(node(ROOT_SHARD_ID, 0), answer(1_000, 5_000)),
      recordPoll(node(ROOT_SHARD_ID, 1, 1), answer(1_000, 5_000, 0, 0)),
    ];
    assert.deepEqual(alerts({ nowMs: 1_000, nodes, chains: new Map() }, RULES), [
      { kind: 'behind', shardId: 0, index: 2, blocks: 11 },
      { kind: 'isolated', shardId: 0, index: 2 },
    ]);
  });

  it('orders alerts: stalled chains, then each validator by chain and index, with the answering node’s disconnected peers, then suspended members', () => {
    const stalled = replay([
      [0, 3, 4],
      [40_000, 3, 4],
    ]);
    const nodes = [
      recordPoll(recordPoll(node(1, 3), answer(0, 3)), { failedAtMs: 0 }),
      recordPoll(node(1, 0), answer(40_000, 3, 4)),
      recordPoll(node(0, 1), answer(40_000, 50)),
    ];
    const found = alerts(
      {
        nowMs: 40_000,
        nodes,
        chains: new Map([[1, stalled]]),
        // Validator 5 is not polled (the monitor reads no API for it), but the node says it is cut off.
        disconnected: { shardId: 1, indices: [5, 3] },
        // The answering chain holds two members suspended for proven equivocations.
        suspended: {
          shardId: 1,
          members: [
            { index: 2, round: 40 },
            { index: 0, round: 7 },
          ],
        },
      },
      RULES,
    );
    assert.deepEqual(found, [
      { kind: 'stalled', shardId: 1, seconds: 40, waiting: 4 },
      { kind: 'unreachable', shardId: 1, index: 3, seconds: 40 },
      { kind: 'disconnected', shardId: 1, index: 3 },
      { kind: 'disconnected', shardId: 1, index: 5 },
      { kind: 'suspended', shardId: 1, index: 0, round: 7 },
      { kind: 'suspended', shardId: 1, index: 2, round: 40 },
    ]);
  });
});

describe('operations monitor figures', () => {
  const histogram = (count: number, sumSeconds: number, cumulative: number[]): LatencyHistogram => ({
    count,
    sumSeconds,
    buckets: [0.1, 0.5, 1, 5].map((leSeconds, i) => ({ leSeconds, count: cumulative[i]! })),
  });

  it('derives commit latency over the last minute from the differences of cumulative readings', () => {
    const readings = [
      { atMs: 0, histogram: histogram(10, 100, [0, 0, 0, 10]) },
      { atMs: 30_000, histogram: histogram(12, 100.4, [2, 2, 2, 12]) },
      { atMs: 60_000, histogram: histogram(30, 106.4, [2, 10, 29, 30]) },
      { atMs: 90_000, histogram: histogram(50, 112.4, [22, 30, 49, 50]) },
    ];
    // From the reading at 30 s (the last one at or before the window's start) to 90 s.
    const minute = latencyOver(readings, 90_000, 60_000);
    assert.equal(minute.count, 38);
    assert.equal(minute.spanMs, 60_000);
    assert.ok(Math.abs(minute.meanMs! - 12_000 / 38) < 1e-6);
    // 38 · 0.95 → 37 within a bound: 47 at 1 s, 28 at 0.5 s.
    assert.deepEqual(minute.p95, { within: true, boundMs: 1_000 });
    // Past the largest bound: over 5 s.
    const slow = latencyOver(
      [
        { atMs: 0, histogram: histogram(0, 0, [0, 0, 0, 0]) },
        { atMs: 5_000, histogram: histogram(4, 40, [0, 0, 0, 1]) },
      ],
      5_000,
      60_000,
    );
    assert.deepEqual(slow.p95, { within: false, boundMs: 5_000 });
    assert.deepEqual(latencyOver([], 0, 60_000), { count: 0, meanMs: null, p95: null, spanMs: 0 });
    const quiet = latencyOver(readings.slice(0, 1), 0, 60_000);
    assert.equal(quiet.meanMs, null);
  });

  it('starts over after a node restart (its counts go down)', () => {
    const readings = [
      { atMs: 0, histogram: histogram(100, 50, [50, 100, 100, 100]) },
      { atMs: 10_000, histogram: histogram(2, 0.2, [2, 2, 2, 2]) },
      { atMs: 20_000, histogram: histogram(6, 1.0, [4, 6, 6, 6]) },
    ];
    const figures = latencyOver(readings, 20_000, 60_000);
    assert.equal(figures.count, 4);
    assert.ok(Math.abs(figures.meanMs! - 200) < 1e-9);
  });

  it('keeps the readings inside the window and the last one before it', () => {
    const at = (atMs: number) => ({ atMs });
    assert.deepEqual(pruneReadings([at(0), at(10), at(50), at(70)], 100, 60), [at(10), at(50), at(70)]);
    assert.deepEqual(pruneReadings([at(0), at(10)], 100, 60), [at(10)]);
    assert.deepEqual(pruneReadings([], 100, 60), []);
  });

  it('counts the transactions of the blocks that arrived in the last minute, in 5 s slices', () => {
    const arrivals = [
      { atMs: 39_000, txCount: 100 }, // before the window
      { atMs: 40_001, txCount: 4 },
      { atMs: 45_000, txCount: 6 },
      { atMs: 99_999, txCount: 20 },
      { atMs: 100_000, txCount: 30 },
      { atMs: 100_001, txCount: 1 }, // after now: not counted
    ];
    const recent = recentThroughput(arrivals, 100_000, 0);
    assert.equal(recent.blocks, 4);
    assert.equal(recent.transactions, 60);
    assert.equal(recent.txPerSecond, 1);
    assert.equal(recent.slices.length, 12);
    assert.deepEqual(recent.slices, [10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 50]);
    // A page open for 10 s divides by 10 s.
    assert.equal(recentThroughput(arrivals, 100_000, 90_000).txPerSecond, 6);
  });
});
