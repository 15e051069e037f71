import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT_SHARD_ID } from '../../src/cross-zone/root-application.js';
import { toHex } from '../../src/crypto/hash.js';
import { ed25519KeyPairFromSeed, sha256 } from '../../src/crypto/index.js';
import type { BlockHeader } from '../../src/ledger/block.js';
import { mastersOfCycle } from '../../src/node/cross-relay.js';
import {
  apiRootSource,
  type ProvenRootBlock,
  provenRootBlock,
  RootBeacon,
  rootCommitteeOf,
  type SystemGenesis,
} from '../../src/node/master-beacon.js';
import { commitProofHex, headerJson } from './signed-headers.js';

const enc = (s: string) => new TextEncoder().encode(s);
const keys = Array.from({ length: 4 }, (_, i) => ed25519KeyPairFromSeed(sha256(enc(`root ${i}`))));
const member = (publicKey: Uint8Array, i: number) => ({
  publicKey: toHex(publicKey),
  api: `http://root${i}`,
});
const genesis: SystemGenesis = {
  chainId: 'beacon-test',
  genesisTimeMs: 1_000_000,
  sharding: {
    cycleMs: 10_000,
    shards: [{ shardId: 0, validators: keys.map((k, i) => member(k.publicKey, i)) }],
    root: { validators: keys.map((k, i) => member(k.publicKey, i)) },
  },
};

/** A root chain whose block h has time `times[h - 1]` and randomness H(h). */
function rootChain(times: readonly number[]) {
  const headers: BlockHeader[] = times.map((timestampMs, i) => ({
    chainId: genesis.chainId,
    shardId: ROOT_SHARD_ID,
    height: i + 1,
    epoch: 0,
    timestampMs,
    previousHash: new Uint8Array(32),
    txRoot: new Uint8Array(32),
    txCount: 0,
    receiptsRoot: new Uint8Array(32),
    stateRoot: sha256(enc(`state ${i + 1}`)),
    randomness: sha256(enc(`coin ${i + 1}`)),
    evidence: new Uint8Array(0),
  }));
  const proofOf = (header: BlockHeader) =>
    commitProofHex(
      header,
      rootCommitteeOf(genesis),
      genesis.chainId,
      keys.map((k) => k.seed),
    );
  const json = headerJson;
  return { headers, proofOf, json };
}

function memorySource(times: readonly number[]) {
  const { headers } = rootChain(times);
  let reads = 0;
  return {
    get reads() {
      return reads;
    },
    head: async () => headers.length,
    timeOf: async (height: number) => headers[height - 1]?.timestampMs ?? null,
    block: async (height: number): Promise<ProvenRootBlock | null> => {
      reads++;
      const h = headers[height - 1];
      return h === undefined ? null : { height, timestampMs: h.timestampMs, randomness: h.randomness };
    },
  };
}

