import { bytesEqual } from '../../crypto/index.js';
import {
  type CommittedBatch,
  type ConsensusEffect,
  type ConsensusInput,
  maxFaulty,
  quorumSize,
  type ValidatorIndex,
  type ValidatorInit,
} from '../interface.js';
import { CatchUp, FETCH_TIMER, HEARTBEAT_TIMER } from './catch-up.js';
import { Checkpoints } from './checkpoints.js';
import { EarlyMessages } from './early-messages.js';
import { PbftError } from './errors.js';
import { type DroppedEntry, encodeCommitEvidence } from './evidence.js';
import { pbftPrimaryOf } from './genesis.js';
import type { PbftCore } from './interface.js';
import type {
  CommitMessage,
  FetchMessage,
  PbftMessage,
  PrePrepareMessage,
  PreparedProof,
  PrepareMessage,
  RequestMessage,
} from './messages.js';
import type { PbftOptions } from './options.js';
import { Recovery } from './recovery.js';
import {
  byFrom,
  type Decided,
  type ReplicaContext,
  type ReplicaIO,
  ReplicaState,
  replicaIO,
  type Slot,
  txKey,
} from './replica-state.js';
import { decodePbftSignedRecord } from './signed-log.js';
import { batchDigest, chainDigest, decisionRandomness, Keyring } from './signing.js';
import { decodeSnapshot, encodeSnapshot, type PbftSnapshot } from './snapshot.js';
import { VIEW_TIMER, ViewChange } from './view-change.js';

export { FETCH_TIMER, HEARTBEAT_TIMER } from './catch-up.js';
export type { PbftCore } from './interface.js';
export { VIEW_TIMER } from './view-change.js';

/**
 * A PBFT validator (Castro and Liskov, 1999) as a sans-IO state machine: pre-prepare, prepare and
 * commit with 2f+1 votes, batching with a pipeline, checkpoints that move the watermarks and free
 * old state, a view change driven by the caller's timers, new-view with proofs, and catch-up of
 * decided batches from peers. Messages from peers are checked (signature, sender, proofs) and
 * refused without effect when wrong; the reason is kept in `lastRejection`.
 *
 * This class holds the normal case and the checkpoints; the view change (`view-change.ts`),
 * catch-up (`catch-up.ts`) and recovery after a crash (`recovery.ts`) each live in their own
 * module and share the replica's log (`replica-state.ts`).
 */
export class PbftReplica implements PbftCore {
  readonly index: ValidatorIndex;
  private readonly ctx: ReplicaContext;
  private readonly io: ReplicaIO;
  private readonly s = new ReplicaState();
  private readonly viewChange: ViewChange;
  private readonly catchUp: CatchUp;
  private readonly checkpoints: Checkpoints;
  private readonly early: EarlyMessages;
  private recoveredStart: boolean;

