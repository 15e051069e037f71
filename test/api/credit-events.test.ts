import assert from 'node:assert/strict';
import { type IncomingMessage, request } from 'node:http';
import { after, describe, it } from 'node:test';
import type { CreditEvent } from '../../src/api/credit-events.js';
import { buildApi } from '../../src/api/server.js';
import { cycleAt } from '../../src/node/credit-audit.js';
import type { RolesAnswer } from '../../src/sdk/index.js';
import { CREDIT_SCALE } from '../../src/sharding/index.js';
import { chainsOf } from '../node/sim-chains.js';
import { SIM_CYCLE_MS, SimNode, simGenesis } from './sim-node.js';

/** An open `GET /api/v1/events` stream, with the events it has received so far. */
async function subscribe(port: number) {
  const received: { name: string; data: unknown }[] = [];
  const waiting = new Set<() => boolean>();
  const req = request({ host: '127.0.0.1', port, path: '/api/v1/events', agent: false });
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
  assert.equal(response.statusCode, 200);
  response.setEncoding('utf8');
  let buffer = '';
  response.on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const text = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = /^event: (.*)$/m.exec(text)?.[1];
      const data = /^data: (.*)$/m.exec(text)?.[1];
      if (name !== undefined && data !== undefined) received.push({ name, data: JSON.parse(data) });
    }
    for (const check of waiting) if (check()) waiting.delete(check);
  });
  const named = <T>(name: string) => received.filter((e) => e.name === name).map((e) => e.data as T);
  return {
    named,
    /** Resolves once `count` events called `name` have arrived. */
    until: (name: string, count: number) =>
      new Promise<void>((done) => {
        const check = () => {
          if (named(name).length < count) return false;
          done();
          return true;
        };
        if (!check()) waiting.add(check);
      }),
    close: () => req.destroy(),
  };
}

/** What a `credit` event should say while `answer`'s last cycle is the newest audited. */
function figuresOf(answer: RolesAnswer): CreditEvent {
  return {
    cycle: answer.lastCycle!.cycle,
    scored: answer.lastCycle!.scored,
    nodes: answer.nodes.map((n) => ({
      index: n.index,
      credit: n.credit,
      cycleScore: n.cycleScore,
      suspended: n.suspended,
    })),
  };
}

describe('credit events', () => {
  // Seed 7: four validators, one silent, blocks in cycles 0 to 3 of 1.5 s (0, 1, 2 close).
  const { chains, committee, faultyNodes } = chainsOf(1, 7);
  const blocks = [...chains.values()][0]!;
  const genesis = simGenesis(committee);
  const cycleOf = (height: number) =>
    cycleAt({ genesisTimeMs: 0, cycleMs: SIM_CYCLE_MS }, blocks[height - 1]!.header.timestampMs);
  const closed = cycleOf(blocks.length);
  const silent = faultyNodes[0]!;
  const open: { close(): unknown }[] = [];
  after(async () => {
    for (const each of open) await each.close();
  });

  async function serve(node: SimNode) {
    const api = await buildApi(node, { host: '127.0.0.1', port: 0 });
    const port = Number(new URL(await api.listen({ host: '127.0.0.1', port: 0 })).port);
    const events = await subscribe(port);
    open.push(events, api);
    const roles = async () =>
      (await api.inject({ method: 'GET', url: '/api/v1/roles' })).json() as RolesAnswer;
    return { api, events, roles };
  }

  let oneByOne: CreditEvent[] = [];

  it('tell of each cycle as the chain closes it, unasked, with the figures GET /api/v1/roles shows', {
    timeout: 60_000,
  }, async () => {
    assert.ok(closed >= 2, 'the run closes at least two cycles');
    const node = new SimNode(blocks, genesis, undefined, 0);
    const { events, roles } = await serve(node);
    let audited = 0;
    for (let height = 1; height <= blocks.length; height++) {
      node.deliver(height);
      if (height === 1 || cycleOf(height) === cycleOf(height - 1)) continue;
      // The block is the first of a later cycle: the one before it is over, and is audited without
      // anyone asking the roles route.
      await events.until('credit', ++audited);
      const event = events.named<CreditEvent>('credit').at(-1)!;
      assert.equal(event.cycle, cycleOf(height - 1));
      assert.deepEqual(event, figuresOf(await roles()));
    }
    await events.until('block', blocks.length);
    oneByOne = events.named<CreditEvent>('credit');
    assert.deepEqual(
      oneByOne.map((e) => e.cycle),
      Array.from({ length: closed }, (_, i) => i),
      'once per cycle, in order',
    );
    const scored = oneByOne.filter((e) => e.scored);
    assert.ok(scored.length >= 2);
    let credit = CREDIT_SCALE / 2;
    for (const event of scored) {
      for (const node of event.nodes) {
        assert.equal(node.suspended, false);
        if (node.index === silent) assert.equal(node.cycleScore, 0, 'silent: nothing to score');
        else assert.ok(node.cycleScore! > CREDIT_SCALE / 2, `validator ${node.index} took part`);
      }
      const now = event.nodes[silent]!.credit;
      assert.ok(now < credit, `cycle ${event.cycle}: the silent validator's credit falls`);
      credit = now;
    }
  });

  it('tell of every cycle one look audits, in cycle order', { timeout: 60_000 }, async () => {
    const node = new SimNode(blocks, genesis);
    const { events, roles } = await serve(node);
    node.deliver(blocks.length);
    await events.until('credit', closed);
    const all = events.named<CreditEvent>('credit');
    assert.deepEqual(all, oneByOne, 'the same events as when the cycles closed one by one');
    assert.deepEqual(all.at(-1), figuresOf(await roles()));
  });

  it('try a failed audit again on a later block, and tell of the cycle once', {
    timeout: 60_000,
  }, async () => {
    const node = new SimNode(blocks, genesis, undefined, 0);
    const { api, events } = await serve(node);
    // Up to the first block past cycle 0, which closes it: its audit needs block 1, kept missing.
    let closing = 1;
    while (cycleOf(closing) === 0) closing++;
    node.missing.add(1);
    for (let height = 1; height <= closing; height++) node.deliver(height);
    // The roles route waits for the failing look (or fails one of its own): none is running after.
    const failed = await api.inject({ method: 'GET', url: '/api/v1/roles' });
    assert.equal(failed.statusCode, 500);
    await events.until('block', closing);
    assert.deepEqual(events.named('credit'), [], 'a cycle that could not be audited is not told');
    node.missing.delete(1);
    node.deliver(closing + 1);
    await events.until('credit', 1);
    for (let height = closing + 2; height <= blocks.length; height++) node.deliver(height);
    await events.until('credit', closed);
    assert.deepEqual(events.named('credit'), oneByOne);
  });

  it('are not sent on a PBFT chain, which has no credit', { timeout: 60_000 }, async () => {
    const node = new SimNode(blocks, { ...genesis, consensus: 'pbft' }, undefined, 0);
    const { events, roles } = await serve(node);
    for (let height = 1; height <= blocks.length; height++) node.deliver(height);
    await events.until('block', blocks.length);
    assert.equal(((await roles()) as unknown as { code: string }).code, 'CREDIT_NEEDS_DAG');
    assert.deepEqual(events.named('credit'), []);
  });
});