describe('master beacon from the root chain', () => {
  it('is the coin of the first root block at or after the start of the cycle before', async () => {
    const start = (cycle: number) => genesis.genesisTimeMs + cycle * genesis.sharding.cycleMs;
    // Root blocks every 3 s from genesis: cycle 2 reads the first block at or after 1,010,000.
    const times = Array.from({ length: 12 }, (_, i) => start(0) + 1000 + 3000 * i);
    const source = memorySource(times);
    const beacon = new RootBeacon(genesis, source);
    const expected = times.findIndex((t) => t >= start(1)) + 1;
    assert.deepEqual(await beacon.resolve(2), sha256(enc(`coin ${expected}`)));
    assert.deepEqual(beacon.known(2), sha256(enc(`coin ${expected}`)));
    const reads = source.reads;
    await beacon.resolve(2);
    assert.equal(source.reads, reads, 'kept once found');
    // Cycle 1: the first root block of cycle 0.
    assert.deepEqual(await beacon.resolve(1), sha256(enc('coin 1')));
    // Cycle 0 has no cycle before it, and cycle 5's start (cycle 4's) is past the root's last block.
    assert.equal(await beacon.resolve(0), null);
    assert.equal(await beacon.resolve(5), null);
    assert.equal(beacon.known(5), null);
    // The orders differ from the public one, and from one cycle to the next.
    const coin = mastersOfCycle(genesis, 2, 0, beacon.known(2));
    assert.deepEqual([...coin].sort(), [0, 1, 2, 3]);
  });

  it('takes a root validator’s word for where the block is only once proven, and searches when it is wrong', async () => {
    const start = (cycle: number) => genesis.genesisTimeMs + cycle * genesis.sharding.cycleMs;
    const times = Array.from({ length: 40 }, (_, i) => start(0) + 500 + 700 * i);
    const expected = times.findIndex((t) => t >= start(2)) + 1;
    const right = memorySource(times);
    const hinted = new RootBeacon(genesis, { ...right, hint: async () => expected });
    assert.deepEqual(await hinted.resolve(3), sha256(enc(`coin ${expected}`)));
    assert.equal(right.reads, 2, 'the block and the one before, nothing else');
    assert.equal(hinted.heightOf(3), expected);
    for (const wrong of [expected - 1, expected + 1, 10_000]) {
      const beacon = new RootBeacon(genesis, { ...memorySource(times), hint: async () => wrong });
      assert.deepEqual(await beacon.resolve(3), sha256(enc(`coin ${expected}`)), `hint ${wrong}`);
    }
  });

  it('takes a root block only with a commit proof of the root committee over exactly that header', () => {
    const { headers, proofOf, json } = rootChain([genesis.genesisTimeMs + 500, genesis.genesisTimeMs + 900]);
    const committee = rootCommitteeOf(genesis);
    const proven = provenRootBlock(genesis, committee, 2, json(headers[1]!), proofOf(headers[1]!));
    assert.deepEqual(proven.randomness, headers[1]!.randomness);
    // A validator that lies about the coin, or the time, or serves another height's proof.
    const lyingCoin = { ...json(headers[1]!), randomness: toHex(sha256(enc('chosen'))) };
    assert.throws(
      () => provenRootBlock(genesis, committee, 2, lyingCoin, proofOf(headers[1]!)),
      /not the block/,
    );
    const lyingTime = { ...json(headers[1]!), timestampMs: headers[1]!.timestampMs + 1 };
    assert.throws(
      () => provenRootBlock(genesis, committee, 2, lyingTime, proofOf(headers[1]!)),
      /not the block/,
    );
    assert.throws(
      () => provenRootBlock(genesis, committee, 2, json(headers[1]!), proofOf(headers[0]!)),
      /height 1/,
    );
    assert.throws(
      () => provenRootBlock(genesis, committee, 2, json(headers[1]!), undefined),
      /no commit proof/,
    );
    const strangers = {
      ...genesis,
      sharding: {
        ...genesis.sharding,
        root: {
          validators: genesis.sharding.shards[0]!.validators.map((v, i) => ({
            ...v,
            publicKey: toHex(ed25519KeyPairFromSeed(sha256(enc(`other ${i}`))).publicKey),
          })),
        },
      },
    };
    assert.throws(() =>
      provenRootBlock(strangers, rootCommitteeOf(strangers), 2, json(headers[1]!), proofOf(headers[1]!)),
    );
  });

  it('reads root validators through their APIs and moves on from one that lies', async () => {
    const start = genesis.genesisTimeMs;
    const { headers, proofOf, json } = rootChain([start + 100, start + 5000, start + 10_500, start + 12_000]);
    const liar = 'http://root0';
    const get = async (api: string, path: string): Promise<unknown> => {
      if (path === '/api/v1/status') return { height: headers.length };
      const match = /^\/api\/v1\/blocks\/(\d+)(\/commit-proof)?$/.exec(path)!;
      const header = headers[Number(match[1]) - 1];
      if (header === undefined) return undefined;
      if (match[2] !== undefined) return { proof: proofOf(header) };
      return api === liar ? { ...json(header), randomness: toHex(sha256(enc('chosen'))) } : json(header);
    };
    const beacon = new RootBeacon(genesis, apiRootSource(genesis, get));
    // Cycle 2 reads the first block at or after the start of cycle 1: block 3.
    assert.deepEqual(await beacon.resolve(2), sha256(enc('coin 3')));
  });
});
