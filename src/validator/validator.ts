import type { CommittedBatch, ConsensusCore, ConsensusEffect } from '../consensus/interface.js';
import type { ChainState, ExecutedBlock } from '../ledger/chain-state.js';
import type { CommittedView } from '../ledger/committed-view.js';
import type { SignedTransaction } from '../ledger/signed-transaction.js';
import { blockCut, fitOneBlock, MAX_CARRIED_BATCHES } from './block-cut.js';
import { EntryReader } from './entries.js';
import { decodeBlockEvidence, encodeBlockEvidence, encodeBlockProof } from './evidence.js';
import { type AdmittedTransaction, DEFAULT_MEMPOOL_LIMITS, Mempool, type MempoolLimits } from './mempool.js';
import { blockTime, timeMarker } from './time-marker.js';
import type { ValidatorEffect, ValidatorInput } from './types.js';

/** One marker per interval is enough for block time, and each is stored in block evidence. */
export const DEFAULT_MARKER_INTERVAL_MS = 100;
/**
 * The validator's own timer (consensus timers have other names): application work falls due.
 * While it stays due the validator proposes a lone time marker this often.
 */
export const DUE_TIMER = 'validator/due';
export const DUE_RETRY_MS = 1000;

export interface ValidatorOptions<Message> {
  /**
   * Builds the consensus core (either protocol). The validator hands it the check of what it may
   * vote for: batch entries this validator can read.
   */
  readonly createCore: (acceptsEntry: (entry: Uint8Array) => boolean) => ConsensusCore<Message>;
  /** The chain at its durable head: nothing executed and unwritten. */
  readonly chain: ChainState;
  readonly mempoolLimits?: MempoolLimits;
  readonly markerIntervalMs?: number;
  /**
   * The epoch of the core's committee, stamped on every block this validator executes (default:
   * the head block's). When it differs from the head's, the core starts the epoch: its order
   * begins at sequence 0 after the head.
   */
  readonly epoch?: number;
  /** The mempool to use (an epoch's validator takes over its predecessor's); default a new one. */
  readonly mempool?: Mempool;
  /**
   * True when an executed block closes the core's epoch (a committee handover): the validator
   * executes nothing after it, and what its core orders later belongs to no block.
   */
  readonly endsEpoch?: (block: ExecutedBlock) => boolean;
}

interface HeldEffect<Message> {
  readonly effect: ValidatorEffect<Message>;
  /** Released once the signed log is durable up to this ticket. */
  readonly ticket: number;
}

/**
 * One validator as a state machine with no I/O: the consensus core, the mempool in front of it,
 * and behind it the block cut and execution on the chain's working state. Inputs and effects are
 * plain data (types.ts); the libp2p node and the simulator are two shells that carry the effects
 * out, one with sockets, timers and LevelDB, the other with a seeded event queue and memory.
 *
 * Two durability rules live here, so both shells obey them alike:
 * - nothing this validator signed leaves before it is durable: messages and timers that follow a
 *   `persist-signed` effect are held until `signed-durable` comes back for its ticket;
 * - the consensus snapshot may be written only when every batch the core delivered is in a
 *   durable block (`snapshot()` returns null otherwise), so a restart never skips a decision.
 *   Decisions the chain already holds are recognised by their sequence and not executed twice.
 */
export class Validator<Message> {
  readonly mempool: Mempool;
  readonly index: number;
  private readonly core: ConsensusCore<Message>;
  private readonly entries: EntryReader;
  private readonly chain: ChainState;
  private readonly markerIntervalMs: number;
  private readonly orderedQueue: CommittedBatch[] = [];
  /**
   * Ordered batches without a transaction, waiting to ride in the next block's evidence (see
   * `executeReady`); the snapshot waits for them too.
   */
  private carried: CommittedBatch[] = [];
  /** Blocks executed and not yet durable, by height. */
  private readonly unwritten = new Map<number, ExecutedBlock>();
  private readonly held: HeldEffect<Message>[] = [];
  private executedSequence: number;
  /** The last sequence taken off the ordered queue, into a block or into `carried`. */
  private takenSequence: number;
  private view: CommittedView;
  private lastMarkerAtMs = Number.NEGATIVE_INFINITY;
  private ticketsIssued = 0;
  private ticketsDurable = 0;
  /** When the application's begin-block work next falls due, per the executed state. */
  private dueAtMs: number | null;
  /** The time the due timer is armed for (null: not armed). */
  private dueTimerAtMs: number | null = null;
  private readonly epoch: number;
  private readonly endsEpoch: ((block: ExecutedBlock) => boolean) | undefined;
  /** The block that closed this validator's epoch, once executed: nothing follows it here. */
  private closingBlock: ExecutedBlock | null = null;

