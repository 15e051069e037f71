import { SHARDS_COMMITTEE } from '../cross-zone/committee-application.js';
import { directoryFromState } from '../cross-zone/directory.js';
import { fromHex, sha256, toHex } from '../crypto/hash.js';
import { OwnTransactions } from '../ledger/own-transactions.js';
import type { ReadableState } from '../ledger/state-interface.js';
import { handoverCertificateKey, readHandoverCertificate } from '../roles/handover.js';
import {
  type CommitteeChange,
  decodeCommitteeChange,
  encodeCommitteeChange,
  type ShardDirectory,
  verifyCommitteeChange,
} from '../sharding/index.js';
import type { GenesisFile } from './genesis-file.js';
import type { ShardingGenesisJson } from './genesis-sharding.js';

/** How often a validator looks for the next handover of each zone shard. */
export const COMMITTEE_PULL_INTERVAL_MS = 2000;
/** A certificate ordered and not recorded after this long is ordered again. */
const REORDER_MS = 10_000;
/** No shard hands over more often than this many times between two looks. */
const MAX_EPOCHS_PER_LOOK = 64;

export interface CommitteePullerInit {
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
 * Keeps a chain's record of the zone shards' committees current (`shards.committee`,
 * src/cross-zone/committee-application.ts), on every chain of a sharded system: for each zone
 * shard it takes the quorum that elected the committee after the last one this chain recorded
 * (its own shard's from its own state, another's from that shard's validators, one at a time,
 * moving on when one does not answer), checks it against the committee before, and orders it.
 * What a peer answers is only a hint: the contract checks the votes again, so a lying peer can
 * delay this chain's record of its shard and nothing more. The transactions are signed with a key
 * of their own, derived from the validator's, so their nonces never race the validator's others.
 */
export class CommitteePuller {
  private readonly own: OwnTransactions;
  private readonly source: number[];
  /** Per shard: the epoch last ordered, and when. */
  private readonly ordered = new Map<number, { epoch: number; atMs: number }>();
  /** Per shard: the highest epoch this chain recorded, as last seen (the record only grows). */
  private readonly recorded = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(private readonly init: CommitteePullerInit) {
    this.own = new OwnTransactions({
      seed: sha256(new TextEncoder().encode('gridshard/committee-relay/v1'), init.signingSeed),
      chainId: init.genesis.chainId,
      shardId: init.genesis.shardId,
      state: () => this.state,
      submit: init.submit,
      now: init.now,
    });
    this.source = init.genesis.sharding.shards.map(() => 0);
  }

  start(): void {
    this.timer = setInterval(() => void this.pull(), COMMITTEE_PULL_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One look at every zone shard; resolves when each has been asked (exported for tests). */
  async pull(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const directory = directoryFromState(this.state);
      if (directory === null) return;
      await Promise.all(
        this.init.genesis.sharding.shards.map((_, shard) => this.pullShard(shard, directory)),
      );
    } finally {
      this.running = false;
    }
  }

  /** The highest epoch of `shard` this chain recorded (0: genesis's only). */
  recordedEpoch(shard: number, directory: ShardDirectory): number {
    let epoch = this.recorded.get(shard) ?? 0;
    for (let i = 0; i < MAX_EPOCHS_PER_LOOK && directory.committee(shard, epoch + 1) !== undefined; i++)
      epoch++;
    this.recorded.set(shard, epoch);
    return epoch;
  }

  private async pullShard(shard: number, directory: ShardDirectory): Promise<void> {
    const previous = this.recordedEpoch(shard, directory);
    const next = previous + 1;
    const last = this.ordered.get(shard);
    if (last !== undefined && last.epoch === next && this.init.now() - last.atMs < REORDER_MS) return;
    let change: CommitteeChange | null;
    try {
      change =
        shard === this.init.genesis.shardId
          ? readHandoverCertificate(this.state, next)
          : await this.ask(shard, next);
    } catch {
      this.source[shard] = this.source[shard]! + 1;
      return;
    }
    if (change === null) return;
    try {
      verifyCommitteeChange(change, this.init.genesis.chainId, directory.committee(shard, previous)!);
    } catch (error) {
      this.source[shard] = this.source[shard]! + 1;
      this.init.log.warn(
        { shard, epoch: next, error: (error as Error).message },
        'a shard validator served a handover that does not verify',
      );
      return;
    }
    this.ordered.set(shard, { epoch: next, atMs: this.init.now() });
    this.order(change);
  }

  /** Shard `shard`'s quorum for `epoch`, from one of its validators; null while it has none. */
  private async ask(shard: number, epoch: number): Promise<CommitteeChange | null> {
    const validators = this.init.genesis.sharding.shards[shard]!.validators;
    const api = validators[this.source[shard]! % validators.length]!.api;
    const answer = (await this.init.get(api, `/api/v1/state/${toHex(handoverCertificateKey(epoch))}`)) as
      | { value?: unknown }
      | undefined;
    if (typeof answer?.value !== 'string') return null;
    const change = decodeCommitteeChange(fromHex(answer.value));
    if (change.shardId !== shard || change.nextEpoch !== epoch) throw new Error('another shard’s or epoch’s');
    return change;
  }

  private get state(): ReadableState {
    return { get: (key: Uint8Array) => this.init.store.getState(key) };
  }

  private order(change: CommitteeChange): void {
    try {
      this.own.submit(SHARDS_COMMITTEE, encodeCommitteeChange(change));
    } catch (error) {
      this.init.log.warn(
        { shard: change.shardId, epoch: change.nextEpoch, error: (error as Error).message },
        'could not order a shard’s handover on this chain',
      );
    }
  }
}
