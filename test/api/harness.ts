import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { ApiNode } from '../../src/api/interface.js';
import type { ApiLimits } from '../../src/api/limits.js';
import { buildApi } from '../../src/api/server.js';
import { sessionSigningBytes } from '../../src/api/sessions.js';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { loadHighs } from '../../src/grid/highs.js';
import type { Application } from '../../src/ledger/application.js';
import type { KeyValueState } from '../../src/ledger/state-interface.js';
import { LedgerStore, type StoredBlock } from '../../src/ledger/store.js';
import { signTransaction } from '../../src/ledger/transaction.js';
import { chainApplication } from '../../src/market/grid-plugins.js';
import type { Member, MemberStatus, Role } from '../../src/market/records.js';
import { MarketStore } from '../../src/market/store.js';
import { chainParametersOf, type GenesisFile } from '../../src/node/genesis-file.js';
import { NodeMetrics } from '../../src/node/metrics.js';
import { DEFAULT_MEMPOOL_LIMITS, Mempool, type MempoolLimits } from '../../src/validator/mempool.js';

export const CHAIN_ID = 'api-edge-test';
export const enc = (s: string) => new TextEncoder().encode(s);

const baseGenesis: GenesisFile = {
  version: 1,
  chainId: CHAIN_ID,
  shardId: 0,
  scheme: 'ed25519-sha256',
  genesisTimeMs: 1_700_000_000_000,
  validators: [
    {
      index: 0,
      publicKey: toHex(ed25519Scheme.publicKeyFromSeed(sha256(enc('validator')))),
      address: '/ip4/127.0.0.1/tcp/0',
      api: 'http://127.0.0.1:0',
    },
  ],
  coin: { threshold: 1, publicKeys: [] } as unknown as GenesisFile['coin'],
};

const SEED_TX = 'harness.seed';
const seedSigner = ed25519Scheme.signer(sha256(enc('harness seed')));

/**
 * Writes records into the ledger's state as a committed block, the way a contract would: each
 * `harness.seed` transaction (empty payload, so its bytes reveal nothing) runs the next queued
 * writer against the block's state, and the block's state root and proofs cover the records.
 */
class SeedApplication implements Application {
  readonly types = [SEED_TX];
  readonly queued: ((state: KeyValueState) => void)[] = [];
  execute(state: KeyValueState): void {
    this.queued.shift()?.(state);
  }
}

/**
 * The pieces of a node the API uses, without consensus or networking: a real ledger store at
 * genesis, a real mempool and metrics, registry entries written straight into the state the API
 * reads, and blocks announced by hand.
 */
export class TestNode extends EventEmitter<{ block: [StoredBlock] }> implements ApiNode {
  readonly index = 0;
  readonly lastAppliedSequence = -1;
  readonly metrics = new NodeMetrics({ chainId: CHAIN_ID, shardId: 0, validator: 0 });
  readonly mempool: Mempool;
  private readonly overlay = new Map<string, Uint8Array>();
  readonly store: ApiNode['store'];

  private seedNonce = 0n;

  constructor(
    private readonly ledger: LedgerStore,
    private readonly seeds: SeedApplication = new SeedApplication(),
    readonly genesis: GenesisFile = baseGenesis,
    mempoolLimits: MempoolLimits = DEFAULT_MEMPOOL_LIMITS,
  ) {
    super();
    this.mempool = new Mempool(ed25519Scheme, { chainId: CHAIN_ID, shardId: 0 }, mempoolLimits);
    const overlay = this.overlay;
    this.store = {
      get committed() {
        return ledger.committed;
      },
      get head() {
        return ledger.head;
      },
      get headBlockHeader() {
        return ledger.headBlockHeader;
      },
      get stateRoot() {
        return ledger.stateRoot;
      },
      scheme: ledger.scheme,
      getState: (key) => overlay.get(toHex(key)) ?? ledger.getState(key),
      proveState: (key) => ledger.proveState(key),
      readBlock: (height) => ledger.readBlock(height),
      readBlockByHash: (hash) => ledger.readBlockByHash(hash),
      readTransaction: (hash) => ledger.readTransaction(hash),
      proveTransaction: (hash) => ledger.proveTransaction(hash),
      readCommitProof: (height) => ledger.readCommitProof(height),
      readBatchProofs: (height) => ledger.readBatchProofs(height),
    };
  }

  peers(): number[] {
    return [];
  }

  submit(bytes: Uint8Array): { hash: string } {
    const state = { get: (k: Uint8Array) => this.store.getState(k), set() {}, delete() {} };
    return { hash: toHex(this.mempool.admit(bytes, state, 0).hash) };
  }

