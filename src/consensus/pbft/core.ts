import { bytesEqual, sha256, toHex } from '../../crypto/index.js';
import {
  type CommittedBatch,
  type ConsensusCore,
  type ConsensusEffect,
  type ConsensusInput,
  maxFaulty,
  quorumSize,
  type ValidatorIndex,
  type ValidatorInit,
} from '../interface.js';
import { encodeMessageList } from './codec.js';
import { PbftError } from './errors.js';
import { pbftPrimaryOf } from './genesis.js';
import type {
  CheckpointMessage,
  CommitMessage,
  DecidedMessage,
  FetchMessage,
  NewViewMessage,
  PbftMessage,
  PrePrepareMessage,
  PreparedProof,
  PrepareMessage,
  RequestMessage,
  ViewChangeMessage,
} from './messages.js';
import type { PbftOptions } from './options.js';
import {
  checkCheckpointProof,
  checkCommitCertificate,
  checkPreparedProof,
  checkViewChange,
  type NewViewPlan,
  planNewView,
} from './proofs.js';
import { decodePbftSignedRecord, encodePbftSignedRecord, type PbftSignedRecord } from './signed-log.js';
import { batchDigest, chainDigest, decisionRandomness, GENESIS_STATE_DIGEST, Keyring } from './signing.js';
import { decodeSnapshot, encodeSnapshot, type PbftSnapshot } from './snapshot.js';

export const VIEW_TIMER = 'pbft/view';
export const FETCH_TIMER = 'pbft/fetch';

/** What the simulator's leader-targeting adversary and the benchmark read from a PBFT validator. */
export interface PbftCore extends ConsensusCore<PbftMessage> {
  /** The view this validator is in (or is changing to). */
  readonly currentView: number;
  /** The primary of `currentView`: the validator the protocol relies on next. */
  readonly currentPrimary: ValidatorIndex;
  /** True between sending a view-change and accepting the matching new-view. */
  readonly viewChanging: boolean;
  /** Batches executed (committed) so far. */
  readonly executedCount: number;
  /** Peer messages refused so far (bad signature, bad proof, wrong sender), and the last reason. */
  readonly rejectedCount: number;
  readonly lastRejection: PbftError | undefined;
}

/** One sequence number's agreement in the current view. */
interface Slot {
  readonly view: number;
  prePrepare: PrePrepareMessage | undefined;
  digest: Uint8Array | undefined;
  readonly prepares: Map<ValidatorIndex, PrepareMessage>;
  readonly commits: Map<ValidatorIndex, CommitMessage>;
  preparedDone: boolean;
}

interface Decided {
  readonly view: number;
  readonly sequence: number;
  readonly proposer: ValidatorIndex;
  readonly transactions: readonly Uint8Array[];
  readonly digest: Uint8Array;
  readonly commits: readonly CommitMessage[];
}

interface StableCheckpoint {
  readonly count: number;
  readonly digest: Uint8Array;
  readonly proof: readonly CheckpointMessage[];
}

function txKey(tx: Uint8Array): string {
  return toHex(sha256(tx));
}

function byFrom<M extends PbftMessage>(a: M, b: M): number {
  return a.from - b.from;
}

/**
 * A PBFT validator (Castro and Liskov, 1999) as a sans-IO state machine: pre-prepare, prepare and
 * commit with 2f+1 votes, batching with a pipeline, checkpoints that move the watermarks and free
 * old state, a view change driven by the caller's timers, new-view with proofs, and catch-up of
 * decided batches from peers. Messages from peers are checked (signature, sender, proofs) and
 * refused without effect when wrong; the reason is kept in `lastRejection`.
 */
export class PbftReplica implements PbftCore {
  readonly index: ValidatorIndex;
  private readonly n: number;
  private readonly f: number;
  private readonly quorum: number;
  private readonly keyring: Keyring;

  private view = 0;
  private changing = false;
  private viewChangeAttempts = 0;
  private executed = 0;
  private stateDigest: Uint8Array = GENESIS_STATE_DIGEST;
  private stable: StableCheckpoint = { count: 0, digest: GENESIS_STATE_DIGEST, proof: [] };
  private nextSequence = 0;
  private readonly slots = new Map<number, Slot>();
  private readonly preparedProofs = new Map<number, PreparedProof>();
  private readonly decided = new Map<number, Decided>();
  private readonly checkpoints = new Map<number, Map<ValidatorIndex, CheckpointMessage>>();
  private readonly checkpointDigests = new Map<number, Uint8Array>();
  private readonly latestViewChange = new Map<ValidatorIndex, ViewChangeMessage>();
  private ownNewView: NewViewMessage | undefined;
  /** Client transactions received and not yet executed, in arrival order. */
  private readonly pending = new Map<string, Uint8Array>();
  /** At the primary: transactions inside proposals not yet executed. */
  private readonly proposed = new Set<string>();
  /** Transactions executed in the last `retainBatches` sequences, with their sequence. */
  private readonly recentCommitted = new Map<string, number>();
  /** Senders seen voting in a later view than ours, and the highest such view. */
  private readonly aheadSenders = new Map<ValidatorIndex, number>();
  private viewDeadline: number | null = null;
  private fetchTarget = 0;
  private fetchArmed = false;
  private fetchPeer = 0;
  private fetchRequestedFrom = -1;
  /** Fetches still to send without a known target: after a restart or a silent timeout. */
  private probesLeft = 0;
  private maxDecided = -1;
  private lastViewChangeSentMs = 0;
  /** Highest sequence seen with 2f+1 matching commits, decided here or not. */
  private maxCommittedSeen = -1;
  /**
   * Normal-case messages of a view we have not entered yet (the new-view is still on its way):
   * held, bounded per sender, and replayed when we enter that view.
   */
  private early: (PrePrepareMessage | PrepareMessage | CommitMessage)[] = [];
  private recoveredStart: boolean;

