import type { Committee } from '../consensus/interface.js';
import { ROOT_SHARD_ID } from '../cross-zone/root-application.js';
import { bytesEqual, fromHex, sha256 } from '../crypto/hash.js';
import { ed25519Scheme } from '../crypto/scheme.js';
import { type BlockHeader, blockHash } from '../ledger/block.js';
import { decodeCommitProof, verifyCommitProof } from '../sharding/index.js';
import { headerFromJson } from './block-json.js';
import type { GenesisFile } from './genesis-file.js';
import type { ShardingGenesisJson } from './genesis-sharding.js';

const FALLBACK_DOMAIN = 'gridshard/devnet-master-beacon/v1';
/** Beacons kept; older cycles' trades are long decided. */
const MAX_CACHED = 64;

/** A root block as its validators' API serves it, checked against the root committee. */
export interface ProvenRootBlock {
  readonly height: number;
  readonly timestampMs: number;
  readonly randomness: Uint8Array;
}

/** Where the beacon's root blocks come from: a root validator's API, any one, trusted for nothing. */
export interface RootBlockSource {
  /** The root chain's head height as that validator sees it. */
  head(): Promise<number>;
  /** Root block `height`, proven by its commit proof, or null when it is not final there yet. */
  block(height: number): Promise<ProvenRootBlock | null>;
  /**
   * The time the source says block `height` has, unchecked (null past its head): enough to steer
   * the search, since the block it ends at, and the one before, are taken only proven.
   */
  timeOf(height: number): Promise<number | null>;
  /**
   * Where the source says cycle `cycle`'s beacon block is (a root validator knows it from its own
   * chain), unchecked; undefined when it cannot say. Tried before any search.
   */
  hint?(cycle: number): Promise<number | undefined>;
}

export type SystemGenesis = Pick<GenesisFile, 'chainId' | 'genesisTimeMs'> & {
  readonly sharding: ShardingGenesisJson;
};

/**
 * The public order of a cycle when no root beacon is known (cycle 0, or a root chain that made no
 * block since the previous cycle began): a hash of the chain id. Anyone can foresee it; it only
 * routes votes, which any validator can certify, so it costs at worst a delay.
 */
export function fallbackBeacon(genesis: Pick<GenesisFile, 'chainId'>): Uint8Array {
  return sha256(new TextEncoder().encode(`${FALLBACK_DOMAIN}/${genesis.chainId}`));
}

export function rootCommitteeOf(genesis: SystemGenesis): Committee {
  return {
    shardId: ROOT_SHARD_ID,
    epoch: 0,
    members: genesis.sharding.root.validators.map((v, index) => ({ index, publicKey: fromHex(v.publicKey) })),
  };
}

/**
 * Cycle c's masters are drawn from the common coin of the root chain: the randomness of the first
 * root block whose time is at or after the start of cycle c − 1. The root committee's coin makes
 * it unknown to anyone until that block's leader wave commits, and nobody can grind it; it is
 * fixed once the root chain holds a later block, and every shard reads the same block, so all
 * agree on the order one cycle ahead. A block is taken only with its commit proof checked against
 * the root committee from genesis, and its header must hash to the block the proof signs; the
 * block before must be proven too, and earlier than the start.
 */
export class RootBeacon {
  private readonly beacons = new Map<number, Uint8Array>();
  /** The root height each found beacon came from. */
  private readonly heights = new Map<number, number>();
  private readonly pending = new Map<number, Promise<Uint8Array | null>>();

  constructor(
    private readonly genesis: SystemGenesis,
    private readonly source: RootBlockSource,
  ) {}

  /** The beacon of `cycle` if this node resolved it already, else null (use the fallback). */
  known(cycle: number): Uint8Array | null {
    return this.beacons.get(cycle) ?? null;
  }

  /** The root height of `cycle`'s beacon block, once resolved. */
  heightOf(cycle: number): number | undefined {
    return this.heights.get(cycle);
  }

  /** Resolves the beacon of `cycle` from the root chain; null while the root cannot tell yet. */
  resolve(cycle: number): Promise<Uint8Array | null> {
    const known = this.beacons.get(cycle);
    if (known !== undefined) return Promise.resolve(known);
    if (cycle < 1) return Promise.resolve(null);
    let running = this.pending.get(cycle);
    if (running === undefined) {
      running = this.find(cycle).finally(() => this.pending.delete(cycle));
      this.pending.set(cycle, running);
    }
    return running;
  }

