import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { TopicValidatorResult } from '@libp2p/gossipsub';
import { multiaddr } from '@multiformats/multiaddr';
import { fromHex, toHex } from '../crypto/hash.js';
import type { Application } from '../ledger/application.js';
import { decodeBlockAnnouncement, encodeTxGossip } from '../network/gossip-messages.js';
import { createHost, type GridShardHost, gossipTopics } from '../network/host.js';
import { libp2pPrivateKey, peerIdOf } from '../network/identity.js';
import type { ChainSource } from './chain-source.js';
import { NodeError } from './errors.js';
import { type FollowResult, followChain } from './follower.js';
import type { GenesisFile } from './genesis-file.js';
import { authoredBy, authorIds } from './gossip.js';

export interface WatchCounters {
  announcements: number;
  rejected: number;
  follows: number;
  failedFollows: number;
}

export interface WatchOptions {
  readonly genesis: GenesisFile;
  readonly dataDir: string;
  readonly source: ChainSource;
  readonly application: Application;
  /** The observer's Ed25519 seed; its public key must be in genesis `observers`. */
  readonly nodeSeed: Uint8Array;
  /** Follow anyway after this long without an announcement (validators may be unreachable by libp2p). */
  readonly pollMs?: number;
  readonly onFollow?: (result: FollowResult, trigger: 'start' | 'announcement' | 'poll') => void;
  readonly log: {
    info(fields: object, message: string): void;
    warn(fields: object, message: string): void;
  };
}

const REDIAL_MS = 2000;

/**
 * An observer's libp2p key, kept as a hex seed in a file of its own (mode 0600) and created on
 * first use. It only identifies the observer to the validators' connection gater; it signs
 * nothing on chain, so it is not a keystore.
 */
export function loadOrCreateNodeKey(path: string): { seed: Uint8Array; created: boolean } {
  if (!existsSync(path)) {
    const seed = new Uint8Array(randomBytes(32));
    writeFileSync(path, `${toHex(seed)}\n`, { mode: 0o600, flag: 'wx' });
    return { seed, created: true };
  }
  const text = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(text)) {
    throw new NodeError('BAD_CONFIG', `${path} must hold a 32-byte seed as 64 hex characters`, {});
  }
  return { seed: fromHex(text), created: false };
}

/**
 * A common node that follows in near real time: it joins the validators' gossip with its own key
 * and, whenever a validator announces a block above its height, runs the HTTP follow, which
 * fetches and re-executes every new block. An announcement is only a hint (it cannot be checked
 * before the block is fetched), so a false one costs one HTTP round trip and nothing else; a slow
 * poll covers announcements that never arrive.
 */
export class ChainWatcher {
  readonly counters: WatchCounters = { announcements: 0, rejected: 0, follows: 0, failedFollows: 0 };
  private heightNow = -1;
  private announcedHeight = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private pending: 'start' | 'announcement' | 'poll' | null = null;
  private running: Promise<void> | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private dialTimer: NodeJS.Timeout | null = null;
  private lastFollowAt = 0;
  private stopped = false;

  private constructor(
    private readonly options: WatchOptions,
    private readonly host: GridShardHost,
  ) {}