  private now = 0;
  private out: ConsensusEffect<PbftMessage>[] = [];
  private rejected = 0;
  private rejection: PbftError | undefined;

  constructor(
    init: ValidatorInit,
    private readonly options: PbftOptions,
  ) {
    const members = init.committee.members;
    if (!Number.isInteger(init.index) || init.index < 0 || init.index >= members.length) {
      throw new PbftError(
        'BAD_INIT',
        `validator index ${init.index} outside a committee of ${members.length}`,
      );
    }
    members.forEach((m, i) => {
      if (m.index !== i) throw new PbftError('BAD_INIT', `committee member ${i} carries index ${m.index}`);
    });
    if (options.windowSize % options.checkpointInterval !== 0) {
      throw new PbftError('BAD_INIT', 'the window must be a multiple of the checkpoint interval');
    }
    this.index = init.index;
    this.n = members.length;
    this.f = maxFaulty(this.n);
    this.quorum = quorumSize(this.n);
    this.keyring = new Keyring(init.committee, init.signingSeed);
    this.fetchPeer = (this.index + 1) % this.n;
    this.recoveredStart = init.recovered !== undefined || (init.signedLog?.length ?? 0) > 0;
    if (init.recovered !== undefined)
      this.restore(decodeSnapshot(init.recovered, init.committee, this.index));
    for (const record of init.signedLog ?? []) this.replaySigned(decodePbftSignedRecord(record));
  }

  get currentView(): number {
    return this.view;
  }

  get currentPrimary(): ValidatorIndex {
    return pbftPrimaryOf(this.view, this.n);
  }

  get viewChanging(): boolean {
    return this.changing;
  }

  get executedCount(): number {
    return this.executed;
  }

  get rejectedCount(): number {
    return this.rejected;
  }

  get lastRejection(): PbftError | undefined {
    return this.rejection;
  }

  handle(input: ConsensusInput<PbftMessage>, nowMs: number): ConsensusEffect<PbftMessage>[] {
    this.now = nowMs;
    this.out = [];
    switch (input.kind) {
      case 'start':
        this.onStart();
        break;
      case 'transactions':
        this.onTransactions(input.transactions);
        break;
      case 'timer':
        this.onTimer(input.name);
        break;
      case 'message':
        try {
          this.onMessage(input.from, input.message);
        } catch (error) {
          // A peer's bad input costs nothing but the message; the reason stays inspectable.
          if (!(error instanceof PbftError)) throw error;
          this.rejected++;
          this.rejection = error;
        }
        break;
    }
    return this.out;
  }

  snapshot(): Uint8Array {
    const slotPrePrepares: PrePrepareMessage[] = [];
    for (const slot of this.slots.values()) {
      if (slot.prePrepare !== undefined && slot.view === this.view) slotPrePrepares.push(slot.prePrepare);
    }
    const state: PbftSnapshot = {
      index: this.index,
      view: this.view,
      viewChanging: this.changing,
      executedCount: this.executed,
      stateDigest: this.stateDigest,
      stableCount: this.stable.count,
      stableDigest: this.stable.digest,
      stableProof: this.stable.proof,
      nextSequence: this.nextSequence,
      prepared: [...this.preparedProofs.values()],
      prePrepares: slotPrePrepares,
      ownNewView: this.ownNewView ?? null,
      pending: [...this.pending.values()],
      recentCommitted: [...this.recentCommitted].map(([key, sequence]) => ({ key, sequence })),
    };
    return encodeSnapshot(state, this.keyring.committee);
  }

  // ---- inputs ----

  private onStart(): void {
    if (this.recoveredStart) {
      this.recoveredStart = false;
      // Whatever was decided while we were down comes back through fetch: ask everyone now, then
      // probe f+1 peers in turn in case they were still deciding.
      this.broadcast(
        this.keyring.sign<FetchMessage>({ type: 'fetch', from: this.index, fromSequence: this.executed }),
      );
      this.probesLeft = this.f + 1;
      this.armFetch();
      // A new-view signed just before the crash may never have left: it goes out again as it was.
      if (this.ownNewView?.view === this.view && !this.changing) this.broadcast(this.ownNewView);
      this.forwardPending();
    }
    this.updateViewTimer(false);
    this.tryPropose();
  }

  private onTransactions(transactions: readonly Uint8Array[]): void {
    const fresh: Uint8Array[] = [];
    for (const tx of transactions) {
      if (this.pending.size >= this.options.maxPendingTransactions) break;
      const key = txKey(tx);
      if (this.pending.has(key) || this.recentCommitted.has(key)) continue;
      this.pending.set(key, tx);
      fresh.push(tx);
    }
    if (fresh.length === 0) return;
    if (this.isPrimary()) this.tryPropose();
    // Every validator learns of the request (also during a view change), so all of them time out
    // on a primary that ignores it and the new primary has it.
    else this.sendRequest(fresh, true);
    this.updateViewTimer(false);
  }