  constructor(options: ValidatorOptions<Message>) {
    this.chain = options.chain;
    this.entries = new EntryReader(options.chain.scheme);
    this.core = options.createCore((entry) => this.entries.accepts(entry));
    this.index = this.core.index;
    this.mempool =
      options.mempool ??
      new Mempool(
        options.chain.scheme,
        { chainId: options.chain.params.chainId, shardId: options.chain.params.shardId },
        options.mempoolLimits ?? DEFAULT_MEMPOOL_LIMITS,
      );
    this.markerIntervalMs = options.markerIntervalMs ?? DEFAULT_MARKER_INTERVAL_MS;
    const head = options.chain.executedHeader;
    this.epoch = options.epoch ?? head.epoch;
    this.endsEpoch = options.endsEpoch;
    this.executedSequence =
      head.height > 0 && head.epoch === this.epoch ? decodeBlockEvidence(head.evidence).sequence : -1;
    this.takenSequence = this.executedSequence;
    this.view = options.chain.view();
    this.dueAtMs = options.chain.nextDueMs();
  }

  /** The last durable block and the state after it. */
  get committed(): CommittedView {
    return this.view;
  }

  /** The block that closed this validator's epoch, or null while the epoch goes on. */
  get closedBy(): ExecutedBlock | null {
    return this.closingBlock;
  }

  /** The last consensus sequence executed into a block. */
  get lastExecutedSequence(): number {
    return this.executedSequence;
  }

  /**
   * The mempool's checks against the durable state (a typed AdmissionError when refused). An
   * admitted transaction still has to be proposed (`propose` input) to reach consensus.
   */
  admit(bytes: Uint8Array, nowMs: number): AdmittedTransaction {
    const admitted = this.mempool.admit(bytes, { get: (key) => this.view.getState(key) }, nowMs);
    this.entries.remember(admitted);
    return admitted;
  }

  /** Forgets admitted transactions that waited too long (their senders may resend). */
  expire(nowMs: number): number {
    return this.mempool.expire(nowMs);
  }

  /**
   * The consensus snapshot when it is safe to write (every delivered batch in a durable block,
   * nothing held), else null: try again after the next input.
   */
  snapshot(): Uint8Array | null {
    if (
      this.orderedQueue.length > 0 ||
      this.carried.length > 0 ||
      this.unwritten.size > 0 ||
      this.held.length > 0
    ) {
      return null;
    }
    return this.core.snapshot();
  }

  handle(input: ValidatorInput<Message>, nowMs: number): ValidatorEffect<Message>[] {
    switch (input.kind) {
      case 'timer':
        if (input.name === DUE_TIMER) return this.onDueTimer(nowMs);
        return this.fromCore(this.core.handle(input, nowMs), nowMs);
      case 'start':
      case 'message':
        return this.fromCore(this.core.handle(input, nowMs), nowMs);
      case 'propose':
        return this.propose(input.transactions, nowMs);
      case 'signed-durable':
        return this.release(input.ticket);
      case 'block-durable':
        this.blockDurable(input.height);
        return [];
    }
  }

  private propose(transactions: readonly SignedTransaction[], nowMs: number): ValidatorEffect<Message>[] {
    if (transactions.length === 0) return [];
    const entries = transactions.map((t) => t.bytes);
    if (nowMs - this.lastMarkerAtMs >= this.markerIntervalMs) {
      this.lastMarkerAtMs = nowMs;
      entries.unshift(timeMarker(nowMs));
    }
    return this.fromCore(this.core.handle({ kind: 'transactions', transactions: entries }, nowMs), nowMs);
  }

  /**
   * Application work is due (a market deadline): time has to reach the chain even if nobody sends
   * a transaction, so the validator proposes a marker of its clock alone, and again while the
   * work stays due (the block that does it moves `dueAtMs` on).
   */
  private onDueTimer(nowMs: number): ValidatorEffect<Message>[] {
    this.dueTimerAtMs = null;
    if (this.dueAtMs === null) return [];
    if (nowMs < this.dueAtMs) return this.armDue(nowMs);
    this.lastMarkerAtMs = nowMs;
    const effects = this.fromCore(
      this.core.handle({ kind: 'transactions', transactions: [timeMarker(nowMs)] }, nowMs),
      nowMs,
    );
    this.dueTimerAtMs = nowMs + DUE_RETRY_MS;
    effects.push({ kind: 'timer', name: DUE_TIMER, atMs: this.dueTimerAtMs });
    return effects;
  }

  /** Arms the due timer for the current due time, unless it is armed for it already. */
  private armDue(nowMs: number): ValidatorEffect<Message>[] {
    if (this.dueAtMs === null) return [];
    const atMs = Math.max(nowMs, this.dueAtMs);
    if (this.dueTimerAtMs !== null && this.dueTimerAtMs <= atMs) return [];
    this.dueTimerAtMs = atMs;
    return [{ kind: 'timer', name: DUE_TIMER, atMs }];
  }

