import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { suspensionEvents } from '../../src/api/roles-routes.js';
import { buildApi } from '../../src/api/server.js';
import { Writer } from '../../src/codec/index.js';
import { toHex } from '../../src/crypto/hash.js';
import { auditCycle } from '../../src/node/credit-audit.js';
import { suspensionKey } from '../../src/roles/evidence-application.js';
import type { RolesAnswer } from '../../src/sdk/index.js';
import { CREDIT_SCALE } from '../../src/sharding/index.js';
import { auditChain, chainsOf } from '../node/sim-chains.js';
import { SIM_CYCLE_MS, SimNode, simGenesis, storedOf } from './sim-node.js';

describe('GET /api/v1/roles', () => {
  const { chains, committee, faultyNodes } = chainsOf(1, 7);
  const blocks = [...chains.values()][0]!;
  const genesis = simGenesis(committee);
  const apis: { close(): Promise<unknown> }[] = [];
  after(async () => {
    for (const api of apis) await api.close();
  });

  it('answers every node’s credit and the evidence behind it, as the audit from the chain computes it', async () => {
    const api = await buildApi(new SimNode(blocks, genesis), { host: '127.0.0.1', port: 0 });
    apis.push(api);
    const answer = (await api.inject({ method: 'GET', url: '/api/v1/roles' })).json() as RolesAnswer;
    const closed = Math.floor(blocks.at(-1)!.header.timestampMs / SIM_CYCLE_MS);
    assert.equal(answer.closedCycles, closed);
    assert.equal(answer.auditedCycles, closed);
    const last = await auditCycle(
      auditChain(blocks),
      committee,
      { genesisTimeMs: 0, cycleMs: SIM_CYCLE_MS },
      closed - 1,
    );
    assert.deepEqual(answer.lastCycle, {
      cycle: last.cycle,
      fromHeight: last.fromHeight,
      toHeight: last.toHeight,
      firstRound: last.firstRound,
      lastRound: last.lastRound,
      vertices: last.vertices,
      scored: true,
    });
    assert.equal(answer.creditScale, CREDIT_SCALE);
    const silent = faultyNodes[0]!;
    for (const node of answer.nodes) {
      assert.equal(node.role, 'verification');
      assert.equal(node.cycleScore, last.scores[node.index]);
      assert.equal(node.evidence?.certified, last.tallies[node.index]!.certified);
      assert.equal(node.suspended, false);
      if (node.index === silent)
        assert.ok(node.credit < CREDIT_SCALE / 2, 'the silent validator lost credit');
      else assert.ok(node.credit > CREDIT_SCALE / 2, `validator ${node.index} gained credit`);
    }
  });

  it('shows a suspended member with the proof the chain holds', async () => {
    const proof = new Uint8Array([1, 2, 3]);
    const record = new Writer(32).u64(9).u64(4).bytes(proof).finish();
    const state = new Map([[toHex(suspensionKey(1)), record]]);
    const api = await buildApi(new SimNode(blocks, genesis, state), { host: '127.0.0.1', port: 0 });
    apis.push(api);
    const answer = (await api.inject({ method: 'GET', url: '/api/v1/roles' })).json() as RolesAnswer;
    assert.deepEqual(
      answer.nodes.map((n) => n.suspended),
      [false, true, false, false],
    );
    assert.deepEqual(answer.nodes[1]!.suspension, { round: 9, height: 4, proof: '010203' });
    // The event stream tells of it once, with the block that recorded it.
    const node = new SimNode(blocks, genesis, state);
    const at = (height: number) => ({ ...storedOf(blocks[0]!), header: { ...blocks[0]!.header, height } });
    const event = suspensionEvents(at(4), node);
    assert.match(event, /^event: suspended\ndata: /);
    assert.deepEqual(JSON.parse(event.split('data: ')[1]!), {
      member: 1,
      publicKey: genesis.validators[1]!.publicKey,
      round: 9,
      height: 4,
      proof: '010203',
    });
    assert.equal(suspensionEvents(at(5), node), '');
  });

  it('says why a PBFT chain has no credit', async () => {
    const api = await buildApi(new SimNode(blocks, { ...genesis, consensus: 'pbft' }), {
      host: '127.0.0.1',
      port: 0,
    });
    apis.push(api);
    const reply = await api.inject({ method: 'GET', url: '/api/v1/roles' });
    assert.equal(reply.statusCode, 404);
    assert.equal(reply.json().code, 'CREDIT_NEEDS_DAG');
  });
});
