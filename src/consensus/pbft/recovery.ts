import type { ValidatorIndex } from '../interface.js';
import { PbftError } from './errors.js';
import type { CommitMessage, PrePrepareMessage, PrepareMessage } from './messages.js';
import { checkPreparedProof, planNewView } from './proofs.js';
import { type ReplicaContext, type ReplicaState, txKey } from './replica-state.js';
import type { PbftSignedRecord } from './signed-log.js';
import { batchDigest } from './signing.js';
import type { PbftSnapshot } from './snapshot.js';
import type { ViewChange } from './view-change.js';

/**
 * How a replica comes back after a crash: its snapshot, then each signed record written after it.
 * Both run before the first input; neither sends anything (`start` re-sends what peers may lack).
 */
export class Recovery {
  constructor(
    private readonly ctx: ReplicaContext,
    private readonly state: ReplicaState,
    private readonly viewChange: ViewChange,
  ) {}

  restore(s: PbftSnapshot): void {
    const { state, ctx } = this;
    state.view = s.view;
    state.changing = s.viewChanging;
    state.executed = s.executedCount;
    state.stateDigest = s.stateDigest;
    state.stable = { count: s.stableCount, digest: s.stableDigest, proof: s.stableProof };
    state.nextSequence = Math.max(s.nextSequence, s.executedCount);
    for (const proof of s.prepared) {
      checkPreparedProof(ctx.keyring, proof);
      state.preparedProofs.set(proof.prePrepare.sequence, proof);
    }
    // The proposals accepted in this view stay accepted: a restarted validator never prepares a
    // second batch for the same sequence, nor proposes one as primary.
    for (const pp of s.prePrepares) {
      const slot = state.slotFor(pp.sequence);
      slot.prePrepare = pp;
      slot.digest = batchDigest(pp.proposer, pp.transactions);
      if (pp.from === ctx.index) for (const tx of pp.transactions) state.proposed.add(txKey(tx));
    }
    this.viewChange.ownNewView = s.ownNewView ?? undefined;
    for (const tx of s.pending) state.pending.set(txKey(tx), tx);
    for (const { key, sequence } of s.recentCommitted) state.recentCommitted.set(key, sequence);
  }

  /**
   * Brings the state up to one signature made after the snapshot (a record the snapshot already
   * covers changes nothing): the view it was made in, the slot it bound, the sequence it used.
   */
  replaySigned(record: PbftSignedRecord): void {
    const { state, ctx, viewChange } = this;
    switch (record.kind) {
      case 'view-change': {
        const vc = record.viewChange;
        this.checkOwn(vc.from);
        this.replayView(vc.newView, true);
        const own = viewChange.ownViewChange();
        if (state.view === vc.newView && (own === undefined || own.newView < vc.newView))
          viewChange.restoreOwnViewChange(vc);
        break;
      }
      case 'new-view': {
        const nv = record.newView;
        this.checkOwn(nv.from);
        this.replayView(nv.view, false);
        if (state.view !== nv.view || viewChange.ownNewView !== undefined) break;
        viewChange.ownNewView = nv;
        for (const pp of nv.prePrepares) this.replayPrePrepare(pp);
        const plan = planNewView(nv.viewChanges);
        state.nextSequence = Math.max(state.nextSequence, plan.stableCount + plan.batches.length);
        break;
      }
      case 'pre-prepare':
        this.checkOwn(record.prePrepare.from);
        this.replayView(record.prePrepare.view, false);
        this.replayPrePrepare(record.prePrepare);
        break;
      case 'prepare': {
        this.replayView(record.view, false);
        if (record.view !== state.view || record.sequence < state.stable.count) break;
        const slot = state.slotFor(record.sequence);
        slot.digest ??= record.digest;
        if (!slot.prepares.has(ctx.index)) {
          const { view, sequence, digest } = record;
          const prepare = ctx.keyring.sign<PrepareMessage>({
            type: 'prepare',
            from: ctx.index,
            view,
            sequence,
            digest,
          });
          slot.prepares.set(ctx.index, prepare);
        }
        break;
      }
      case 'commit': {
        const pp = record.proof.prePrepare;
        const existing = state.preparedProofs.get(pp.sequence);
        if (
          pp.sequence >= state.stable.count &&
          (existing === undefined || existing.prePrepare.view < pp.view)
        )
          state.preparedProofs.set(pp.sequence, record.proof);
        this.replayView(pp.view, false);
        if (!this.replayPrePrepare(pp)) break;
        const slot = state.slotFor(pp.sequence);
        for (const prepare of record.proof.prepares)
          if (!slot.prepares.has(prepare.from)) slot.prepares.set(prepare.from, prepare);
        slot.preparedDone = true;
        if (!slot.commits.has(ctx.index) && slot.digest !== undefined) {
          const commit = ctx.keyring.sign<CommitMessage>({
            type: 'commit',
            from: ctx.index,
            view: pp.view,
            sequence: pp.sequence,
            digest: slot.digest,
          });
          slot.commits.set(ctx.index, commit);
        }
        break;
      }
    }
  }

  private checkOwn(from: ValidatorIndex): void {
    if (from !== this.ctx.index)
      throw new PbftError('BAD_SIGNED_LOG', `a message of validator ${from} in the log of ${this.ctx.index}`);
  }

  /** Moves forward only: a view entered is later than the same view still being changed to. */
  private replayView(view: number, changing: boolean): void {
    const { state } = this;
    if (view < state.view || (view === state.view && (changing || !state.changing))) return;
    if (view > state.view) {
      state.leaveView();
      this.viewChange.ownNewView = undefined;
    }
    state.view = view;
    state.changing = changing;
  }

  /**
   * Installs a pre-prepare of the current view; false when it belongs to another view or lies
   * below the stable checkpoint. The upper end of the window is not checked: the snapshot's
   * checkpoint may be older than the one the pre-prepare was accepted under.
   */
  private replayPrePrepare(pp: PrePrepareMessage): boolean {
    const { state, ctx } = this;
    if (pp.view !== state.view) return false;
    if (pp.from === ctx.index) state.nextSequence = Math.max(state.nextSequence, pp.sequence + 1);
    if (pp.sequence < state.stable.count) return false;
    const slot = state.slotFor(pp.sequence);
    if (slot.prePrepare === undefined) {
      slot.prePrepare = pp;
      slot.digest = batchDigest(pp.proposer, pp.transactions);
    }
    if (pp.from === ctx.index && pp.sequence >= state.executed) {
      // The queue this proposal was taken from may be newer than the snapshot: if the proposal
      // dies with this view, its transactions still go to the next primary.
      for (const tx of pp.transactions) {
        const key = txKey(tx);
        state.proposed.add(key);
        if (!state.recentCommitted.has(key)) state.pending.set(key, tx);
      }
    }
    return true;
  }
}
