import { bytesEqual } from '../../crypto/index.js';
import type { ValidatorIndex } from '../interface.js';
import { PbftError } from './errors.js';
import { pbftPrimaryOf } from './genesis.js';
import type { NewViewMessage, PrePrepareMessage, ViewChangeMessage } from './messages.js';
import { checkCheckpointProof, checkViewChange, type NewViewPlan, planNewView } from './proofs.js';
import {
  byFrom,
  type ReplicaContext,
  type ReplicaIO,
  type ReplicaState,
  type StableCheckpoint,
} from './replica-state.js';
import { batchDigest } from './signing.js';

export const VIEW_TIMER = 'pbft/view';

/** What the view change needs from the rest of the replica. */
export interface ViewChangeComponents {
  readonly ctx: ReplicaContext;
  readonly io: ReplicaIO;
  readonly state: ReplicaState;
  /** Moves the stable checkpoint up (and frees what lies below it). */
  readonly adoptStable: (checkpoint: StableCheckpoint) => void;
  /** The view timer expired while waiting on the primary: peers hear the requests again. */
  readonly suspected: () => void;
  /** Asks peers for decisions soon (a view change may mean we missed some). */
  readonly armFetch: () => void;
  /** A new view was entered: the votes seen for later views are stale. */
  readonly clearAhead: () => void;
  /**
   * Takes the new view's pre-prepares (the proposals it re-issues) and resumes the normal case:
   * the primary proposes, a backup forwards its requests, held messages are replayed.
   */
  readonly resume: (prePrepares: readonly PrePrepareMessage[], primary: boolean) => void;
  /**
   * Sends `peer` this validator's own signed part of the current view again: a peer asking for a
   * view this validator has already entered missed the new-view and the view's messages (it was
   * down when they went out), and a peer that suspects this primary may lack a pre-prepare that
   * another missed too.
   */
  readonly resendView: (peer: ValidatorIndex) => void;
}

/**
 * PBFT's view change: the view timer that suspects a primary, view-change messages with the
 * prepared certificates and the stable checkpoint, the new primary's new-view and the check of
 * it by every backup, and the backoff that lets a slow network find a view that lasts.
 */
export class ViewChange {
  private viewChangeAttempts = 0;
  private viewDeadline: number | null = null;
  private lastViewChangeSentMs = 0;
  private readonly latestViewChange = new Map<ValidatorIndex, ViewChangeMessage>();
  /** The new-view this validator signed as primary of the current view, if any. */
  ownNewView: NewViewMessage | undefined;

  constructor(private readonly c: ViewChangeComponents) {}

  /** The view-change this validator signed last. */
  ownViewChange(): ViewChangeMessage | undefined {
    return this.latestViewChange.get(this.c.ctx.index);
  }

  /** Installs this validator's view-change taken back from the signed log. */
  restoreOwnViewChange(vc: ViewChangeMessage): void {
    this.latestViewChange.set(this.c.ctx.index, vc);
  }

  /** A request executed: the next suspicion starts from the initial timeout again. */
  progressed(): void {
    this.viewChangeAttempts = 0;
  }

  /** A backup waits on the primary while it holds client transactions or unexecuted proposals. */
  waitingForPrimary(): boolean {
    const { state, ctx } = this.c;
    if (pbftPrimaryOf(state.view, ctx.n) === ctx.index && !state.changing) return false;
    if (state.pending.size > 0) return true;
    for (const [sequence, slot] of state.slots) {
      if (sequence >= state.executed && slot.prePrepare !== undefined) return true;
    }
    return false;
  }

  /**
   * Keeps the view timer armed exactly while we wait on the primary. `progress` restarts it, as
   * PBFT restarts the timer when a request executes but others still wait.
   */
  updateViewTimer(progress: boolean): void {
    if (this.c.state.changing) return;
    if (!this.waitingForPrimary()) {
      this.viewDeadline = null;
      return;
    }
    if (this.viewDeadline !== null && !progress) return;
    this.armViewTimer(this.c.ctx.options.viewTimeoutMs * 2 ** Math.min(this.viewChangeAttempts, 6));
  }

  private armViewTimer(delayMs: number): void {
    this.viewDeadline = this.c.io.now() + delayMs;
    this.c.io.push({ kind: 'timer', name: VIEW_TIMER, atMs: this.viewDeadline });
  }

  onViewTimer(): void {
    const { state } = this.c;
    if (this.viewDeadline === null || this.c.io.now() < this.viewDeadline) return;
    this.viewDeadline = null;
    if (state.changing || this.waitingForPrimary()) {
      this.c.suspected();
      this.startViewChange(state.view + 1);
    }
  }

  startViewChange(newView: number): void {
    const { state, ctx, io } = this.c;
    if (newView <= state.view && state.changing) return;
    state.view = newView;
    state.changing = true;
    this.viewChangeAttempts++;
    state.leaveView();
    this.ownNewView = undefined;
    const vc = this.signViewChange(newView);
    this.latestViewChange.set(ctx.index, vc);
    io.persist({ kind: 'view-change', viewChange: vc });
    io.broadcast(vc);
    this.lastViewChangeSentMs = io.now();
    this.c.armFetch();
    this.viewDeadline = null;
    this.maybeArmNewViewTimer();
    this.maybeSendNewView();
  }

