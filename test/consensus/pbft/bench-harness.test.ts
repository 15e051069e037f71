import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConsensusBenchError, runConsensusBench } from '../../../src/bench/consensus/index.js';
import {
  clientKeys,
  collectTransactions,
  isBenchTransaction,
  TX_LENGTH,
  transactionNonce,
} from '../../../src/bench/consensus/transactions.js';
import { VerifyPool } from '../../../src/bench/consensus/verify-pool.js';

describe('consensus benchmark harness', () => {
  it('signs on workers and refuses a tampered transaction', async () => {
    const pool = new VerifyPool(clientKeys(), 2);
    try {
      const bytes = await pool.sign(100, 8);
      const txs = Array.from({ length: 8 }, (_, i) => bytes.slice(i * TX_LENGTH, (i + 1) * TX_LENGTH));
      assert.ok(txs.every(isBenchTransaction));
      assert.deepEqual(txs.map(transactionNonce), [100, 101, 102, 103, 104, 105, 106, 107]);
      txs[3]![20]! ^= 1;
      assert.deepEqual(await pool.verify(txs), [true, true, true, false, true, true, true, true]);
      const found: Uint8Array[] = [];
      collectTransactions({ a: [{ b: txs[0] }], c: new Map([[1, [txs[1]]]]), d: new Uint8Array(5) }, found);
      assert.equal(found.length, 2);
    } finally {
      await pool.close();
    }
  });

  it('runs pbft for a short window and reports the agreed figures', async () => {
    const result = await runConsensusBench('pbft', 'normal', {
      // Long enough for the first batches to commit on a busy machine; a small load keeps latency low.
      durationS: 2,
      warmupS: 0.5,
      inflightS: 0.25,
      calibrateMs: 150,
      workers: 2,
    });
    assert.equal(result.protocol, 'pbft');
    assert.ok(result.committedTx > 0, 'something committed');
    assert.ok(result.nativeVerifyPerSec > 0);
    // Both figures are rounded from the same unrounded rate, so they may differ by one unit.
    assert.ok(Math.abs(result.verifyBoundTxPerSec - result.nativeVerifyPerSec / 4) <= 1);
    assert.ok(result.p99LatencyMs >= result.p50LatencyMs);
    // Each validator verifies a transaction at most once (those still in flight at the end were
    // verified by fewer than all 4).
    assert.ok(
      result.verificationsPerTx > 1 && result.verificationsPerTx <= 4.01,
      String(result.verificationsPerTx),
    );
    assert.equal(result.invalidTransactionsRefused, 0);
    // Commits are counted at each of the 4 validators; the figures are the median and the slowest.
    assert.deepEqual(
      result.perValidator.map((f) => f.validator),
      [0, 1, 2, 3],
    );
    const rates = result.perValidator.map((f) => f.txPerSec).sort((a, b) => a - b);
    assert.equal(result.committedTxPerSec, rates[1]);
    assert.equal(result.slowestTxPerSec, rates[0]);
    assert.ok(result.slowestP99LatencyMs >= result.p99LatencyMs);
  });

  it('leaves a crashed validator out of the commit figures', async () => {
    const result = await runConsensusBench('pbft', 'crash-one', {
      durationS: 2,
      warmupS: 0.5,
      inflightS: 0.25,
      calibrateMs: 150,
      workers: 2,
    });
    assert.equal(typeof result.crashedValidator, 'number');
    const counted = result.perValidator.map((f) => f.validator);
    assert.equal(counted.length, 3);
    assert.ok(!counted.includes(result.crashedValidator!));
    assert.ok(result.perValidator.every((f) => f.maxGapAfterCrashMs !== null));
  });

  it('refuses an unknown scenario or protocol with a typed error', async () => {
    await assert.rejects(
      runConsensusBench('pbft', 'meteor'),
      (e: unknown) => e instanceof ConsensusBenchError,
    );
    await assert.rejects(
      runConsensusBench('raft', 'normal'),
      (e: unknown) => e instanceof ConsensusBenchError,
    );
    await assert.rejects(
      runConsensusBench('pbft', 'normal', { nodes: 0 }),
      (e: unknown) => e instanceof ConsensusBenchError && e.code === 'BAD_OPTION',
    );
  });
});
