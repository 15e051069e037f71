import type { Message } from '@libp2p/gossipsub';
import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import { toHex } from '../crypto/hash.js';
import type { StoredBlock } from '../ledger/store.js';
import {
  type ChainShard,
  decodeBlockAnnouncement,
  decodeTxGossip,
  encodeBlockAnnouncement,
  encodeTxGossip,
} from '../network/gossip-messages.js';
import type { GossipTopics, GridShardHost } from '../network/host.js';
import { peerIdOf } from '../network/identity.js';
import { AdmissionError } from '../validator/errors.js';
import type { AdmittedTransaction } from '../validator/mempool.js';
import { type AttestationVerdict, CommitFinality, type FinalityInit } from './finality.js';
import type { NodeMetrics } from './metrics.js';

/** How long the first stand-in for the designated validator waits for a gossiped transaction to be committed. */
export const DEFAULT_FALLBACK_MS = 5000;
export const DEFAULT_ANNOUNCE_GRACE_MS = 1000;
/** Gossiped transactions waiting at one validator; the mempool's own limits bound them too. */
const MAX_WAITING = 20_000;

export type ProposeReason = 'designated' | 'fallback';

/**
 * Which validator proposes a gossiped transaction. Every validator receives it, so if all
 * proposed it the DAG would order it n times (the copies would be refused by the nonce window,
 * but each costs bandwidth and a block slot). One validator, picked from the hash's first byte,
 * proposes it at once; the others keep it and propose it themselves only if it is not committed
 * in time, so a silent or censoring designated validator delays it but cannot drop it. The
 * deadlines are staggered (the next validator after the designated one waits one delay, the one
 * after it two, …) so that one silent validator costs one stand-in, not n - 1 copies. A copy that
 * is ordered anyway (a stand-in that lagged) is refused by the ledger as a used nonce.
 */
export class GossipTxRelay<Item = Uint8Array> {
  private readonly waiting = new Map<string, { readonly item: Item; readonly dueMs: number }>();

  constructor(
    private readonly options: {
      readonly self: number;
      readonly committeeSize: number;
      readonly fallbackMs: number;
      readonly propose: (hash: string, item: Item, reason: ProposeReason) => void;
      /**
       * Where this node stands in the committee now, when that changes (a committee that hands
       * over): its index (null while it orders nothing) and the committee's size, over `self` and
       * `committeeSize`.
       */
      readonly place?: () => { readonly self: number | null; readonly committeeSize: number };
    },
  ) {}

  get waitingCount(): number {
    return this.waiting.size;
  }

  static designated(hash: Uint8Array, committeeSize: number): number {
    return hash[0]! % committeeSize;
  }

  received(hash: Uint8Array, item: Item, nowMs: number): void {
    const id = toHex(hash);
    const { fallbackMs } = this.options;
    const { self, committeeSize } = this.options.place?.() ?? this.options;
    // A node outside the committee leaves the transaction to the members, which received it too.
    if (self === null) return;
    const designated = GossipTxRelay.designated(hash, committeeSize);
    if (designated === self) {
      this.options.propose(id, item, 'designated');
      return;
    }
    const rank = (self - designated + committeeSize) % committeeSize;
    if (this.waiting.size >= MAX_WAITING) {
      // The oldest is the likeliest to have been committed already.
      const oldest = this.waiting.keys().next().value;
      if (oldest !== undefined) this.waiting.delete(oldest);
    }
    this.waiting.set(id, { item, dueMs: nowMs + rank * fallbackMs });
  }

  committed(hashes: readonly Uint8Array[]): void {
    if (this.waiting.size === 0) return;
    for (const hash of hashes) this.waiting.delete(toHex(hash));
  }

  /** Proposes what is past its deadline. */
  tick(nowMs: number): void {
    for (const [id, entry] of this.waiting) {
      if (nowMs < entry.dueMs) continue;
      this.waiting.delete(id);
      this.options.propose(id, entry.item, 'fallback');
    }
  }
}

/** What the gossip layer needs of a validator node. */
export interface GossipNode {
  readonly index: number;
  readonly metrics: NodeMetrics;
  admit(bytes: Uint8Array): AdmittedTransaction;
  propose(admitted: AdmittedTransaction): void;
  /** Across epochs: this node's index in the current committee (null: it orders nothing) and its size. */
  committeePlace?(): { readonly self: number | null; readonly committeeSize: number };
  on(event: 'block', listener: (block: StoredBlock) => void): unknown;
  off(event: 'block', listener: (block: StoredBlock) => void): unknown;
}