  private onTimer(name: string): void {
    if (name === VIEW_TIMER) {
      if (this.viewDeadline === null || this.now < this.viewDeadline) return;
      this.viewDeadline = null;
      if (this.changing || this.waitingForPrimary()) {
        // A request whose broadcast was lost leaves this validator the only one waiting, and a
        // view change it starts alone never completes: everyone hears the requests again first,
        // as PBFT's clients retransmit to all replicas.
        this.rebroadcastPending();
        // Waiting may also mean we missed decisions others made: ask a peer as well.
        this.probesLeft = Math.max(this.probesLeft, 1);
        this.armFetch();
        this.startViewChange(this.view + 1);
      }
      return;
    }
    if (name === FETCH_TIMER) {
      this.fetchArmed = false;
      const gap = Math.max(this.maxDecided, this.maxCommittedSeen) >= this.executed;
      // A validator stuck in a view change keeps asking for decisions: if the others stayed in the
      // old view and kept deciding, it still executes everything they decided.
      if (this.changing) {
        this.repeatViewChange();
        this.rebroadcastPending();
      }
      if (this.executed < this.fetchTarget || gap || this.probesLeft > 0 || this.changing) {
        if (this.executed >= this.fetchTarget && !gap && !this.changing) this.probesLeft--;
        this.sendFetch();
        this.armFetch();
      }
    }
  }

  private onMessage(from: ValidatorIndex, message: PbftMessage): void {
    if (from === this.index || message.from === this.index) return;
    if (!Number.isInteger(from) || from < 0 || from >= this.n || message.from !== from) {
      throw new PbftError('UNKNOWN_SENDER', `message claims sender ${message.from}, arrived from ${from}`, {
        from,
        claimed: message.from,
      });
    }
    if (!this.keyring.verify(message)) {
      throw new PbftError('BAD_SIGNATURE', `${message.type} from ${from} has a bad signature`, {
        from,
        type: message.type,
      });
    }
    switch (message.type) {
      case 'request':
        this.onRequest(message);
        break;
      case 'pre-prepare':
        this.onPrePrepare(message);
        break;
      case 'prepare':
        this.onPrepare(message);
        break;
      case 'commit':
        this.onCommit(message);
        break;
      case 'checkpoint':
        this.onCheckpoint(message);
        break;
      case 'view-change':
        this.onViewChange(message);
        break;
      case 'new-view':
        this.onNewView(message);
        break;
      case 'fetch':
        this.onFetch(message);
        break;
      case 'decided':
        this.onDecided(message);
        break;
    }
  }

  // ---- normal case ----

  private isPrimary(): boolean {
    return !this.changing && pbftPrimaryOf(this.view, this.n) === this.index;
  }

  private inWindow(sequence: number): boolean {
    return sequence >= this.stable.count && sequence < this.stable.count + this.options.windowSize;
  }

  private onRequest(m: RequestMessage): void {
    let added = false;
    for (const tx of m.transactions) {
      if (this.pending.size >= this.options.maxPendingTransactions) break;
      const key = txKey(tx);
      if (this.pending.has(key) || this.recentCommitted.has(key)) continue;
      this.pending.set(key, tx);
      added = true;
    }
    if (!added) return;
    if (this.isPrimary()) this.tryPropose();
    else this.updateViewTimer(false);
  }

  private tryPropose(): void {
    if (!this.isPrimary()) return;
    const limit = Math.min(
      this.executed + this.options.pipelineDepth,
      this.stable.count + this.options.windowSize,
    );
    while (this.nextSequence < limit) {
      const batch: Uint8Array[] = [];
      for (const [key, tx] of this.pending) {
        if (this.proposed.has(key)) continue;
        batch.push(tx);
        this.proposed.add(key);
        if (batch.length >= this.options.maxBatchTransactions) break;
      }
      if (batch.length === 0) return;
      const pp = this.keyring.sign<PrePrepareMessage>({
        type: 'pre-prepare',
        from: this.index,
        view: this.view,
        sequence: this.nextSequence++,
        proposer: this.index,
        transactions: batch,
      });
      this.persist({ kind: 'pre-prepare', prePrepare: pp });
      this.broadcast(pp);
      this.acceptPrePrepare(pp);
    }
  }

  private slotFor(sequence: number): Slot {
    let slot = this.slots.get(sequence);
    if (slot === undefined || slot.view !== this.view) {
      slot = {
        view: this.view,
        prePrepare: undefined,
        digest: undefined,
        prepares: new Map(),
        commits: new Map(),
        preparedDone: false,
      };
      this.slots.set(sequence, slot);
    }
    return slot;
  }

  private onPrePrepare(m: PrePrepareMessage): void {
    if (this.holdEarly(m)) return;
    if (this.changing || m.view !== this.view || !this.inWindow(m.sequence)) return;
    if (m.from !== pbftPrimaryOf(m.view, this.n)) {
      throw new PbftError('UNKNOWN_SENDER', `pre-prepare for view ${m.view} from non-primary ${m.from}`);
    }
    if (m.proposer !== m.from) {
      throw new PbftError('BAD_PROOF', `a fresh pre-prepare names proposer ${m.proposer}, not its sender`);
    }
    if (m.transactions.length > this.options.maxBatchTransactions) return;
    this.acceptPrePrepare(m);
  }

  /** Accepts the first pre-prepare for a sequence in this view; a conflicting second one is ignored. */
  private acceptPrePrepare(pp: PrePrepareMessage): void {
    const slot = this.slotFor(pp.sequence);
    if (slot.prePrepare !== undefined) return;
    const digest = batchDigest(pp.proposer, pp.transactions);
    // A prepare replayed from the signed log binds the slot before its pre-prepare is seen again.
    if (slot.digest !== undefined && !bytesEqual(slot.digest, digest)) return;
    slot.prePrepare = pp;
    slot.digest = digest;
    const signed = slot.prepares.get(this.index);
    if (signed !== undefined) this.broadcast(signed);
    else if (pp.from !== this.index) {
      const prepare = this.keyring.sign<PrepareMessage>({
        type: 'prepare',
        from: this.index,
        view: this.view,
        sequence: pp.sequence,
        digest,
      });
      slot.prepares.set(this.index, prepare);
      this.persist({ kind: 'prepare', view: this.view, sequence: pp.sequence, digest });
      this.broadcast(prepare);
    }
    this.checkPrepared(pp.sequence, slot);
    this.updateViewTimer(false);
  }

