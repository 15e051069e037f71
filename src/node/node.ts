import { EventEmitter } from 'node:events';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { type DagMessage, type DagValidatorInit, dagProtocol } from '../consensus/dag/index.js';
import type { CommittedBatch, ConsensusCore, ConsensusEffect } from '../consensus/interface.js';
import { toHex } from '../crypto/hash.js';
import { ed25519Scheme } from '../crypto/scheme.js';
import type { Application } from '../ledger/application.js';
import { LedgerStore, type StoredBlock } from '../ledger/store.js';
import { decodeTransaction, type Transaction } from '../ledger/transaction.js';
import { ConsensusNetwork } from '../network/consensus-network.js';
import { gossipTopics } from '../network/host.js';
import type { NodeConfig } from './config.js';
import { decodeBlockEvidence, encodeBlockEvidence } from './evidence.js';
import {
  chainParametersOf,
  coinPublicKeysOf,
  committeeOf,
  type GenesisFile,
  observerKeysOf,
} from './genesis-file.js';
import { NodeGossip } from './gossip.js';
import { type AdmittedTransaction, Mempool } from './mempool.js';
import { NodeMetrics } from './metrics.js';
import { SignedLogFile } from './signed-log-file.js';
import { blockTime, readTimeMarker, timeMarker } from './time-marker.js';

export interface NodeSecrets {
  readonly signingSeed: Uint8Array;
  readonly coinSecretShare: Uint8Array;
}

export interface NodeLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface NodeEvents {
  block: [StoredBlock];
}

const SNAPSHOT_FILE = 'consensus.snapshot';
/** What the validator signed since the snapshot was written (see signed-log-file.ts). */
const SIGNED_LOG_FILE = 'consensus.signed-log';
/**
 * Tests only: when set, every header and vote this validator sends is also appended to
 * SENT_CAPTURE_FILE in its data folder, so a test can check what it signed across kills.
 */
const SENT_CAPTURE_ENV = 'GRIDSHARD_TEST_SENT_CAPTURE';
const SENT_CAPTURE_FILE = 'sent-capture.bin';
/** A decision's batches go into one block, cut sooner only so that no block grows unbounded. */
const MAX_BATCHES_PER_BLOCK = 256;
const MAX_TRANSACTIONS_PER_BLOCK = 20_000;
const DEFAULT_ROUND_INTERVAL_MS = 10;
const MARKER_INTERVAL_MS = 100;
/** Block evidence holds every batch's certificate; cut sooner than its size limit allows. */
const MAX_EVIDENCE_BYTES_PER_BLOCK = 192 * 1024;
const SNAPSHOT_INTERVAL_MS = 1000;
const SNAPSHOT_RETRY_MS = 20;

/**
 * One validator: the DAG consensus core driven by real timers and libp2p, a mempool in front of
 * it, and a ledger behind it. Ordered batches become blocks, executed by the contracts and
 * written atomically. Effects of the core are carried out in the order it returns them.
 *
 * Crash recovery: the ledger is the source of truth. Each block records the consensus sequence
 * it came from; the consensus snapshot is written only when every batch the core has delivered
 * is in the ledger, so a restart never skips a decision, and decisions the ledger already holds
 * are recognised by their sequence and not applied twice. What the core signs between two
 * snapshots is kept in the signed log, synced before it is sent, and replayed on restart.
 */
export class GridShardNode extends EventEmitter<NodeEvents> {
  readonly metrics: NodeMetrics;
  readonly mempool: Mempool;
  private core!: ConsensusCore<DagMessage>;
  private network!: ConsensusNetwork;
  private gossip: NodeGossip | null = null;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly commitQueue: CommittedBatch[] = [];
  private applying = false;
  private appliedSequence = -1;
  private feed: Uint8Array[] = [];
  private feedScheduled = false;
  private lastMarkerAtMs = Number.NEGATIVE_INFINITY;
  /** Hashes (hex) of transactions admitted here and not yet committed, with their admission time. */
  private readonly submittedAt = new Map<string, number>();
  private snapshotTimer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private signedLog: SignedLogFile | null = null;
  /**
   * Effect lists held until the signed log is synced up to their `written` count (the records
   * of every list are written at once; one sync in flight covers all written before it began).
   * Later lists queue behind them, so effects keep the order the core gave them.
   */
  private readonly heldEffects: { effects: ConsensusEffect<DagMessage>[]; written: number }[] = [];
  private recordBatchesWritten = 0;
  private signedLogSyncing = false;
  private snapshotRetry: NodeJS.Timeout | null = null;
  private sentCapture: number | null = null;
  readonly index: number;

