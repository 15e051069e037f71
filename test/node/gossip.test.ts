import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { multiaddr } from '@multiformats/multiaddr';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { dealCoinKeys } from '../../src/consensus/coin/index.js';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { ApplicationRouter, encodeKvPut, KV_PUT, keyValueApplication } from '../../src/ledger/application.js';
import { encodeTransaction, signTransaction, type Transaction } from '../../src/ledger/transaction.js';
import { CONSENSUS_PROTOCOL, type ConsensusNetwork } from '../../src/network/consensus-network.js';
import { encodeFrame } from '../../src/network/frames.js';
import { encodeBlockAnnouncement, encodeTxGossip } from '../../src/network/gossip-messages.js';
import { createHost, type GridShardHost, gossipTopics } from '../../src/network/host.js';
import { libp2pPrivateKey, peerIdOf } from '../../src/network/identity.js';
import type { NodeConfig } from '../../src/node/config.js';
import type { GenesisFile } from '../../src/node/genesis-file.js';
import { coinPublicKeysToJson, committeeOf } from '../../src/node/genesis-file.js';
import { GossipTxRelay } from '../../src/node/gossip.js';
import { GridShardNode } from '../../src/node/node.js';
import { ChainWatcher } from '../../src/node/watch.js';
import { GridShardClient } from '../../src/sdk/client.js';
import {
  decodeCommitProof,
  encodeAttestation,
  signCommitStatement,
  verifyCommitProof,
} from '../../src/sharding/index.js';

const root = mkdtempSync(join(tmpdir(), 'gridshard-gossip-test-'));
const enc = (s: string) => new TextEncoder().encode(s);
// Ports from the process id, so parallel runs on one machine do not collide.
// Above the kernel's ephemeral range (32768–60999), where outgoing connections could take a port first.
const p2pBase = 61_000 + (process.pid % 500) * 8;
const N = 4;
const chainId = 'gossip-test';
const topics = gossipTopics(chainId, 0);
const seeds = Array.from({ length: N }, (_, i) => sha256(enc(`gossip validator ${i}`)));
const observerSeed = sha256(enc('gossip observer'));
const intruderSeed = sha256(enc('gossip second observer'));
const strangerSeed = sha256(enc('gossip stranger'));
const deal = dealCoinKeys(N, 2, sha256(enc('gossip coin')));
const publicKey = (seed: Uint8Array) => toHex(ed25519Scheme.publicKeyFromSeed(seed));
const genesis: GenesisFile = {
  version: 1,
  chainId,
  shardId: 0,
  scheme: 'ed25519-sha256',
  genesisTimeMs: 1_700_000_000_000,
  validators: seeds.map((seed, index) => ({
    index,
    publicKey: publicKey(seed),
    address: `/ip4/127.0.0.1/tcp/${p2pBase + index}`,
    api: 'http://127.0.0.1:0',
  })),
  coin: coinPublicKeysToJson(deal.publicKeys),
  // The intruder is a listed observer, so it can connect and gossip: what it sends must still fail.
  observers: [publicKey(observerSeed), publicKey(intruderSeed)],
};
const quiet = { info() {}, warn() {}, error() {} };

let nodes: GridShardNode[] = [];
let api: FastifyInstance | null = null;
let watcher: ChainWatcher | null = null;
let intruder: GridShardHost | null = null;
const followTriggers: string[] = [];

function kvPut(seed: string, nonce: bigint, note = ''): Transaction {
  return signTransaction(ed25519Scheme.signer(sha256(enc(seed))), {
    chainId,
    shardId: 0,
    type: KV_PUT,
    payload: encodeKvPut(enc('meter'), enc(`${seed} ${nonce} ${note}`)),
    nonce,
  });
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function counter(
  node: GridShardNode,
  metric: 'gossipMessages' | 'gossipProposed' | 'gossipAnnounced',
  labels: Record<string, string>,
): Promise<number> {
  const { values } = await node.metrics[metric].get();
  return values
    .filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))
    .reduce((sum, v) => sum + v.value, 0);
}

async function sum(
  metric: 'gossipMessages' | 'gossipProposed' | 'gossipAnnounced',
  labels: Record<string, string>,
  among = nodes,
): Promise<number> {
  let total = 0;
  for (const node of among) total += await counter(node, metric, labels);
  return total;
}

