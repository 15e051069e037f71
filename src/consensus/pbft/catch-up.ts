import type { ValidatorIndex } from '../interface.js';
import type { DecidedMessage, FetchMessage } from './messages.js';
import { checkCommitCertificate } from './proofs.js';
import type { ReplicaContext, ReplicaIO, ReplicaState } from './replica-state.js';
import { batchDigest } from './signing.js';

export const FETCH_TIMER = 'pbft/fetch';
/** The idle pull: one fetch to the next peer in turn, so a decision missed in a lull is found. */
export const HEARTBEAT_TIMER = 'pbft/heartbeat';

/** What catch-up needs from the rest of the replica. */
export interface CatchUpComponents {
  readonly ctx: ReplicaContext;
  readonly io: ReplicaIO;
  readonly state: ReplicaState;
  /** The fetch timer fired during a view change: the view change and the requests go out again. */
  readonly stuckInViewChange: () => void;
  /** Decisions of a later view were accepted: the normal case resumes in that view. */
  readonly followedView: () => void;
  /** Executes every decided batch that is next in order. */
  readonly executeReady: () => void;
}

/**
 * Catch-up of decided batches: a validator that lags (back from a crash, cut off by a partition,
 * or seeing f + 1 peers vote in a later view) asks its peers in turn for what they decided, and
 * checks each answer's commit certificate before executing it. It also answers such requests.
 */
export class CatchUp {
  private fetchTarget = 0;
  private fetchArmed = false;
  private fetchPeer: number;
  private fetchRequestedFrom = -1;
  /** Fetches still to send without a known target: after a restart or a silent timeout. */
  private probesLeft = 0;
  private maxDecided = -1;
  /** Highest sequence seen with 2f+1 matching commits, decided here or not. */
  private maxCommittedSeen = -1;
  /** Senders seen voting in a later view than ours, and the highest such view. */
  private readonly aheadSenders = new Map<ValidatorIndex, number>();

  constructor(private readonly c: CatchUpComponents) {
    this.fetchPeer = (c.ctx.index + 1) % c.ctx.n;
  }

  /**
   * Back from a restart: whatever was decided while we were down comes back through fetch. Asks
   * everyone now, then probes f+1 peers in turn in case they were still deciding.
   */
  restarted(): void {
    const { ctx, state, io } = this.c;
    io.broadcast(
      ctx.keyring.sign<FetchMessage>({ type: 'fetch', from: ctx.index, fromSequence: state.executed }),
    );
    this.probesLeft = ctx.f + 1;
    this.armFetch();
  }

  /** At least one fetch goes out even without a known gap (the primary may be silent). */
  probe(): void {
    this.probesLeft = Math.max(this.probesLeft, 1);
  }

  /**
   * A validator that missed a decision while the network was cut and then fell quiet has no gap to
   * notice: nothing later is decided and no client retransmits. Every heartbeat it asks one peer
   * (in turn) for what follows its last executed batch; a peer with nothing newer sends nothing.
   */
  heartbeat(): void {
    const { ctx, io } = this.c;
    if (ctx.n === 1 || ctx.options.heartbeatMs <= 0) return;
    this.sendFetch();
    io.push({ kind: 'timer', name: HEARTBEAT_TIMER, atMs: io.now() + ctx.options.heartbeatMs });
  }

  /** A sequence was decided here. */
  noteDecided(sequence: number): void {
    this.maxDecided = Math.max(this.maxDecided, sequence);
  }

  /** Others decided a batch we cannot (we missed its pre-prepare): fetch it if that lasts. */
  noteCommittedElsewhere(sequence: number): void {
    this.maxCommittedSeen = Math.max(this.maxCommittedSeen, sequence);
    this.armFetch();
  }