  private constructor(
    readonly config: NodeConfig,
    readonly genesis: GenesisFile,
    readonly store: LedgerStore,
    private readonly secrets: NodeSecrets,
    private readonly log: NodeLogger,
    private readonly now: () => number,
  ) {
    super();
    if (config.validatorIndex === undefined || config.validatorIndex >= genesis.validators.length) {
      throw new Error('a validator node needs a validatorIndex present in genesis');
    }
    this.index = config.validatorIndex;
    this.mempool = new Mempool(ed25519Scheme, { chainId: genesis.chainId, shardId: genesis.shardId });
    this.metrics = new NodeMetrics({
      chainId: genesis.chainId,
      shardId: genesis.shardId,
      validator: this.index,
    });
  }

  static async start(
    config: NodeConfig,
    genesis: GenesisFile,
    secrets: NodeSecrets,
    application: Application,
    log: NodeLogger,
    now: () => number = () => Date.now(),
  ): Promise<GridShardNode> {
    mkdirSync(config.dataDir, { recursive: true });
    const ledgerDir = join(config.dataDir, 'ledger');
    const store = existsSync(ledgerDir)
      ? await LedgerStore.open(ledgerDir, application)
      : await LedgerStore.create(ledgerDir, chainParametersOf(genesis), application);
    const node = new GridShardNode(config, genesis, store, secrets, log, now);
    await node.boot();
    return node;
  }

  private async boot(): Promise<void> {
    const head = this.store.headBlockHeader;
    if (head.height > 0) this.appliedSequence = decodeBlockEvidence(head.evidence).sequence;
    const snapshotPath = join(this.config.dataDir, SNAPSHOT_FILE);
    const recovered = existsSync(snapshotPath) ? new Uint8Array(readFileSync(snapshotPath)) : undefined;
    const { file: signedLog, contents } = SignedLogFile.open(join(this.config.dataDir, SIGNED_LOG_FILE));
    this.signedLog = signedLog;
    if (contents.discardedBytes > 0) {
      this.log.warn({ bytes: contents.discardedBytes }, 'dropped the torn tail of the signed log');
    }
    if (process.env[SENT_CAPTURE_ENV] === '1') {
      this.sentCapture = openSync(join(this.config.dataDir, SENT_CAPTURE_FILE), 'a');
    }
    const init: DagValidatorInit = {
      committee: committeeOf(this.genesis),
      index: this.index,
      signingSeed: this.secrets.signingSeed,
      coinSecretShare: this.secrets.coinSecretShare,
      coinPublicKeys: coinPublicKeysOf(this.genesis),
      acceptsEntry: isBatchEntry,
      ...(recovered === undefined ? {} : { recovered }),
      signedLog: contents.records,
      config: { minRoundIntervalMs: this.config.roundIntervalMs ?? DEFAULT_ROUND_INTERVAL_MS },
    };
    this.core = dagProtocol.create(init);
    this.network = new ConsensusNetwork({
      self: this.index,
      signingSeed: this.secrets.signingSeed,
      listen: this.config.listen,
      peers: this.genesis.validators.map((v) => ({
        index: v.index,
        publicKey: Buffer.from(v.publicKey, 'hex'),
        address: v.address,
      })),
      observers: observerKeysOf(this.genesis),
      topics: gossipTopics(this.genesis.chainId, this.genesis.shardId),
      onMessage: (from, bytes) => this.onPeerBytes(from, bytes),
    });
    await this.network.start();
    this.gossip = new NodeGossip({
      host: this.network.host!,
      node: this,
      chain: { chainId: this.genesis.chainId, shardId: this.genesis.shardId },
      topics: gossipTopics(this.genesis.chainId, this.genesis.shardId),
      validatorKeys: committeeOf(this.genesis).members.map((m) => m.publicKey),
      observerKeys: observerKeysOf(this.genesis),
      now: this.now,
      log: this.log,
    });
    this.gossip.start();
    this.log.info(
      {
        height: head.height,
        sequence: this.appliedSequence,
        recovered: recovered !== undefined,
        signedRecords: contents.records.length,
        peerId: this.network.peerId,
      },
      'node started',
    );
    this.metrics.height.set(head.height);
    this.apply(this.core.handle({ kind: 'start' }, this.now()));
    this.snapshotTimer = setInterval(() => this.writeSnapshotIfSettled(), SNAPSHOT_INTERVAL_MS);
    this.expiryTimer = setInterval(() => {
      const now = this.now();
      this.mempool.expire(now);
      for (const [hash, at] of this.submittedAt) if (now - at > 120_000) this.submittedAt.delete(hash);
    }, 10_000);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    if (this.snapshotTimer !== null) clearInterval(this.snapshotTimer);
    if (this.snapshotRetry !== null) clearTimeout(this.snapshotRetry);
    if (this.expiryTimer !== null) clearInterval(this.expiryTimer);
    this.gossip?.stop();
    await this.network.stop();
    while (this.applying) await new Promise((resolve) => setTimeout(resolve, 5));
    this.writeSnapshotIfSettled();
    await this.store.close();
    this.signedLog?.close();
    if (this.sentCapture !== null) closeSync(this.sentCapture);
  }

