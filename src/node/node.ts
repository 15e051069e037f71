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
import type { EquivocationProof } from '../consensus/dag/index.js';
import type { ConsensusCore } from '../consensus/interface.js';
import type { FetchMessage } from '../consensus/pbft/index.js';
import { toHex } from '../crypto/hash.js';
import { ed25519Scheme } from '../crypto/scheme.js';
import type { Application } from '../ledger/application.js';
import type { ExecutedBlock } from '../ledger/chain-state.js';
import { LedgerStore, type StoredBlock } from '../ledger/store.js';
import { ConsensusNetwork } from '../network/consensus-network.js';
import { NetworkError } from '../network/errors.js';
import { gossipTopics } from '../network/host.js';
import { newcomersOf, readCommittee, readCommitteeOfEpoch } from '../roles/committee-state.js';
import { memberSecretShare } from '../roles/dkg-member.js';
import { dkgOutcome } from '../roles/dkg-outcome.js';
import type { HandoverElections } from '../roles/election.js';
import { readCoinSession } from '../roles/handover.js';
import type { EpochCoreRequest } from '../validator/epochs.js';
import { decodeEpochSnapshot, EpochValidator } from '../validator/epochs.js';
import type { AdmittedTransaction } from '../validator/mempool.js';
import { Validator } from '../validator/validator.js';
import { CatchUpStoreFailure, catchUpFromPeers, type OrderedPoint, orderedThroughOf } from './catch-up.js';
import { DEFAULT_CATCH_UP_AFTER_BATCHES, type NodeConfig } from './config.js';
import { EpochFollower } from './epoch-follower.js';
import { decodeEpochMessage, encodeEpochMessage } from './epoch-wire.js';
import type { EpochSigners } from './finality.js';
import { chainParametersOf, committeeOf, type GenesisFile, observerKeysOf } from './genesis-file.js';
import { chainNodesOf, handsOver } from './genesis-handover.js';
import { NodeGossip } from './gossip.js';
import type { RootBeacon } from './master-beacon.js';
import { NodeMetrics } from './metrics.js';
import { type NodeEffect, NodeEffectLoop } from './node-loop.js';
import { type EpochCoin, type NodeProtocol, nodeProtocolOf } from './node-protocol.js';
import { PbftLedgerFetch } from './pbft-ledger-fetch.js';
import { getPeerJson } from './peer-http.js';
import { SignedLogFile } from './signed-log-file.js';
import { EQUIVOCATION_DELAY_MS, Equivocator, type TestFaults, testFaultsFromEnv } from './test-faults.js';

