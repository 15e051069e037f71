import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { dealCoinKeys } from '../../src/consensus/coin/index.js';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { DemoLoad } from '../../src/devnet/demo-load.js';
import { DemoMarket, demoMarketConfig, loadOrCreateDemoKeys } from '../../src/devnet/demo-market.js';
import { ApplicationRouter, keyValueApplication } from '../../src/ledger/application.js';
import { marketApplication } from '../../src/market/ledger-application.js';
import type { NodeConfig } from '../../src/node/config.js';
import { coinPublicKeysToJson, type GenesisFile } from '../../src/node/genesis-file.js';
import { GridShardNode } from '../../src/node/node.js';
import { GridShardClient } from '../../src/sdk/client.js';

const root = mkdtempSync(join(tmpdir(), 'gridshard-demo-failover-'));
const enc = (s: string) => new TextEncoder().encode(s);
const seed = sha256(enc('demo validator'));
const deal = dealCoinKeys(1, 1, sha256(enc('demo coin')));
const keys = loadOrCreateDemoKeys(join(root, 'demo-keys.json'));
const genesis: GenesisFile = {
  version: 1,
  chainId: 'demo-failover',
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
  market: demoMarketConfig(keys),
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

/** A validator that was killed: its port refuses connections. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('the demo with its first validator down', () => {
  let node: GridShardNode;
  let api: FastifyInstance;
  let apis: string[];
  before(async () => {
    node = await GridShardNode.start(
      config,
      genesis,
      { signingSeed: seed, coinSecretShare: deal.secretShares[0]! },
      new ApplicationRouter([keyValueApplication, marketApplication()]),
      quiet,
    );
    api = await buildApi(node, { host: '127.0.0.1', port: 0, limits: { rateLimitPerSecond: 1000 } });
    apis = [await deadUrl(), await api.listen({ host: '127.0.0.1', port: 0 })];
  });
  after(async () => {
    await api.close();
    await node.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('admits the market members through the validator that is up', async () => {
    const lines: string[] = [];
    const market = new DemoMarket(genesis, apis, keys, join(root, 'demo-market.json'), (line) =>
      lines.push(line),
    );
    await market.admitMembers();
    assert.match(lines.join('\n'), /12 participants registered and approved/);
    const client = new GridShardClient(apis);
    for (const [i, participant] of keys.participants.entries()) {
      const key = toHex(ed25519Scheme.publicKeyFromSeed(Buffer.from(participant, 'hex')));
      const member = await client.marketMember(key);
      assert.equal(member?.status, 'approved', key);
      // Every other participant accepts its contracts by standing consent; the rest sign them.
      assert.equal(Boolean(member?.standingConsent), i % 2 === 0, `${key}: standing consent or not`);
    }
    await market.stop();
  });

  it('sends every meter reading of a load round', async () => {
    const load = new DemoLoad(genesis, apis, join(root, 'demo-load.json'));
    await load.sendRound();
    assert.equal(load.summary(), 'demo load: 8 transactions sent, 0 refused');
  });
});
