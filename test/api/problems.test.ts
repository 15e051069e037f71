import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { startTestApi, type TestApi } from './harness.js';

/** Appears in every bad input; an error answer must never repeat it. */
const MARKER = 'zq9marker';

function assertProblem(response: LightMyRequestResponse, status: number, what: string): void {
  assert.equal(response.statusCode, status, `${what}: ${response.body}`);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/, what);
  const body = response.json() as Record<string, unknown>;
  assert.equal(body.status, status, what);
  for (const field of ['type', 'title', 'detail', 'code'])
    assert.equal(typeof body[field], 'string', `${what}: ${field}`);
  assert.ok(!response.body.toLowerCase().includes(MARKER), `${what} echoes the input: ${response.body}`);
}

const SAMPLE: Record<string, string> = {
  height: '0',
  hash: 'ab'.repeat(32),
  key: 'cd'.repeat(32),
  cycleId: 'c1',
};

describe('API errors are problem+json for every route and every kind of bad input', () => {
  let t: TestApi;
  let routes: { path: string; methods: string[] }[];
  before(async () => {
    t = await startTestApi({ rateLimitPerSecond: 1_000_000, authRateLimitPerSecond: 1_000_000 });
    const openapi = (await t.api.inject('/openapi.json')).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    routes = Object.entries(openapi.paths).map(([path, operations]) => ({
      path,
      methods: Object.keys(operations).map((m) => m.toUpperCase()),
    }));
    assert.ok(routes.length >= 15, `${routes.length} routes documented`);
  });
  after(() => t.close());

  it('walks bad URLs, methods and parameters over every route', async () => {
    for (const { path, methods } of routes) {
      const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      const url = (override: Record<string, string> = {}) =>
        path.replace(/\{(\w+)\}/g, (_, name: string) => override[name] ?? SAMPLE[name] ?? 'x');
      const unused = ['DELETE', 'PUT', 'PATCH'].filter((m) => !methods.includes(m));
      for (const method of unused) {
        const response = await t.api.inject({ method: method as 'DELETE', url: url() });
        assertProblem(response, 405, `${method} ${path}`);
        assert.ok(String(response.headers.allow).includes(methods[0]!), `${path}: Allow header`);
      }
      for (const name of params) {
        const method = methods[0] as 'GET';
        assertProblem(
          await t.api.inject({ method, url: url({ [name]: `${MARKER}%ff` }) }),
          400,
          `${path} ${name}: invalid UTF-8`,
        );
        assertProblem(
          await t.api.inject({ method, url: url({ [name]: MARKER.repeat(120) }) }),
          414,
          `${path} ${name}: over-long`,
        );
        assertProblem(
          await t.api.inject({ method, url: url({ [name]: `${MARKER}!` }) }),
          400,
          `${path} ${name}: fails the schema`,
        );
      }
      if (methods.includes('POST')) {
        const post = (payload: string | Buffer, contentType = 'application/json') =>
          t.api.inject({ method: 'POST', url: url(), headers: { 'content-type': contentType }, payload });
        assertProblem(await post(`{"${MARKER}": `), 400, `${path}: malformed JSON`);
        const badUtf8 = Buffer.concat([
          Buffer.from(`{"${MARKER}`),
          Buffer.from([0xff, 0xfe]),
          Buffer.from('": 1}'),
        ]);
        assertProblem(await post(badUtf8), 400, `${path}: invalid UTF-8 in the JSON body`);
        assertProblem(await post(MARKER, `text/${MARKER}`), 415, `${path}: media type`);
        assertProblem(await post(`"${MARKER.repeat(300_000)}"`), 413, `${path}: body too large`);
        if (path !== '/api/v1/auth/challenge') {
          assertProblem(await post('[]'), 400, `${path}: wrong shape`);
          assertProblem(await post(`{"${MARKER}": 1}`), 400, `${path}: unknown field`);
          assertProblem(await post(`{"__proto__": {"${MARKER}": 1}}`), 400, `${path}: prototype key`);
        }
      }
    }
    assertProblem(await t.api.inject(`/api/v1/${MARKER}`), 404, 'unknown route');
    assertProblem(await t.api.inject(`/${MARKER}%ff%fe`), 400, 'unknown route with invalid UTF-8');
    assertProblem(await t.api.inject('/api/v1/blocks/999'), 404, 'no such block');
  });

  it('accepts every state key length the route declares (1 to 512 bytes) and refuses longer ones', async () => {
    for (const bytes of [1, 51, 100, 512]) {
      const response = await t.api.inject(`/api/v1/state/${'ab'.repeat(bytes)}`);
      assert.equal(response.statusCode, 200, `${bytes}-byte key: ${response.body}`);
    }
    assertProblem(await t.api.inject(`/api/v1/state/${'ab'.repeat(513)}`), 414, '513-byte key');
    assertProblem(await t.api.inject(`/api/v1/state/${'a'.repeat(3)}`), 400, 'odd hex length');
  });

  it('answers HTTP the parser refuses (bad request line, headers too large) with problem+json', async () => {
    const address = await t.api.listen({ host: '127.0.0.1', port: 0 });
    const { port } = new URL(address);
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1');
        let received = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk) => {
          received += chunk;
        });
        socket.on('close', () => resolve(received));
        socket.on('error', reject);
        socket.write(request);
      });
    const cases: [string, string, number][] = [
      ['bad request line', `${MARKER} / HTTP/1.1\r\n\r\n`, 400],
      ['headers too large', `GET / HTTP/1.1\r\nx-${MARKER}: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
      ['bad header', `GET / HTTP/1.1\r\nhost: x\r\n${MARKER}\r\n\r\n`, 400],
    ];
    for (const [what, request, status] of cases) {
      const response = await raw(request);
      const [head = '', body = ''] = response.split('\r\n\r\n');
      assert.match(head, new RegExp(`^HTTP/1.1 ${status} `), what);
      assert.match(head, /content-type: application\/problem\+json/i, what);
      assert.equal(JSON.parse(body).status, status, what);
      assert.ok(!response.includes(MARKER), `${what} echoes the input`);
    }
  });
});