export interface NodeGossipInit {
  readonly host: GridShardHost;
  readonly node: GossipNode;
  readonly chain: ChainShard;
  readonly topics: GossipTopics;
  readonly validatorKeys: readonly Uint8Array[];
  readonly observerKeys: readonly Uint8Array[];
  readonly now: () => number;
  readonly fallbackMs?: number;
  /** How long the other validators wait for the designated announcement of a block. */
  readonly announceGraceMs?: number;
  readonly log: FinalityInit['log'];
  /** What commit proofs need: the committee, this validator's key and the store that keeps them. */
  readonly finality: Pick<FinalityInit, 'committee' | 'committeeOf' | 'signingSeed' | 'store'>;
}

const VERDICT: Record<AttestationVerdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  ignore: TopicValidatorResult.Ignore,
  reject: TopicValidatorResult.Reject,
};

/** Peer ids allowed to author messages on a topic; a relay cannot forge an author under StrictSign. */
export function authorIds(keys: readonly Uint8Array[]): Set<string> {
  return new Set(keys.map((k) => peerIdOf(k).toString()));
}

export function authoredBy(message: Message, authors: ReadonlySet<string>): boolean {
  return message.type === 'signed' && authors.has(message.from.toString());
}

/**
 * A validator's side of gossip: it announces blocks (see `blockWritten`), checks gossiped transactions
 * exactly like API submissions (the mempool) and hands them to consensus through the relay, and
 * relays block announcements of other validators to observers. Every message passes a topic
 * validator first: garbage is rejected, which lowers the sender's gossipsub score, and counted.
 */
export class NodeGossip {
  readonly relay: GossipTxRelay<AdmittedTransaction>;
  readonly finality: CommitFinality;
  private readonly validators: Set<string>;
  private readonly txAuthors: Set<string>;
  private timer: NodeJS.Timeout | null = null;
  private readonly onBlock = (block: StoredBlock) => this.blockWritten(block);
  /** Highest height announced by anyone (this validator included) as far as it knows. */
  private announcedHeight = -1;
  private standIn: { readonly block: StoredBlock; readonly timer: NodeJS.Timeout } | null = null;

  constructor(private readonly init: NodeGossipInit) {
    this.validators = authorIds(init.validatorKeys);
    this.txAuthors = new Set([...this.validators, ...authorIds(init.observerKeys)]);
    this.relay = new GossipTxRelay<AdmittedTransaction>({
      self: init.node.index,
      committeeSize: init.validatorKeys.length,
      fallbackMs: init.fallbackMs ?? DEFAULT_FALLBACK_MS,
      propose: (_hash, admitted, reason) => {
        init.node.metrics.gossipProposed.inc({ reason });
        init.node.propose(admitted);
      },
      ...(init.node.committeePlace === undefined ? {} : { place: () => init.node.committeePlace!() }),
    });
    this.finality = new CommitFinality({
      ...init.finality,
      chainId: init.chain.chainId,
      // A standby node (past the genesis committee) collects proofs and signs none.
      index: init.node.index < init.validatorKeys.length ? init.node.index : null,
      metrics: init.node.metrics,
      log: init.log,
      publish: (bytes) => {
        init.host.services.pubsub.publish(init.topics.attestations, bytes).catch((error: unknown) => {
          init.log.warn({ error: String(error) }, 'publishing a commit attestation failed');
        });
      },
    });
  }