  private onPrepare(m: PrepareMessage): void {
    if (m.view > this.view) this.noteAhead(m.from, m.view);
    if (this.holdEarly(m)) return;
    if (this.changing || m.view !== this.view || !this.inWindow(m.sequence)) return;
    if (m.from === pbftPrimaryOf(m.view, this.n)) return;
    const slot = this.slotFor(m.sequence);
    if (slot.prepares.has(m.from)) return;
    slot.prepares.set(m.from, m);
    this.checkPrepared(m.sequence, slot);
  }

  private checkPrepared(sequence: number, slot: Slot): void {
    if (slot.preparedDone || slot.prePrepare === undefined || slot.digest === undefined) return;
    const digest = slot.digest;
    const matching = [...slot.prepares.values()].filter((p) => bytesEqual(p.digest, digest));
    if (matching.length < 2 * this.f) return;
    slot.preparedDone = true;
    const proof: PreparedProof = {
      prePrepare: slot.prePrepare,
      prepares: matching.sort(byFrom).slice(0, 2 * this.f),
    };
    const existing = this.preparedProofs.get(sequence);
    if (existing === undefined || existing.prePrepare.view <= slot.view)
      this.preparedProofs.set(sequence, proof);
    this.persist({ kind: 'commit', proof });
    const commit = this.keyring.sign<CommitMessage>({
      type: 'commit',
      from: this.index,
      view: this.view,
      sequence,
      digest,
    });
    slot.commits.set(this.index, commit);
    this.broadcast(commit);
    this.checkCommitted(sequence, slot);
  }

  private onCommit(m: CommitMessage): void {
    if (m.view > this.view) this.noteAhead(m.from, m.view);
    if (this.holdEarly(m)) return;
    if (this.changing || m.view !== this.view || !this.inWindow(m.sequence)) return;
    const slot = this.slotFor(m.sequence);
    if (slot.commits.has(m.from)) return;
    slot.commits.set(m.from, m);
    this.checkCommitted(m.sequence, slot);
    if (m.sequence >= this.executed && !this.decided.has(m.sequence)) {
      let same = 0;
      for (const c of slot.commits.values()) if (bytesEqual(c.digest, m.digest)) same++;
      // Others decided a batch we cannot (we missed its pre-prepare): fetch it if that lasts.
      if (same >= this.quorum) {
        this.maxCommittedSeen = Math.max(this.maxCommittedSeen, m.sequence);
        this.armFetch();
      }
    }
  }

  private holdEarly(m: PrePrepareMessage | PrepareMessage | CommitMessage): boolean {
    if (m.view < this.view || (m.view === this.view && !this.changing)) return false;
    const limit = Math.ceil(((2 * this.n + 1) * this.options.windowSize) / this.n);
    if (
      m.view <= this.view + 2 &&
      m.sequence >= this.stable.count &&
      m.sequence < this.stable.count + 2 * this.options.windowSize &&
      this.early.filter((e) => e.from === m.from).length < limit
    ) {
      this.early.push(m);
    }
    return true;
  }

  private replayEarly(): void {
    const ready = this.early.filter((m) => m.view === this.view);
    this.early = this.early.filter((m) => m.view > this.view);
    for (const m of ready) {
      try {
        if (m.type === 'pre-prepare') this.onPrePrepare(m);
        else if (m.type === 'prepare') this.onPrepare(m);
        else this.onCommit(m);
      } catch (error) {
        if (!(error instanceof PbftError)) throw error;
        this.rejected++;
        this.rejection = error;
      }
    }
  }

  private checkCommitted(sequence: number, slot: Slot): void {
    if (!slot.preparedDone || slot.digest === undefined || slot.prePrepare === undefined) return;
    if (sequence < this.executed || this.decided.has(sequence)) return;
    const digest = slot.digest;
    const matching = [...slot.commits.values()].filter((c) => bytesEqual(c.digest, digest));
    if (matching.length < this.quorum) return;
    this.decided.set(sequence, {
      view: slot.view,
      sequence,
      proposer: slot.prePrepare.proposer,
      transactions: slot.prePrepare.transactions,
      digest,
      commits: matching.sort(byFrom).slice(0, this.quorum),
    });
    this.maxDecided = Math.max(this.maxDecided, sequence);
    this.executeReady();
  }

  private executeReady(): void {
    let progressed = false;
    for (let d = this.decided.get(this.executed); d !== undefined; d = this.decided.get(this.executed)) {
      this.execute(d);
      progressed = true;
    }
    if (!progressed) return;
    // As in PBFT, the timeout doubles with every view change until a request executes again, so
    // a network slower than the initial timeout still gets a view that lasts long enough.
    this.viewChangeAttempts = 0;
    this.updateViewTimer(true);
    this.tryPropose();
    if (this.executed >= this.fetchTarget) this.fetchTarget = 0;
    else if (this.executed >= this.fetchRequestedFrom + this.options.fetchLimit) this.sendFetch();
    // A later sequence decided while this one is not: if the gap outlives a retry period, we
    // missed messages (a crash, a partition) and fetch the decisions instead of waiting forever.
    if (this.maxDecided >= this.executed) this.armFetch();
  }

