import { ROOT_SHARD_BLOCK, readShardHead } from '../cross-zone/root-application.js';
import { fromHex } from '../crypto/hash.js';
import { OwnTransactions } from '../ledger/own-transactions.js';
import type { GenesisFile } from './genesis-file.js';
import type { ShardingGenesisJson } from './genesis-sharding.js';

/** How often a root validator asks each zone shard for its newest proven block. */
export const PULL_INTERVAL_MS = 1000;

/** A proof ordered and not recorded after this long is ordered again. */
const REORDER_MS = 5000;

export interface ShardProofPullerInit {
  readonly genesis: GenesisFile & { readonly sharding: ShardingGenesisJson };
  readonly signingSeed: Uint8Array;
  readonly store: { getState(key: Uint8Array): Uint8Array | undefined };
  readonly submit: (bytes: Uint8Array) => unknown;
  /** GETs a JSON answer from a peer's API path; undefined for a 404; rejects on any other failure. */
  readonly get: (api: string, path: string) => Promise<unknown>;
  readonly now: () => number;
  readonly log: { warn(fields: object, message: string): void };
}

/**
 * A root validator's feed of shard blocks: it asks each zone shard's validators (one at a time,
 * moving on when one does not answer) for the newest block that has a commit proof, and orders
 * that proof on the root chain when the root has not recorded the shard that far. The root
 * contract checks every proof against the shard's committee; what a shard validator answers is
 * only a hint, so a lying one can withhold its shard's progress from this puller and nothing more.
 * One proof per shard per pull: a block is final with every block below it in its hash chain.
 */
export class ShardProofPuller {
  private readonly source: number[];
  private readonly own: OwnTransactions;
  private readonly asked: number[];
  private readonly askedAt: number[];
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(private readonly init: ShardProofPullerInit) {
    const { shards } = init.genesis.sharding;
    this.source = shards.map(() => 0);
    this.asked = shards.map(() => 0);
    this.askedAt = shards.map(() => 0);
    this.own = new OwnTransactions({
      seed: init.signingSeed,
      chainId: init.genesis.chainId,
      shardId: init.genesis.shardId,
      state: () => this.state,
      submit: init.submit,
      now: init.now,
    });
  }

  start(): void {
    this.timer = setInterval(() => void this.pull(), PULL_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private async pull(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await Promise.all(this.init.genesis.sharding.shards.map((_, shard) => this.pullShard(shard)));
    } finally {
      this.running = false;
    }
  }

  private async pullShard(shard: number): Promise<void> {
    const validators = this.init.genesis.sharding.shards[shard]!.validators;
    const api = validators[this.source[shard]! % validators.length]!.api;
    try {
      const status = (await this.init.get(api, '/api/v1/status')) as { height?: unknown } | undefined;
      const height = typeof status?.height === 'number' ? status.height : 0;
      const recorded = readShardHead(this.state, shard)?.height ?? 0;
      // A proof forms a moment after its block; the block before it usually has one already.
      for (const candidate of [height, height - 1]) {
        if (candidate <= recorded) return;
        // Ordered already and not yet recorded: asked again only if the root seems to have lost it.
        if (candidate <= this.asked[shard]! && this.init.now() - this.askedAt[shard]! < REORDER_MS) return;
        const answer = (await this.init.get(api, `/api/v1/blocks/${candidate}/commit-proof`)) as
          | { proof?: unknown }
          | undefined;
        if (typeof answer?.proof !== 'string') continue;
        this.asked[shard] = candidate;
        this.askedAt[shard] = this.init.now();
        this.order(fromHex(answer.proof));
        return;
      }
    } catch {
      this.source[shard] = this.source[shard]! + 1;
    }
  }

  private get state() {
    return { get: (key: Uint8Array) => this.init.store.getState(key) };
  }

  private order(proof: Uint8Array): void {
    try {
      this.own.submit(ROOT_SHARD_BLOCK, proof);
    } catch (error) {
      this.init.log.warn(
        { error: (error as Error).message },
        'could not order a shard block on the root chain',
      );
    }
  }
}