  /** This validator's view-change for `newView`: its stable checkpoint and what it prepared above. */
  private signViewChange(newView: number): ViewChangeMessage {
    const { state, ctx } = this.c;
    const prepared = [...state.preparedProofs.entries()]
      .filter(([sequence]) => sequence >= state.stable.count)
      .sort(([a], [b]) => a - b)
      .map(([, proof]) => proof);
    return ctx.keyring.sign<ViewChangeMessage>({
      type: 'view-change',
      from: ctx.index,
      newView,
      stableCount: state.stable.count,
      stableDigest: state.stable.digest,
      checkpointProof: state.stable.proof,
      prepared,
    });
  }

  /**
   * Back from a crash in the middle of a view change whose message the snapshot covers but does not
   * hold (the signed log was emptied when the snapshot was written): without it this validator
   * could never repeat its request, and peers that missed it would never learn it is behind. It
   * signs its view-change for the same view again, a true statement like the first.
   */
  restoreViewChangeAfterRestart(): void {
    const { state, ctx, io } = this.c;
    if (!state.changing || this.latestViewChange.get(ctx.index)?.newView === state.view) return;
    const vc = this.signViewChange(state.view);
    this.latestViewChange.set(ctx.index, vc);
    io.persist({ kind: 'view-change', viewChange: vc });
    io.broadcast(vc);
    this.lastViewChangeSentMs = io.now();
    this.c.armFetch();
    this.maybeArmNewViewTimer();
    this.maybeSendNewView();
  }

  /**
   * The stable checkpoint moved up during a view change: the view-change sent before is signed
   * again on it. Built on the older checkpoint it may carry prepared proofs outside its window (a
   * validator back from a crash keeps them from its signed log while its snapshot's checkpoint is
   * older), which peers refuse, and the view could then lack a quorum for good. Both messages are
   * true statements of this validator: what the new one leaves out lies below a checkpoint 2f + 1
   * signed.
   */
  refreshOwnViewChange(): void {
    const { state, ctx, io } = this.c;
    const own = this.latestViewChange.get(ctx.index);
    if (!state.changing || own === undefined || own.newView !== state.view) return;
    if (own.stableCount >= state.stable.count) return;
    const vc = this.signViewChange(state.view);
    this.latestViewChange.set(ctx.index, vc);
    io.persist({ kind: 'view-change', viewChange: vc });
    io.broadcast(vc);
    this.lastViewChangeSentMs = io.now();
    this.maybeSendNewView();
  }

  /**
   * A view change that waits long repeats its message: a validator that was down when it was
   * first sent (or a primary still working in the old view) learns of it and can join.
   */
  repeatViewChange(): void {
    const { state, ctx, io } = this.c;
    const own = this.latestViewChange.get(ctx.index);
    if (own === undefined || own.newView !== state.view) return;
    if (io.now() - this.lastViewChangeSentMs < ctx.options.viewTimeoutMs) return;
    this.lastViewChangeSentMs = io.now();
    io.broadcast(own);
  }

  /**
   * The new-view timer starts only once 2f+1 validators asked for this view, as in PBFT: a
   * validator alone in a view change waits for the others instead of running ahead of them view
   * after view. Each failed attempt doubles the wait, so eventually a view lasts long enough.
   */
  private maybeArmNewViewTimer(): void {
    const { state, ctx } = this.c;
    if (!state.changing || this.viewDeadline !== null) return;
    let asking = 0;
    for (const vc of this.latestViewChange.values()) if (vc.newView === state.view) asking++;
    if (asking < ctx.quorum) return;
    const backoff = 2 ** Math.min(this.viewChangeAttempts - 1, 6);
    this.armViewTimer(ctx.options.viewTimeoutMs * backoff);
  }