  private execute(d: Decided): void {
    const sequence = d.sequence;
    // The duplicate filter looks back a fixed number of sequences so every validator drops the same.
    const horizon = sequence - this.options.retainBatches;
    for (const [key, at] of this.recentCommitted) {
      if (at >= horizon) break;
      this.recentCommitted.delete(key);
    }
    const transactions: Uint8Array[] = [];
    for (const tx of d.transactions) {
      const key = txKey(tx);
      this.pending.delete(key);
      this.proposed.delete(key);
      if (this.recentCommitted.has(key)) continue;
      this.recentCommitted.set(key, sequence);
      transactions.push(tx);
    }
    const batch: CommittedBatch = {
      sequence,
      round: sequence,
      proposer: d.proposer,
      transactions,
      randomness: decisionRandomness(sequence, d.digest),
      evidence: encodeMessageList(d.commits),
      endsCommit: true,
    };
    this.out.push({ kind: 'commit', batch });
    this.stateDigest = chainDigest(this.stateDigest, d.digest);
    this.executed = sequence + 1;
    if (this.nextSequence < this.executed) this.nextSequence = this.executed;
    if (this.executed % this.options.checkpointInterval === 0) {
      this.checkpointDigests.set(this.executed, this.stateDigest);
      const checkpoint = this.keyring.sign<CheckpointMessage>({
        type: 'checkpoint',
        from: this.index,
        count: this.executed,
        stateDigest: this.stateDigest,
      });
      this.broadcast(checkpoint);
      this.recordCheckpoint(checkpoint);
    }
  }

  // ---- checkpoints and garbage collection ----

  private onCheckpoint(m: CheckpointMessage): void {
    if (m.count <= this.stable.count || m.count % this.options.checkpointInterval !== 0) return;
    // Far-future checkpoints only tell us we lag; storing them would let a peer fill our memory.
    if (m.count > this.stable.count + 4 * this.options.windowSize) {
      this.noteAhead(m.from, this.view);
      return;
    }
    this.recordCheckpoint(m);
  }

  private recordCheckpoint(m: CheckpointMessage): void {
    let votes = this.checkpoints.get(m.count);
    if (votes === undefined) this.checkpoints.set(m.count, (votes = new Map()));
    if (votes.has(m.from)) return;
    votes.set(m.from, m);
    const matching = [...votes.values()].filter((v) => bytesEqual(v.stateDigest, m.stateDigest));
    if (matching.length < this.quorum) return;
    this.adoptStable({
      count: m.count,
      digest: m.stateDigest,
      proof: matching.sort(byFrom).slice(0, this.quorum),
    });
  }

  private adoptStable(checkpoint: StableCheckpoint): void {
    if (checkpoint.count <= this.stable.count) return;
    this.stable = checkpoint;
    const low = checkpoint.count;
    for (const sequence of this.slots.keys()) if (sequence < low) this.slots.delete(sequence);
    for (const sequence of this.preparedProofs.keys())
      if (sequence < low) this.preparedProofs.delete(sequence);
    for (const count of this.checkpoints.keys()) if (count <= low) this.checkpoints.delete(count);
    for (const count of this.checkpointDigests.keys()) if (count < low) this.checkpointDigests.delete(count);
    const keepFrom = Math.min(low, this.executed) - this.options.retainBatches;
    for (const sequence of this.decided.keys()) if (sequence < keepFrom) this.decided.delete(sequence);
    if (this.executed < low) this.behind(low);
    this.tryPropose();
  }

  // ---- view change ----

  /** A backup waits on the primary while it holds client transactions or unexecuted proposals. */
  private waitingForPrimary(): boolean {
    if (pbftPrimaryOf(this.view, this.n) === this.index && !this.changing) return false;
    if (this.pending.size > 0) return true;
    for (const [sequence, slot] of this.slots) {
      if (sequence >= this.executed && slot.prePrepare !== undefined) return true;
    }
    return false;
  }

  /**
   * Keeps the view timer armed exactly while we wait on the primary. `progress` restarts it, as
   * PBFT restarts the timer when a request executes but others still wait.
   */
  private updateViewTimer(progress: boolean): void {
    if (this.changing) return;
    if (!this.waitingForPrimary()) {
      this.viewDeadline = null;
      return;
    }
    if (this.viewDeadline !== null && !progress) return;
    this.armViewTimer(this.options.viewTimeoutMs * 2 ** Math.min(this.viewChangeAttempts, 6));
  }

  private armViewTimer(delayMs: number): void {
    this.viewDeadline = this.now + delayMs;
    this.out.push({ kind: 'timer', name: VIEW_TIMER, atMs: this.viewDeadline });
  }

  private startViewChange(newView: number): void {
    if (newView <= this.view && this.changing) return;
    this.view = newView;
    this.changing = true;
    this.viewChangeAttempts++;
    this.slots.clear();
    this.proposed.clear();
    this.ownNewView = undefined;
    const prepared = [...this.preparedProofs.entries()]
      .filter(([sequence]) => sequence >= this.stable.count)
      .sort(([a], [b]) => a - b)
      .map(([, proof]) => proof);
    const vc = this.keyring.sign<ViewChangeMessage>({
      type: 'view-change',
      from: this.index,
      newView,
      stableCount: this.stable.count,
      stableDigest: this.stable.digest,
      checkpointProof: this.stable.proof,
      prepared,
    });
    this.latestViewChange.set(this.index, vc);
    this.persist({ kind: 'view-change', viewChange: vc });
    this.broadcast(vc);
    this.lastViewChangeSentMs = this.now;
    this.armFetch();
    this.viewDeadline = null;
    this.maybeArmNewViewTimer();
    this.maybeSendNewView();
  }