export interface NodeSecrets {
  readonly signingSeed: Uint8Array;
  /** The DAG's threshold-coin share; a PBFT validator has none. */
  readonly coinSecretShare?: Uint8Array;
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
 * Tests only: when set, every message carrying a statement this validator signed (DAG headers and
 * votes; PBFT pre-prepares, prepares, commits, view-changes and new-views) is also appended to
 * SENT_CAPTURE_FILE in its data folder, so a test can check what it signed across kills.
 */
const SENT_CAPTURE_ENV = 'GRIDSHARD_TEST_SENT_CAPTURE';
const SENT_CAPTURE_FILE = 'sent-capture.bin';
const DEFAULT_ROUND_INTERVAL_MS = 10;
const SNAPSHOT_INTERVAL_MS = 1000;
const SNAPSHOT_RETRY_MS = 20;
/** The least time between two in-process copies of final blocks (a peer may not be ready yet). */
const RESYNC_INTERVAL_MS = 10_000;
/** How long an admission is remembered for the commit-latency metric. */
const LATENCY_WINDOW_MS = 120_000;

/**
 * The validator shell: the sans-IO validator (src/validator: consensus, mempool, block cut,
 * execution) carried out with real timers, libp2p, the signed log file and the LevelDB ledger.
 * The consensus protocol is the one genesis names (DAG or PBFT); the shell only carries its
 * messages, timers and signed records, which both protocols emit through the same effects.
 * Effects are carried out, in the order the validator returns them, by the shared effect loop
 * (node-loop.ts): messages over libp2p, timers on the wall clock. What stays here is the rest:
 * the durable writes it asks for (signed records, blocks) are answered with an input when they
 * are on disk.
 *
 * Crash recovery: the ledger is the source of truth. Each block records the consensus sequence
 * it came from, so decisions the ledger already holds are recognised after a restart and not
 * applied twice; the consensus snapshot is written only when the validator says it is settled
 * (every delivered batch in a durable block). What the core signs between two snapshots is kept
 * in the signed log, synced before it is sent, and replayed on restart.
 */
export class GridShardNode extends EventEmitter<NodeEvents> {
  readonly metrics: NodeMetrics;
  private validator!: Validator<unknown> | EpochValidator<unknown>;
  /**
   * On a chain whose committee hands over (genesis `handover`): the validator across epochs, the
   * same object as `validator`. Null on a chain with a fixed committee.
   */
  private epochValidator: EpochValidator<unknown> | null = null;
  /** A node outside the current committee copies final blocks from the members (epoch-follower.ts). */
  private follower: EpochFollower | null = null;
  /** The last epoch whose first commit this node noted (the metric above). */
  private firstCommitEpoch = 0;
  /** Batch proofs of blocks taken from peers, written beside each block. */
  private readonly followedProofs = new Map<number, Uint8Array>();
  /** Whether the committee hands over (the validator runs across epochs). */
  readonly epochs: boolean;
  /** Every node of the chain (validators, then standby nodes), by its stable index. */
  private readonly nodes: ReturnType<typeof chainNodesOf>;
  private core: ConsensusCore<unknown> | null = null;
  private readonly faults: TestFaults = testFaultsFromEnv(process.env);
  private equivocator: Equivocator | null = null;
  private network!: ConsensusNetwork;
  private loop!: NodeEffectLoop;
  private gossip: NodeGossip | null = null;
  private feed: AdmittedTransaction[] = [];
  private feedScheduled = false;
  /** Hashes (hex) of transactions admitted here and not yet committed, with their admission time. */
  private readonly submittedAt = new Map<string, number>();
  private snapshotTimer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private signedLog: SignedLogFile | null = null;
  /** Tickets written to the signed log and not yet covered by a sync. */
  private signedWritten = 0;
  private signedLogSyncing = false;
  /** Block writes handed to the store and not yet finished. */
  private writesInFlight = 0;
  private snapshotRetry: NodeJS.Timeout | null = null;
  private sentCapture: number | null = null;
  /** PBFT only: answers peers' fetches for decisions older than the core keeps, from the ledger. */
  private ledgerFetch: PbftLedgerFetch | null = null;
  /** True while the core is replaced after a copy of final blocks (checkReach). */
  private resyncing = false;
  private lastResyncAt = Number.NEGATIVE_INFINITY;
  /** The last message found too large for a frame, so a broadcast of it is reported once. */
  private oversized: Uint8Array | null = null;
  readonly index: number;
  /** The cross-zone relay of a zone shard validator (run-node.ts sets it), reached through the API. */
  crossRelay?: { receiveShare(trade: string, share: string): boolean };
  /** The master beacons of a sharded system's cycles (sharding-roles.ts sets them). */
  masterBeacon?: RootBeacon;
  /** Across epochs: the elections this node computes from its chain (run-node.ts sets them). */
  handover?: HandoverElections;