  private fromCore(effects: readonly ConsensusEffect<Message>[], nowMs: number): ValidatorEffect<Message>[] {
    const out: ValidatorEffect<Message>[] = [];
    const records: Uint8Array[] = [];
    for (const effect of effects) if (effect.kind === 'persist-signed') records.push(effect.record);
    if (records.length > 0) {
      this.ticketsIssued++;
      out.push({ kind: 'persist-signed', records, ticket: this.ticketsIssued });
    }
    // A list with records waits for them; a later list waits behind it, keeping the core's order.
    const hold = records.length > 0 || this.held.length > 0;
    for (const effect of effects) {
      switch (effect.kind) {
        case 'persist-signed':
          break;
        case 'commit':
          // Deciding is not signing: execution need not wait for the signed log.
          this.orderedQueue.push(effect.batch);
          out.push({ kind: 'ordered', batch: effect.batch });
          break;
        default:
          if (hold) this.held.push({ effect, ticket: this.ticketsIssued });
          else out.push(effect);
      }
    }
    this.executeReady(out);
    out.push(...this.armDue(nowMs));
    return out;
  }

  private release(ticket: number): ValidatorEffect<Message>[] {
    this.ticketsDurable = Math.max(this.ticketsDurable, Math.min(ticket, this.ticketsIssued));
    const out: ValidatorEffect<Message>[] = [];
    while (this.held.length > 0 && this.held[0]!.ticket <= this.ticketsDurable) {
      out.push(this.held.shift()!.effect);
    }
    return out;
  }

  private blockDurable(height: number): void {
    for (const [h, block] of this.unwritten) {
      if (h > height) continue;
      this.unwritten.delete(h);
      // The mempool lets a transaction go only when readers can find it in a block: an empty
      // pool then means everything admitted here is on disk, and a resubmission in between
      // is refused as a duplicate rather than admitted against the state before the block.
      for (const hash of block.txHashes) this.mempool.committed(hash);
      if (block.header.height > this.view.height) this.view = block.view;
    }
  }

  /**
   * Cuts and executes every complete block at the front of the ordered queue. A cut without a
   * transaction (empty vertices, time markers) is no block of its own unless application work is
   * due: its batches are carried into the next block's evidence, so the chain still records every
   * certificate. Carrying stops at MAX_CARRIED_BATCHES, and sooner when the carried batches and the
   * next cut would not fit one block; then they are written as a block without transactions. The
   * rule reads only ordered batches and executed state: every validator cuts the same blocks.
   */
  private executeReady(out: ValidatorEffect<Message>[]): void {
    for (;;) {
      if (this.closingBlock !== null) {
        this.orderedQueue.length = 0;
        this.carried = [];
        return;
      }
      while (this.orderedQueue.length > 0 && this.orderedQueue[0]!.sequence <= this.takenSequence) {
        this.orderedQueue.shift(); // a replay of what the chain already holds
      }
      const cut = blockCut(this.orderedQueue);
      if (cut === 0) return;
      const batches = this.orderedQueue.splice(0, cut);
      this.takenSequence = batches[batches.length - 1]!.sequence;
      if (this.carried.length > 0 && !fitOneBlock(this.carried, batches)) {
        out.push(this.execute(this.carried, true)!);
        this.carried = [];
        if (this.closingBlock !== null) continue;
      }
      const pending = this.carried.length > 0 ? [...this.carried, ...batches] : batches;
      const written = this.execute(pending, pending.length >= MAX_CARRIED_BATCHES);
      this.carried = written === null ? pending : [];
      if (written !== null) out.push(written);
    }
  }

  /**
   * Executes the batches as one block; without a transaction only when `force`d or when the
   * application has work due by the block's time, else null (nothing executed).
   */
  private execute(batches: readonly CommittedBatch[], force: boolean): ValidatorEffect<Message> | null {
    const markers: number[] = [];
    const transactions: SignedTransaction[] = [];
    const inBlock = new WeakSet<Uint8Array>();
    let skippedEntries = 0;
    for (const batch of batches) {
      for (const bytes of batch.transactions) {
        const entry = this.entries.entry(bytes);
        if (entry.kind === 'marker') markers.push(entry.timeMs);
        else if (entry.kind === 'transaction') {
          transactions.push(entry.signed);
          inBlock.add(bytes);
        } else skippedEntries++;
      }
    }
    const previous = this.chain.executedHeader;
    const timestampMs = blockTime(previous.timestampMs, markers);
    // The due rule reads the executed state and the ordered markers, the same at every validator.
    const due = this.dueAtMs !== null && timestampMs >= this.dueAtMs;
    if (transactions.length === 0 && !due && !force) return null;
    const block = this.chain.execute(transactions, {
      timestampMs,
      randomness: batches[batches.length - 1]!.randomness,
      evidence: encodeBlockEvidence(batches, (entry) => inBlock.has(entry)),
      epoch: this.epoch,
    });
    if (this.endsEpoch?.(block)) this.closingBlock = block;
    this.dueAtMs = this.chain.nextDueMs();
    this.executedSequence = batches[batches.length - 1]!.sequence;
    this.unwritten.set(block.header.height, block);
    return {
      kind: 'write-block',
      block,
      proof: encodeBlockProof(batches.map((batch) => batch.proof)),
      skippedEntries,
    };
  }
}