/** Every copy of a transaction in a node's ledger, with whether it executed. */
async function copiesOf(node: GridShardNode, hash: Uint8Array): Promise<boolean[]> {
  const found: boolean[] = [];
  for (let h = 1; h <= node.store.head.height; h++) {
    const block = (await node.store.readBlock(h))!;
    block.txHashes.forEach((txHash, i) => {
      if (toHex(txHash) === toHex(hash)) found.push(block.receipts[i]!.ok);
    });
  }
  return found;
}

const hashOf = (tx: Transaction) => ed25519Scheme.hash(encodeTransaction(tx));

describe('gossip between validators and observers', () => {
  before(async () => {
    nodes = await Promise.all(
      seeds.map((signingSeed, index) => {
        const config: NodeConfig = {
          genesis: '',
          dataDir: join(root, `validator-${index}`),
          validatorIndex: index,
          listen: [genesis.validators[index]!.address],
          apiHost: '127.0.0.1',
          apiPort: 0,
          keystore: '',
          coinShare: '',
          logLevel: 'error',
        };
        return GridShardNode.start(
          config,
          genesis,
          { signingSeed, coinSecretShare: deal.secretShares[index]! },
          new ApplicationRouter([keyValueApplication]),
          quiet,
        );
      }),
    );
    api = await buildApi(nodes[0]!, { host: '127.0.0.1', port: 0 });
    await api.listen({ host: '127.0.0.1', port: 0 });
    const { port } = api.server.address() as AddressInfo;
    watcher = await ChainWatcher.start({
      genesis,
      dataDir: join(root, 'observer'),
      source: new GridShardClient(`http://127.0.0.1:${port}`),
      application: new ApplicationRouter([keyValueApplication]),
      nodeSeed: observerSeed,
      // An hour: within this test only announcements can make the observer follow.
      pollMs: 3_600_000,
      onFollow: (_result, trigger) => followTriggers.push(trigger),
      log: quiet,
    });
    await until(
      'the observer to see all validators on the transaction topic',
      () => watcher!.txSubscribers() === N,
    );
  });

  after(async () => {
    await intruder?.stop();
    await watcher?.stop();
    await api?.close();
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(root, { recursive: true, force: true });
  });

  it('announces a written block to a subscribed observer, which fetches and re-executes it', async () => {
    await until('the observer’s first follow', () => watcher!.height === 0);
    nodes[1]!.submit(encodeTransaction(kvPut('alice', 0n)));
    await until('the observer to reach height 1', () => watcher!.height >= 1);
    assert.ok(watcher!.counters.announcements >= 1);
    assert.ok(followTriggers.includes('announcement'), `follows: ${followTriggers.join(', ')}`);
    assert.equal(watcher!.counters.rejected, 0);
    assert.ok((await sum('gossipMessages', { topic: 'blocks', result: 'accept' })) >= 1);
  });

  it('collects a commit proof for every block at every validator, which the genesis committee verifies', async () => {
    nodes[3]!.submit(encodeTransaction(kvPut('frank', 0n)));
    await until('height 2 everywhere', () => nodes.every((n) => n.store.head.height >= 2));
    const committee = committeeOf(genesis);
    for (const node of nodes) {
      for (const height of [1, 2]) {
        await until(
          `the proof of block ${height} at validator ${node.index}`,
          async () => (await node.store.readCommitProof(height)) !== undefined,
        );
        const proof = decodeCommitProof((await node.store.readCommitProof(height))!);
        verifyCommitProof(proof, committee);
        const block = (await node.store.readBlock(height))!;
        assert.equal(toHex(proof.statement.blockHash), toHex(block.hash));
        assert.equal(toHex(proof.statement.stateRoot), toHex(block.header.stateRoot));
        assert.ok(proof.signatures.length >= 3, 'a quorum of four');
      }
      assert.ok((await node.metrics.commitProofHeight.get()).values[0]!.value >= 2);
    }
    // Each validator signed each block once; the others accepted every copy.
    assert.ok(
      (await sum('gossipMessages', { topic: 'attestations', result: 'accept' })) >= 2 * N * (N - 1) - N,
    );
  });

  it('commits a transaction gossiped by an observer exactly once, proposed by its designated validator', async () => {
    const tx = kvPut('bob', 0n);
    const hash = hashOf(tx);
    const designated = GossipTxRelay.designated(hash, N);
    assert.ok((await watcher!.publishTransaction(encodeTransaction(tx))) >= 1);
    await until('every validator to commit it', async () => {
      for (const node of nodes) if ((await node.store.readTransaction(hash)) === undefined) return false;
      return true;
    });
    assert.deepEqual(await copiesOf(nodes[0]!, hash), [true], 'one copy in the ledger, executed');
    assert.equal(await counter(nodes[designated]!, 'gossipProposed', { reason: 'designated' }), 1);
    assert.equal(await sum('gossipProposed', { reason: 'designated' }), 1, 'only the designated one');
    assert.equal(await sum('gossipMessages', { topic: 'tx', result: 'accept' }), N);
    // The same bytes again are a duplicate (the nonce is used): ignored, not relayed, not ordered.
    await watcher!.publishTransaction(encodeTransaction(tx));
    await until(
      'the duplicate to be ignored',
      async () => (await sum('gossipMessages', { topic: 'tx', result: 'ignore' })) >= 1,
    );
  });

  it('rejects garbage and forged messages through gossip validation, counts them, and keeps committing', async () => {
    intruder = await createHost({
      privateKey: await libp2pPrivateKey(intruderSeed),
      listen: [],
      topics,
      admits: () => true,
    });
    const pubsub = intruder.services.pubsub;
    pubsub.subscribe(topics.tx);
    pubsub.subscribe(topics.blocks);
    pubsub.subscribe(topics.attestations);
    await Promise.all(
      genesis.validators
        .slice(0, 2)
        .map((v) =>
          intruder!.dial(multiaddr(`${v.address}/p2p/${peerIdOf(Buffer.from(v.publicKey, 'hex'))}`)),
        ),
    );
    await until(
      'the intruder to see two validators subscribed',
      () => pubsub.getSubscribers(topics.blocks).length === 2,
    );
    const before = await sum('gossipMessages', { result: 'reject' });
    const badlySigned = encodeTransaction(kvPut('carol', 0n));
    badlySigned[badlySigned.length - 1]! ^= 0xff;
    const head = nodes[0]!.store.headBlockHeader;
    const forgedAnnouncement = encodeBlockAnnouncement({
      chainId,
      shardId: 0,
      height: head.height + 1000,
      blockHash: new Uint8Array(32),
      stateRoot: new Uint8Array(32),
      txCount: 1,
      timestampMs: head.timestampMs,
    });
    const wrongVersion = forgedAnnouncement.slice();
    wrongVersion[0] = 7;
    // A statement signed with the intruder's own key in the name of validator 1.
    const statement = {
      chainId,
      shardId: 0,
      epoch: 0,
      height: head.height,
      blockHash: new Uint8Array(32),
      stateRoot: new Uint8Array(32),
    };
    const forgedAttestation = encodeAttestation(
      signCommitStatement(statement, 1, (m) => ed25519Scheme.signer(intruderSeed).sign(m)),
    );
    const sent = [
      pubsub.publish(topics.tx, enc('definitely not a transaction')),
      pubsub.publish(topics.tx, encodeTxGossip(badlySigned)),
      pubsub.publish(topics.blocks, wrongVersion),
      // Well formed, but only validators may announce blocks.
      pubsub.publish(topics.blocks, forgedAnnouncement),
      pubsub.publish(topics.attestations, enc('not an attestation')),
      pubsub.publish(topics.attestations, forgedAttestation),
    ];
    for (const result of await Promise.all(sent)) assert.equal(result.recipients.length, 2);
    await until(
      'both validators to reject all six',
      async () => (await sum('gossipMessages', { result: 'reject' })) - before >= 12,
    );
    const intruderId = intruder.peerId.toString();
    // The score lives inside gossipsub (its public interface does not expose it) in the node's host.
    const scoreAt = (node: GridShardNode) =>
      (
        (node as unknown as { network: ConsensusNetwork }).network.host!.services.pubsub as unknown as {
          getScore(peerId: string): number;
        }
      ).getScore(intruderId);
    await until('the intruder’s score to fall below zero', () => scoreAt(nodes[0]!) < 0);
    // Nothing reached the observer, and the validators go on committing.
    assert.equal(watcher!.counters.rejected, 0);
    const height = nodes[0]!.store.head.height;
    nodes[2]!.submit(encodeTransaction(kvPut('alice', 1n)));
    await until('a new block everywhere', () => nodes.every((n) => n.store.head.height > height));
    await until('the observer to follow it', () => watcher!.height > height);
  });

  it('lets an observer connect for gossip but never open a consensus stream; strangers cannot connect', async () => {
    const target = genesis.validators[0]!;
    const address = multiaddr(`${target.address}/p2p/${peerIdOf(Buffer.from(target.publicKey, 'hex'))}`);
    const counters = nodes[0]!.consensusCounters();
    const rejectedBefore = counters.rejectedPeers;
    const badBefore = (await nodes[0]!.metrics.badMessages.get()).values[0]?.value ?? 0;
    const stream = await intruder!.dialProtocol(address, CONSENSUS_PROTOCOL).catch(() => null);
    try {
      stream?.send(encodeFrame(enc('a consensus frame from an observer'), 1024));
    } catch {
      // Already aborted by the validator: the refusal can be faster than our first write.
    }
    await until(
      'the consensus handler to refuse the observer',
      () => counters.rejectedPeers > rejectedBefore,
    );
    if (stream !== null) await until('the stream to be closed', () => stream.status !== 'open');
    // Had the frame reached the consensus driver, it would have been counted as a bad message.
    assert.equal((await nodes[0]!.metrics.badMessages.get()).values[0]?.value ?? 0, badBefore);

    const stranger = await createHost({
      privateKey: await libp2pPrivateKey(strangerSeed),
      listen: [],
      topics,
      admits: () => true,
    });
    try {
      const refusedBefore = counters.rejectedPeers;
      // The Noise handshake completes before the listener's gater sees the key, so the dial may
      // look successful here; the validator drops the connection at once.
      await stranger.dial(address, { signal: AbortSignal.timeout(5000) }).catch(() => null);
      await until('the gater to count the stranger', () => counters.rejectedPeers > refusedBefore);
      await until('the stranger to hold no connection', () => stranger.getConnections().length === 0);
      await assert.rejects(
        stranger.dialProtocol(address, CONSENSUS_PROTOCOL, { signal: AbortSignal.timeout(5000) }),
      );
    } finally {
      await stranger.stop();
    }
  });

  it('a stand-in proposes a gossiped transaction when its designated validator is silent', async () => {
    const silent = 3;
    await nodes[silent]!.stop();
    let tx: Transaction | undefined;
    for (let i = 0; tx === undefined; i++) {
      const candidate = kvPut('dave', 0n, `try ${i}`);
      if (GossipTxRelay.designated(hashOf(candidate), N) === silent) tx = candidate;
    }
    const hash = hashOf(tx);
    const started = Date.now();
    assert.ok((await watcher!.publishTransaction(encodeTransaction(tx))) >= 1);
    const live = nodes.slice(0, silent);
    await until(
      'the live validators to commit it',
      async () => {
        for (const node of live) if ((await node.store.readTransaction(hash)) === undefined) return false;
        return true;
      },
      30_000,
    );
    const waited = Date.now() - started;
    assert.ok(waited >= 4500, `proposed only after the fallback delay (${waited} ms)`);
    // Validator 0 is the next after 3, so it stands in first; the others saw the block in time.
    assert.equal(await counter(nodes[0]!, 'gossipProposed', { reason: 'fallback' }), 1);
    assert.equal(await sum('gossipProposed', { reason: 'fallback' }, live), 1);
    assert.deepEqual(await copiesOf(nodes[0]!, hash), [true]);

    // Blocks whose announcer (height mod n) is the silent validator still reach the observer:
    // the others stand in after the grace period.
    let nonce = 0n;
    while (nodes[0]!.store.head.height % N !== silent) {
      const before = nodes[0]!.store.head.height;
      nodes[nonce % 2n === 0n ? 1 : 2]!.submit(encodeTransaction(kvPut('erin', nonce)));
      nonce++;
      await until('a new block', () => nodes[0]!.store.head.height > before);
    }
    const head = nodes[0]!.store.head.height;
    await until(
      'a stand-in to announce the block',
      async () => (await sum('gossipAnnounced', { role: 'stand-in' }, live)) >= 1,
    );
    await until('the observer to follow to a block only a stand-in announced', () => watcher!.height >= head);
    assert.ok((await sum('gossipAnnounced', { role: 'designated' }, live)) >= 1);
  });
});