  private constructor(
    readonly config: NodeConfig,
    readonly genesis: GenesisFile,
    readonly store: LedgerStore,
    private readonly secrets: NodeSecrets,
    private readonly protocol: NodeProtocol<unknown>,
    private readonly log: NodeLogger,
    private readonly now: () => number,
  ) {
    super();
    this.nodes = chainNodesOf(genesis);
    this.epochs = handsOver(genesis);
    if (config.validatorIndex === undefined || config.validatorIndex >= this.nodes.length) {
      throw new Error('a validator node needs a validatorIndex present in genesis');
    }
    this.index = config.validatorIndex;
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
    // Checked before anything is opened: a DAG validator without its coin share stops here.
    const protocol = nodeProtocolOf(genesis, {
      ...(secrets.coinSecretShare === undefined ? {} : { coinSecretShare: secrets.coinSecretShare }),
      minRoundIntervalMs: config.roundIntervalMs ?? DEFAULT_ROUND_INTERVAL_MS,
      ...(config.retainedBatches === undefined ? {} : { retainedBatches: config.retainedBatches }),
    });
    mkdirSync(config.dataDir, { recursive: true });
    const ledgerDir = join(config.dataDir, 'ledger');
    let store = existsSync(ledgerDir)
      ? await LedgerStore.open(ledgerDir, application)
      : await LedgerStore.create(ledgerDir, chainParametersOf(genesis), application);
    const startHeight = store.head.height;
    const skip = new Set<number>();
    const attempts = chainNodesOf(genesis).length;
    for (let attempt = 0; attempt < attempts; attempt++) {
      try {
        await GridShardNode.catchUp(config, genesis, store, protocol, log, skip);
        break;
      } catch (error) {
        if (!(error instanceof CatchUpStoreFailure)) throw error;
        // The bad block was not written, but the store's memory ran ahead of its disk: reopen it
        // and go on from what was copied, without that peer.
        log.warn({ peer: error.peer, error: error.message }, 'a peer served a block that is not final');
        skip.add(error.peer);
        await store.close();
        store = await LedgerStore.open(ledgerDir, application);
      }
    }
    // Whatever was copied, in this attempt or an earlier one, the core must not order again.
    const orderedThrough = store.head.height > startHeight ? orderedThroughOf(store) : undefined;
    const node = new GridShardNode(config, genesis, store, secrets, protocol, log, now);
    node.metrics.copiedBlocks.inc({ when: 'start' }, store.head.height - startHeight);
    await node.boot(orderedThrough);
    return node;
  }

  /**
   * Before consensus starts: copies final blocks from peers when this validator's snapshot is
   * behind their final head (catch-up.ts); the caller then starts the core after the ledger's
   * head.
   */
  private static async catchUp(
    config: NodeConfig,
    genesis: GenesisFile,
    store: LedgerStore,
    protocol: NodeProtocol<unknown>,
    log: NodeLogger,
    skip: ReadonlySet<number>,
  ): Promise<void> {
    if (protocol.replayableThrough === undefined || config.validatorIndex === undefined) return;
    const snapshotPath = join(config.dataDir, SNAPSHOT_FILE);
    const snapshot = existsSync(snapshotPath) ? new Uint8Array(readFileSync(snapshotPath)) : undefined;
    const result = await catchUpFromPeers({
      store,
      genesis,
      self: config.validatorIndex,
      get: getPeerJson,
      ...replayable(protocol, snapshot, handsOver(genesis)),
      minGapBatches: config.catchUpAfterBatches ?? DEFAULT_CATCH_UP_AFTER_BATCHES,
      log,
      skip,
    });
    if (result !== null)
      log.info({ copied: result.copied, ...result.ordered }, 'copied final blocks from a peer');
  }

  get mempool(): { readonly size: number } {
    return this.validator.mempool;
  }