  private async find(cycle: number): Promise<Uint8Array | null> {
    const { genesisTimeMs, sharding } = this.genesis;
    const startMs = genesisTimeMs + (cycle - 1) * sharding.cycleMs;
    // A root validator names the block: proving it and the one before takes four requests, where
    // a search over the root chain takes a dozen more.
    const hinted = await this.source.hint?.(cycle);
    if (hinted !== undefined && hinted >= 1) {
      const found = await this.take(cycle, hinted, startMs);
      if (found !== null) return found;
    }
    const head = await this.source.head();
    const topTime = await this.source.timeOf(head);
    // Not fixed until a root block at or after the start exists.
    if (topTime === null || topTime < startMs) return null;
    // Later cycles' blocks come later: the search starts above the last one found.
    let low = 1;
    for (const [c, height] of this.heights) if (c < cycle) low = Math.max(low, height);
    let high = head;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      const time = await this.source.timeOf(middle);
      if (time === null) return null;
      if (time >= startMs) high = middle;
      else low = middle + 1;
    }
    return this.take(cycle, low, startMs);
  }

  /** Takes root block `height` as the beacon if it is proven the first at or after `startMs`. */
  private async take(cycle: number, height: number, startMs: number): Promise<Uint8Array | null> {
    const low = height;
    const first = await this.source.block(low);
    if (first === null || first.timestampMs < startMs) return null;
    if (low > 1) {
      const before = await this.source.block(low - 1);
      if (before === null || before.timestampMs >= startMs) return null;
    }
    this.beacons.set(cycle, first.randomness);
    this.heights.set(cycle, low);
    for (const old of this.beacons.keys()) {
      if (this.beacons.size <= MAX_CACHED) break;
      this.beacons.delete(old);
      this.heights.delete(old);
    }
    return first.randomness;
  }
}

/**
 * A root validator's own chain: final by its own consensus, so read without a proof (the commit
 * proof of a fresh block may not be collected yet).
 */
export function storeRootSource(store: {
  readonly head: { readonly height: number };
  readBlock(height: number): Promise<{ header: BlockHeader } | undefined>;
}): RootBlockSource {
  return {
    head: async () => store.head.height,
    timeOf: async (height) => (await store.readBlock(height))?.header.timestampMs ?? null,
    block: async (height) => {
      const block = await store.readBlock(height);
      return block === undefined
        ? null
        : { height, timestampMs: block.header.timestampMs, randomness: block.header.randomness };
    },
  };
}

/** Reads root blocks from the root validators' APIs in turn, each answer checked before use. */
export function apiRootSource(
  genesis: SystemGenesis,
  get: (api: string, path: string) => Promise<unknown>,
  /** Which root validator to ask first: zone validators spread over them. */
  first = 0,
): RootBlockSource {
  const apis = genesis.sharding.root.validators.map((v) => v.api);
  const committee = rootCommitteeOf(genesis);
  let turn = apis.length === 0 ? 0 : first % apis.length;
  const ask = async <T>(read: (api: string) => Promise<T>): Promise<T> => {
    let last: unknown;
    for (let i = 0; i < apis.length; i++) {
      const api = apis[(turn + i) % apis.length]!;
      try {
        return await read(api);
      } catch (error) {
        last = error;
        turn = (turn + 1) % apis.length;
      }
    }
    throw last;
  };
  return {
    hint: async (cycle) => {
      try {
        const answer = (await get(apis[turn]!, `/api/v1/cycles/${cycle}/masters`)) as
          | { beaconHeight?: unknown }
          | undefined;
        const height = answer?.beaconHeight;
        return typeof height === 'number' && Number.isSafeInteger(height) ? height : undefined;
      } catch {
        return undefined;
      }
    },
    head: () =>
      ask(async (api) => {
        const status = (await get(api, '/api/v1/status')) as { height?: unknown } | undefined;
        if (typeof status?.height !== 'number') throw new Error('no height');
        return status.height;
      }),
    timeOf: (height) =>
      ask(async (api) => {
        const json = (await get(api, `/api/v1/blocks/${height}`)) as { timestampMs?: unknown } | undefined;
        if (json === undefined) return null;
        if (typeof json.timestampMs !== 'number') throw new Error('a block without a time');
        return json.timestampMs;
      }),
    block: (height) =>
      ask(async (api) => {
        const json = await get(api, `/api/v1/blocks/${height}`);
        const proof = (await get(api, `/api/v1/blocks/${height}/commit-proof`)) as
          | { proof?: unknown }
          | undefined;
        if (json === undefined || proof === undefined) return null;
        return provenRootBlock(genesis, committee, height, json, proof.proof);
      }),
  };
}

/**
 * A root block from its API JSON and commit proof: the proof must verify against the root
 * committee for this chain and height, and the header rebuilt from the JSON must hash to the
 * block it signs. Throws otherwise (the caller asks another validator).
 */
export function provenRootBlock(
  genesis: SystemGenesis,
  committee: Committee,
  height: number,
  json: unknown,
  proofHex: unknown,
): ProvenRootBlock {
  if (typeof proofHex !== 'string') throw new Error('no commit proof');
  const proof = decodeCommitProof(fromHex(proofHex));
  verifyCommitProof(proof, committee);
  const { statement } = proof;
  if (statement.chainId !== genesis.chainId || statement.height !== height)
    throw new Error(`the proof is for ${statement.chainId} height ${statement.height}`);
  const header = headerFromJson(json);
  if (header.shardId !== ROOT_SHARD_ID || header.height !== height) throw new Error('not that root block');
  if (!bytesEqual(blockHash(ed25519Scheme, header), statement.blockHash))
    throw new Error('the header is not the block the root committee signed');
  return { height, timestampMs: header.timestampMs, randomness: header.randomness };
}
