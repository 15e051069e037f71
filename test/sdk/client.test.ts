import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { abortableSleep, ClientError, GridShardClient } from '../../src/sdk/client.js';
import { deadUrl, FakeValidator } from './fake-validator.js';

const enc = (s: string) => new TextEncoder().encode(s);

/** A simulated clock: `sleep` moves it on at once and records each pause. */
function simulatedTime() {
  const time = { nowMs: 0, pauses: [] as number[], onPause: () => {} };
  return {
    time,
    options: {
      now: () => time.nowMs,
      sleep: async (ms: number, signal?: AbortSignal) => {
        time.pauses.push(ms);
        time.nowMs += ms;
        time.onPause();
        if (signal?.aborted) throw new ClientError('ABORTED', 'aborted', {});
      },
    },
  };
}

describe('SDK client', () => {
  let dead: string;
  before(async () => {
    dead = await deadUrl();
  });

  it('sends the same bytes again when the validator that acknowledged them lost them', async () => {
    const node = await new FakeValidator().start();
    after(() => node.stop());
    node.loseNextAcknowledged = true;
    node.commitOnLookup = true;
    const { time, options } = simulatedTime();
    const client = new GridShardClient(node.url, options);
    const bytes = enc('meter reading 1');
    const committed = await client.submitUntilCommitted(bytes, { resendAfterMs: 1000, pollMs: 100 });
    assert.equal(committed.hash, toHex(sha256(bytes)));
    assert.deepEqual(node.received, [toHex(bytes), toHex(bytes)], 'resent once, byte for byte');
    assert.ok(time.nowMs >= 1000, 'resent only after the acknowledgement had time to commit');
  });

  it('submits and reads through a second validator when the first cannot be reached', async () => {
    const node = await new FakeValidator().start();
    after(() => node.stop());
    node.commitOnLookup = true;
    const client = new GridShardClient([dead, node.url], simulatedTime().options);
    assert.equal((await client.status()).chainId, 'fake');
    assert.equal(client.baseUrl, node.url, 'the answering validator is tried first from now on');
    const bytes = enc('meter reading 2');
    assert.equal(await client.submit(bytes), toHex(sha256(bytes)));
    const committed = await client.submitUntilCommitted(bytes);
    assert.equal(committed.hash, toHex(sha256(bytes)));
    assert.deepEqual(await client.transaction(committed.hash), committed);
    // The second send found the first pending there (409 DUPLICATE_TRANSACTION): no error.
    assert.deepEqual(node.received, [toHex(bytes), toHex(bytes)]);
  });

  it('moves to another validator when one is full', async () => {
    const full = await new FakeValidator().start();
    const other = await new FakeValidator().start();
    after(() => Promise.all([full.stop(), other.stop()]));
    full.refuseWith = { status: 503, code: 'MEMPOOL_FULL' };
    other.commitOnLookup = true;
    const { time, options } = simulatedTime();
    const client = new GridShardClient([full.url, other.url], options);
    const bytes = enc('meter reading 3');
    const committed = await client.submitUntilCommitted(bytes, { backoffMs: 300 });
    assert.equal(committed.hash, toHex(sha256(bytes)));
    assert.equal(full.received.length, 1);
    assert.deepEqual(other.received, [toHex(bytes)]);
    assert.equal(time.pauses[0], 300, 'backs off after the refusal');
  });

  it('finds the block of bytes whose nonce is used, and reports SUPERSEDED when another transaction used it', async () => {
    const node = await new FakeValidator().start();
    after(() => node.stop());
    const mine = enc('meter reading 4');
    node.committed.set(toHex(sha256(mine)), { height: 7, ok: true });
    const client = new GridShardClient(node.url, simulatedTime().options);
    assert.equal((await client.submitUntilCommitted(mine)).height, 7);
    const replaced = enc('meter reading 5');
    node.superseded.add(toHex(sha256(replaced)));
    await assert.rejects(client.submitUntilCommitted(replaced), { code: 'SUPERSEDED' });
  });

  it('gives up at once on a transaction a node refuses for itself', async () => {
    const node = await new FakeValidator().start();
    after(() => node.stop());
    node.refuseWith = { status: 422, code: 'BAD_TRANSACTION' };
    const client = new GridShardClient(node.url, simulatedTime().options);
    await assert.rejects(client.submitUntilCommitted(enc('garbage')), (error: unknown) => {
      assert.ok(error instanceof ClientError);
      assert.equal(error.data.code, 'BAD_TRANSACTION');
      return true;
    });
    assert.equal(node.received.length, 1);
  });

  it('stops at the deadline with a bounded number of identical resends', async () => {
    const node = await new FakeValidator().start();
    after(() => node.stop());
    node.loseNextAcknowledged = true;
    const { time, options } = simulatedTime();
    time.onPause = () => {
      node.loseNextAcknowledged = true;
    };
    const client = new GridShardClient(node.url, options);
    const bytes = enc('meter reading 6');
    await assert.rejects(
      client.submitUntilCommitted(bytes, { deadlineMs: 10_000, resendAfterMs: 2000, pollMs: 500 }),
      { code: 'TIMEOUT' },
    );
    assert.equal(time.nowMs, 10_000, 'no pause runs past the deadline');
    assert.ok(node.received.length >= 5 && node.received.length <= 6, `${node.received.length} sends`);
    assert.ok(node.received.every((hex) => hex === toHex(bytes)));
  });

  it('backs off, up to its limit, while no validator answers', async () => {
    const { time, options } = simulatedTime();
    const client = new GridShardClient([dead, dead], options);
    await assert.rejects(
      client.submitUntilCommitted(enc('meter reading 7'), {
        deadlineMs: 60_000,
        backoffMs: 250,
        maxBackoffMs: 4000,
      }),
      { code: 'TIMEOUT' },
    );
    const pauses = time.pauses.slice(0, -1);
    assert.deepEqual(pauses.slice(0, 3), [250, 1000, 4000]);
    assert.ok(pauses.every((ms) => ms <= 4000));
  });

  it('stops when the caller aborts', async () => {
    const node = await new FakeValidator().start();
    after(() => node.stop());
    const controller = new AbortController();
    const { time, options } = simulatedTime();
    time.onPause = () => {
      if (time.pauses.length === 3) controller.abort();
    };
    const client = new GridShardClient(node.url, options);
    await assert.rejects(client.submitUntilCommitted(enc('meter reading 8'), { signal: controller.signal }), {
      code: 'ABORTED',
    });
    assert.equal(time.pauses.length, 3);
    const sleeping = abortableSleep(60_000, controller.signal);
    await assert.rejects(sleeping, { code: 'ABORTED' });
  });
});