  private async boot(orderedThrough?: OrderedPoint): Promise<void> {
    const head = this.store.headBlockHeader;
    if (process.env[SENT_CAPTURE_ENV] === '1') {
      this.sentCapture = openSync(join(this.config.dataDir, SENT_CAPTURE_FILE), 'a');
    }
    const protocol = this.protocol;
    if (this.faults.delayMs > 0 || this.faults.equivocate)
      this.log.warn({ ...this.faults }, 'TEST FAULTS ON: this validator misbehaves on purpose');
    if (this.faults.equivocate && protocol.name === 'dag')
      this.equivocator = new Equivocator(this.index, committeeOf(this.genesis), this.secrets.signingSeed);
    const { recovered, signedRecords } = this.createConsensus(orderedThrough);
    if (protocol.name === 'pbft')
      this.ledgerFetch = new PbftLedgerFetch({
        store: this.store,
        committee: committeeOf(this.genesis),
        index: this.index,
        signingSeed: this.secrets.signingSeed,
        lastExecuted: () => this.validator.lastExecutedSequence,
        send: (to, decided) => {
          if (!this.stopped) this.transmit(to, protocol.encode(decided));
        },
        log: this.log,
      });
    this.network = new ConsensusNetwork({
      self: this.index,
      signingSeed: this.secrets.signingSeed,
      listen: this.config.listen,
      peers: this.nodes.map((v) => ({
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
      // Across epochs any node of the chain may be a member: each may attest and announce blocks.
      validatorKeys: this.nodes.map((v) => Buffer.from(v.publicKey, 'hex')),
      observerKeys: observerKeysOf(this.genesis),
      now: this.now,
      log: this.log,
      finality: {
        committee: committeeOf(this.genesis),
        ...(this.epochValidator === null ? {} : { committeeOf: (epoch: number) => this.epochSigners(epoch) }),
        signingSeed: this.secrets.signingSeed,
        store: this.store,
      },
    });
    this.gossip.start();
    this.log.info(
      {
        height: head.height,
        sequence: this.validator.lastExecutedSequence,
        recovered,
        signedRecords,
        peerId: this.network.peerId,
        consensus: protocol.name,
      },
      'node started',
    );
    this.metrics.height.set(head.height);
    this.loop.feed({ kind: 'start' });
    if (this.epochValidator !== null) this.startFollower();
    this.snapshotTimer = setInterval(() => {
      this.writeSnapshotIfSettled();
      this.checkReach();
    }, SNAPSHOT_INTERVAL_MS);
    this.expiryTimer = setInterval(() => {
      const now = this.now();
      this.validator.expire(now);
      for (const [hash, at] of this.submittedAt)
        if (now - at > LATENCY_WINDOW_MS) this.submittedAt.delete(hash);
    }, 10_000);
  }

  /**
   * The validator, its consensus core and the effect loop, from the snapshot file and the signed
   * log as they are on disk: at boot, and again after a copy of final blocks while running.
   */
  private createConsensus(orderedThrough: OrderedPoint | undefined): {
    recovered: boolean;
    signedRecords: number;
  } {
    const snapshotPath = join(this.config.dataDir, SNAPSHOT_FILE);
    const recovered = existsSync(snapshotPath) ? new Uint8Array(readFileSync(snapshotPath)) : undefined;
    const { file: signedLog, contents } = SignedLogFile.open(join(this.config.dataDir, SIGNED_LOG_FILE));
    this.signedLog = signedLog;
    if (contents.discardedBytes > 0) {
      this.log.warn({ bytes: contents.discardedBytes }, 'dropped the torn tail of the signed log');
    }
    const protocol = this.protocol;
    if (this.epochs) {
      this.createEpochConsensus(recovered, contents.records, orderedThrough);
      return { recovered: recovered !== undefined, signedRecords: contents.records.length };
    }
    this.validator = new Validator<unknown>({
      chain: this.store.chain,
      createCore: (acceptsEntry) => {
        this.core = protocol.createCore(
          {
            committee: committeeOf(this.genesis),
            index: this.index,
            signingSeed: this.secrets.signingSeed,
            ...(recovered === undefined ? {} : { recovered }),
            signedLog: contents.records,
          },
          acceptsEntry,
          orderedThrough?.sequence,
        );
        return this.core;
      },
    });
    this.loop = new NodeEffectLoop({
      index: this.index,
      identities: this.genesis.validators.length,
      validator: this.validator,
      clock: this.now,
      encode: (message) => {
        const bytes = protocol.encode(message);
        this.capture(message, bytes);
        if (this.equivocator !== null) this.sendTwin(this.equivocator.twinOf(message, this.now()));
        return bytes;
      },
      send: (to, bytes) => this.transmit(to, bytes),
      effect: (effect) => this.carryOut(effect),
    });
    return { recovered: recovered !== undefined, signedRecords: contents.records.length };
  }

  /**
   * The validator across epochs: one core per epoch, each with its epoch's committee and coin
   * keys, messages tagged with their epoch, addressed to nodes by their stable index.
   */
  private createEpochConsensus(
    recovered: Uint8Array | undefined,
    signedLog: readonly Uint8Array[],
    orderedThrough: OrderedPoint | undefined,
  ): void {
    const nodeOfKey = new Map(this.nodes.map((node) => [node.publicKey, node.index]));
    const epochValidator = new EpochValidator<unknown>({
      chain: this.store.chain,
      publicKey: ed25519Scheme.publicKeyFromSeed(this.secrets.signingSeed),
      addressOf: (key) => nodeOfKey.get(toHex(key)),
      committeeOf: readCommittee,
      createCore: (request) => {
        this.core = this.protocol.createCore(
          {
            committee: request.committee,
            index: request.index,
            signingSeed: this.secrets.signingSeed,
            ...(request.recovered === undefined ? {} : { recovered: request.recovered }),
            signedLog: request.signedLog ?? [],
          },
          request.acceptsEntry,
          request.orderedThrough,
          { ...this.epochCoinOf(request), newcomers: newcomersOf(request.state, request.committee) },
        );
        return this.core;
      },
      ...(recovered === undefined ? {} : { recovered }),
      ...(orderedThrough === undefined ? {} : { orderedThrough }),
      signedLog,
    });
    this.validator = this.epochValidator = epochValidator;
    const protocol = this.protocol;
    const core = {
      handle: (input: { kind: string }, nowMs: number) => {
        if (input.kind !== 'follow') return epochValidator.handle(input as never, nowMs);
        const { block } = input as unknown as { block: ExecutedBlock };
        try {
          return epochValidator.follow(block, nowMs);
        } catch (error) {
          this.followedProofs.delete(block.header.height);
          this.log.warn(
            { height: block.header.height, error: String(error) },
            'a followed block was not taken',
          );
          return [];
        }
      },
    };
    this.loop = new NodeEffectLoop({
      index: this.index,
      identities: this.nodes.length,
      validator: core as never,
      clock: this.now,
      encode: (message) => {
        const tagged = message as { epoch: number; message: unknown };
        if (this.equivocator !== null && tagged.epoch === 0)
          this.sendTwin(this.equivocator.twinOf(tagged.message, this.now()));
        return encodeEpochMessage(tagged, (inner) => protocol.encode(inner));
      },
      send: (to, bytes) => this.transmit(to, bytes),
      effect: (effect) => this.carryOut(effect),
    });
  }

  /**
   * An epoch's coin: the keys its committee generated on the chain (the session the chain
   * recorded for the epoch), this member's share summed from the dealings sealed to it; none for
   * the genesis epoch, whose keys genesis dealt.
   */
  private epochCoinOf(request: EpochCoreRequest): { coin?: EpochCoin } {
    const session = readCoinSession(request.state, request.committee.epoch);
    if (session === null) return {};
    const coin = {
      secretShare: memberSecretShare(request.state, session, {
        chainId: this.genesis.chainId,
        member: request.index,
        seed: this.secrets.signingSeed,
      }),
      publicKeys: dkgOutcome(request.state, session).publicKeys,
    };
    return { coin };
  }

  /**
   * The committee that ordered `epoch`'s blocks, from the chain's state (the current one or one
   * it kept at a handover), and this node's index in it; null for an epoch the chain has not
   * reached here yet.
   */
  private epochSigners(epoch: number): EpochSigners | null {
    const view = this.store.committed;
    const committee = readCommitteeOfEpoch({ get: (key) => view.getState(key) }, epoch);
    if (committee === null) return null;
    const index = committee.members.findIndex(
      (m) => toHex(m.publicKey) === this.nodes[this.index]!.publicKey,
    );
    return { committee, index: index < 0 ? null : index };
  }

  /** While this node is outside the committee it takes final blocks from the members. */
  private startFollower(): void {
    // A copy of final blocks while running replaces the validator: always ask the current one.
    const epochs = () => this.epochValidator!;
    this.follower = new EpochFollower({
      nodes: this.nodes,
      self: this.index,
      chainId: this.genesis.chainId,
      store: this.store,
      place: () => ({ committee: epochs().committee, member: epochs().memberIndex !== null }),
      resign: () => epochs().resync(),
      now: this.now,
      get: getPeerJson,
      take: (block, batchProofs) => {
        if (batchProofs !== undefined) this.followedProofs.set(block.header.height, batchProofs);
        this.loop.feed({ kind: 'follow', block } as never);
      },
      log: this.log,
    });
    this.follower.start();
  }

  /**
   * Every second: a DAG core whose peers no longer retain the batches it needs (f + 1 of them said
   * so, docs/CONSENSUS.md) would wait forever for a state sync they cannot serve. It is replaced:
   * the node copies final blocks as at a restart and starts a new core after them.
   */
  private checkReach(): void {
    // Across epochs, the current epoch's core (none outside the committee, which follows instead).
    const core = (this.epochValidator === null ? this.core : this.epochValidator.core) as {
      beyondRetainedWindow?: boolean;
    } | null;
    if (this.stopped || this.resyncing || core?.beyondRetainedWindow !== true) return;
    if (this.now() - this.lastResyncAt < RESYNC_INTERVAL_MS) return;
    this.resyncing = true;
    this.lastResyncAt = this.now();
    this.resync().then(
      () => {
        this.resyncing = false;
      },
      (error: unknown) => {
        this.resyncing = false;
        this.log.error({ error: String(error) }, 'copying final blocks while running failed; stopping');
        void this.stop();
      },
    );
  }

  /**
   * The in-process version of a restart's catch-up. The old core stops first and everything it
   * wrote settles (blocks, the signed log, then a snapshot), so the new core starts from exactly
   * what is on disk, as after a restart: it signs nothing twice. Peers' messages are dropped in
   * between; transactions still in the old mempool are lost, and their clients send them again
   * (docs/API.md, acknowledgement contract).
   */
  private async resync(): Promise<void> {
    const before: OrderedPoint = {
      epoch: this.epochValidator?.epoch ?? 0,
      sequence: this.validator.lastExecutedSequence,
    };
    this.log.warn(before, 'peers no longer retain the batches this validator needs');
    this.loop.stop();
    // The follower feeds the loop and writes blocks too: it waits for the copy.
    this.follower?.stop();
    while ((this.writesInFlight > 0 || this.signedLogSyncing) && !this.stopped)
      await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.stopped) return;
    this.writeSnapshotNow();
    this.signedLog?.close();
    this.signedLog = null;
    let copied: number;
    try {
      const result = await catchUpFromPeers({
        store: this.store,
        genesis: this.genesis,
        self: this.index,
        get: getPeerJson,
        ordered: before,
        minGapBatches: 1,
        log: this.log,
      });
      copied = result?.copied ?? 0;
    } catch (error) {
      // The store's memory may have run ahead of its disk: only a restart reopens it.
      if (error instanceof CatchUpStoreFailure) {
        this.log.error({ peer: error.peer, error: error.message }, 'a peer served a block that is not final');
        await this.stop();
        return;
      }
      throw error;
    }
    if (this.stopped) return;
    this.metrics.copiedBlocks.inc({ when: 'running' }, copied);
    this.createConsensus(copied > 0 ? orderedThroughOf(this.store) : undefined);
    this.log.info(
      { copied, sequence: this.validator.lastExecutedSequence },
      'consensus restarted after the copied blocks',
    );
    this.metrics.height.set(this.store.head.height);
    this.loop.feed({ kind: 'start' });
    if (this.epochValidator !== null) this.startFollower();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.loop.stop();
    this.follower?.stop();
    if (this.snapshotTimer !== null) clearInterval(this.snapshotTimer);
    if (this.snapshotRetry !== null) clearTimeout(this.snapshotRetry);
    if (this.expiryTimer !== null) clearInterval(this.expiryTimer);
    this.gossip?.stop();
    await this.network.stop();
    while (this.writesInFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    this.writeSnapshotIfSettled();
    await this.store.close();
    this.signedLog?.close();
    if (this.sentCapture !== null) closeSync(this.sentCapture);
  }

  /** Admits a client's signed transaction (typed AdmissionError when refused) and hands it to consensus. */
  submit(bytes: Uint8Array): { hash: string } {
    const admitted = this.admit(bytes);
    // A node that orders nothing this epoch hands the transaction to the members by gossip.
    if (this.epochValidator !== null && this.epochValidator.memberIndex === null)
      this.gossip?.publishTransaction(bytes);
    else this.propose(admitted);
    return { hash: toHex(admitted.hash) };
  }

  /** The mempool's checks alone (typed AdmissionError when refused); gossip decides when to propose. */
  admit(bytes: Uint8Array): AdmittedTransaction {
    const admitted = this.validator.admit(bytes, this.now());
    this.metrics.mempoolSize.set(this.validator.mempool.size);
    return admitted;
  }

  /** Where this node stands in the committee now; absent while the committee is fixed (gossip.ts). */
  get committeePlace(): (() => { self: number | null; committeeSize: number }) | undefined {
    const epochs = this.epochValidator;
    if (epochs === null) return undefined;
    return () => ({ self: epochs.memberIndex, committeeSize: epochs.committee.members.length });
  }

  /** Puts an admitted transaction into this validator's next batch. */
  propose(admitted: AdmittedTransaction): void {
    this.submittedAt.set(toHex(admitted.hash), this.now());
    this.feed.push(admitted);
    if (!this.feedScheduled) {
      this.feedScheduled = true;
      setImmediate(() => this.flushFeed());
    }
  }

  /**
   * Proofs that a member signed two headers for one round, as the DAG core caught them (none
   * under PBFT, whose core keeps no such proofs).
   */
  equivocationProofs(): readonly EquivocationProof[] {
    // Across epochs, the retired epoch's core too: its proofs still convict after the handover.
    const cores =
      this.epochValidator === null ? [this.core] : this.epochValidator.cores.map(({ core }) => core);
    return cores.flatMap(
      (core) =>
        (core as { equivocations?: () => readonly EquivocationProof[] } | null)?.equivocations?.() ?? [],
    );
  }

  peers(): number[] {
    return this.network.connectedPeers();
  }

  consensusCounters() {
    return this.network.counters;
  }

  get lastAppliedSequence(): number {
    return this.validator.lastExecutedSequence;
  }

  private flushFeed(): void {
    this.feedScheduled = false;
    if (this.stopped || this.feed.length === 0) return;
    const transactions = this.feed;
    this.feed = [];
    this.loop.feed({ kind: 'propose', transactions });
  }

  private onPeerBytes(from: number, bytes: Uint8Array): void {
    if (this.stopped) return;
    let message: unknown;
    try {
      message = this.epochs
        ? decodeEpochMessage(bytes, (inner) => this.protocol.decode(inner))
        : this.protocol.decode(bytes);
    } catch {
      this.metrics.badMessages.inc();
      return;
    }
    this.metrics.messagesIn.inc();
    if (this.ledgerFetch !== null && (message as { type?: unknown }).type === 'fetch')
      this.ledgerFetch.onFetch(from, message as FetchMessage);
    this.loop.feed({ kind: 'message', from, message });
  }

  /** What the loop hands over; it carries out sends, broadcasts and timers itself. */
  private carryOut(effect: NodeEffect): void {
    switch (effect.kind) {
      case 'persist-signed':
        this.signedLog!.write(effect.records);
        this.signedWritten = effect.ticket;
        this.syncSignedLog();
        return;
      case 'ordered': {
        this.metrics.round.set(effect.batch.round);
        // How long a new committee took to commit: the round of its first leader (docs/ROLES.md).
        const epoch = (effect as { epoch?: number }).epoch;
        if (epoch !== undefined && epoch > this.firstCommitEpoch && effect.batch.endsCommit) {
          this.firstCommitEpoch = epoch;
          this.metrics.epochFirstCommitRound.set({ epoch: String(epoch) }, effect.batch.round);
        }
        return;
      }
      case 'write-block': {
        this.metrics.badTransactions.inc(effect.skippedEntries);
        const height = effect.block.header.height;
        const followed = this.followedProofs.get(height);
        this.followedProofs.delete(height);
        this.writeBlock(
          effect.block,
          effect.proof.length > 0 || followed === undefined ? effect.proof : followed,
        );
        return;
      }
    }
  }

  /**
   * A message larger than a consensus frame is dropped with a warning instead of stopping the
   * node: a PBFT view change carries every batch prepared in the window, which under load can
   * outgrow the frame limit. Its protocol retries (the view timer fires again) or moves on.
   */
  private transmit(to: number, bytes: Uint8Array): void {
    if (this.faults.delayMs > 0) {
      setTimeout(() => {
        if (!this.stopped) this.transmitNow(to, bytes);
      }, this.faults.delayMs);
      return;
    }
    this.transmitNow(to, bytes);
  }

  /** A test fault (test-faults.ts): the conflicting twin of an own header goes to every peer, later. */
  private sendTwin(twin: unknown): void {
    if (twin === null) return;
    setTimeout(() => {
      if (this.stopped) return;
      const bytes = this.epochs
        ? encodeEpochMessage({ epoch: 0, message: twin }, (inner) => this.protocol.encode(inner))
        : this.protocol.encode(twin);
      for (const v of this.genesis.validators) if (v.index !== this.index) this.transmitNow(v.index, bytes);
    }, EQUIVOCATION_DELAY_MS);
  }

  private transmitNow(to: number, bytes: Uint8Array): void {
    try {
      this.network.send(to, bytes);
    } catch (error) {
      if (!(error instanceof NetworkError) || error.code !== 'FRAME_TOO_LARGE') throw error;
      // A broadcast reaches here once per peer with the same bytes: one warning is enough.
      if (this.oversized === bytes) return;
      this.oversized = bytes;
      this.log.warn({ bytes: bytes.length }, 'a consensus message exceeds the frame limit; not sent');
    }
  }

  /**
   * One sync in flight covers every record written before it began; records written meanwhile
   * wait for the next one (group commit). Held messages go out when their ticket is covered.
   */
  private syncSignedLog(): void {
    if (this.signedLogSyncing || this.stopped) return;
    this.signedLogSyncing = true;
    const covered = this.signedWritten;
    const startedAt = performance.now();
    this.signedLog!.sync().then(
      () => {
        this.metrics.signedLogSync.observe((performance.now() - startedAt) / 1000);
        this.signedLogSyncing = false;
        if (this.stopped) return;
        // A core stopped for a resync still learns it, so it settles and its snapshot is written.
        if (this.resyncing) this.validator.handle({ kind: 'signed-durable', ticket: covered }, this.now());
        else this.loop.feed({ kind: 'signed-durable', ticket: covered });
        if (this.signedWritten > covered) this.syncSignedLog();
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

  /** The store writes blocks in the order they were handed over; each is announced once on disk. */
  private writeBlock(block: ExecutedBlock, batchProofs: Uint8Array): void {
    this.writesInFlight++;
    this.store.commit(block, { batchProofs }).then(
      (stored) => {
        this.writesInFlight--;
        const durable = { kind: 'block-durable', height: stored.header.height } as const;
        // Told even when stopping (the loop takes no input then), so the final snapshot sees the
        // block as durable; the validator answers it with no effect.
        if (this.stopped || this.resyncing) this.validator.handle(durable, this.now());
        else this.loop.feed(durable);
        this.blockWritten(stored);
      },
      (error: unknown) => {
        this.writesInFlight--;
        this.log.error({ error: String(error) }, 'writing a committed block failed; stopping');
        void this.stop();
      },
    );
  }

  private blockWritten(block: StoredBlock): void {
    const now = this.now();
    for (const hash of block.txHashes) {
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
    this.metrics.mempoolSize.set(this.validator.mempool.size);
    this.emit('block', block);
  }

  /** Before a resync: the stopped core's state, everything it wrote being settled. */
  private writeSnapshotNow(): void {
    const snapshot = this.validator.snapshot();
    if (snapshot !== null) this.persistSnapshot(snapshot);
  }

  private writeSnapshotIfSettled(): void {
    // The stopped core's snapshot is written once, by the resync; the next core's after it.
    if (this.resyncing) return;
    const snapshot = this.signedLogSyncing ? null : this.validator.snapshot();
    if (snapshot === null) {
      // Unsettled only while a block or a sync is under way: try again soon, or the signed log
      // would grow until a quiet tick.
      this.snapshotRetry ??= setTimeout(() => {
        this.snapshotRetry = null;
        if (!this.stopped) this.writeSnapshotIfSettled();
      }, SNAPSHOT_RETRY_MS);
      return;
    }
    this.persistSnapshot(snapshot);
  }

  private persistSnapshot(snapshot: Uint8Array): void {
    const path = join(this.config.dataDir, SNAPSHOT_FILE);
    const temporary = `${path}.tmp`;
    writeFileSync(temporary, snapshot, { flush: true });
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
  private capture(message: unknown, bytes: Uint8Array): void {
    if (this.sentCapture === null || !this.protocol.isSignedStatement(message)) return;
    const frame = Buffer.allocUnsafe(4 + bytes.length);
    frame.writeUInt32BE(bytes.length, 0);
    frame.set(bytes, 4);
    writeSync(this.sentCapture, frame);
  }
}

/**
 * Where a core restored from the snapshot file stands (catch-up.ts copies from there): across
 * epochs the file holds the epoch and its core's snapshot, empty outside the committee.
 */
function replayable(
  protocol: NodeProtocol<unknown>,
  snapshot: Uint8Array | undefined,
  acrossEpochs: boolean,
): { ordered: OrderedPoint } {
  const through = (core: Uint8Array | undefined) => protocol.replayableThrough?.(core) ?? -1;
  if (!acrossEpochs || snapshot === undefined) return { ordered: { epoch: 0, sequence: through(snapshot) } };
  const { epoch, core } = decodeEpochSnapshot(snapshot);
  return { ordered: { epoch, sequence: core.length === 0 ? -1 : through(core) } };
}
