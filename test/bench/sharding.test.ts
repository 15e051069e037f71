import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runShardingBench, type ShardingRow } from '../../src/bench/sharding.js';

describe('bench sharding', () => {
  it('runs every configuration, commits every trade of the ample-funded load and reports the ratios', () => {
    const runs: number[] = [];
    const report = runShardingBench({
      totalNodes: 4,
      shards: [1, 2],
      crossRatios: [0, 0.5],
      trades: 6,
      windowMs: 300,
      repeats: 1,
      rootNodes: 1,
      seedStart: 3,
      cores: 2,
      onRun: (run) => runs.push(run.shards),
    });
    // Interleaved: each repeat runs every configuration in turn (one shard once: all its trades are local).
    assert.deepEqual(runs, [1, 2, 2]);
    const rows = report.rows as ShardingRow[];
    assert.deepEqual(
      rows.map((row) => [row.shards, row.nodesPerShard, row.crossRatio]),
      [
        [1, 4, 0],
        [1, 4, 0.5],
        [2, 2, 0],
        [2, 2, 0.5],
      ],
    );
    for (const row of rows) {
      assert.equal(row.runsOk, row.runs, `every check holds for ${row.shards}×${row.nodesPerShard}`);
      assert.equal(row.committed, row.tradesPlanned, 'ample funds: every trade commits');
      assert.ok(Number.isFinite(row.committedTxPerSec) && row.committedTxPerSec > 0);
      assert.ok(row.p50LatencyMs > 0 && row.p50LatencyMs <= row.p99LatencyMs);
    }
    assert.deepEqual(
      (report.ratios as Record<string, number>[]).map((entry) => Object.keys(entry).sort()),
      [
        ['2x2/1x4', 'crossRatio'],
        ['2x2/1x4', 'crossRatio'],
      ],
    );
  });

  it('refuses a shard count that does not divide the validators', () => {
    assert.throws(
      () =>
        runShardingBench({
          totalNodes: 16,
          shards: [1, 3],
          crossRatios: [0],
          trades: 1,
          windowMs: 100,
          repeats: 1,
          rootNodes: 1,
          seedStart: 1,
        }),
      /does not divide/,
    );
  });
});
