import type { CommittedBatch, ValidatorIndex } from '../interface.js';
import { agreedBatchBytes, checkpointBytes, digestKey } from './codec.js';
import type { CommitState } from './commit-state.js';
import type { DagContext, Effect } from './context.js';
import { verifyVertexProof } from './evidence.js';
import type { Linearizer } from './linearizer.js';
import type { Checkpoint } from './types.js';

const CHECKPOINTS_KEPT = 4;
const SYNC_BATCHES_PER_RESPONSE = 512;

/** What state sync needs from the rest of the validator. */
export interface SynchronizerComponents {
  readonly ctx: DagContext;
  readonly state: CommitState;
  readonly linearizer: Linearizer;
  /** A checkpoint was adopted: what it made obsolete is dropped, and local ordering resumes. */
  readonly adopted: (out: Effect[]) => void;
}

/**
 * Catch-up for a validator whose missing history its peers already collected: it keeps the last
 * few checkpoints and serves them with the retained batches; on the other side it adopts the
 * newest checkpoint f + 1 peers sent identically, after emitting the batches up to it (each also
 * sent identically by f + 1 peers). While such a catch-up is under way, local ordering waits.
 */
export class Synchronizer {
  /** The last few checkpoints, served to validators that fell behind. */
  private checkpoints: Checkpoint[] = [];
  /** While true, commits come from peers' agreed state instead of the local DAG. */
  private syncingFlag = false;
  private readonly syncResponses = new Map<
    number,
    { checkpoints: readonly Checkpoint[]; batches: readonly CommittedBatch[] }
  >();
  private stuckTicks = 0;
  /** Peers whose last answer was ahead of us and no longer held our next batch. */
  private readonly outOfReach = new Set<ValidatorIndex>();

  constructor(private readonly c: SynchronizerComponents) {}

  get syncing(): boolean {
    return this.syncingFlag;
  }

  /**
   * True once f + 1 peers (so at least one honest) answered with a newer checkpoint but without
   * the next batch this validator needs: their retained windows have moved past it, and no number
   * of answers will bring it. Only copying final blocks from a peer's ledger can (the node does
   * that, src/node/catch-up.ts, and starts a new core after them).
   */
  get beyondReach(): boolean {
    return this.outOfReach.size >= this.c.ctx.validity;
  }

  /**
   * The retransmission tick. Parents still missing a whole interval later were probably collected
   * by the peers: their commit state is asked for instead of the vertices.
   */
  resend(parentsMissing: boolean, out: Effect[]): void {
    this.stuckTicks = parentsMissing ? this.stuckTicks + 1 : 0;
    if (this.stuckTicks >= 2 || this.syncingFlag) {
      out.push({
        kind: 'broadcast',
        message: {
          type: 'sync-request',
          fromSequence: this.c.state.nextSequence,
          slot: this.c.state.lastDecidedSlot,
        },
      });
    }
  }

  /** Local ordering stops until a checkpoint is adopted (the position was moved from outside). */
  awaitCheckpoint(): void {
    this.syncingFlag = true;
  }

  recordCheckpoint(): void {
    const checkpoint = this.c.state.checkpoint();
    this.checkpoints = [...this.checkpoints.slice(-(CHECKPOINTS_KEPT - 1)), checkpoint];
  }

  onSyncRequest(from: ValidatorIndex, fromSequence: number, slot: number, out: Effect[]): void {
    const latest = this.checkpoints[this.checkpoints.length - 1];
    if (latest === undefined || latest.slot <= slot) return;
    const recent = this.c.linearizer.retained();
    const first = recent[0]?.sequence ?? this.c.state.nextSequence;
    const start = Math.max(0, fromSequence - first);
    const batches = recent
      .slice(start, start + SYNC_BATCHES_PER_RESPONSE)
      .filter((b) => b.sequence >= fromSequence && b.sequence < latest.nextSequence);
    out.push({
      kind: 'send',
      to: from,
      message: { type: 'sync-response', checkpoints: this.checkpoints, batches },
    });
  }

