import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { after, describe, it } from 'node:test';
import type { ApiNode } from '../../src/api/interface.js';
import { suspensionEvents } from '../../src/api/roles-routes.js';
import { buildApi } from '../../src/api/server.js';
import { Writer } from '../../src/codec/index.js';
import { toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import type { ExecutedBlock } from '../../src/ledger/chain-state.js';
import type { StoredBlock } from '../../src/ledger/store.js';
import { auditCycle } from '../../src/node/credit-audit.js';
import type { GenesisFile } from '../../src/node/genesis-file.js';
import { NodeMetrics } from '../../src/node/metrics.js';
import { suspensionKey } from '../../src/roles/evidence-application.js';
import type { RolesAnswer } from '../../src/sdk/index.js';
import { CREDIT_SCALE } from '../../src/sharding/index.js';
import { auditChain, chainsOf } from '../node/sim-chains.js';

const CYCLE_MS = 1500;

function stored(block: ExecutedBlock): StoredBlock {
  return { header: block.header, hash: block.hash, txHashes: block.txHashes, receipts: block.receipts };
}

/** The pieces of a node the roles route reads: its genesis and a store holding a simulated chain. */
function nodeOn(
  blocks: readonly ExecutedBlock[],
  genesis: ApiNode['genesis'],
  state = new Map<string, Uint8Array>(),
): ApiNode {
  const byHash = new Map<string, { height: number; index: number; bytes: Uint8Array }>();
  for (const block of blocks)
    block.transactions.forEach((t, index) => {
      byHash.set(toHex(t.hash), { height: block.header.height, index, bytes: t.bytes });
    });
  const stored = (height: number): StoredBlock | undefined => {
    const block = blocks[height - 1];
    return (
      block && { header: block.header, hash: block.hash, txHashes: block.txHashes, receipts: block.receipts }
    );
  };
  const store = {
    head: { height: blocks.length, hash: blocks.at(-1)!.hash },
    scheme: ed25519Scheme,
    getState: (key: Uint8Array) => state.get(toHex(key)),
    readBlock: async (height: number) => stored(height),
    readTransaction: async (hash: Uint8Array) => byHash.get(toHex(hash)),
  } as unknown as ApiNode['store'];
  return Object.assign(new EventEmitter(), {
    genesis,
    index: 0,
    lastAppliedSequence: -1,
    metrics: new NodeMetrics({ chainId: genesis.chainId, shardId: genesis.shardId, validator: 0 }),
    mempool: { size: 0 },
    store,
    peers: () => [],
    submit: () => {
      throw new Error('not in this test');
    },
  }) as unknown as ApiNode;
}

describe('GET /api/v1/roles', () => {
  const { chains, committee, faultyNodes } = chainsOf(1, 7);
  const blocks = [...chains.values()][0]!;
  const genesis = {
    chainId: 'sim',
    shardId: 0,
    genesisTimeMs: 0,
    consensus: 'dag',
    validators: committee.members.map((m) => ({
      index: m.index,
      publicKey: toHex(m.publicKey),
      address: '/ip4/127.0.0.1/tcp/0',
      api: 'http://127.0.0.1:0',
    })),
    // Only the cycle length is read here: the simulated run lasts a few seconds.
    sharding: { cycleMs: CYCLE_MS } as unknown as GenesisFile['sharding'],
  } as ApiNode['genesis'];
  const apis: { close(): Promise<unknown> }[] = [];
  after(async () => {
    for (const api of apis) await api.close();
  });

  it('answers every node’s credit and the evidence behind it, as the audit from the chain computes it', async () => {
    const api = await buildApi(nodeOn(blocks, genesis), { host: '127.0.0.1', port: 0 });
    apis.push(api);
    const answer = (await api.inject({ method: 'GET', url: '/api/v1/roles' })).json() as RolesAnswer;
    const closed = Math.floor(blocks.at(-1)!.header.timestampMs / CYCLE_MS);
    assert.equal(answer.closedCycles, closed);
    assert.equal(answer.auditedCycles, closed);
    const last = await auditCycle(
      auditChain(blocks),
      committee,
      { genesisTimeMs: 0, cycleMs: CYCLE_MS },
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
    const api = await buildApi(nodeOn(blocks, genesis, state), { host: '127.0.0.1', port: 0 });
    apis.push(api);
    const answer = (await api.inject({ method: 'GET', url: '/api/v1/roles' })).json() as RolesAnswer;
    assert.deepEqual(
      answer.nodes.map((n) => n.suspended),
      [false, true, false, false],
    );
    assert.deepEqual(answer.nodes[1]!.suspension, { round: 9, height: 4, proof: '010203' });
    // The event stream tells of it once, with the block that recorded it.
    const node = nodeOn(blocks, genesis, state);
    const at = (height: number) => ({ ...stored(blocks[0]!), header: { ...blocks[0]!.header, height } });
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
    const api = await buildApi(nodeOn(blocks, { ...genesis, consensus: 'pbft' }), {
      host: '127.0.0.1',
      port: 0,
    });
    apis.push(api);
    const reply = await api.inject({ method: 'GET', url: '/api/v1/roles' });
    assert.equal(reply.statusCode, 404);
    assert.equal(reply.json().code, 'CREDIT_NEEDS_DAG');
  });
});