  /** Admits a client's signed transaction (typed NodeError when refused) and hands it to consensus. */
  submit(bytes: Uint8Array): { hash: string } {
    const hash = toHex(this.admit(bytes).hash);
    this.propose(hash, bytes);
    return { hash };
  }

  /** The mempool's checks alone (typed NodeError when refused); gossip decides when to propose. */
  admit(bytes: Uint8Array): AdmittedTransaction {
    const admitted = this.mempool.admit(
      bytes,
      { get: (k) => this.store.getState(k), set() {}, delete() {} },
      this.now(),
    );
    this.metrics.mempoolSize.set(this.mempool.size);
    return admitted;
  }

  /** Puts an admitted transaction into this validator's next batch. */
  propose(hash: string, bytes: Uint8Array): void {
    this.submittedAt.set(hash, this.now());
    this.feed.push(bytes);
    if (!this.feedScheduled) {
      this.feedScheduled = true;
      setImmediate(() => this.flushFeed());
    }
  }

  peers(): number[] {
    return this.network.connectedPeers();
  }

  consensusCounters() {
    return this.network.counters;
  }

  get lastAppliedSequence(): number {
    return this.appliedSequence;
  }

  private flushFeed(): void {
    this.feedScheduled = false;
    if (this.stopped || this.feed.length === 0) return;
    // One marker per interval is enough for block time, and each is stored in block evidence.
    const now = this.now();
    const marker = now - this.lastMarkerAtMs >= MARKER_INTERVAL_MS;
    if (marker) this.lastMarkerAtMs = now;
    const transactions = marker ? [timeMarker(now), ...this.feed] : this.feed;
    this.feed = [];
    this.apply(this.core.handle({ kind: 'transactions', transactions }, this.now()));
  }

  private onPeerBytes(from: number, bytes: Uint8Array): void {
    if (this.stopped) return;
    let message: DagMessage;
    try {
      message = dagProtocol.decodeMessage(bytes);
    } catch {
      this.metrics.badMessages.inc();
      return;
    }
    this.metrics.messagesIn.inc();
    this.apply(this.core.handle({ kind: 'message', from, message }, this.now()));
  }

  /**
   * Every signature of a list is on disk before anything of the list is carried out, and so is
   * every record of an earlier list. The sync runs off the event loop; lists that arrive during
   * one wait for the next, which covers all of them (group commit).
   */
  private apply(effects: ConsensusEffect<DagMessage>[]): void {
    const records: Uint8Array[] = [];
    for (const effect of effects) if (effect.kind === 'persist-signed') records.push(effect.record);
    if (records.length === 0 && this.heldEffects.length === 0) {
      this.carryOut(effects);
      return;
    }
    if (records.length > 0) {
      this.signedLog!.write(records);
      this.recordBatchesWritten++;
    }
    this.heldEffects.push({ effects, written: this.recordBatchesWritten });
    this.syncSignedLog();
  }

