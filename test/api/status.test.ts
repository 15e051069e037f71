import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApi, type TestApi } from './harness.js';

// GET /api/v1/status for an operations monitor: the commit-latency histogram as figures, and an
// answer any page may read, so a portal served by one validator shows the others.

describe('GET /api/v1/status for the operations monitor', () => {
  let t: TestApi;
  before(async () => {
    t = await startTestApi({ rateLimitPerSecond: 1_000_000 });
  });
  after(() => t.close());

  it('reports no commit latency before any transaction admitted here committed', async () => {
    const status = (await t.api.inject('/api/v1/status')).json();
    assert.equal(status.commitLatency.count, 0);
    assert.equal(status.commitLatency.sumSeconds, 0);
    assert.ok(status.commitLatency.buckets.every((b: { count: number }) => b.count === 0));
  });

  it('reports the histogram the node records: count, total and cumulative buckets, without +Inf', async () => {
    for (const seconds of [0.04, 0.15, 0.15, 3]) t.node.metrics.commitLatency.observe(seconds);
    const response = await t.api.inject('/api/v1/status');
    assert.equal(response.statusCode, 200);
    const { commitLatency } = response.json() as {
      commitLatency: { count: number; sumSeconds: number; buckets: { leSeconds: number; count: number }[] };
    };
    assert.equal(commitLatency.count, 4);
    assert.ok(Math.abs(commitLatency.sumSeconds - 3.34) < 1e-9);
    const at = (le: number) => commitLatency.buckets.find((b) => b.leSeconds === le)?.count;
    assert.deepEqual([at(0.05), at(0.1), at(0.2), at(2), at(5), at(10)], [1, 1, 3, 3, 4, 4]);
    const bounds = commitLatency.buckets.map((b) => b.leSeconds);
    assert.deepEqual(
      bounds,
      [...bounds].sort((a, b) => a - b),
    );
    assert.ok(bounds.every(Number.isFinite));
  });

  it('is readable from any origin, and no other route is', async () => {
    const status = await t.api.inject({ url: '/api/v1/status', headers: { origin: 'http://10.0.0.2:8080' } });
    assert.equal(status.headers['access-control-allow-origin'], '*');
    for (const url of ['/api/v1/network', '/api/v1/health', '/api/v1/blocks/0', '/metrics']) {
      const other = await t.api.inject({ url, headers: { origin: 'http://10.0.0.2:8080' } });
      assert.equal(other.headers['access-control-allow-origin'], undefined, url);
    }
  });

  it('documents the figures in the OpenAPI document', async () => {
    const openapi = (await t.api.inject('/openapi.json')).json();
    const schema = openapi.paths['/api/v1/status'].get.responses['200'].content['application/json'].schema;
    assert.deepEqual(Object.keys(schema.properties.commitLatency.properties).sort(), [
      'buckets',
      'count',
      'sumSeconds',
    ]);
  });
});
