import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { toHex } from '../../src/crypto/hash.js';
import { gridToJson } from '../../src/grid/index.js';
import { intervalFlow } from '../../src/grid/interval-flow.js';
import { GRID_STATE_KEY } from '../../src/market/grid-plugins.js';
import { openSession, startTestApi, type TestApi } from './harness.js';
import {
  AS_MATCHED,
  FLOW_CYCLE,
  FLOW_GRID,
  flowKey,
  flowSeed,
  plantMembersAndCycle,
} from './power-flow-fixture.js';

// A chain whose genesis file names a grid holds it from block 0: the power flow behind a checked
// interval is served with nothing written after genesis but the market's own records.

describe('power flow on a chain started from a genesis file with a grid', () => {
  let t: TestApi;
  let token = '';

  before(async () => {
    t = await startTestApi({ rateLimitPerSecond: 1_000_000, authRateLimitPerSecond: 1_000_000 }, undefined, {
      genesis: { grid: gridToJson(FLOW_GRID) },
    });
  });
  after(() => t.close());

  it('holds the genesis grid in block 0’s state', async () => {
    assert.equal(t.node.store.committed.height, 0);
    const stored = t.node.store.getState(GRID_STATE_KEY);
    assert.ok(stored !== undefined);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(stored)), gridToJson(FLOW_GRID));
  });

  it('answers the power-flow route for a checked interval (not 404)', async () => {
    await plantMembersAndCycle(t.node);
    const session = await openSession(t.api, flowSeed('gridEnterprise'));
    assert.equal(session.status, 200, JSON.stringify(session.body));
    token = session.body.token as string;
    const ge = toHex(flowKey('gridEnterprise'));
    const answer = await t.api.inject({
      url: `/api/v1/market/cycles/${FLOW_CYCLE}/intervals/0/power-flow/${ge}`,
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(answer.statusCode, 200, answer.body);
    const body = answer.json() as {
      asMatched: { converged: boolean; lines: { from: number; to: number; flowKva: number }[] };
    };
    assert.equal(body.asMatched.converged, true);
    assert.deepEqual(
      body.asMatched.lines.map((l) => [l.from, l.to, l.flowKva]),
      intervalFlow(FLOW_GRID, AS_MATCHED, 0).lines.map((l) => [l.from, l.to, l.flowKva]),
    );
  });
});