  /**
   * A view change that waits long repeats its message: a validator that was down when it was
   * first sent (or a primary still working in the old view) learns of it and can join.
   */
  private repeatViewChange(): void {
    const own = this.latestViewChange.get(this.index);
    if (own === undefined || own.newView !== this.view) return;
    if (this.now - this.lastViewChangeSentMs < this.options.viewTimeoutMs) return;
    this.lastViewChangeSentMs = this.now;
    this.broadcast(own);
  }

  /**
   * The new-view timer starts only once 2f+1 validators asked for this view, as in PBFT: a
   * validator alone in a view change waits for the others instead of running ahead of them view
   * after view. Each failed attempt doubles the wait, so eventually a view lasts long enough.
   */
  private maybeArmNewViewTimer(): void {
    if (!this.changing || this.viewDeadline !== null) return;
    let asking = 0;
    for (const vc of this.latestViewChange.values()) if (vc.newView === this.view) asking++;
    if (asking < this.quorum) return;
    const backoff = 2 ** Math.min(this.viewChangeAttempts - 1, 6);
    this.armViewTimer(this.options.viewTimeoutMs * backoff);
  }

  private onViewChange(m: ViewChangeMessage): void {
    if (m.newView < this.view || (m.newView === this.view && !this.changing)) return;
    const previous = this.latestViewChange.get(m.from);
    if (previous !== undefined && previous.newView >= m.newView) return;
    checkViewChange(this.keyring, m, this.options.windowSize);
    this.latestViewChange.set(m.from, m);
    // f+1 validators moving past our view include an honest one: join the lowest such view.
    const ahead = [...this.latestViewChange.values()]
      .filter(
        (vc) =>
          vc.from !== this.index && (vc.newView > this.view || (!this.changing && vc.newView === this.view)),
      )
      .map((vc) => vc.newView)
      .sort((a, b) => b - a);
    if (ahead.length >= this.f + 1) {
      const target = ahead[this.f]!;
      if (target > this.view || !this.changing) this.startViewChange(Math.max(target, this.view + 1));
    }
    this.maybeArmNewViewTimer();
    this.maybeSendNewView();
  }

  private maybeSendNewView(): void {
    if (!this.changing || pbftPrimaryOf(this.view, this.n) !== this.index || this.ownNewView !== undefined)
      return;
    const viewChanges = [...this.latestViewChange.values()]
      .filter((vc) => vc.newView === this.view)
      .sort(byFrom)
      .slice(0, this.quorum);
    if (viewChanges.length < this.quorum) return;
    const plan = planNewView(viewChanges);
    const prePrepares = plan.batches.map((b) =>
      this.keyring.sign<PrePrepareMessage>({
        type: 'pre-prepare',
        from: this.index,
        view: this.view,
        sequence: b.sequence,
        proposer: b.proposer ?? this.index,
        transactions: b.transactions,
      }),
    );
    const nv = this.keyring.sign<NewViewMessage>({
      type: 'new-view',
      from: this.index,
      view: this.view,
      viewChanges,
      prePrepares,
    });
    this.ownNewView = nv;
    this.persist({ kind: 'new-view', newView: nv });
    this.broadcast(nv);
    this.enterNewView(plan, prePrepares);
  }

  private onNewView(m: NewViewMessage): void {
    if (m.view < this.view || (m.view === this.view && !this.changing)) return;
    if (m.from !== pbftPrimaryOf(m.view, this.n)) {
      throw new PbftError('UNKNOWN_SENDER', `new-view for view ${m.view} from non-primary ${m.from}`);
    }
    if (m.viewChanges.length !== this.quorum) {
      throw new PbftError(
        'BAD_PROOF',
        `new-view carries ${m.viewChanges.length} view-changes, needs ${this.quorum}`,
      );
    }
    const senders = new Set<number>();
    for (const vc of m.viewChanges) {
      if (vc.newView !== m.view || senders.has(vc.from)) {
        throw new PbftError('BAD_PROOF', 'new-view holds a duplicate view-change or one for another view');
      }
      senders.add(vc.from);
      if (!this.keyring.verify(vc))
        throw new PbftError('BAD_PROOF', `view-change of ${vc.from} is not signed`);
      checkViewChange(this.keyring, vc, this.options.windowSize);
    }
    const plan = planNewView(m.viewChanges);
    if (plan.batches.length !== m.prePrepares.length) {
      throw new PbftError('BAD_PROOF', 'new-view pre-prepares differ from what its view-changes imply');
    }
    plan.batches.forEach((b, i) => {
      const pp = m.prePrepares[i]!;
      if (
        pp.from !== m.from ||
        pp.view !== m.view ||
        pp.sequence !== b.sequence ||
        pp.proposer !== (b.proposer ?? m.from) ||
        !bytesEqual(batchDigest(pp.proposer, pp.transactions), batchDigest(pp.proposer, b.transactions)) ||
        !this.keyring.verify(pp)
      ) {
        throw new PbftError(
          'BAD_PROOF',
          `new-view pre-prepare for sequence ${b.sequence} is not the one implied`,
        );
      }
    });
    this.view = m.view;
    this.slots.clear();
    this.proposed.clear();
    this.enterNewView(plan, m.prePrepares);
  }

