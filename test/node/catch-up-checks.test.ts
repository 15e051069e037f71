import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ed25519KeyPairFromSeed, sha256, toHex } from '../../src/crypto/index.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { keyValueApplication } from '../../src/ledger/application.js';
import { type BlockHeader, blockHash } from '../../src/ledger/block.js';
import { LedgerStore } from '../../src/ledger/store.js';
import { catchUpFromPeers } from '../../src/node/catch-up.js';
import { chainParametersOf, committeeOf, type GenesisFile } from '../../src/node/genesis-file.js';
import { writeBlockEvidence } from '../../src/validator/evidence.js';
import { commitProofHex, headerJson } from './signed-headers.js';

const enc = (s: string) => new TextEncoder().encode(s);
const keys = Array.from({ length: 4 }, (_, i) => ed25519KeyPairFromSeed(sha256(enc(`validator ${i}`))));
const strangers = Array.from({ length: 4 }, (_, i) => ed25519KeyPairFromSeed(sha256(enc(`stranger ${i}`))));
const genesis: GenesisFile = {
  version: 1,
  chainId: 'catch-up-checks',
  shardId: 0,
  scheme: 'ed25519-sha256',
  genesisTimeMs: 1_000,
  validators: keys.map((k, index) => ({
    index,
    publicKey: toHex(k.publicKey),
    address: `/ip4/127.0.0.1/tcp/${7000 + index}`,
    api: `http://peer${index}`,
  })),
};

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function freshStore(): Promise<LedgerStore> {
  const dir = mkdtempSync(join(tmpdir(), 'catch-up-checks-'));
  dirs.push(dir);
  return LedgerStore.create(join(dir, 'ledger'), chainParametersOf(genesis), keyValueApplication);
}

/** Headers 1..count continuing `previous`, each with one batch of evidence at sequence 3h. */
function chainAfter(previous: Uint8Array, count: number, epoch = 0): BlockHeader[] {
  const headers: BlockHeader[] = [];
  for (let height = 1; height <= count; height++) {
    const header: BlockHeader = {
      chainId: genesis.chainId,
      shardId: 0,
      height,
      epoch,
      timestampMs: 1_000 + height,
      previousHash: headers.length === 0 ? previous : blockHash(ed25519Scheme, headers.at(-1)!),
      txRoot: new Uint8Array(32),
      txCount: 0,
      receiptsRoot: new Uint8Array(32),
      stateRoot: sha256(enc(`state ${height}`)),
      randomness: new Uint8Array(32),
      evidence: writeBlockEvidence({
        sequence: 3 * height,
        batches: [
          {
            sequence: 3 * height,
            round: height,
            proposer: 0,
            certificate: new Uint8Array(8),
            layout: { entries: 0, extras: [] },
          },
        ],
      }),
    };
    headers.push(header);
  }
  return headers;
}

function proofOf(header: BlockHeader, signers = keys): string {
  const committee = {
    ...committeeOf(genesis),
    members: signers.map((k, index) => ({ index, publicKey: k.publicKey })),
  };
  return commitProofHex(
    header,
    committee,
    genesis.chainId,
    signers.map((k) => k.seed),
  );
}

const json = headerJson;

interface Peer {
  readonly headers: BlockHeader[];
  /** What the peer answers for a block, when it lies. */
  readonly served?: (h: BlockHeader) => BlockHeader;
  readonly proof?: (h: BlockHeader) => string | undefined;
}

function peersGet(peers: Record<string, Peer>, asked: string[]) {
  return async (api: string, path: string): Promise<unknown> => {
    asked.push(`${api}${path}`);
    const peer = peers[api];
    if (peer === undefined) throw new Error('connection refused');
    if (path === '/api/v1/status') return { height: peer.headers.length };
    const match = /^\/api\/v1\/blocks\/(\d+)(\/commit-proof|\/transactions)?$/.exec(path);
    const header = match === null ? undefined : peer.headers[Number(match[1]) - 1];
    if (header === undefined) return undefined;
    if (match![2] === '/commit-proof') {
      const proof = (peer.proof ?? proofOf)(header);
      return proof === undefined ? undefined : { proof };
    }
    if (match![2] === '/transactions') return undefined; // never reached in these cases
    return json(peer.served?.(header) ?? header);
  };
}

const log = { info: () => undefined, warn: () => undefined };

describe('copying final blocks from peers', () => {
  it('writes nothing a peer cannot prove: no commit proof, outsiders’ signatures, headers that do not link', async () => {
    const store = await freshStore();
    const headers = chainAfter(store.head.hash, 6);
    const asked: string[] = [];
    const peers: Record<string, Peer> = {
      // Signed by keys that are not the committee's.
      'http://peer1': { headers, proof: (h) => proofOf(h, strangers) },
      // Holds no commit proof at all.
      'http://peer2': { headers, proof: () => undefined },
      // A proven head, but a block below it with another coin than the chain's.
      'http://peer3': {
        headers,
        served: (h) => (h.height === 3 ? { ...h, randomness: sha256(enc('chosen')) } : h),
      },
    };
    const result = await catchUpFromPeers({
      store,
      genesis,
      self: 0,
      get: peersGet(peers, asked),
      ordered: { epoch: 0, sequence: -1 },
      minGapBatches: 1,
      log,
    });
    assert.equal(result, null);
    assert.equal(store.head.height, 0, 'nothing was written');
    assert.ok(
      asked.some((a) => a === 'http://peer3/api/v1/blocks/3'),
      'it walked the headers down',
    );
    assert.ok(
      !asked.some((a) => a.endsWith('/transactions')),
      'no transaction was asked for before the headers held',
    );
    await store.close();
  });

  it('does not copy a chain that does not continue its own, nor when the peers are close enough', async () => {
    const store = await freshStore();
    const elsewhere = chainAfter(sha256(enc('another genesis')), 4);
    const result = await catchUpFromPeers({
      store,
      genesis,
      self: 0,
      get: peersGet({ 'http://peer1': { headers: elsewhere } }, []),
      ordered: { epoch: 0, sequence: -1 },
      minGapBatches: 1,
      log,
    });
    assert.equal(result, null);
    assert.equal(store.head.height, 0);
    // A proven head 12 batches ahead of what consensus can replay: below a threshold of 100.
    const near = await catchUpFromPeers({
      store,
      genesis,
      self: 0,
      get: peersGet({ 'http://peer1': { headers: chainAfter(store.head.hash, 4) } }, []),
      ordered: { epoch: 0, sequence: 0 },
      minGapBatches: 100,
      log,
    });
    assert.equal(near, null);
    await store.close();
  });

  it('passes over a head of an epoch its own ledger has not reached: that committee is not known here', async () => {
    const store = await freshStore();
    // Signed by the genesis keys, but naming epoch 1, which this ledger never handed over to.
    const headers = chainAfter(store.head.hash, 5, 1);
    const asked: string[] = [];
    const result = await catchUpFromPeers({
      store,
      genesis,
      self: 0,
      get: peersGet({ 'http://peer1': { headers } }, asked),
      ordered: { epoch: 0, sequence: -1 },
      minGapBatches: 1,
      log,
    });
    assert.equal(result, null);
    assert.equal(store.head.height, 0);
    assert.ok(!asked.some((a) => a.endsWith('/transactions')));
    await store.close();
  });
});