  /** Writes a registry entry as the market contract would. */
  setMember(key: Uint8Array, role: Role, status: MemberStatus): void {
    const market = new MarketStore({
      get: (k) => this.store.getState(k),
      set: (k, v) => this.overlay.set(toHex(k), v),
      delete: (k) => this.overlay.delete(toHex(k)),
    });
    const member: Member = {
      role,
      name: role,
      status,
      reason: '',
      bus: 1,
      voltageKv: 110,
      maxLoadKw: 0,
      projects: [],
      approvedKw: [],
      meterKey: null,
      registeredAtHeight: 0,
      standingConsent: null,
    };
    market.setMember(key, member, market.member(key) === undefined);
  }

  /**
   * Runs `write` on a market store over the next block's state and commits that block; returns
   * the keys written (hex), so a test can read them back through the API.
   */
  async commitMarket(write: (market: MarketStore) => void): Promise<{ keys: string[]; block: StoredBlock }> {
    const keys: string[] = [];
    return this.commitState((state) =>
      write(
        new MarketStore({
          get: (k) => state.get(k),
          set: (k, v) => {
            keys.push(toHex(k));
            state.set(k, v);
          },
          delete: (k) => state.delete(k),
        }),
      ),
    ).then((block) => ({ keys: [...new Set(keys)], block }));
  }

  /** Runs `write` on the next block's raw state (records outside the market, e.g. the grid model) and commits it. */
  async commitState(write: (state: KeyValueState) => void): Promise<StoredBlock> {
    this.seeds.queued.push(write);
    const tx = signTransaction(seedSigner, {
      chainId: CHAIN_ID,
      shardId: 0,
      type: SEED_TX,
      payload: new Uint8Array(0),
      nonce: this.seedNonce++,
    });
    const block = await this.ledger.append([tx], { timestampMs: this.genesis.genesisTimeMs + 1000 });
    if (block.receipts[0]?.ok !== true) throw new Error(`seed block refused: ${block.receipts[0]?.code}`);
    return block;
  }

  /** The genesis block, re-announced as a new block of the given size (transaction hashes). */
  /** Stores a commit proof as the node does once it has checked one. */
  putCommitProof(height: number, proof: Uint8Array): Promise<void> {
    return this.ledger.putCommitProof(height, proof);
  }

  async announce(transactionCount = 0): Promise<void> {
    const genesisBlock = (await this.ledger.readBlock(0))!;
    const txHashes = Array.from({ length: transactionCount }, (_, i) => sha256(enc(`tx ${i}`)));
    this.emit('block', { ...genesisBlock, txHashes });
  }
}

export interface TestApi {
  readonly api: FastifyInstance;
  readonly node: TestNode;
  close(): Promise<void>;
}

/**
 * `genesis` adds sections (a grid, a market) to the harness's own genesis file; `mempoolLimits`
 * shrinks the node's mempool.
 */
export async function startTestApi(
  limits: Partial<ApiLimits> = {},
  now?: () => number,
  extras: { genesis?: Partial<GenesisFile>; mempoolLimits?: Partial<MempoolLimits> } = {},
): Promise<TestApi> {
  const root = mkdtempSync(join(tmpdir(), 'gridshard-api-edge-'));
  const seeds = new SeedApplication();
  const file: GenesisFile = { ...baseGenesis, ...extras.genesis };
  const ledger = await LedgerStore.create(
    join(root, 'ledger'),
    chainParametersOf(file),
    chainApplication(await loadHighs(), [seeds]),
  );
  const node = new TestNode(ledger, seeds, file, { ...DEFAULT_MEMPOOL_LIMITS, ...extras.mempoolLimits });
  const api = await buildApi(node, { host: '127.0.0.1', port: 0, limits, ...(now ? { now } : {}) });
  return {
    api,
    node,
    async close() {
      await api.close();
      await ledger.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A challenge fetched and signed by `seed`, answered from `remoteAddress`. */
export async function openSession(
  api: FastifyInstance,
  seed: Uint8Array,
  remoteAddress = '127.0.0.1',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const issued = await api.inject({ method: 'POST', url: '/api/v1/auth/challenge', remoteAddress });
  if (issued.statusCode !== 200) return { status: issued.statusCode, body: issued.json() };
  const { challenge } = issued.json() as { challenge: string };
  const signature = ed25519Scheme.signer(seed).sign(sessionSigningBytes(CHAIN_ID, challenge));
  const response = await api.inject({
    method: 'POST',
    url: '/api/v1/auth/session',
    remoteAddress,
    payload: {
      publicKey: toHex(ed25519Scheme.publicKeyFromSeed(seed)),
      challenge,
      signature: toHex(signature),
    },
  });
  return { status: response.statusCode, body: response.json() };
}

/** A private read with a bearer token. */
export function readStatement(
  api: FastifyInstance,
  key: string,
  token: string,
): Promise<LightMyRequestResponse> {
  return api.inject({
    url: `/api/v1/market/cycles/c1/statements/${key}`,
    headers: { authorization: `Bearer ${token}` },
  });
}