  private enterNewView(plan: NewViewPlan, prePrepares: readonly PrePrepareMessage[]): void {
    this.changing = false;
    this.viewDeadline = null;
    this.aheadSenders.clear();
    for (const [from, vc] of this.latestViewChange)
      if (vc.newView <= this.view) this.latestViewChange.delete(from);
    if (plan.stableCount > this.stable.count) {
      checkCheckpointProof(this.keyring, plan.stableCount, plan.stableDigest, plan.checkpointProof);
      this.adoptStable({ count: plan.stableCount, digest: plan.stableDigest, proof: plan.checkpointProof });
    }
    this.nextSequence = Math.max(this.executed, plan.stableCount + plan.batches.length);
    const primary = pbftPrimaryOf(this.view, this.n) === this.index;
    for (const pp of prePrepares) {
      if (primary) for (const tx of pp.transactions) this.proposed.add(txKey(tx));
      this.acceptPrePrepare(pp);
    }
    if (primary) this.tryPropose();
    else this.forwardPending();
    this.replayEarly();
    this.updateViewTimer(true);
  }

  // ---- catch-up ----

  private noteAhead(from: ValidatorIndex, view: number): void {
    this.aheadSenders.set(from, Math.max(view, this.aheadSenders.get(from) ?? 0));
    if (this.aheadSenders.size >= this.f + 1) {
      this.aheadSenders.clear();
      this.behind(this.executed + 1);
    }
  }

  private behind(target: number): void {
    this.fetchTarget = Math.max(this.fetchTarget, target);
    if (!this.fetchArmed) {
      this.sendFetch();
      this.armFetch();
    }
  }

  private armFetch(): void {
    if (this.fetchArmed || this.n === 1) return;
    this.fetchArmed = true;
    this.out.push({ kind: 'timer', name: FETCH_TIMER, atMs: this.now + this.options.fetchRetryMs });
  }

  private sendFetch(): void {
    if (this.n === 1) return;
    if (this.fetchPeer === this.index) this.fetchPeer = (this.fetchPeer + 1) % this.n;
    const fetch = this.keyring.sign<FetchMessage>({
      type: 'fetch',
      from: this.index,
      fromSequence: this.executed,
    });
    this.fetchRequestedFrom = this.executed;
    this.out.push({ kind: 'send', to: this.fetchPeer, message: fetch });
    this.fetchPeer = (this.fetchPeer + 1) % this.n;
  }

  private onFetch(m: FetchMessage): void {
    for (let s = m.fromSequence; s < m.fromSequence + this.options.fetchLimit; s++) {
      const d = this.decided.get(s);
      if (d === undefined || s >= this.executed) break;
      const reply = this.keyring.sign<DecidedMessage>({
        type: 'decided',
        from: this.index,
        view: d.view,
        sequence: d.sequence,
        proposer: d.proposer,
        transactions: d.transactions,
        commits: d.commits,
      });
      this.out.push({ kind: 'send', to: m.from, message: reply });
    }
  }

  private onDecided(m: DecidedMessage): void {
    if (m.sequence < this.executed || this.decided.has(m.sequence)) return;
    const horizon = Math.max(this.fetchTarget, this.executed, this.stable.count) + this.options.windowSize;
    if (m.sequence >= horizon) return;
    const digest = batchDigest(m.proposer, m.transactions);
    checkCommitCertificate(this.keyring, m.view, m.sequence, digest, m.commits);
    this.decided.set(m.sequence, {
      view: m.view,
      sequence: m.sequence,
      proposer: m.proposer,
      transactions: m.transactions,
      digest,
      commits: m.commits,
    });
    this.maxDecided = Math.max(this.maxDecided, m.sequence);
    // 2f+1 commits in a later view prove that view was entered; a validator back from a crash
    // follows it instead of waiting for a view change that will not come.
    if (m.view > this.view) {
      this.view = m.view;
      this.changing = false;
      this.slots.clear();
      this.proposed.clear();
      this.forwardPending();
      this.replayEarly();
    }
    this.executeReady();
  }

  // ---- helpers ----

  private rebroadcastPending(): void {
    if (this.pending.size > 0) this.sendRequest([...this.pending.values()], true);
  }

  private forwardPending(): void {
    if (this.changing || this.pending.size === 0) return;
    if (pbftPrimaryOf(this.view, this.n) === this.index) {
      this.tryPropose();
      return;
    }
    this.sendRequest([...this.pending.values()], false);
  }

  /** To every validator for a new client request; to the primary alone when re-forwarding. */
  private sendRequest(transactions: readonly Uint8Array[], toAll: boolean): void {
    const primary = pbftPrimaryOf(this.view, this.n);
    const size = this.options.maxBatchTransactions;
    for (let i = 0; i < transactions.length; i += size) {
      const request = this.keyring.sign<RequestMessage>({
        type: 'request',
        from: this.index,
        transactions: transactions.slice(i, i + size),
      });
      this.out.push(
        toAll ? { kind: 'broadcast', message: request } : { kind: 'send', to: primary, message: request },
      );
    }
  }

  private broadcast(message: PbftMessage): void {
    this.out.push({ kind: 'broadcast', message });
  }

  /** Goes out before the statement it records: the caller makes it durable first. */
  private persist(record: PbftSignedRecord): void {
    this.out.push({ kind: 'persist-signed', record: encodePbftSignedRecord(record) });
  }

