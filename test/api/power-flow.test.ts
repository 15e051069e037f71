import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { toHex } from '../../src/crypto/hash.js';
import { type Schedule, securityCheck, violationKey } from '../../src/grid/index.js';
import { intervalFlow } from '../../src/grid/interval-flow.js';
import { openSession, startTestApi, type TestApi } from './harness.js';
import {
  AFTER_CHECK,
  AS_MATCHED,
  DEAL_REASON,
  DEALS,
  FLOW_CYCLE,
  FLOW_GRID,
  flowKey,
  flowSeed,
  plantGridModel,
  plantMembersAndCycle,
} from './power-flow-fixture.js';

// The power flow behind an interval's security check, served from committed state: its figures
// are the grid engine's for the injections worked out by hand, its violations those of the
// engine's own security check, and only the cycle's grid enterprise or a regulator reads it.

const ge = toHex(flowKey('gridEnterprise'));
const url = (interval: number | string, key = ge, cycle = FLOW_CYCLE) =>
  `/api/v1/market/cycles/${cycle}/intervals/${interval}/power-flow/${key}`;

type Flow = {
  converged: boolean;
  lines: {
    branch: number;
    from: number;
    to: number;
    flowKva: number;
    rateKva: number;
    loadingPct: number | null;
  }[];
  buses: { bus: number; vmPu: number | null }[];
  substationKva: number;
  lossKw: number;
  violations: { kind: string; key: string; flowKva?: number; limitKva?: number }[];
};

describe('GET …/intervals/{interval}/power-flow/{key}', () => {
  let t: TestApi;
  const tokens: Record<string, string> = {};
  const get = (path: string, who?: string) =>
    t.api.inject({
      url: path,
      ...(who === undefined ? {} : { headers: { authorization: `Bearer ${tokens[who]}` } }),
    });

  before(async () => {
    t = await startTestApi({ rateLimitPerSecond: 1_000_000, authRateLimitPerSecond: 1_000_000 });
    await plantMembersAndCycle(t.node);
    for (const who of ['gridEnterprise', 'regulator', 'outsider']) {
      const session = await openSession(t.api, flowSeed(who));
      assert.equal(session.status, 200, JSON.stringify(session.body));
      tokens[who] = session.body.token as string;
    }
  });
  after(() => t.close());

  it('answers 404 on a chain without a grid model: its check ran no power flow', async () => {
    const answer = await get(url(0), 'gridEnterprise');
    assert.equal(answer.statusCode, 404);
    assert.match(answer.json().detail, /no grid model/);
  });

  it('serves the flow as matched and after the check, equal to the grid engine’s for the same injections', async () => {
    await plantGridModel(t.node);
    const answer = await get(url(0), 'gridEnterprise');
    assert.equal(answer.statusCode, 200, answer.body);
    const body = answer.json() as {
      height: number;
      gridEnterprise: string;
      outcome: { outcome: string };
      adjustments: { matchedWh: number; energyWh: number; reason: string; seller: string }[];
      asMatched: Flow;
      afterCheck: Flow;
    };
    assert.equal(body.gridEnterprise, ge);
    assert.equal(body.height, t.node.store.committed.height);
    assert.equal(body.outcome.outcome, 'adjusted');
    assert.deepEqual(body.adjustments, [
      {
        seller: toHex(DEALS[0]!.seller),
        buyer: toHex(DEALS[0]!.buyer),
        matchedWh: 500_000,
        energyWh: 250_000,
        reason: DEAL_REASON,
      },
    ]);
    for (const [flow, injections] of [
      [body.asMatched, AS_MATCHED],
      [body.afterCheck, AFTER_CHECK],
    ] as const) {
      const direct = intervalFlow(FLOW_GRID, injections, 0);
      assert.equal(flow.converged, true);
      assert.equal(flow.lines.length, FLOW_GRID.branches.length);
      assert.deepEqual(
        flow.lines.map((l) => [l.from, l.to, l.flowKva, l.loadingPct]),
        direct.lines.map((l) => [l.from, l.to, l.flowKva, l.loadingPct]),
      );
      assert.deepEqual(
        flow.buses.map((b) => [b.bus, b.vmPu]),
        direct.buses.map((b) => [b.bus, b.vmPu]),
      );
      assert.equal(flow.substationKva, direct.substationKva);
      assert.equal(flow.lossKw, direct.lossKw);
      // The violations are the security check's own for the schedule the chain's checker builds.
      const schedule: Schedule = injections.map((x, i) => ({
        participantId: String(i),
        bus: x.bus,
        interval: 0,
        netKw: x.pKw,
        pricePerKwh: 1,
      }));
      assert.deepEqual(
        flow.violations.map((v) => v.key),
        securityCheck(FLOW_GRID, schedule).violations.map(violationKey),
      );
    }
    // As matched, the bus-18 seller's 2000 kW overloads the far main feeder: 17-18 carries
    // about 1910 kVA against 1200 kVA; the check's cut leaves every line within its rating.
    const line = (flow: Flow, from: number, to: number) =>
      flow.lines.find((l) => l.from === from && l.to === to)!;
    assert.ok(
      line(body.asMatched, 17, 18).loadingPct! > 155 && line(body.asMatched, 17, 18).loadingPct! < 165,
    );
    assert.ok(body.asMatched.violations.some((v) => v.key === 'branch-thermal:17-18' && v.limitKva === 1200));
    assert.deepEqual(body.afterCheck.violations, []);
    assert.ok(body.afterCheck.lines.every((l) => l.loadingPct === null || l.loadingPct <= 100));
    // The open tie switches carry nothing.
    assert.equal(line(body.asMatched, 21, 8).flowKva, 0);
  });

  it('answers a regulator as it answers the grid enterprise', async () => {
    const byGe = await get(url(0), 'gridEnterprise');
    const byRegulator = await get(url(0), 'regulator');
    assert.equal(byRegulator.statusCode, 200);
    assert.deepEqual(byRegulator.json(), byGe.json());
  });

  it('refuses without a session, and any member but the cycle’s grid enterprise', async () => {
    assert.equal((await get(url(0))).statusCode, 401);
    // The outsider may not name the grid enterprise…
    assert.equal((await get(url(0), 'outsider')).statusCode, 403);
    // …nor itself: the key must be the cycle's grid enterprise.
    const self = await get(url(0, toHex(flowKey('outsider'))), 'outsider');
    assert.equal(self.statusCode, 403);
    assert.match(self.json().detail, /grid enterprise/);
  });

  it('answers 404 for an unknown cycle or interval and for an interval no check looked at', async () => {
    assert.equal((await get(url(0, ge, 'no-such-cycle'), 'regulator')).statusCode, 404);
    assert.equal((await get(url(2), 'regulator')).statusCode, 404);
    const missed = await get(url(1), 'regulator');
    assert.equal(missed.statusCode, 404);
    assert.match(missed.json().detail, /grid purchase/);
  });

  it('refuses malformed parameters with 400', async () => {
    for (const bad of ['01', '-1', 'x', '99999']) {
      assert.equal((await get(url(bad), 'regulator')).statusCode, 400, bad);
    }
    assert.equal((await get(url(0, 'zz'), 'regulator')).statusCode, 400);
  });
});
