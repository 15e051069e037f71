/**
 * One in-process validator with its API and the built portal, for the browser tests: the same
 * start as test/node/api.test.ts, listening on a free local port.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { defaultPortalRoot } from '../../src/api/portal.js';
import { buildApi } from '../../src/api/server.js';
import { dealCoinKeys } from '../../src/consensus/coin/index.js';
import { fromHex, sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import {
  type DemoKeys,
  DemoMarket,
  demoMarketConfig,
  loadOrCreateDemoKeys,
} from '../../src/devnet/demo-market.js';
import { ApplicationRouter, encodeKvPut, KV_PUT, keyValueApplication } from '../../src/ledger/application.js';
import { readNonce } from '../../src/ledger/nonces.js';
import { encodeTransaction, signTransaction } from '../../src/ledger/transaction.js';
import type { MarketAction } from '../../src/market/actions.js';
import { marketApplication, signMarketEnvelope } from '../../src/market/ledger-application.js';
import type { NodeConfig } from '../../src/node/config.js';
import {
  coinPublicKeysToJson,
  type GenesisFile,
  type MarketConfigJson,
} from '../../src/node/genesis-file.js';
import { GridShardNode } from '../../src/node/node.js';

const enc = (s: string) => new TextEncoder().encode(s);

export interface Devnet {
  readonly url: string;
  readonly node: GridShardNode;
  /** Submits a signed kv.put of `meter` = `value` and returns its hash once it is in a block. */
  put(value: string): Promise<string>;
  readonly sender: Uint8Array;
  /** The demo market's member keys (seeds, hex), in the genesis's market configuration. */
  readonly keys: DemoKeys;
  /** Signs `action` with the member whose seed is given, submits it and returns its hash once in a block. */
  market(seedHex: string, action: MarketAction): Promise<string>;
  /** Registers and approves the demo market's institutions and participants on the chain. */
  admitMembers(): Promise<void>;
  stop(): Promise<void>;
}

/** Builds the portal when dist/web is missing, so the tests also run on a tree built without it. */
export function ensurePortalBuilt(): void {
  if (existsSync(join(defaultPortalRoot(), 'index.html'))) return;
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const built = spawnSync('npm', ['run', '--silent', 'build:web'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build:web failed');
}

/** `market`: genesis market parameters that replace the demo's (e.g. a longer reveal window). */
export async function startDevnet(options: { market?: Partial<MarketConfigJson> } = {}): Promise<Devnet> {
  const root = mkdtempSync(join(tmpdir(), 'gridshard-web-test-'));
  const seed = sha256(enc('portal validator'));
  const deal = dealCoinKeys(1, 1, sha256(enc('portal coin')));
  const keys = loadOrCreateDemoKeys(join(root, 'demo-keys.json'));
  const genesis: GenesisFile = {
    version: 1,
    chainId: 'portal-devnet',
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
    market: { ...demoMarketConfig(keys), ...options.market },
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
  const node = await GridShardNode.start(
    config,
    genesis,
    { signingSeed: seed, coinSecretShare: deal.secretShares[0]! },
    new ApplicationRouter([keyValueApplication, marketApplication()]),
    quiet,
  );
  const api: FastifyInstance = await buildApi(node, { host: '127.0.0.1', port: 0 });
  const url = await api.listen({ host: '127.0.0.1', port: 0 });
  const member = ed25519Scheme.signer(sha256(enc('meter owner')));
  let nonce = 0n;

  const committed = async (bytes: Uint8Array) => {
    const hash = node.submit(bytes).hash;
    for (let i = 0; i < 800; i++) {
      if ((await node.store.readTransaction(Buffer.from(hash, 'hex'))) !== undefined) return hash;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`transaction ${hash} never committed`);
  };
  const put = (value: string) =>
    committed(
      encodeTransaction(
        signTransaction(member, {
          chainId: genesis.chainId,
          shardId: 0,
          type: KV_PUT,
          payload: encodeKvPut(enc('meter'), enc(value)),
          nonce: nonce++,
        }),
      ),
    );
  const market = (seedHex: string, action: MarketAction) => {
    const signer = ed25519Scheme.signer(fromHex(seedHex));
    const state = { get: (k: Uint8Array) => node.store.getState(k) };
    return committed(
      encodeTransaction(
        signMarketEnvelope(
          signer,
          { chainId: genesis.chainId, shardId: 0, nonce: readNonce(state, signer.publicKey) },
          action,
        ),
      ),
    );
  };

  return {
    url,
    node,
    put,
    market,
    sender: member.publicKey,
    keys,
    async admitMembers() {
      const market = new DemoMarket(genesis, [url], keys, join(root, 'demo-market.json'), () => {});
      await market.admitMembers();
      await market.stop();
    },
    async stop() {
      await api.close();
      await node.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