  private restore(s: PbftSnapshot): void {
    this.view = s.view;
    this.changing = s.viewChanging;
    this.executed = s.executedCount;
    this.stateDigest = s.stateDigest;
    this.stable = { count: s.stableCount, digest: s.stableDigest, proof: s.stableProof };
    this.nextSequence = Math.max(s.nextSequence, s.executedCount);
    for (const proof of s.prepared) {
      checkPreparedProof(this.keyring, proof);
      this.preparedProofs.set(proof.prePrepare.sequence, proof);
    }
    // The proposals accepted in this view stay accepted: a restarted validator never prepares a
    // second batch for the same sequence, nor proposes one as primary.
    for (const pp of s.prePrepares) {
      const slot = this.slotFor(pp.sequence);
      slot.prePrepare = pp;
      slot.digest = batchDigest(pp.proposer, pp.transactions);
      if (pp.from === this.index) for (const tx of pp.transactions) this.proposed.add(txKey(tx));
    }
    this.ownNewView = s.ownNewView ?? undefined;
    for (const tx of s.pending) this.pending.set(txKey(tx), tx);
    for (const { key, sequence } of s.recentCommitted) this.recentCommitted.set(key, sequence);
  }

  /**
   * Brings the state up to one signature made after the snapshot (a record the snapshot already
   * covers changes nothing): the view it was made in, the slot it bound, the sequence it used.
   * Nothing is sent here; `start` re-sends what peers may lack.
   */
  private replaySigned(record: PbftSignedRecord): void {
    switch (record.kind) {
      case 'view-change': {
        const vc = record.viewChange;
        this.checkOwn(vc.from);
        this.replayView(vc.newView, true);
        const own = this.latestViewChange.get(this.index);
        if (this.view === vc.newView && (own === undefined || own.newView < vc.newView))
          this.latestViewChange.set(this.index, vc);
        break;
      }
      case 'new-view': {
        const nv = record.newView;
        this.checkOwn(nv.from);
        this.replayView(nv.view, false);
        if (this.view !== nv.view || this.ownNewView !== undefined) break;
        this.ownNewView = nv;
        for (const pp of nv.prePrepares) this.replayPrePrepare(pp);
        const plan = planNewView(nv.viewChanges);
        this.nextSequence = Math.max(this.nextSequence, plan.stableCount + plan.batches.length);
        break;
      }
      case 'pre-prepare':
        this.checkOwn(record.prePrepare.from);
        this.replayView(record.prePrepare.view, false);
        this.replayPrePrepare(record.prePrepare);
        break;
      case 'prepare': {
        this.replayView(record.view, false);
        if (record.view !== this.view || record.sequence < this.stable.count) break;
        const slot = this.slotFor(record.sequence);
        slot.digest ??= record.digest;
        if (!slot.prepares.has(this.index)) {
          const { view, sequence, digest } = record;
          const prepare = this.keyring.sign<PrepareMessage>({
            type: 'prepare',
            from: this.index,
            view,
            sequence,
            digest,
          });
          slot.prepares.set(this.index, prepare);
        }
        break;
      }
      case 'commit': {
        const pp = record.proof.prePrepare;
        const existing = this.preparedProofs.get(pp.sequence);
        if (
          pp.sequence >= this.stable.count &&
          (existing === undefined || existing.prePrepare.view < pp.view)
        )
          this.preparedProofs.set(pp.sequence, record.proof);
        this.replayView(pp.view, false);
        if (!this.replayPrePrepare(pp)) break;
        const slot = this.slotFor(pp.sequence);
        for (const prepare of record.proof.prepares)
          if (!slot.prepares.has(prepare.from)) slot.prepares.set(prepare.from, prepare);
        slot.preparedDone = true;
        if (!slot.commits.has(this.index) && slot.digest !== undefined) {
          const commit = this.keyring.sign<CommitMessage>({
            type: 'commit',
            from: this.index,
            view: pp.view,
            sequence: pp.sequence,
            digest: slot.digest,
          });
          slot.commits.set(this.index, commit);
        }
        break;
      }
    }
  }

  private checkOwn(from: ValidatorIndex): void {
    if (from !== this.index)
      throw new PbftError('BAD_SIGNED_LOG', `a message of validator ${from} in the log of ${this.index}`);
  }

  /** Moves forward only: a view entered is later than the same view still being changed to. */
  private replayView(view: number, changing: boolean): void {
    if (view < this.view || (view === this.view && (changing || !this.changing))) return;
    if (view > this.view) {
      this.slots.clear();
      this.proposed.clear();
      this.ownNewView = undefined;
    }
    this.view = view;
    this.changing = changing;
  }

  /**
   * Installs a pre-prepare of the current view; false when it belongs to another view or lies
   * below the stable checkpoint. The upper end of the window is not checked: the snapshot's
   * checkpoint may be older than the one the pre-prepare was accepted under.
   */
  private replayPrePrepare(pp: PrePrepareMessage): boolean {
    if (pp.view !== this.view) return false;
    if (pp.from === this.index) this.nextSequence = Math.max(this.nextSequence, pp.sequence + 1);
    if (pp.sequence < this.stable.count) return false;
    const slot = this.slotFor(pp.sequence);
    if (slot.prePrepare === undefined) {
      slot.prePrepare = pp;
      slot.digest = batchDigest(pp.proposer, pp.transactions);
    }
    if (pp.from === this.index && pp.sequence >= this.executed) {
      // The queue this proposal was taken from may be newer than the snapshot: if the proposal
      // dies with this view, its transactions still go to the next primary.
      for (const tx of pp.transactions) {
        const key = txKey(tx);
        this.proposed.add(key);
        if (!this.recentCommitted.has(key)) this.pending.set(key, tx);
      }
    }
    return true;
  }
}
