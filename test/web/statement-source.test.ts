import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { type BlockHeader, blockHash } from '../../src/ledger/block.js';
import { MemoryState } from '../../src/market/memory-state.js';
import { MarketStore } from '../../src/market/store.js';
import { transitionsKey } from '../../web/src/lib/market-state.js';
import { settlementSource } from '../../web/src/lib/statement-source.js';

// The block a statement PDF names: the cycle's `settled` transition as the node stores it, the
// block's hash only when its header hashes to it, and nothing when there is nothing to name.

const enc = (s: string) => new TextEncoder().encode(s);

function settledBlock(height: number, timestampMs: number) {
  const header: BlockHeader = {
    chainId: 'web-test',
    shardId: 0,
    height,
    epoch: 0,
    timestampMs,
    previousHash: sha256(enc('previous')),
    txRoot: sha256(enc('txs')),
    txCount: 1,
    receiptsRoot: sha256(enc('receipts')),
    stateRoot: sha256(enc('state')),
    randomness: sha256(enc('coin')),
    evidence: enc('certificate bytes'),
  };
  return {
    hash: toHex(blockHash(ed25519Scheme, header)),
    chainId: header.chainId,
    shardId: header.shardId,
    height,
    epoch: header.epoch,
    timestampMs,
    previousHash: toHex(header.previousHash),
    txRoot: toHex(header.txRoot),
    txCount: header.txCount,
    receiptsRoot: toHex(header.receiptsRoot),
    stateRoot: toHex(header.stateRoot),
    randomness: toHex(header.randomness),
    evidence: toHex(header.evidence),
    transactions: [],
  };
}

function transitionLog(cycleId: string, states: readonly ('closed' | 'settled')[]): string {
  const state = new MemoryState();
  const store = new MarketStore(state);
  for (const [i, to] of states.entries())
    store.addTransition(cycleId, {
      from: 'open',
      to,
      round: 0,
      atMs: 1_700_000_000_000 + i * 1000,
      height: 40 + i,
      code: to.toUpperCase(),
      reason: '',
    });
  const entry = [...state.sortedEntries()].find(([k]) => toHex(k) === transitionsKey(cycleId));
  return toHex(entry![1]);
}

/** The portal's fetch answered from `routes` (path → JSON) and the head block, 404 for anything else. */
function serve(routes: Record<string, unknown>) {
  const all: Record<string, unknown> = {
    '/api/v1/blocks/50': settledBlock(50, 1_700_000_009_000),
    ...routes,
  };
  globalThis.fetch = (async (input: string | URL) => {
    const body = all[String(input)];
    return body === undefined
      ? new Response('{"code":"NOT_FOUND"}', { status: 404 })
      : new Response(JSON.stringify(body), { status: 200 });
  }) as typeof fetch;
}

const stateAnswer = (key: string, value: string | null) => ({
  key,
  value,
  stateRoot: '00'.repeat(32),
  height: 50,
  proof: { siblings: [], terminal: { kind: 'empty' } },
});

describe('settlement block of a statement', () => {
  const realFetch = globalThis.fetch;
  after(() => {
    globalThis.fetch = realFetch;
  });

  it('names the block of the settled transition, with its hash when the header hashes to it', async () => {
    const key = transitionsKey('c-1');
    const block = settledBlock(41, 1_700_000_001_000);
    serve({
      [`/api/v1/state/${key}`]: stateAnswer(key, transitionLog('c-1', ['closed', 'settled'])),
      '/api/v1/blocks/41': block,
    });
    assert.deepEqual(await settlementSource('c-1'), {
      height: 41,
      blockHash: block.hash,
      atMs: 1_700_000_001_000,
    });

    serve({
      [`/api/v1/state/${key}`]: stateAnswer(key, transitionLog('c-1', ['closed', 'settled'])),
      '/api/v1/blocks/41': { ...block, txCount: 2 },
    });
    assert.deepEqual(await settlementSource('c-1'), { height: 41, blockHash: null, atMs: 1_700_000_001_000 });
  });

  it('names nothing for a cycle not settled, unknown, or a node out of reach', async () => {
    const key = transitionsKey('c-2');
    serve({ [`/api/v1/state/${key}`]: stateAnswer(key, transitionLog('c-2', ['closed'])) });
    assert.equal(await settlementSource('c-2'), null);
    serve({ [`/api/v1/state/${key}`]: stateAnswer(key, null) });
    assert.equal(await settlementSource('c-2'), null);
    serve({ [`/api/v1/state/${key}`]: stateAnswer(key, 'ff00') });
    assert.equal(await settlementSource('c-2'), null);
    globalThis.fetch = (async () => {
      throw new TypeError('unreachable');
    }) as typeof fetch;
    assert.equal(await settlementSource('c-2'), null);
  });
});
