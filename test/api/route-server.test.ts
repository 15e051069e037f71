import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { RouteServer } from '../../src/api/route-server.js';
import { isGridShardError } from '../../src/errors.js';
import { fillPath, ROUTES, RouteError, routerPath } from '../../src/routes/index.js';

describe('route declarations', () => {
  it('fill a path template one percent-encoded segment per parameter', () => {
    assert.equal(fillPath(ROUTES.block, { height: 7 }), '/api/v1/blocks/7');
    assert.equal(
      fillPath(ROUTES.statement, { cycleId: 'c/../1', key: 'ab' }),
      '/api/v1/market/cycles/c%2F..%2F1/statements/ab',
    );
    assert.equal(fillPath(ROUTES.status, {}), '/api/v1/status');
    assert.equal(routerPath(ROUTES.statement), '/api/v1/market/cycles/:cycleId/statements/:key');
  });

  it('refuse a missing parameter with a typed error', () => {
    assert.throws(
      () => fillPath(ROUTES.statement, { cycleId: 'c1' } as never),
      (error) =>
        error instanceof RouteError && error.code === 'MISSING_PARAMETER' && error.data.parameter === 'key',
    );
  });

  it('are each served by exactly one handler, and the server names the ones left unserved', () => {
    const server = new RouteServer(Fastify(), {
      authRateLimit: async () => {},
      batchBodyLimitBytes: 1024,
      gate: {} as never,
    });
    server.serve(ROUTES.health, async () => ({}));
    assert.deepEqual(server.unserved({ health: ROUTES.health, status: ROUTES.status }), [ROUTES.status]);
    assert.throws(
      () => server.serve(ROUTES.health, async () => ({})),
      (error) => isGridShardError(error) && error.code === 'ROUTE_SERVED_TWICE',
    );
  });
});