  private syncSignedLog(): void {
    if (this.signedLogSyncing || this.stopped) return;
    this.signedLogSyncing = true;
    const covered = this.recordBatchesWritten;
    const startedAt = performance.now();
    this.signedLog!.sync().then(
      () => {
        this.metrics.signedLogSync.observe((performance.now() - startedAt) / 1000);
        this.signedLogSyncing = false;
        if (this.stopped) return;
        while (this.heldEffects.length > 0 && this.heldEffects[0]!.written <= covered) {
          this.carryOut(this.heldEffects.shift()!.effects);
        }
        if (this.heldEffects.length > 0) this.syncSignedLog();
      },
      (error: unknown) => {
        this.signedLogSyncing = false;
        if (this.stopped) return;
        // Sending what may not be on disk could make this validator contradict itself later.
        this.log.error({ error: String(error) }, 'syncing the signed log failed; stopping');
        void this.stop();
      },
    );
  }

  private carryOut(effects: ConsensusEffect<DagMessage>[]): void {
    for (const effect of effects) {
      switch (effect.kind) {
        case 'send': {
          const bytes = dagProtocol.encodeMessage(effect.message);
          this.capture(effect.message, bytes);
          this.network.send(effect.to, bytes);
          break;
        }
        case 'broadcast': {
          const bytes = dagProtocol.encodeMessage(effect.message);
          this.capture(effect.message, bytes);
          this.network.broadcast(bytes);
          break;
        }
        case 'persist-signed':
          break;
        case 'timer': {
          const existing = this.timers.get(effect.name);
          if (existing !== undefined) clearTimeout(existing);
          const name = effect.name;
          this.timers.set(
            name,
            setTimeout(
              () => {
                this.timers.delete(name);
                if (!this.stopped) this.apply(this.core.handle({ kind: 'timer', name }, this.now()));
              },
              Math.max(0, effect.atMs - this.now()),
            ),
          );
          break;
        }
        case 'commit':
          this.metrics.round.set(effect.batch.round);
          this.commitQueue.push(effect.batch);
          break;
      }
    }
    if (this.commitQueue.length > 0 && !this.applying) void this.drainCommits();
  }

  private async drainCommits(): Promise<void> {
    this.applying = true;
    try {
      for (;;) {
        while (this.commitQueue.length > 0 && this.commitQueue[0]!.sequence <= this.appliedSequence) {
          this.commitQueue.shift();
        }
        const cut = blockCut(this.commitQueue);
        if (cut === 0) break;
        const batches = this.commitQueue.splice(0, cut);
        await this.applyBatches(batches);
        this.appliedSequence = batches[batches.length - 1]!.sequence;
      }
    } catch (error) {
      this.log.error({ error: String(error) }, 'applying a committed batch failed; stopping');
      void this.stop();
    } finally {
      this.applying = false;
    }
  }

  /** Executes the batches of one cut as one block (none when they hold no transaction). */
  private async applyBatches(batches: readonly CommittedBatch[]): Promise<void> {
    const markers: number[] = [];
    const transactions: Transaction[] = [];
    const inBlock = new WeakSet<Uint8Array>();
    for (const bytes of batches.flatMap((b) => b.transactions)) {
      const marker = readTimeMarker(bytes);
      if (marker !== null) {
        markers.push(marker);
        continue;
      }
      try {
        transactions.push(decodeTransaction(bytes, ed25519Scheme));
        inBlock.add(bytes);
      } catch {
        // Undecodable bytes cannot be a transaction at any node: all skip them alike.
        this.metrics.badTransactions.inc();
      }
    }
    if (transactions.length === 0) return;
    const previous = this.store.headBlockHeader;
    const block = await this.store.append(transactions, {
      timestampMs: blockTime(previous.timestampMs, markers),
      randomness: batches[batches.length - 1]!.randomness,
      evidence: encodeBlockEvidence(batches, (entry) => inBlock.has(entry)),
      epoch: previous.epoch,
      // Transactions admitted here had their signature checked then; the rest are checked now.
      alreadyVerified: (hash) => this.submittedAt.has(hash),
    });
    const now = this.now();
    for (const hash of block.txHashes) {
      this.mempool.committed(hash);
      const id = toHex(hash);
      const at = this.submittedAt.get(id);
      if (at !== undefined) {
        this.metrics.commitLatency.observe((now - at) / 1000);
        this.submittedAt.delete(id);
      }
    }
    this.metrics.height.set(block.header.height);
    this.metrics.blocks.inc();
    this.metrics.committedTransactions.inc(block.receipts.filter((r) => r.ok).length);
    this.metrics.refusedTransactions.inc(block.receipts.filter((r) => !r.ok).length);
    this.metrics.mempoolSize.set(this.mempool.size);
    this.emit('block', block);
  }

