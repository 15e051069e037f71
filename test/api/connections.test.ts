import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestApi, type TestApi } from './harness.js';

interface Trickle {
  readonly socket: Socket;
  /** Everything the server sent, once it closed the connection. */
  readonly closed: Promise<string>;
}

/** Connects and resolves once the connection is up, so connections arrive in a known order. */
function open(port: number): Promise<Trickle> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      received += chunk;
    });
    const closed = new Promise<string>((done) => socket.on('close', () => done(received)));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

/** Writes `text` one byte at a time, every `everyMs`, until the server closes the connection. */
function trickle(socket: Socket, text: string, everyMs: number): void {
  let at = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || at >= text.length) return clearInterval(timer);
    socket.write(text[at++]!);
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
}

describe('API connections: slow clients are cut off and each address has a connection cap', () => {
  let t: TestApi;
  let port: number;
  before(async () => {
    t = await startTestApi({
      requestTimeoutMs: 600,
      headersTimeoutMs: 600,
      keepAliveTimeoutMs: 300,
      timeoutCheckIntervalMs: 100,
      connectionsPerClient: 10,
      eventStreamHeartbeatMs: 100,
    });
    port = Number(new URL(await t.api.listen({ host: '127.0.0.1', port: 0 })).port);
  });
  after(() => t.close());

  it('closes trickled bodies and headers with 408, refuses connections over the cap, keeps event streams', {
    timeout: 60_000,
  }, async () => {
    // An event stream: a request fully received, then a long response, which no timeout cuts.
    const stream = await open(port);
    stream.socket.write('GET /api/v1/events HTTP/1.1\r\nhost: x\r\n\r\n');
    const body =
      'POST /api/v1/tx HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n';
    const connections: Trickle[] = [];
    for (let i = 0; i < 15; i++) connections.push(await open(port));
    connections.forEach(({ socket }, i) => {
      if (i % 3 === 0) {
        trickle(
          socket,
          'GET /api/v1/health HTTP/1.1\r\nhost: x\r\nx-slow: aaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n',
          50,
        );
      } else {
        socket.write(body);
        trickle(socket, `{"tx":"${'ab'.repeat(495)}"}`, 50);
      }
    });
    const answers = await Promise.all(connections.map((c) => c.closed));
    const timedOut = answers.filter((a) => /^HTTP\/1.1 408 /.test(a));
    assert.equal(
      timedOut.length,
      9,
      'every admitted slow request is cut off (the stream holds the tenth slot)',
    );
    for (const answer of timedOut) {
      assert.match(answer, /content-type: application\/problem\+json/i);
      assert.equal(JSON.parse(answer.split('\r\n\r\n')[1]!).code, 'REQUEST_TIMEOUT');
    }
    assert.equal(answers.filter((a) => a === '').length, 6, 'connections over the cap are closed unanswered');

    // The stream outlived every timeout above and still receives.
    stream.socket.removeAllListeners('data');
    const ping = await new Promise<string>((resolve) =>
      stream.socket.on('data', (chunk: string) => {
        if (chunk.includes(': ping')) resolve(chunk);
      }),
    );
    assert.ok(ping.includes(': ping'));
    stream.socket.destroy();
    await stream.closed;

    // Slots are released: a well-behaved client gets in again.
    let health = 0;
    for (let attempt = 0; attempt < 50 && health !== 200; attempt++) {
      health = await fetch(`http://127.0.0.1:${port}/api/v1/health`)
        .then((r) => r.status)
        .catch(() => 0);
      if (health !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(health, 200);
  });

  it('closes an idle keep-alive connection', { timeout: 30_000 }, async () => {
    const idle = await open(port);
    idle.socket.write('GET /api/v1/health HTTP/1.1\r\nhost: x\r\nconnection: keep-alive\r\n\r\n');
    const answer = await idle.closed;
    assert.match(answer, /^HTTP\/1.1 200 /);
  });
});