  static async start(options: WatchOptions): Promise<ChainWatcher> {
    const topics = gossipTopics(options.genesis.chainId, options.genesis.shardId);
    const validators = authorIds(options.genesis.validators.map((v) => fromHex(v.publicKey)));
    const host = await createHost({
      privateKey: await libp2pPrivateKey(options.nodeSeed),
      listen: [],
      topics,
      // An observer talks to the committee only; other observers are reached through it.
      admits: (peer) => validators.has(peer.toString()),
    });
    const watcher = new ChainWatcher(options, host);
    const chain = { chainId: options.genesis.chainId, shardId: options.genesis.shardId };
    const pubsub = host.services.pubsub;
    pubsub.topicValidators.set(topics.blocks, (_peer, message) => {
      try {
        if (!authoredBy(message, validators)) throw new Error('not written by a validator');
        decodeBlockAnnouncement(message.data, chain);
        return TopicValidatorResult.Accept;
      } catch {
        watcher.counters.rejected++;
        return TopicValidatorResult.Reject;
      }
    });
    pubsub.addEventListener('message', (event) => {
      if (event.detail.topic !== topics.blocks) return;
      let height: number;
      try {
        height = decodeBlockAnnouncement(event.detail.data, chain).height;
      } catch {
        return; // the topic validator has refused it already; this only guards the listener
      }
      watcher.counters.announcements++;
      watcher.announcedHeight = Math.max(watcher.announcedHeight, height);
      if (height > watcher.heightNow) watcher.trigger('announcement');
    });
    pubsub.subscribe(topics.blocks);
    watcher.dialValidators();
    watcher.dialTimer = setInterval(() => watcher.dialValidators(), REDIAL_MS);
    const pollMs = options.pollMs ?? 30_000;
    watcher.pollTimer = setInterval(
      () => {
        if (Date.now() - watcher.lastFollowAt >= pollMs) watcher.trigger('poll');
      },
      Math.min(pollMs, 5000),
    );
    watcher.trigger('start');
    return watcher;
  }

  /** Height of the local ledger after the last follow; -1 before the first. */
  get height(): number {
    return this.heightNow;
  }

  /** Validators this observer holds a connection to. */
  connectedValidators(): number {
    return this.host.getConnections().length;
  }

  /** Peers known to take transactions by gossip (the validators this observer is connected to). */
  txSubscribers(): number {
    const topics = gossipTopics(this.options.genesis.chainId, this.options.genesis.shardId);
    return this.host.services.pubsub.getSubscribers(topics.tx).length;
  }

  /** Hands a signed transaction to the validators by gossip; they check it like an API submission. */
  async publishTransaction(bytes: Uint8Array): Promise<number> {
    const topics = gossipTopics(this.options.genesis.chainId, this.options.genesis.shardId);
    const result = await this.host.services.pubsub.publish(topics.tx, encodeTxGossip(bytes));
    return result.recipients.length;
  }

  /** Resolves when no follow is running or waiting. */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer !== null) clearInterval(this.pollTimer);
    if (this.dialTimer !== null) clearInterval(this.dialTimer);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    await this.idle();
    await this.host.stop();
  }

  private dialValidators(): void {
    if (this.stopped) return;
    const connected = new Set(this.host.getConnections().map((c) => c.remotePeer.toString()));
    for (const v of this.options.genesis.validators) {
      const id = peerIdOf(fromHex(v.publicKey)).toString();
      if (connected.has(id)) continue;
      this.host.dial(multiaddr(`${v.address}/p2p/${id}`), { signal: AbortSignal.timeout(5000) }).catch(() => {
        // Retried on the next round; the poll keeps the ledger current meanwhile.
      });
    }
  }

  /** Follows are serial (one ledger store open at a time); triggers during one coalesce into one more. */
  private trigger(reason: 'start' | 'announcement' | 'poll'): void {
    if (this.stopped) return;
    this.pending ??= reason;
    if (this.running !== null) return;
    this.running = this.runFollows().finally(() => {
      this.running = null;
    });
  }

  private async runFollows(): Promise<void> {
    while (this.pending !== null && !this.stopped) {
      const reason = this.pending;
      this.pending = null;
      this.lastFollowAt = Date.now();
      try {
        const result = await followChain({
          genesis: this.options.genesis,
          dataDir: this.options.dataDir,
          source: this.options.source,
          application: this.options.application,
        });
        this.counters.follows++;
        this.heightNow = result.height;
        this.options.onFollow?.(result, reason);
        // The source may not have written the announced block yet (another validator was first).
        if (result.height < this.announcedHeight && this.retryTimer === null) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = null;
            this.trigger('announcement');
          }, 500);
        }
      } catch (error) {
        this.counters.failedFollows++;
        this.options.log.warn(
          { error: String(error) },
          'follow failed; retrying on the next announcement or poll',
        );
      }
    }
  }
}