  start(): void {
    const pubsub = this.init.host.services.pubsub;
    pubsub.topicValidators.set(this.init.topics.tx, (_peer: PeerId, message: Message) =>
      this.count('tx', this.validateTx(message)),
    );
    pubsub.topicValidators.set(this.init.topics.blocks, (_peer: PeerId, message: Message) =>
      this.count('blocks', this.validateAnnouncement(message)),
    );
    pubsub.topicValidators.set(this.init.topics.attestations, (_peer: PeerId, message: Message) =>
      this.count(
        'attestations',
        authoredBy(message, this.validators)
          ? VERDICT[this.finality.received(message.data)]
          : TopicValidatorResult.Reject,
      ),
    );
    pubsub.subscribe(this.init.topics.tx);
    pubsub.subscribe(this.init.topics.blocks);
    pubsub.subscribe(this.init.topics.attestations);
    this.init.node.on('block', this.onBlock);
    this.timer = setInterval(() => this.relay.tick(this.init.now()), 500);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.standIn !== null) clearTimeout(this.standIn.timer);
    this.standIn = null;
    this.init.node.off('block', this.onBlock);
  }

  private count(topic: 'tx' | 'blocks' | 'attestations', result: TopicValidatorResult): TopicValidatorResult {
    this.init.node.metrics.gossipMessages.inc({ topic, result });
    return result;
  }

  private validateTx(message: Message): TopicValidatorResult {
    if (!authoredBy(message, this.txAuthors)) return TopicValidatorResult.Reject;
    let bytes: Uint8Array;
    try {
      bytes = decodeTxGossip(message.data);
    } catch {
      return TopicValidatorResult.Reject;
    }
    let admitted: AdmittedTransaction;
    try {
      admitted = this.init.node.admit(bytes);
    } catch (error) {
      // A malformed or badly signed transaction is the sender's fault; a duplicate, a used nonce
      // or a full pool may be an honest race, so it is dropped without blame and not relayed.
      if (error instanceof AdmissionError && error.code === 'BAD_TRANSACTION')
        return TopicValidatorResult.Reject;
      if (!(error instanceof AdmissionError))
        this.init.log.warn({ error: String(error) }, 'gossiped transaction failed');
      return TopicValidatorResult.Ignore;
    }
    this.relay.received(admitted.hash, admitted, this.init.now());
    return TopicValidatorResult.Accept;
  }

  private validateAnnouncement(message: Message): TopicValidatorResult {
    if (!authoredBy(message, this.validators)) return TopicValidatorResult.Reject;
    let height: number;
    try {
      height = decodeBlockAnnouncement(message.data, this.init.chain).height;
    } catch {
      return TopicValidatorResult.Reject;
    }
    this.announcedHeight = Math.max(this.announcedHeight, height);
    return TopicValidatorResult.Accept;
  }

  /**
   * One validator announces each block (the one at height mod n), so observers get it at once
   * without every validator signing, sending and checking n copies. The others stand in: if no
   * announcement of this height or a later one arrived within the grace period (the designated
   * validator is down or slow; the next validator waits one period, the one after it two, …),
   * it announces its latest block itself. An announcement names a
   * height; an observer fetches everything up to it, so covering the latest block covers the rest.
   */
  /**
   * Hands a client's transaction to the committee's members by gossip: a node that orders nothing
   * this epoch (a standby) cannot propose it itself.
   */
  publishTransaction(bytes: Uint8Array): void {
    this.init.host.services.pubsub
      .publish(this.init.topics.tx, encodeTxGossip(bytes))
      .catch((error: unknown) => {
        this.init.log.warn({ error: String(error) }, 'gossiping a transaction failed');
      });
  }

  private blockWritten(block: StoredBlock): void {
    this.relay.committed(block.txHashes);
    this.finality.blockWritten(block);
    const height = block.header.height;
    const n = this.init.validatorKeys.length;
    const designated = height % n;
    if (designated === this.init.node.index) {
      this.announce(block, 'designated');
      return;
    }
    if (this.standIn !== null) clearTimeout(this.standIn.timer);
    // Staggered like the transaction relay: one silent announcer costs one stand-in, not n - 1.
    const timer = setTimeout(
      () => {
        this.standIn = null;
        if (this.announcedHeight < height) this.announce(block, 'stand-in');
      },
      ((this.init.node.index - designated + n) % n) *
        (this.init.announceGraceMs ?? DEFAULT_ANNOUNCE_GRACE_MS),
    );
    timer.unref();
    this.standIn = { block, timer };
  }

  private announce(block: StoredBlock, role: 'designated' | 'stand-in'): void {
    this.announcedHeight = Math.max(this.announcedHeight, block.header.height);
    this.init.node.metrics.gossipAnnounced.inc({ role });
    const data = encodeBlockAnnouncement({
      chainId: this.init.chain.chainId,
      shardId: this.init.chain.shardId,
      height: block.header.height,
      blockHash: block.hash,
      stateRoot: block.header.stateRoot,
      txCount: block.header.txCount,
      timestampMs: block.header.timestampMs,
    });
    this.init.host.services.pubsub.publish(this.init.topics.blocks, data).catch((error: unknown) => {
      // An announcement is only a hint; followers still poll, so a failed publish is logged, not fatal.
      this.init.log.warn({ error: String(error), height: block.header.height }, 'announcing a block failed');
    });
  }
}