  /**
   * Adopts the newest checkpoint that f + 1 peers sent identically (one of them is honest, and
   * honest checkpoints of a slot are equal), after emitting the batches up to it, each also sent
   * identically by f + 1 peers. What a validator commits this way is what it would have ordered.
   */
  onSyncResponse(
    from: ValidatorIndex,
    checkpoints: readonly Checkpoint[],
    batches: readonly CommittedBatch[],
    out: Effect[],
  ): void {
    const { state, ctx } = this.c;
    if (checkpoints.length > CHECKPOINTS_KEPT * 4 || batches.length > SYNC_BATCHES_PER_RESPONSE) return;
    this.syncResponses.set(from, { checkpoints, batches });
    this.noteReach(from, checkpoints, batches);
    const endorsements = new Map<string, { checkpoint: Checkpoint; senders: Set<number> }>();
    for (const [sender, response] of this.syncResponses) {
      for (const checkpoint of response.checkpoints) {
        if (checkpoint.slot <= state.lastDecidedSlot) continue;
        const key = digestKey(checkpointBytes(checkpoint));
        const entry = endorsements.get(key) ?? { checkpoint, senders: new Set<number>() };
        entry.senders.add(sender);
        endorsements.set(key, entry);
      }
    }
    const agreed = [...endorsements.values()]
      .filter((e) => e.senders.size >= ctx.validity)
      .sort((a, b) => b.checkpoint.slot - a.checkpoint.slot)[0];
    if (agreed === undefined) return;
    const target = agreed.checkpoint;
    while (state.nextSequence < target.nextSequence) {
      const batch = this.agreedBatch(state.nextSequence);
      if (batch === undefined) {
        // Part of the way only: stop ordering locally until the rest arrives.
        this.syncingFlag = true;
        return;
      }
      this.c.linearizer.emitSynced(batch, out);
    }
    if (state.nextSequence !== target.nextSequence) return;
    this.adopt(target, out);
  }

  /** Whether `from`'s answer could ever give us our next batch (see `beyondReach`). */
  private noteReach(
    from: ValidatorIndex,
    checkpoints: readonly Checkpoint[],
    batches: readonly CommittedBatch[],
  ): void {
    const next = this.c.state.nextSequence;
    const ahead = checkpoints.some((c) => c.slot > this.c.state.lastDecidedSlot && c.nextSequence > next);
    const first = batches[0]?.sequence;
    if (ahead && (first === undefined || first > next)) this.outOfReach.add(from);
    else this.outOfReach.delete(from);
  }

  /**
   * The batch at `sequence` that f + 1 peers sent identically, proofs set aside, with the first of
   * their proofs that verifies (one of them is honest, and its proof does).
   */
  private agreedBatch(sequence: number): CommittedBatch | undefined {
    const votes = new Map<string, CommittedBatch[]>();
    for (const response of this.syncResponses.values()) {
      const batch = response.batches.find((b) => b.sequence === sequence);
      if (batch === undefined) continue;
      const key = digestKey(agreedBatchBytes(batch));
      const copies = votes.get(key) ?? [];
      copies.push(batch);
      votes.set(key, copies);
      if (copies.length < this.c.ctx.validity) continue;
      return copies.find((copy) => this.proofHolds(copy));
    }
    return undefined;
  }

  private proofHolds(batch: CommittedBatch): boolean {
    try {
      verifyVertexProof(this.c.ctx.committee, batch.evidence, batch.proof, batch.transactions);
      return true;
    } catch {
      return false;
    }
  }

  private adopt(checkpoint: Checkpoint, out: Effect[]): void {
    this.c.state.adopt(checkpoint);
    this.checkpoints = [checkpoint];
    this.syncResponses.clear();
    this.outOfReach.clear();
    this.syncingFlag = false;
    this.stuckTicks = 0;
    this.c.adopted(out);
  }

  snapshot(): { checkpoints: readonly Checkpoint[]; syncing: boolean } {
    return { checkpoints: this.checkpoints, syncing: this.syncingFlag };
  }

  restore(checkpoints: readonly Checkpoint[], syncing: boolean): void {
    this.checkpoints = [...checkpoints];
    this.syncingFlag = syncing;
  }
}