  noteAhead(from: ValidatorIndex, view: number): void {
    this.aheadSenders.set(from, Math.max(view, this.aheadSenders.get(from) ?? 0));
    if (this.aheadSenders.size >= this.c.ctx.f + 1) {
      this.aheadSenders.clear();
      this.behind(this.c.state.executed + 1);
    }
  }

  clearAhead(): void {
    this.aheadSenders.clear();
  }

  /** Fetches until `target` batches are executed. */
  behind(target: number): void {
    this.fetchTarget = Math.max(this.fetchTarget, target);
    if (!this.fetchArmed) {
      this.sendFetch();
      this.armFetch();
    }
  }

  armFetch(): void {
    const { ctx, io } = this.c;
    if (this.fetchArmed || ctx.n === 1) return;
    this.fetchArmed = true;
    io.push({ kind: 'timer', name: FETCH_TIMER, atMs: io.now() + ctx.options.fetchRetryMs });
  }

  private sendFetch(): void {
    const { ctx, state, io } = this.c;
    if (ctx.n === 1) return;
    if (this.fetchPeer === ctx.index) this.fetchPeer = (this.fetchPeer + 1) % ctx.n;
    const fetch = ctx.keyring.sign<FetchMessage>({
      type: 'fetch',
      from: ctx.index,
      fromSequence: state.executed,
    });
    this.fetchRequestedFrom = state.executed;
    io.push({ kind: 'send', to: this.fetchPeer, message: fetch });
    this.fetchPeer = (this.fetchPeer + 1) % ctx.n;
  }

  onFetchTimer(): void {
    const { state } = this.c;
    this.fetchArmed = false;
    const gap = Math.max(this.maxDecided, this.maxCommittedSeen) >= state.executed;
    // A validator stuck in a view change keeps asking for decisions: if the others stayed in the
    // old view and kept deciding, it still executes everything they decided.
    if (state.changing) this.c.stuckInViewChange();
    if (state.executed < this.fetchTarget || gap || this.probesLeft > 0 || state.changing) {
      if (state.executed >= this.fetchTarget && !gap && !state.changing) this.probesLeft--;
      this.sendFetch();
      this.armFetch();
    }
  }

  /** Batches were executed: the fetch goes on, stops, or waits for the next gap. */
  executed(): void {
    const { state, ctx } = this.c;
    if (state.executed >= this.fetchTarget) this.fetchTarget = 0;
    else if (state.executed >= this.fetchRequestedFrom + ctx.options.fetchLimit) this.sendFetch();
    // A later sequence decided while this one is not: if the gap outlives a retry period, we
    // missed messages (a crash, a partition) and fetch the decisions instead of waiting forever.
    if (this.maxDecided >= state.executed) this.armFetch();
  }

  onFetch(m: FetchMessage): void {
    const { ctx, state, io } = this.c;
    for (let s = m.fromSequence; s < m.fromSequence + ctx.options.fetchLimit; s++) {
      const d = state.decided.get(s);
      if (d === undefined || s >= state.executed) break;
      const reply = ctx.keyring.sign<DecidedMessage>({
        type: 'decided',
        from: ctx.index,
        view: d.view,
        sequence: d.sequence,
        proposer: d.proposer,
        transactions: d.transactions,
        commits: d.commits,
      });
      io.push({ kind: 'send', to: m.from, message: reply });
    }
  }

  onDecided(m: DecidedMessage): void {
    const { ctx, state } = this.c;
    if (m.sequence < state.executed || state.decided.has(m.sequence)) return;
    const horizon = Math.max(this.fetchTarget, state.executed, state.stable.count) + ctx.options.windowSize;
    if (m.sequence >= horizon) return;
    const digest = batchDigest(m.proposer, m.transactions);
    checkCommitCertificate(ctx.keyring, m.view, m.sequence, digest, m.commits);
    state.decided.set(m.sequence, {
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
    if (m.view > state.view) {
      state.view = m.view;
      state.changing = false;
      state.leaveView();
      this.c.followedView();
    }
    this.c.executeReady();
  }
}
