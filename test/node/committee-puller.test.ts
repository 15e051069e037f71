import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SHARDS_COMMITTEE } from '../../src/cross-zone/committee-application.js';
import {
  DIRECTORY_STATE_KEY,
  encodeDirectory,
  encodeShardCommittee,
  shardCommitteeKey,
} from '../../src/cross-zone/directory.js';
import { ROOT_SHARD_ID } from '../../src/cross-zone/root-application.js';
import { ed25519KeyPairFromSeed, ed25519Sign } from '../../src/crypto/ed25519.js';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { decodeTransaction } from '../../src/ledger/transaction.js';
import { CommitteePuller } from '../../src/node/committee-puller.js';
import type { GenesisFile } from '../../src/node/genesis-file.js';
import type { ShardingGenesisJson } from '../../src/node/genesis-sharding.js';
import { handoverCertificateKey } from '../../src/roles/handover.js';
import {
  type CommitteeChange,
  decodeCommitteeChange,
  encodeCommitteeChange,
  handoverSigningBytes,
} from '../../src/sharding/index.js';

const CHAIN = 'puller-test';
const enc = (s: string) => new TextEncoder().encode(s);
const keys = [0, 1].map((shard) =>
  Array.from({ length: 4 }, (_, i) => ed25519KeyPairFromSeed(sha256(enc(`shard ${shard} node ${i}`)))),
);
const standby = ed25519KeyPairFromSeed(sha256(enc('shard 1 standby')));
const elected = [keys[1]![0]!, keys[1]![1]!, keys[1]![2]!, standby].map((k) => k.publicKey);

function genesis(shardId: number): GenesisFile & { sharding: ShardingGenesisJson } {
  return {
    version: 1,
    chainId: CHAIN,
    shardId,
    scheme: 'ed25519-sha256',
    genesisTimeMs: 0,
    validators: [],
    sharding: {
      cycleMs: 10_000,
      shards: keys.map((list, s) => ({
        shardId: s,
        validators: list.map((k, i) => ({ publicKey: toHex(k.publicKey), api: `http://shard${s}-${i}` })),
      })),
      root: { validators: [{ publicKey: toHex(keys[0]![0]!.publicKey), api: 'http://root-0' }] },
    },
  };
}

function certificate(signers = [0, 1, 3], members = elected): CommitteeChange {
  const credit = members.map((_, i) => 5_000 + i);
  const bytes = handoverSigningBytes(CHAIN, 1, 1, members, credit);
  return {
    shardId: 1,
    nextEpoch: 1,
    members,
    credit,
    votes: signers.map((signer) => ({ signer, signature: ed25519Sign(keys[1]![signer]!.seed, bytes) })),
  };
}

function systemState(): Map<string, Uint8Array> {
  const state = new Map<string, Uint8Array>();
  state.set(
    toHex(DIRECTORY_STATE_KEY),
    encodeDirectory(keys.map((list, shardId) => ({ shardId, publicKeys: list.map((k) => k.publicKey) }))),
  );
  return state;
}

function harness(shardId: number, serve: (api: string, path: string) => unknown) {
  const state = systemState();
  const submitted: CommitteeChange[] = [];
  const warnings: string[] = [];
  const asked: string[] = [];
  const puller = new CommitteePuller({
    genesis: genesis(shardId),
    signingSeed: sha256(enc('this validator')),
    store: { getState: (key) => state.get(toHex(key)) },
    submit: (bytes) => {
      const tx = decodeTransaction(bytes, ed25519Scheme);
      assert.equal(tx.type, SHARDS_COMMITTEE);
      submitted.push(decodeCommitteeChange(tx.payload));
    },
    get: async (api, path) => {
      asked.push(`${api}${path}`);
      return serve(api, path);
    },
    now: () => 0,
    log: { warn: (_fields, message) => warnings.push(message) },
  });
  return { state, submitted, warnings, asked, puller };
}

const certificatePath = `/api/v1/state/${toHex(handoverCertificateKey(1))}`;

describe('the puller that records zone shards’ handovers on a chain', () => {
  it('takes the next epoch’s quorum from the shard’s validators, checks it, and orders it once', async () => {
    const { submitted, asked, puller, state } = harness(ROOT_SHARD_ID, (api, path) =>
      path === certificatePath && api.startsWith('http://shard1-')
        ? { value: toHex(encodeCommitteeChange(certificate())) }
        : undefined,
    );
    await puller.pull();
    assert.equal(submitted.length, 1);
    assert.deepEqual(submitted[0], certificate());
    assert.ok(asked.includes(`http://shard1-0${certificatePath}`));
    // Ordered and not recorded yet: not ordered again at the next look.
    await puller.pull();
    assert.equal(submitted.length, 1);
    // Once recorded, the next epoch is the one looked for.
    state.set(toHex(shardCommitteeKey(1, 1)), encodeShardCommittee(elected, certificate().credit));
    asked.length = 0;
    await puller.pull();
    assert.ok(asked.includes(`http://shard1-0/api/v1/state/${toHex(handoverCertificateKey(2))}`));
  });

  it('orders nothing a validator serves that does not verify, and asks the next validator', async () => {
    let served = 0;
    const { submitted, warnings, asked, puller } = harness(ROOT_SHARD_ID, (api, path) => {
      if (path !== certificatePath || !api.startsWith('http://shard1-')) return undefined;
      served++;
      // The first one lies: two votes only.
      return api === 'http://shard1-0'
        ? { value: toHex(encodeCommitteeChange(certificate([0, 1]))) }
        : { value: toHex(encodeCommitteeChange(certificate())) };
    });
    await puller.pull();
    assert.equal(submitted.length, 0);
    assert.equal(warnings.length, 1);
    await puller.pull();
    assert.equal(submitted.length, 1);
    assert.ok(asked.includes(`http://shard1-1${certificatePath}`));
    assert.equal(served, 2);
  });

  it('takes its own shard’s quorum from its own state', async () => {
    const { submitted, asked, puller, state } = harness(1, () => undefined);
    await puller.pull();
    assert.equal(submitted.length, 0);
    state.set(toHex(handoverCertificateKey(1)), encodeCommitteeChange(certificate()));
    await puller.pull();
    assert.equal(submitted.length, 1);
    assert.ok(!asked.some((a) => a.startsWith('http://shard1-')), 'it asks nobody for its own shard');
  });
});