  private now = 0;
  private out: ConsensusEffect<PbftMessage>[] = [];
  private rejected = 0;
  private rejection: PbftError | undefined;
  /** What this validator had executed when each peer last asked it for decisions. */
  private readonly executedAtFetch = new Map<ValidatorIndex, number>();
  /** When each peer that lagged a view behind was last sent this validator's part of the view. */
  private readonly resentTo = new Map<ValidatorIndex, number>();

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
    const n = members.length;
    this.ctx = {
      index: init.index,
      n,
      f: maxFaulty(n),
      quorum: quorumSize(n),
      keyring: new Keyring(init.committee, init.signingSeed, init.sharedChecks),
      options,
    };
    this.early = new EarlyMessages(this.s, n, options.windowSize);
    this.io = replicaIO(
      () => this.now,
      () => this.out,
    );
    this.viewChange = new ViewChange({
      ctx: this.ctx,
      io: this.io,
      state: this.s,
      adoptStable: (checkpoint) => this.checkpoints.adoptStable(checkpoint),
      suspected: () => {
        // A request whose broadcast was lost leaves this validator the only one waiting, and a
        // view change it starts alone never completes: everyone hears the requests again first,
        // as PBFT's clients retransmit to all replicas. Waiting may also mean we missed
        // decisions others made: a peer is asked as well.
        this.rebroadcastPending();
        this.catchUp.probe();
        this.catchUp.armFetch();
      },
      armFetch: () => this.catchUp.armFetch(),
      clearAhead: () => this.catchUp.clearAhead(),
      resume: (prePrepares, primary) => {
        for (const pp of prePrepares) {
          if (primary) for (const tx of pp.transactions) this.s.proposed.add(txKey(tx));
          this.acceptPrePrepare(pp);
        }
        if (primary) this.tryPropose();
        else this.forwardPending();
        this.replayEarly();
      },
      resendView: (peer) => this.resendViewTo(peer),
    });
    this.catchUp = new CatchUp({
      ctx: this.ctx,
      io: this.io,
      state: this.s,
      stuckInViewChange: () => {
        this.viewChange.repeatViewChange();
        this.rebroadcastPending();
      },
      followedView: () => {
        this.forwardPending();
        this.replayEarly();
      },
      executeReady: () => this.executeReady(),
    });
    this.checkpoints = new Checkpoints({
      ctx: this.ctx,
      io: this.io,
      state: this.s,
      lagging: (from) => this.catchUp.noteAhead(from, this.s.view),
      behind: (count) => this.catchUp.behind(count),
      windowMoved: () => this.tryPropose(),
    });
    this.recoveredStart = init.recovered !== undefined || (init.signedLog?.length ?? 0) > 0;
    const recovery = new Recovery(this.ctx, this.s, this.viewChange);
    if (init.recovered !== undefined)
      recovery.restore(decodeSnapshot(init.recovered, init.committee, this.index));
    for (const record of init.signedLog ?? []) recovery.replaySigned(decodePbftSignedRecord(record));
  }

  get currentView(): number {
    return this.s.view;
  }

  get currentPrimary(): ValidatorIndex {
    return pbftPrimaryOf(this.s.view, this.ctx.n);
  }

  get viewChanging(): boolean {
    return this.s.changing;
  }

  get executedCount(): number {
    return this.s.executed;
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
        if (input.name === VIEW_TIMER) this.viewChange.onViewTimer();
        else if (input.name === FETCH_TIMER) this.catchUp.onFetchTimer();
        else if (input.name === HEARTBEAT_TIMER) this.catchUp.heartbeat();
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
    const s = this.s;
    const slotPrePrepares: PrePrepareMessage[] = [];
    for (const slot of s.slots.values()) {
      if (slot.prePrepare !== undefined && slot.view === s.view) slotPrePrepares.push(slot.prePrepare);
    }
    const state: PbftSnapshot = {
      index: this.index,
      view: s.view,
      viewChanging: s.changing,
      executedCount: s.executed,
      stateDigest: s.stateDigest,
      stableCount: s.stable.count,
      stableDigest: s.stable.digest,
      stableProof: s.stable.proof,
      nextSequence: s.nextSequence,
      prepared: [...s.preparedProofs.values()],
      prePrepares: slotPrePrepares,
      ownNewView: this.viewChange.ownNewView ?? null,
      pending: [...s.pending.values()],
      recentCommitted: [...s.recentCommitted].map(([key, sequence]) => ({ key, sequence })),
    };
    return encodeSnapshot(state, this.ctx.keyring.committee);
  }

  // ---- inputs ----

  private onStart(): void {
    if (this.recoveredStart) {
      this.recoveredStart = false;
      this.catchUp.restarted();
      this.viewChange.restoreViewChangeAfterRestart();
      // A new-view signed just before the crash may never have left: it goes out again as it was.
      const ownNewView = this.viewChange.ownNewView;
      if (ownNewView?.view === this.s.view && !this.s.changing) this.io.broadcast(ownNewView);
      this.forwardPending();
    }
    this.viewChange.updateViewTimer(false);
    this.tryPropose();
    if (this.ctx.options.heartbeatMs > 0 && this.ctx.n > 1)
      this.io.push({ kind: 'timer', name: HEARTBEAT_TIMER, atMs: this.now + this.ctx.options.heartbeatMs });
  }

  private onTransactions(transactions: readonly Uint8Array[]): void {
    const { pending, recentCommitted } = this.s;
    const fresh: Uint8Array[] = [];
    for (const tx of transactions) {
      if (pending.size >= this.options.maxPendingTransactions) break;
      const key = txKey(tx);
      if (pending.has(key) || recentCommitted.has(key)) continue;
      pending.set(key, tx);
      fresh.push(tx);
    }
    if (fresh.length === 0) return;
    if (this.isPrimary()) this.tryPropose();
    // Every validator learns of the request (also during a view change), so all of them time out
    // on a primary that ignores it and the new primary has it.
    else this.sendRequest(fresh, true);
    this.viewChange.updateViewTimer(false);
  }

  private onMessage(from: ValidatorIndex, message: PbftMessage): void {
    if (from === this.index || message.from === this.index) return;
    if (!Number.isInteger(from) || from < 0 || from >= this.ctx.n || message.from !== from) {
      throw new PbftError('UNKNOWN_SENDER', `message claims sender ${message.from}, arrived from ${from}`, {
        from,
        claimed: message.from,
      });
    }
    if (!this.ctx.keyring.verify(message)) {
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
        this.checkpoints.onCheckpoint(message);
        this.viewChange.refreshOwnViewChange();
        break;
      case 'view-change':
        this.viewChange.onViewChange(message);
        break;
      case 'new-view':
        this.viewChange.onNewView(message);
        break;
      case 'fetch':
        this.catchUp.onFetch(message);
        this.resendIfStalled(message);
        break;
      case 'decided':
        this.catchUp.onDecided(message);
        break;
    }
  }

  // ---- normal case ----

  private isPrimary(): boolean {
    return !this.s.changing && pbftPrimaryOf(this.s.view, this.ctx.n) === this.index;
  }

  private inWindow(sequence: number): boolean {
    const { stable } = this.s;
    return sequence >= stable.count && sequence < stable.count + this.options.windowSize;
  }

  private onRequest(m: RequestMessage): void {
    const { pending, recentCommitted } = this.s;
    let added = false;
    for (const tx of m.transactions) {
      if (pending.size >= this.options.maxPendingTransactions) break;
      const key = txKey(tx);
      if (pending.has(key) || recentCommitted.has(key)) continue;
      pending.set(key, tx);
      added = true;
    }
    if (!added) return;
    if (this.isPrimary()) this.tryPropose();
    else this.viewChange.updateViewTimer(false);
  }

  private tryPropose(): void {
    if (!this.isPrimary()) return;
    const s = this.s;
    const limit = Math.min(s.executed + this.options.pipelineDepth, s.stable.count + this.options.windowSize);
    while (s.nextSequence < limit) {
      const batch: Uint8Array[] = [];
      for (const [key, tx] of s.pending) {
        if (s.proposed.has(key)) continue;
        batch.push(tx);
        s.proposed.add(key);
        if (batch.length >= this.options.maxBatchTransactions) break;
      }
      if (batch.length === 0) return;
      const pp = this.ctx.keyring.sign<PrePrepareMessage>({
        type: 'pre-prepare',
        from: this.index,
        view: s.view,
        sequence: s.nextSequence++,
        proposer: this.index,
        transactions: batch,
      });
      this.io.persist({ kind: 'pre-prepare', prePrepare: pp });
      this.io.broadcast(pp);
      this.acceptPrePrepare(pp);
    }
  }

  /**
   * A peer still asks for a view this validator is in: the new-view and the view's first messages
   * went out while it was down, and without it the view lacks a quorum when f others are silent.
   * It gets this validator's own signed part of the view again (as primary the new-view and the
   * pre-prepares, as backup the prepares and commits) for every batch not yet executed here.
   * At most once per view timeout per peer, so a Byzantine peer cannot turn it into a flood.
   */
  private resendViewTo(peer: ValidatorIndex): void {
    const s = this.s;
    const last = this.resentTo.get(peer);
    if (last !== undefined && this.now - last < this.options.viewTimeoutMs) return;
    this.resentTo.set(peer, this.now);
    const send = (message: PbftMessage) => this.out.push({ kind: 'send', to: peer, message });
    const own = this.viewChange.ownNewView;
    if (own !== undefined && own.view === s.view) send(own);
    for (const [sequence, slot] of [...s.slots].sort(([a], [b]) => a - b)) {
      if (sequence < s.executed || slot.view !== s.view || slot.prePrepare === undefined) continue;
      if (slot.prePrepare.from === this.index) send(slot.prePrepare);
      const prepare = slot.prepares.get(this.index);
      if (prepare !== undefined) send(prepare);
      const commit = slot.commits.get(this.index);
      if (commit !== undefined) send(commit);
    }
  }

  /**
   * A peer level with us asks for decisions (its idle heartbeat) twice while nothing executed here
   * in between: the batches in flight are stuck. A peer that came back from a crash holds none of
   * their pre-prepares (a backup's log keeps only its own prepares), and with f others silent they
   * lack its prepare; nobody waits on the primary, so no view change comes either. The peer gets
   * this validator's own part of the view again (`resendViewTo`, rate-limited).
   */
  private resendIfStalled(m: FetchMessage): void {
    const s = this.s;
    if (s.changing || m.fromSequence < s.executed) return;
    const before = this.executedAtFetch.get(m.from);
    this.executedAtFetch.set(m.from, s.executed);
    if (before !== s.executed) return;
    for (const [sequence, slot] of s.slots)
      if (sequence >= s.executed && slot.view === s.view && slot.prePrepare !== undefined) {
        this.resendViewTo(m.from);
        return;
      }
  }

  private onPrePrepare(m: PrePrepareMessage): void {
    if (this.early.hold(m)) return;
    if (this.s.changing || m.view !== this.s.view || !this.inWindow(m.sequence)) return;
    if (m.from !== pbftPrimaryOf(m.view, this.ctx.n)) {
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
    const slot = this.s.slotFor(pp.sequence);
    if (slot.prePrepare !== undefined) return;
    const digest = batchDigest(pp.proposer, pp.transactions);
    // A prepare replayed from the signed log binds the slot before its pre-prepare is seen again.
    if (slot.digest !== undefined && !bytesEqual(slot.digest, digest)) return;
    slot.prePrepare = pp;
    slot.digest = digest;
    const signed = slot.prepares.get(this.index);
    if (signed !== undefined) this.io.broadcast(signed);
    else if (pp.from !== this.index) {
      const view = this.s.view;
      const prepare = this.ctx.keyring.sign<PrepareMessage>({
        type: 'prepare',
        from: this.index,
        view,
        sequence: pp.sequence,
        digest,
      });
      slot.prepares.set(this.index, prepare);
      this.io.persist({ kind: 'prepare', view, sequence: pp.sequence, digest });
      this.io.broadcast(prepare);
    }
    this.checkPrepared(pp.sequence, slot);
    this.viewChange.updateViewTimer(false);
  }

  private onPrepare(m: PrepareMessage): void {
    if (m.view > this.s.view) this.catchUp.noteAhead(m.from, m.view);
    if (this.early.hold(m)) return;
    if (this.s.changing || m.view !== this.s.view || !this.inWindow(m.sequence)) return;
    if (m.from === pbftPrimaryOf(m.view, this.ctx.n)) return;
    const slot = this.s.slotFor(m.sequence);
    if (slot.prepares.has(m.from)) return;
    slot.prepares.set(m.from, m);
    this.checkPrepared(m.sequence, slot);
  }

  private checkPrepared(sequence: number, slot: Slot): void {
    if (slot.preparedDone || slot.prePrepare === undefined || slot.digest === undefined) return;
    const f = this.ctx.f;
    const digest = slot.digest;
    const matching = [...slot.prepares.values()].filter((p) => bytesEqual(p.digest, digest));
    if (matching.length < 2 * f) return;
    slot.preparedDone = true;
    const proof: PreparedProof = {
      prePrepare: slot.prePrepare,
      prepares: matching.sort(byFrom).slice(0, 2 * f),
    };
    const existing = this.s.preparedProofs.get(sequence);
    if (existing === undefined || existing.prePrepare.view <= slot.view)
      this.s.preparedProofs.set(sequence, proof);
    this.io.persist({ kind: 'commit', proof });
    const commit = this.ctx.keyring.sign<CommitMessage>({
      type: 'commit',
      from: this.index,
      view: this.s.view,
      sequence,
      digest,
    });
    slot.commits.set(this.index, commit);
    this.io.broadcast(commit);
    this.checkCommitted(sequence, slot);
  }

  private onCommit(m: CommitMessage): void {
    if (m.view > this.s.view) this.catchUp.noteAhead(m.from, m.view);
    if (this.early.hold(m)) return;
    if (this.s.changing || m.view !== this.s.view || !this.inWindow(m.sequence)) return;
    const slot = this.s.slotFor(m.sequence);
    if (slot.commits.has(m.from)) return;
    slot.commits.set(m.from, m);
    this.checkCommitted(m.sequence, slot);
    if (m.sequence >= this.s.executed && !this.s.decided.has(m.sequence)) {
      let same = 0;
      for (const c of slot.commits.values()) if (bytesEqual(c.digest, m.digest)) same++;
      // Others decided a batch we cannot (we missed its pre-prepare): fetch it if that lasts.
      if (same >= this.ctx.quorum) this.catchUp.noteCommittedElsewhere(m.sequence);
    }
  }

  private replayEarly(): void {
    for (const m of this.early.takeReady()) {
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
    if (sequence < this.s.executed || this.s.decided.has(sequence)) return;
    const digest = slot.digest;
    const matching = [...slot.commits.values()].filter((c) => bytesEqual(c.digest, digest));
    if (matching.length < this.ctx.quorum) return;
    this.s.decided.set(sequence, {
      view: slot.view,
      sequence,
      proposer: slot.prePrepare.proposer,
      transactions: slot.prePrepare.transactions,
      digest,
      commits: matching.sort(byFrom).slice(0, this.ctx.quorum),
    });
    this.catchUp.noteDecided(sequence);
    this.executeReady();
  }

  private executeReady(): void {
    let progressed = false;
    for (
      let d = this.s.decided.get(this.s.executed);
      d !== undefined;
      d = this.s.decided.get(this.s.executed)
    ) {
      this.execute(d);
      progressed = true;
    }
    if (!progressed) return;
    // As in PBFT, the timeout doubles with every view change until a request executes again, so
    // a network slower than the initial timeout still gets a view that lasts long enough.
    this.viewChange.progressed();
    this.viewChange.updateViewTimer(true);
    this.tryPropose();
    this.catchUp.executed();
  }

  private execute(d: Decided): void {
    const s = this.s;
    const sequence = d.sequence;
    // The duplicate filter looks back a fixed number of sequences so every validator drops the same.
    const horizon = sequence - this.options.retainBatches;
    for (const [key, at] of s.recentCommitted) {
      if (at >= horizon) break;
      s.recentCommitted.delete(key);
    }
    const transactions: Uint8Array[] = [];
    const dropped: DroppedEntry[] = [];
    for (const [position, tx] of d.transactions.entries()) {
      const key = txKey(tx);
      s.pending.delete(key);
      s.proposed.delete(key);
      if (s.recentCommitted.has(key)) {
        dropped.push({ position, bytes: tx });
        continue;
      }
      s.recentCommitted.set(key, sequence);
      transactions.push(tx);
    }
    const batch: CommittedBatch = {
      sequence,
      round: sequence,
      proposer: d.proposer,
      transactions,
      randomness: decisionRandomness(sequence, d.digest),
      // The commits this validator gathered are one quorum of several possible: proof, not evidence.
      evidence: encodeCommitEvidence([], dropped),
      proof: encodeCommitEvidence(d.commits, dropped),
      endsCommit: true,
    };
    this.out.push({ kind: 'commit', batch });
    s.stateDigest = chainDigest(s.stateDigest, d.digest);
    s.executed = sequence + 1;
    if (s.nextSequence < s.executed) s.nextSequence = s.executed;
    this.checkpoints.executed();
  }

  // ---- requests ----

  private rebroadcastPending(): void {
    if (this.s.pending.size > 0) this.sendRequest([...this.s.pending.values()], true);
  }

  private forwardPending(): void {
    if (this.s.changing || this.s.pending.size === 0) return;
    if (pbftPrimaryOf(this.s.view, this.ctx.n) === this.index) {
      this.tryPropose();
      return;
    }
    this.sendRequest([...this.s.pending.values()], false);
  }

  /** To every validator for a new client request; to the primary alone when re-forwarding. */
  private sendRequest(transactions: readonly Uint8Array[], toAll: boolean): void {
    const primary = pbftPrimaryOf(this.s.view, this.ctx.n);
    const size = this.options.maxBatchTransactions;
    for (let i = 0; i < transactions.length; i += size) {
      const request = this.ctx.keyring.sign<RequestMessage>({
        type: 'request',
        from: this.index,
        transactions: transactions.slice(i, i + size),
      });
      this.out.push(
        toAll ? { kind: 'broadcast', message: request } : { kind: 'send', to: primary, message: request },
      );
    }
  }
}