  onViewChange(m: ViewChangeMessage): void {
    const { state, ctx } = this.c;
    // A stable checkpoint above ours, proven by 2f + 1 signed checkpoints, is taken whatever view
    // the sender asks for: a validator that missed the checkpoint messages (down when they went
    // out, then caught up by fetching decisions) would otherwise stay on its old one.
    if (m.stableCount > state.stable.count) {
      checkCheckpointProof(ctx.keyring, m.stableCount, m.stableDigest, m.checkpointProof);
      this.c.adoptStable({ count: m.stableCount, digest: m.stableDigest, proof: m.checkpointProof });
      this.refreshOwnViewChange();
    }
    if (m.newView < state.view || (m.newView === state.view && !state.changing)) {
      if (!state.changing) this.c.resendView(m.from);
      return;
    }
    const previous = this.latestViewChange.get(m.from);
    if (previous !== undefined && previous.newView >= m.newView) return;
    checkViewChange(ctx.keyring, m, ctx.options.windowSize);
    this.latestViewChange.set(m.from, m);
    // A backup suspects this primary. If a pre-prepare of ours reached it but not another backup
    // (down when it went out), that backup neither prepares nor waits, and the suspecting one
    // stays alone: the view neither commits nor changes. Our pre-prepares go out again to every
    // peer, so each one either completes the batch or starts waiting and suspects in turn.
    if (!state.changing && pbftPrimaryOf(state.view, ctx.n) === ctx.index)
      for (let peer = 0; peer < ctx.n; peer++) if (peer !== ctx.index) this.c.resendView(peer);
    // f+1 validators moving past our view include an honest one: join the lowest such view.
    const ahead = [...this.latestViewChange.values()]
      .filter(
        (vc) =>
          vc.from !== ctx.index &&
          (vc.newView > state.view || (!state.changing && vc.newView === state.view)),
      )
      .map((vc) => vc.newView)
      .sort((a, b) => b - a);
    if (ahead.length >= ctx.f + 1) {
      const target = ahead[ctx.f]!;
      if (target > state.view || !state.changing) this.startViewChange(Math.max(target, state.view + 1));
    }
    this.maybeArmNewViewTimer();
    this.maybeSendNewView();
  }

  private maybeSendNewView(): void {
    const { state, ctx, io } = this.c;
    if (!state.changing || pbftPrimaryOf(state.view, ctx.n) !== ctx.index || this.ownNewView !== undefined)
      return;
    const viewChanges = [...this.latestViewChange.values()]
      .filter((vc) => vc.newView === state.view)
      .sort(byFrom)
      .slice(0, ctx.quorum);
    if (viewChanges.length < ctx.quorum) return;
    const plan = planNewView(viewChanges);
    const prePrepares = plan.batches.map((b) =>
      ctx.keyring.sign<PrePrepareMessage>({
        type: 'pre-prepare',
        from: ctx.index,
        view: state.view,
        sequence: b.sequence,
        proposer: b.proposer ?? ctx.index,
        transactions: b.transactions,
      }),
    );
    const nv = ctx.keyring.sign<NewViewMessage>({
      type: 'new-view',
      from: ctx.index,
      view: state.view,
      viewChanges,
      prePrepares,
    });
    this.ownNewView = nv;
    io.persist({ kind: 'new-view', newView: nv });
    io.broadcast(nv);
    this.enterNewView(plan, prePrepares);
  }

  onNewView(m: NewViewMessage): void {
    const { state, ctx } = this.c;
    if (m.view < state.view || (m.view === state.view && !state.changing)) return;
    if (m.from !== pbftPrimaryOf(m.view, ctx.n)) {
      throw new PbftError('UNKNOWN_SENDER', `new-view for view ${m.view} from non-primary ${m.from}`);
    }
    if (m.viewChanges.length !== ctx.quorum) {
      throw new PbftError(
        'BAD_PROOF',
        `new-view carries ${m.viewChanges.length} view-changes, needs ${ctx.quorum}`,
      );
    }
    const senders = new Set<number>();
    for (const vc of m.viewChanges) {
      if (vc.newView !== m.view || senders.has(vc.from)) {
        throw new PbftError('BAD_PROOF', 'new-view holds a duplicate view-change or one for another view');
      }
      senders.add(vc.from);
      if (!ctx.keyring.verify(vc))
        throw new PbftError('BAD_PROOF', `view-change of ${vc.from} is not signed`);
      checkViewChange(ctx.keyring, vc, ctx.options.windowSize);
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
        !ctx.keyring.verify(pp)
      ) {
        throw new PbftError(
          'BAD_PROOF',
          `new-view pre-prepare for sequence ${b.sequence} is not the one implied`,
        );
      }
    });
    state.view = m.view;
    state.leaveView();
    this.enterNewView(plan, m.prePrepares);
  }

  private enterNewView(plan: NewViewPlan, prePrepares: readonly PrePrepareMessage[]): void {
    const { state, ctx } = this.c;
    this.viewDeadline = null;
    this.c.clearAhead();
    for (const [from, vc] of this.latestViewChange)
      if (vc.newView <= state.view) this.latestViewChange.delete(from);
    // Still changing while the plan goes in: adopting the checkpoint moves the window, and a
    // primary that proposed from there would use a sequence the plan then hands out again (two
    // pre-prepares for one slot of one view, signed by an honest primary).
    if (plan.stableCount > state.stable.count) {
      checkCheckpointProof(ctx.keyring, plan.stableCount, plan.stableDigest, plan.checkpointProof);
      this.c.adoptStable({ count: plan.stableCount, digest: plan.stableDigest, proof: plan.checkpointProof });
    }
    state.nextSequence = Math.max(state.executed, plan.stableCount + plan.batches.length);
    state.changing = false;
    this.c.resume(prePrepares, pbftPrimaryOf(state.view, ctx.n) === ctx.index);
    this.updateViewTimer(true);
  }
}
