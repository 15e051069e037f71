import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommitRate, drainSeconds, retryAfterSeconds } from '../../src/api/back-pressure.js';
import { RateLimiter } from '../../src/api/rate-limit.js';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { encodeTransaction, signTransaction } from '../../src/ledger/transaction.js';
import { CHAIN_ID, enc, startTestApi } from './harness.js';

/** A valid transaction of its own sender, so only the pool's total limit can refuse it. */
function transactionHex(i: number): string {
  const signer = ed25519Scheme.signer(sha256(enc(`back-pressure sender ${i}`)));
  const tx = signTransaction(signer, {
    chainId: CHAIN_ID,
    shardId: 0,
    type: 'kv.put',
    payload: enc(`reading ${i}`),
    nonce: 0n,
  });
  return toHex(encodeTransaction(tx));
}

describe('back-pressure', () => {
  it('answers a full mempool with 503 and a Retry-After of the time to drain it at the recent commit rate', async () => {
    const clock = { nowMs: 1_000_000 };
    const t = await startTestApi({}, () => clock.nowMs, { mempoolLimits: { maxPending: 2 } });
    try {
      const submit = (i: number) =>
        t.api.inject({ method: 'POST', url: '/api/v1/tx', payload: { tx: transactionHex(i) } });
      assert.equal((await submit(0)).statusCode, 202);
      assert.equal((await submit(1)).statusCode, 202);

      const full = await submit(2);
      assert.equal(full.statusCode, 503);
      assert.match(String(full.headers['content-type']), /^application\/problem\+json/);
      assert.equal(full.json().code, 'MEMPOOL_FULL');
      assert.equal(full.headers['retry-after'], '30', 'nothing committed lately: the longest wait');

      // One transaction committed in the last 10 s: 0.1/s, so 2 pending take 20 s.
      await t.node.announce(1);
      assert.equal((await submit(2)).headers['retry-after'], '20');

      // 101 in the window: 2 pending drain in well under a second, and the header says 1.
      await t.node.announce(100);
      assert.equal((await submit(2)).headers['retry-after'], '1');

      // Once the window has passed with no block, the rate is unknown again.
      clock.nowMs += 10_000;
      assert.equal((await submit(2)).headers['retry-after'], '30');

      // The same bytes again: still pending, not busy.
      assert.equal((await submit(0)).json().code, 'DUPLICATE_TRANSACTION');

      const openapi = (await t.api.inject('/openapi.json')).json() as {
        paths: Record<string, Record<string, { responses: Record<string, { headers?: object }> }>>;
      };
      const responses = openapi.paths['/api/v1/tx']!.post!.responses;
      for (const status of ['429', '503'])
        assert.deepEqual(
          Object.keys(responses[status]?.headers ?? {}),
          ['Retry-After'],
          `${status} documents Retry-After`,
        );
    } finally {
      await t.close();
    }
  });

  it('answers the rate limit with 429 and a Retry-After of the time the bucket needs', async () => {
    const t = await startTestApi({ rateLimitPerSecond: 2 }, () => 0);
    try {
      assert.equal((await t.api.inject('/api/v1/health')).statusCode, 200);
      assert.equal((await t.api.inject('/api/v1/health')).statusCode, 200);
      const limited = await t.api.inject('/api/v1/health');
      assert.equal(limited.statusCode, 429);
      assert.equal(limited.json().code, 'RATE_LIMITED');
      assert.equal(limited.headers['retry-after'], '1');
    } finally {
      await t.close();
    }
  });

  it('rounds waits up to whole seconds within 1 … 30, and counts commits over a sliding window', () => {
    assert.equal(retryAfterSeconds(0), 1);
    assert.equal(retryAfterSeconds(1001), 2);
    assert.equal(retryAfterSeconds(120_000), 30);
    assert.equal(retryAfterSeconds(Number.POSITIVE_INFINITY), 30);
    assert.equal(drainSeconds(50_000, 10_000), 5);
    assert.equal(drainSeconds(10, 0), 30);

    const rate = new CommitRate(1000);
    rate.record(50, 0);
    rate.record(50, 500);
    assert.equal(rate.perSecond(900), 100);
    assert.equal(rate.perSecond(1000), 50, 'the first block left the window');
    assert.equal(rate.perSecond(1500), 0);

    const limiter = new RateLimiter(4);
    assert.equal(limiter.take('c', 0, 4), true);
    assert.equal(limiter.waitMs('c', 0), 250);
    assert.equal(limiter.waitMs('c', 0, 3), 750);
    assert.equal(limiter.waitMs('c', 0, 5), Number.POSITIVE_INFINITY, 'more than the bucket holds');
    assert.equal(limiter.waitMs('unseen', 0), 0);
  });
});
