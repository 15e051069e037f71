import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { RateLimiter } from '../../src/api/rate-limit.js';
import { buildApi } from '../../src/api/server.js';
import { sessionSigningBytes } from '../../src/api/sessions.js';
import { dealCoinKeys } from '../../src/consensus/coin/index.js';
import { decodeCertificateEvidence } from '../../src/consensus/dag/index.js';
import { fromHex, sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { demoMarketConfig } from '../../src/devnet/demo-market.js';
import { ApplicationRouter, encodeKvPut, KV_PUT, keyValueApplication } from '../../src/ledger/application.js';
import { LedgerStore } from '../../src/ledger/store.js';
import { encodeTransaction, signTransaction } from '../../src/ledger/transaction.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import type { MarketAction } from '../../src/market/actions.js';
import { marketApplication, signMarketEnvelope } from '../../src/market/ledger-application.js';
import type { NodeConfig } from '../../src/node/config.js';
import { followChain } from '../../src/node/follower.js';
import { coinPublicKeysToJson, type GenesisFile } from '../../src/node/genesis-file.js';
import { GridShardNode } from '../../src/node/node.js';
import { GridShardClient } from '../../src/sdk/client.js';
import { decodeCommitProof } from '../../src/sharding/index.js';
import { decodeBlockProof, encodeBlockProof } from '../../src/validator/evidence.js';

const root = mkdtempSync(join(tmpdir(), 'gridshard-api-test-'));
const enc = (s: string) => new TextEncoder().encode(s);
const seed = sha256(enc('single validator'));
const deal = dealCoinKeys(1, 1, sha256(enc('coin')));
const genesis: GenesisFile = {
  version: 1,
  chainId: 'api-test',
  shardId: 0,
  scheme: 'ed25519-sha256',
  genesisTimeMs: 1_700_000_000_000,
  validators: [
    {
      index: 0,
      publicKey: toHex(ed25519Scheme.publicKeyFromSeed(seed)),
      address: '/ip4/127.0.0.1/tcp/0',
      api: 'http://127.0.0.1:0',
    },
  ],
  coin: coinPublicKeysToJson(deal.publicKeys),
  market: {
    ...demoMarketConfig({
      operator: toHex(sha256(enc('operator'))),
      tradingCenter: '',
      gridEnterprise: '',
      regulator: '',
      participants: [],
    }),
  },
};
const config: NodeConfig = {
  genesis: '',
  dataDir: join(root, 'node'),
  validatorIndex: 0,
  listen: ['/ip4/127.0.0.1/tcp/0'],
  apiHost: '127.0.0.1',
  apiPort: 0,
  keystore: '',
  coinShare: '',
  logLevel: 'error',
};
const quiet = { info() {}, warn() {}, error() {} };
const alice = ed25519Scheme.signer(sha256(enc('alice')));
const put = (nonce: bigint, overrides: Partial<{ chainId: string }> = {}) =>
  signTransaction(alice, {
    chainId: overrides.chainId ?? 'api-test',
    shardId: 0,
    type: KV_PUT,
    payload: encodeKvPut(enc('meter'), enc(`${nonce}`)),
    nonce,
  });

let node: GridShardNode;
let api: FastifyInstance;

async function waitForHeight(height: number): Promise<void> {
  for (let i = 0; i < 400 && node.store.head.height < height; i++)
    await new Promise((r) => setTimeout(r, 25));
  assert.ok(node.store.head.height >= height, `height ${node.store.head.height} never reached ${height}`);
}

describe('node API', () => {
  before(async () => {
    node = await GridShardNode.start(
      config,
      genesis,
      { signingSeed: seed, coinSecretShare: deal.secretShares[0]! },
      new ApplicationRouter([keyValueApplication, marketApplication()]),
      quiet,
    );
    api = await buildApi(node, { host: '127.0.0.1', port: 0, limits: { rateLimitPerSecond: 1000 } });
  });
  after(async () => {
    await api.close();
    await node.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('commits a submitted transaction and serves the block, the transaction with its proof, and state', async () => {
    const tx = put(0n);
    const response = await api.inject({
      method: 'POST',
      url: '/api/v1/tx',
      payload: { tx: toHex(encodeTransaction(tx)) },
    });
    assert.equal(response.statusCode, 202, response.body);
    const { hash } = response.json() as { hash: string };
    await waitForHeight(1);
    const found = await api.inject(`/api/v1/transactions/${hash}`);
    assert.equal(found.statusCode, 200);
    assert.equal(found.json().ok, true);
    const block = await api.inject('/api/v1/blocks/1');
    assert.equal(block.json().transactions[0].hash, hash);
    const status = (await api.inject('/api/v1/status')).json();
    assert.equal(status.height, 1);
    const health = (await api.inject('/api/v1/health')).json();
    assert.equal(health.status, 'ok');
    const openapi = (await api.inject('/openapi.json')).json();
    assert.ok(openapi.paths['/api/v1/tx'], 'the OpenAPI document lists the routes');
    const metrics = await api.inject('/metrics');
    assert.match(metrics.body, /gridshard_height\{[^}]*\} 1/);
  });

  it('lets a common node copy the chain, re-executing every block to the same hash, and refuse a forged one', async () => {
    await waitForHeight(1);
    for (let nonce = 1n; nonce <= 3n; nonce++) node.submit(encodeTransaction(put(nonce)));
    await waitForHeight(2);
    const address = await api.listen({ host: '127.0.0.1', port: 0 });
    const source = new GridShardClient(address);
    const follower = await followChain({
      genesis,
      dataDir: join(root, 'follower'),
      source,
      application: new ApplicationRouter([keyValueApplication, marketApplication()]),
    });
    assert.ok(follower.height >= 2);
    assert.equal(follower.headHash, toHex((await node.store.readBlock(follower.height))!.hash));
    assert.equal(
      (
        await verifyLedger(
          join(root, 'follower'),
          new ApplicationRouter([keyValueApplication, marketApplication()]),
        )
      ).ok,
      true,
    );

    assert.ok(follower.certifiedBatches >= 2, `${follower.certifiedBatches} batch certificates checked`);
    assert.equal(follower.uncertifiedBlocks, 0);
    // The committee's commit proof names a block it holds: that block and all below are final.
    assert.ok(
      follower.finalHeight !== null && follower.finalHeight >= 1 && follower.finalHeight <= follower.height,
      `final height ${follower.finalHeight}`,
    );
    assert.equal(
      toHex(
        decodeCommitProof(fromHex((await source.commitProof(follower.finalHeight))!.proof)).statement
          .blockHash,
      ),
      toHex((await node.store.readBlock(follower.finalHeight))!.hash),
    );
    // A source that shows the proof of one block for another, or none, proves nothing more.
    class ShiftedProofSource extends GridShardClient {
      override async commitProof(height: number) {
        return height <= 1 ? null : super.commitProof(height - 1);
      }
    }
    await assert.rejects(
      followChain({
        genesis,
        dataDir: join(root, 'follower'),
        source: new ShiftedProofSource(address),
        application: new ApplicationRouter([keyValueApplication, marketApplication()]),
      }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'BAD_COMMIT_PROOF', error.message);
        assert.match(error.message, /the proof is for .* height/);
        return true;
      },
    );
    class ProoflessSource extends GridShardClient {
      override async commitProof() {
        return null;
      }
    }
    const unproven = await followChain({
      genesis,
      dataDir: join(root, 'follower'),
      source: new ProoflessSource(address),
      application: new ApplicationRouter([keyValueApplication, marketApplication()]),
    });
    assert.equal(unproven.finalHeight, null);

    // Sources that lie, each caught before anything is written.
    class DroppingSource extends GridShardClient {
      override async blockTransactions(height: number) {
        const real = await super.blockTransactions(height);
        return real === null ? null : { ...real, transactions: real.transactions.slice(1) };
      }
    }
    class SwappingSource extends GridShardClient {
      // Another transaction, validly signed by the same member, in place of the certified one.
      override async blockTransactions(height: number) {
        const real = await super.blockTransactions(height);
        if (real === null || height !== 1) return real;
        return { ...real, transactions: [toHex(encodeTransaction(put(77n))), ...real.transactions.slice(1)] };
      }
    }
    class VoteStrippingSource extends GridShardClient {
      override async blockTransactions(height: number) {
        const real = await super.blockTransactions(height);
        if (real?.batchProofs === undefined) return real;
        const proofs = decodeBlockProof(fromHex(real.batchProofs)).map((proof) => {
          const certificate = decodeCertificateEvidence(proof);
          assert.equal(certificate.votes.length, 1);
          // The votes come last: dropping them leaves a certificate no quorum signed.
          const forged = new Uint8Array(proof.length - 65);
          forged.set(proof.subarray(0, proof.length - 66));
          forged[forged.length - 1] = 0;
          return forged;
        });
        return { ...real, batchProofs: toHex(encodeBlockProof(proofs)) };
      }
    }
    class WithholdingSource extends GridShardClient {
      // The block and its transactions, but not the proofs that a quorum certified them.
      override async blockTransactions(height: number) {
        const real = await super.blockTransactions(height);
        if (real === null) return null;
        const { batchProofs: _withheld, ...rest } = real;
        return rest;
      }
    }
    class RetimingSource extends GridShardClient {
      // Certified transactions, but a header field changed: the re-executed block hashes differently.
      override async block(height: number) {
        const real = await super.block(height);
        return real === null || height === 0 ? real : { ...real, timestampMs: Number(real.timestampMs) + 1 };
      }
    }
    const liars: [string, GridShardClient, string, RegExp][] = [
      ['dropping', new DroppingSource(address), 'BAD_CERTIFICATE', /does not account/],
      ['swapping', new SwappingSource(address), 'BAD_CERTIFICATE', /not the ones the certificate covers/],
      ['vote-stripping', new VoteStrippingSource(address), 'BAD_CERTIFICATE', /0 valid votes/],
      [
        'withholding',
        new WithholdingSource(address),
        'BAD_CERTIFICATE',
        /batch proofs: the source sent none/,
      ],
      ['retiming', new RetimingSource(address), 'BLOCK_MISMATCH', /./],
    ];
    for (const [name, source, code, message] of liars) {
      await assert.rejects(
        followChain({
          genesis,
          dataDir: join(root, `forged-${name}`),
          source,
          application: new ApplicationRouter([keyValueApplication, marketApplication()]),
        }),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, code, `${name}: ${error.message}`);
          assert.match(error.message, message, name);
          return true;
        },
      );
      const reopened = await LedgerStore.open(
        join(root, `forged-${name}`),
        new ApplicationRouter([keyValueApplication, marketApplication()]),
      );
      assert.equal(reopened.head.height, 0, `${name}: the forged block was not written`);
      await reopened.close();
    }
  });

  it('serves private market records only to their member or a regulator, behind a signed session', async () => {
    const operatorSeed = sha256(enc('operator'));
    const regulatorSeed = sha256(enc('regulator'));
    let envelopeNonce = 0n;
    const sendMarket = async (seed: Uint8Array, action: MarketAction) => {
      const tx = signMarketEnvelope(
        ed25519Scheme.signer(seed),
        { chainId: 'api-test', shardId: 0, nonce: envelopeNonce++ },
        action,
      );
      const { hash } = node.submit(encodeTransaction(tx));
      for (let i = 0; i < 400; i++) {
        const found = await node.store.readTransaction(fromHex(hash));
        if (found !== undefined) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('market transaction not committed');
    };
    const regulatorKey = ed25519Scheme.publicKeyFromSeed(regulatorSeed);
    await sendMarket(regulatorSeed, {
      type: 'register',
      role: 'regulator',
      name: 'regulator',
      bus: 1,
      voltageKv: 110,
      maxLoadKw: 0,
      projects: [],
      meterKey: null,
    });
    await sendMarket(operatorSeed, { type: 'audit', member: regulatorKey, approve: true, note: '' });
    const member = await api.inject(`/api/v1/market/members/${toHex(regulatorKey)}`);
    assert.equal(member.json().status, 'approved');

    const open = async (seed: Uint8Array) => {
      const { challenge } = (await api.inject({ method: 'POST', url: '/api/v1/auth/challenge' })).json();
      const signature = ed25519Scheme.signer(seed).sign(sessionSigningBytes('api-test', challenge));
      const publicKey = toHex(ed25519Scheme.publicKeyFromSeed(seed));
      const response = await api.inject({
        method: 'POST',
        url: '/api/v1/auth/session',
        payload: { publicKey, challenge, signature: toHex(signature) },
      });
      return { response, challenge, publicKey };
    };
    const aliceSeed = sha256(enc('alice'));
    const alice = await open(aliceSeed);
    assert.equal(alice.response.statusCode, 200);
    const aliceToken = alice.response.json().token as string;
    const bobKey = toHex(ed25519Scheme.publicKeyFromSeed(sha256(enc('bob'))));
    const read = (key: string, token?: string) =>
      api.inject({
        url: `/api/v1/market/cycles/c1/statements/${key}`,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      });
    assert.equal((await read(alice.publicKey)).statusCode, 401, 'no session');
    assert.equal(
      (await read(alice.publicKey, aliceToken)).statusCode,
      404,
      'own records: allowed (none yet)',
    );
    assert.equal((await read(bobKey, aliceToken)).statusCode, 403, 'another member’s records');
    const regulator = await open(regulatorSeed);
    assert.equal(regulator.response.json().role, 'regulator');
    assert.equal(
      (await read(bobKey, regulator.response.json().token)).statusCode,
      404,
      'a regulator reads everyone’s',
    );
    const replay = await api.inject({
      method: 'POST',
      url: '/api/v1/auth/session',
      payload: {
        publicKey: alice.publicKey,
        challenge: alice.challenge,
        signature: toHex(
          ed25519Scheme.signer(aliceSeed).sign(sessionSigningBytes('api-test', alice.challenge)),
        ),
      },
    });
    assert.equal(replay.statusCode, 401, 'a challenge is single-use');
    const { challenge } = (await api.inject({ method: 'POST', url: '/api/v1/auth/challenge' })).json();
    const forged = await api.inject({
      method: 'POST',
      url: '/api/v1/auth/session',
      payload: {
        publicKey: bobKey,
        challenge,
        signature: toHex(ed25519Scheme.signer(aliceSeed).sign(sessionSigningBytes('api-test', challenge))),
      },
    });
    assert.equal(forged.statusCode, 401, 'a signature by another key');
  });

  it('refuses bad input with problem+json and changes nothing', async () => {
    await waitForHeight(1);
    const rootBefore = toHex(node.store.stateRoot);
    const cases: [string, object | string, number, string?][] = [
      ['malformed JSON', '{"tx": ', 400],
      ['wrong type', { tx: 42 }, 400],
      ['unknown field', { tx: 'ab', extra: 1 }, 400],
      ['not hex', { tx: 'zz' }, 400],
      ['garbage bytes', { tx: 'abcdef' }, 422, 'BAD_TRANSACTION'],
      [
        'wrong chain',
        { tx: toHex(encodeTransaction(put(1n, { chainId: 'other' }))) },
        422,
        'BAD_TRANSACTION',
      ],
      ['bad signature', { tx: toHex(encodeTransaction({ ...put(1n), nonce: 2n })) }, 422, 'BAD_TRANSACTION'],
      ['replayed nonce', { tx: toHex(encodeTransaction(put(0n))) }, 409, 'STALE_NONCE'],
      ['oversize body', { tx: 'ab'.repeat(200_000) }, 413],
    ];
    for (const [name, payload, status, code] of cases) {
      const response = await api.inject({
        method: 'POST',
        url: '/api/v1/tx',
        headers: { 'content-type': 'application/json' },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
      assert.equal(response.statusCode, status, `${name}: ${response.body}`);
      assert.match(String(response.headers['content-type']), /application\/problem\+json/, name);
      const body = response.json();
      assert.equal(body.status, status, name);
      assert.ok(typeof body.detail === 'string' && body.detail.length > 0, name);
      if (code !== undefined) assert.equal(body.code, code, name);
    }
    assert.equal((await api.inject('/api/v1/blocks/999')).statusCode, 404);
    assert.equal((await api.inject('/api/v1/blocks/hash/xyz')).statusCode, 400);
    assert.equal((await api.inject('/api/v1/nowhere')).statusCode, 404);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(toHex(node.store.stateRoot), rootBefore, 'no refused input changed the state');
  });

  it('admits or refuses each transaction of a multi-transaction submission on its own', async () => {
    const bob = ed25519Scheme.signer(sha256(enc('bob')));
    const bobPut = (nonce: bigint) =>
      signTransaction(bob, {
        chainId: 'api-test',
        shardId: 0,
        type: KV_PUT,
        payload: encodeKvPut(enc('bob meter'), enc(`${nonce}`)),
        nonce,
      });
    const rootBefore = toHex(node.store.stateRoot);
    const badRequests: [string, object][] = [
      ['empty list', { txs: [] }],
      ['too many', { txs: Array.from({ length: 1001 }, () => 'ab') }],
      ['one item not hex', { txs: [toHex(encodeTransaction(bobPut(0n))), 'zz'] }],
      ['unknown field', { txs: ['ab'], extra: true }],
    ];
    for (const [name, payload] of badRequests) {
      const response = await api.inject({ method: 'POST', url: '/api/v1/txs', payload });
      assert.equal(response.statusCode, 400, `${name}: ${response.body}`);
      assert.match(String(response.headers['content-type']), /application\/problem\+json/, name);
    }
    assert.equal(node.mempool.size, 0, 'a request refused as a whole admitted nothing');
    assert.equal(toHex(node.store.stateRoot), rootBefore);

    const good = [0n, 1n, 2n].map((n) => toHex(encodeTransaction(bobPut(n))));
    const forged = toHex(encodeTransaction({ ...bobPut(3n), nonce: 4n }));
    const response = await api.inject({
      method: 'POST',
      url: '/api/v1/txs',
      payload: { txs: [good[0], good[1], good[0], forged, good[2]] },
    });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json() as {
      accepted: number;
      results: { status: string; hash?: string; code?: string }[];
    };
    assert.equal(body.accepted, 3);
    assert.deepEqual(
      body.results.map((r) => r.status === 'pending' || r.code),
      [true, true, 'DUPLICATE_TRANSACTION', 'BAD_TRANSACTION', true],
    );
    for (const result of body.results.filter((r) => r.status === 'pending')) {
      for (let i = 0; i < 400; i++) {
        if ((await api.inject(`/api/v1/transactions/${result.hash}`)).statusCode === 200) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      const found = await api.inject(`/api/v1/transactions/${result.hash}`);
      assert.equal(found.json().ok, true, `${result.hash} committed`);
    }
  });

  it('charges a multi-transaction submission one rate-limit token per transaction', () => {
    const limiter = new RateLimiter(10);
    assert.equal(limiter.take('client', 0, 11), false, 'more than the burst is refused whole');
    assert.equal(limiter.take('client', 0, 10), true);
    assert.equal(limiter.take('client', 0, 1), false);
    assert.equal(limiter.take('client', 500, 5), true, 'half a second refills half the bucket');
  });
});