  private writeSnapshotIfSettled(): void {
    if (this.applying || this.commitQueue.length > 0) return;
    if (this.heldEffects.length > 0) {
      // Held lists may carry commits the core counts as delivered and the ledger has not seen.
      // They wait for one sync only: try again soon, or the log would grow until a quiet tick.
      this.snapshotRetry ??= setTimeout(() => {
        this.snapshotRetry = null;
        if (!this.stopped) this.writeSnapshotIfSettled();
      }, SNAPSHOT_RETRY_MS);
      return;
    }
    const path = join(this.config.dataDir, SNAPSHOT_FILE);
    const temporary = `${path}.tmp`;
    writeFileSync(temporary, this.core.snapshot(), { flush: true });
    renameSync(temporary, path);
    // The rename must be durable before the records it covers go: sync the folder, then empty
    // the log. Nothing runs in between (all synchronous), so no record is lost in the gap.
    const folder = openSync(this.config.dataDir, 'r');
    try {
      fsyncSync(folder);
    } finally {
      closeSync(folder);
    }
    this.signedLog?.reset();
  }

  /** Test capture of signed statements (see SENT_CAPTURE_ENV), written before they are sent. */
  private capture(message: DagMessage, bytes: Uint8Array): void {
    if (this.sentCapture === null || (message.type !== 'header' && message.type !== 'vote')) return;
    const frame = Buffer.allocUnsafe(4 + bytes.length);
    frame.writeUInt32BE(bytes.length, 0);
    frame.set(bytes, 4);
    writeSync(this.sentCapture, frame);
  }
}

/**
 * How many batches from the front of the queue make the next block, or 0 while the decision they
 * belong to is still incomplete. The rule reads only the ordered batches themselves (where each
 * decision ends, how many batches and transactions), so every validator cuts the same blocks
 * whatever its timing, and a block per decision rather than per batch keeps the fixed cost of a
 * block (hashing, an fsync, announcing it) from bounding throughput.
 */
export function blockCut(queue: readonly CommittedBatch[]): number {
  let transactions = 0;
  let evidenceBytes = 0;
  let batchBytes = queue.length > 0 ? evidenceBytesOf(queue[0]!) : 0;
  for (let i = 0; i < queue.length; i++) {
    const batch = queue[i]!;
    transactions += batch.transactions.length;
    evidenceBytes += batchBytes;
    const next = queue[i + 1];
    batchBytes = next === undefined ? 0 : evidenceBytesOf(next);
    if (
      batch.endsCommit ||
      i + 1 >= MAX_BATCHES_PER_BLOCK ||
      transactions >= MAX_TRANSACTIONS_PER_BLOCK ||
      (next !== undefined && evidenceBytes + batchBytes > MAX_EVIDENCE_BYTES_PER_BLOCK)
    ) {
      return i + 1;
    }
  }
  return 0;
}

/** An upper bound on a batch's share of block evidence: its certificate, layout and markers. */
function evidenceBytesOf(batch: CommittedBatch): number {
  let bytes = batch.evidence.length + 32;
  for (const entry of batch.transactions) if (readTimeMarker(entry) !== null) bytes += entry.length + 8;
  return bytes;
}

/** What a validator votes for: time markers and transactions that decode (signatures come later). */
function isBatchEntry(entry: Uint8Array): boolean {
  if (readTimeMarker(entry) !== null) return true;
  try {
    decodeTransaction(entry, ed25519Scheme);
    return true;
  } catch {
    return false;
  }
}
