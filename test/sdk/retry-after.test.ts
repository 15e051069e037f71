import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ClientError, GridShardClient, type RetryBounds } from '../../src/sdk/client.js';
import { retryAfterOf } from '../../src/sdk/index.js';
import { FakeValidator } from './fake-validator.js';

const enc = (s: string) => new TextEncoder().encode(s);

/** A client on a simulated clock: each pause moves the clock on at once and is recorded. */
function clientOf(url: string, retry?: RetryBounds) {
  const time = { nowMs: 0, pauses: [] as number[] };
  const client = new GridShardClient(url, {
    now: () => time.nowMs,
    sleep: async (ms) => {
      time.pauses.push(ms);
      time.nowMs += ms;
    },
    ...(retry === undefined ? {} : { retry }),
  });
  return { client, time };
}

async function fake(): Promise<FakeValidator> {
  const node = await new FakeValidator().start();
  after(() => node.stop());
  return node;
}

describe('SDK and Retry-After', () => {
  it('waits the time a busy node names, then sends the same bytes again', async () => {
    const node = await fake();
    node.refuseNext.push({ status: 503, code: 'MEMPOOL_FULL', retryAfter: '2' });
    const { client, time } = clientOf(node.url);
    const bytes = enc('meter reading r1');
    assert.equal(await client.submit(bytes), toHex(sha256(bytes)));
    assert.deepEqual(time.pauses, [2000], 'one wait, of the header’s two seconds');
    assert.deepEqual(node.received, [toHex(bytes), toHex(bytes)]);
  });

  it('gives up after its attempts with HTTP_ERROR carrying the wait asked for', async () => {
    const node = await fake();
    node.refuseWith = { status: 503, code: 'MEMPOOL_FULL', retryAfter: '5' };
    const { client, time } = clientOf(node.url, { maxAttempts: 3 });
    await assert.rejects(client.submit(enc('meter reading r2')), (error: unknown) => {
      assert.ok(error instanceof ClientError);
      assert.equal(error.code, 'HTTP_ERROR');
      assert.equal(error.data.status, 503);
      assert.equal(error.data.code, 'MEMPOOL_FULL');
      assert.equal(error.data.retryAfterMs, 5000);
      return true;
    });
    assert.deepEqual(time.pauses, [5000, 5000]);
    assert.equal(node.received.length, 3);
  });

  it('does not start a wait that would pass its total bound', async () => {
    const node = await fake();
    node.refuseWith = { status: 429, code: 'RATE_LIMITED', retryAfter: '20' };
    const { client, time } = clientOf(node.url, { maxAttempts: 10, maxTotalWaitMs: 30_000 });
    await assert.rejects(client.submit(enc('meter reading r3')), { code: 'HTTP_ERROR' });
    assert.deepEqual(time.pauses, [20_000], 'a second wait would make 40 s');
    assert.equal(node.received.length, 2);
  });

  it('answers at once when the refusal names no wait', async () => {
    const node = await fake();
    node.refuseWith = { status: 503, code: 'MEMPOOL_FULL' };
    const { client, time } = clientOf(node.url);
    await assert.rejects(client.submit(enc('meter reading r4')), (error: unknown) => {
      assert.ok(error instanceof ClientError);
      assert.equal(error.data.retryAfterMs, undefined);
      return true;
    });
    assert.deepEqual(time.pauses, []);
    assert.equal(node.received.length, 1);
  });

  it('keeps a transaction alive through a rate limit until it is committed', async () => {
    const node = await fake();
    node.refuseNext.push({ status: 429, code: 'RATE_LIMITED', retryAfter: '1' });
    node.commitOnLookup = true;
    const { client, time } = clientOf(node.url);
    const bytes = enc('meter reading r5');
    const committed = await client.submitUntilCommitted(bytes);
    assert.equal(committed.hash, toHex(sha256(bytes)));
    assert.equal(time.pauses[0], 1000, 'the wait the node asked for came first');
    assert.deepEqual(node.received, [toHex(bytes), toHex(bytes)]);
  });

  it('turns to another validator rather than wait for a busy one, when it has another', async () => {
    const full = await fake();
    const other = await fake();
    full.refuseWith = { status: 503, code: 'MEMPOOL_FULL', retryAfter: '30' };
    other.commitOnLookup = true;
    const time = { nowMs: 0, pauses: [] as number[] };
    const client = new GridShardClient([full.url, other.url], {
      now: () => time.nowMs,
      sleep: async (ms) => {
        time.pauses.push(ms);
        time.nowMs += ms;
      },
    });
    const bytes = enc('meter reading r6');
    assert.equal((await client.submitUntilCommitted(bytes, { backoffMs: 300 })).hash, toHex(sha256(bytes)));
    assert.equal(full.received.length, 1);
    assert.deepEqual(time.pauses[0], 300, 'the usual back-off, not the 30 s the busy node asked');
  });

  it('reads Retry-After as seconds or an HTTP date, and only on 429 and 503', () => {
    const answer = (status: number, value: string) =>
      new Response(null, { status, headers: { 'retry-after': value } });
    assert.equal(retryAfterOf(answer(503, '7'), 0), 7000);
    assert.equal(retryAfterOf(answer(429, 'Thu, 01 Jan 1970 00:00:03 GMT'), 1000), 2000);
    assert.equal(retryAfterOf(answer(503, 'Thu, 01 Jan 1970 00:00:03 GMT'), 9000), 0, 'a date passed');
    assert.equal(retryAfterOf(answer(503, 'soon'), 0), undefined);
    assert.equal(retryAfterOf(answer(500, '7'), 0), undefined);
  });
});
