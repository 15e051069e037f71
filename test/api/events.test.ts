import assert from 'node:assert/strict';
import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { EventHub, type StreamSink } from '../../src/api/events.js';
import { startTestApi, type TestApi } from './harness.js';

interface OpenStream {
  readonly response: IncomingMessage;
  readonly request: ClientRequest;
  /** Resolves with the next chunk containing `text`. */
  next(text: string): Promise<string>;
  body(): Promise<string>;
}

function stream(port: number, localAddress: string): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/v1/events', localAddress, agent: false });
    req.on('error', reject);
    req.on('response', (response) => {
      response.setEncoding('utf8');
      let received = '';
      const ended = new Promise<string>((done) => response.on('end', () => done(received)));
      const waiting: [string, (chunk: string) => void][] = [];
      response.on('data', (chunk: string) => {
        received += chunk;
        for (const [i, [text, done]] of [...waiting.entries()].reverse()) {
          if (received.includes(text)) {
            waiting.splice(i, 1);
            done(received);
          }
        }
      });
      resolve({
        response,
        request: req,
        next: (text) =>
          received.includes(text)
            ? Promise.resolve(received)
            : new Promise((done) => waiting.push([text, done])),
        body: () => ended,
      });
    });
    req.end();
  });
}

describe('API event streams: capped, one shared listener, slow readers dropped', () => {
  let t: TestApi;
  let port: number;
  before(async () => {
    t = await startTestApi({
      eventStreamsPerClient: 3,
      eventStreams: 5,
      eventStreamBufferBytes: 4 * 1024 * 1024,
    });
    port = Number(new URL(await t.api.listen({ host: '127.0.0.1', port: 0 })).port);
  });
  after(() => t.close());
  // The API holds block listeners of its own (the commit rate that sets Retry-After, the credit
  // audit); the rest are the event streams'.
  const streamListeners = () => t.node.listenerCount('block') - 2;

  it('caps streams per address (429) and in total (503), with one block listener for all', async () => {
    const first = await Promise.all([1, 2, 3].map(() => stream(port, '127.0.0.1')));
    for (const s of first) assert.equal(s.response.statusCode, 200);
    const over = await stream(port, '127.0.0.1');
    assert.equal(over.response.statusCode, 429);
    assert.match(String(over.response.headers['content-type']), /application\/problem\+json/);
    assert.equal(JSON.parse(await over.body()).code, 'TOO_MANY_STREAMS');

    const second = await Promise.all([1, 2].map(() => stream(port, '127.0.0.2')));
    for (const s of second) assert.equal(s.response.statusCode, 200);
    const full = await stream(port, '127.0.0.3');
    assert.equal(full.response.statusCode, 503);
    assert.equal(JSON.parse(await full.body()).code, 'STREAMS_FULL');

    assert.equal(streamListeners(), 1, 'five streams share one listener on the node');
    await t.node.announce(2);
    for (const s of [...first, ...second])
      assert.match(await s.next('event: block'), /"transactionHashes":\["/);

    for (const s of [...first, ...second]) s.request.destroy();
    for (let i = 0; i < 200 && streamListeners() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(streamListeners(), 0, 'the listener leaves with the last stream');
    const again = await stream(port, '127.0.0.3');
    assert.equal(again.response.statusCode, 200, 'closed streams free their slots');
    again.request.destroy();
  });

  it('disconnects a reader that stops reading once its queue passes the bound', {
    timeout: 120_000,
  }, async () => {
    const slow = connect(port, '127.0.0.1');
    let closed = false;
    slow.on('close', () => {
      closed = true;
    });
    slow.on('error', () => {});
    await new Promise((r) => slow.once('connect', r));
    slow.write('GET /api/v1/events HTTP/1.1\r\nhost: x\r\n\r\n');
    slow.pause();
    for (let i = 0; i < 400 && streamListeners() === 0; i++) await new Promise((r) => setTimeout(r, 5));
    // Blocks of 5,000 transactions (about 340 kB as an event) until the server gives up on the
    // reader; without a bound it would queue all 400 (about 136 MB).
    let sent = 0;
    while (streamListeners() > 0 && sent < 400) {
      await t.node.announce(5_000);
      sent++;
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(streamListeners(), 0, `the slow reader was dropped after ${sent} events`);
    const dropped = (await t.node.metrics.apiRejected.get()).values.find(
      (v) => v.labels.reason === 'slow-reader',
    );
    assert.equal(dropped?.value, 1);
    slow.resume();
    for (let i = 0; i < 400 && !closed; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(closed, 'the connection was closed');
  });

  it('queues for a congested sink and flushes on drain, within the bound', () => {
    const listeners: (() => void)[] = [];
    const source = { on: () => undefined, off: () => undefined };
    const hub = new EventHub(
      source,
      {
        eventStreamsPerClient: 1,
        eventStreams: 1,
        eventStreamBufferBytes: 10,
        eventStreamHeartbeatMs: 60_000,
      },
      () => '',
    );
    const written: string[] = [];
    let accept = false;
    let destroyed = false;
    const sink: StreamSink = {
      write: (chunk) => {
        written.push(chunk);
        return accept;
      },
      once: (_event, listener) => listeners.push(listener),
      destroy: () => {
        destroyed = true;
      },
    };
    const detach = hub.attach('client', sink);
    hub.publish('aaaa');
    hub.publish('bbbb');
    hub.publish('cccc');
    assert.deepEqual(written, ['aaaa'], 'nothing more is written while the sink is congested');
    accept = true;
    listeners.shift()!();
    assert.deepEqual(written, ['aaaa', 'bbbbcccc'], 'the queue is flushed on drain');
    accept = false;
    hub.publish('dddd');
    for (const chunk of ['eeee', 'ffff', 'gggg']) hub.publish(chunk);
    assert.equal(destroyed, true, 'past 10 queued bytes the stream is dropped');
    assert.equal(hub.size, 0);
    detach();
  });

  it('sends an event known after its block as a named event with JSON data, queued like the rest', () => {
    const drains: (() => void)[] = [];
    const hub = new EventHub(
      { on: () => undefined, off: () => undefined },
      {
        eventStreamsPerClient: 1,
        eventStreams: 1,
        eventStreamBufferBytes: 1024,
        eventStreamHeartbeatMs: 60_000,
      },
      () => '',
    );
    const written: string[] = [];
    let accept = false;
    const detach = hub.attach('client', {
      write: (chunk) => {
        written.push(chunk);
        return accept;
      },
      once: (_event, listener) => drains.push(listener),
      destroy: () => {},
    });
    hub.publish('first');
    hub.publishEvent('credit', { cycle: 2, scored: true });
    assert.deepEqual(written, ['first'], 'held back while the sink is congested');
    accept = true;
    drains.shift()!();
    assert.deepEqual(written, ['first', 'event: credit\ndata: {"cycle":2,"scored":true}\n\n']);
    detach();
  });
});
