import { bytesEqual } from '../../crypto/index.js';
import type { ValidatorIndex } from '../interface.js';
import type { CheckpointMessage } from './messages.js';
import {
  byFrom,
  type ReplicaContext,
  type ReplicaIO,
  type ReplicaState,
  type StableCheckpoint,
} from './replica-state.js';

/** What checkpointing needs from the rest of the replica. */
export interface CheckpointComponents {
  readonly ctx: ReplicaContext;
  readonly io: ReplicaIO;
  readonly state: ReplicaState;
  /** A peer's checkpoint lies far ahead: we lag. */
  readonly lagging: (from: ValidatorIndex) => void;
  /** A stable checkpoint beyond what we executed: fetch up to it. */
  readonly behind: (count: number) => void;
  /** The window moved: the primary may propose further. */
  readonly windowMoved: () => void;
}

/**
 * Checkpoints every `checkpointInterval` executed batches: 2f + 1 matching ones make a stable
 * checkpoint, which moves the watermarks and frees the log below it.
 */
export class Checkpoints {
  private readonly votes = new Map<number, Map<ValidatorIndex, CheckpointMessage>>();
  private readonly digests = new Map<number, Uint8Array>();

  constructor(private readonly c: CheckpointComponents) {}

  /** After each execution: on a checkpoint boundary, this validator signs and sends its own. */
  executed(): void {
    const { state, ctx, io } = this.c;
    if (state.executed % ctx.options.checkpointInterval !== 0) return;
    this.digests.set(state.executed, state.stateDigest);
    const checkpoint = ctx.keyring.sign<CheckpointMessage>({
      type: 'checkpoint',
      from: ctx.index,
      count: state.executed,
      stateDigest: state.stateDigest,
    });
    io.broadcast(checkpoint);
    this.record(checkpoint);
  }

  onCheckpoint(m: CheckpointMessage): void {
    const { stable } = this.c.state;
    const { options } = this.c.ctx;
    if (m.count <= stable.count || m.count % options.checkpointInterval !== 0) return;
    // Far-future checkpoints only tell us we lag; storing them would let a peer fill our memory.
    if (m.count > stable.count + 4 * options.windowSize) {
      this.c.lagging(m.from);
      return;
    }
    this.record(m);
  }

  private record(m: CheckpointMessage): void {
    let votes = this.votes.get(m.count);
    if (votes === undefined) this.votes.set(m.count, (votes = new Map()));
    if (votes.has(m.from)) return;
    votes.set(m.from, m);
    const matching = [...votes.values()].filter((v) => bytesEqual(v.stateDigest, m.stateDigest));
    if (matching.length < this.c.ctx.quorum) return;
    this.adoptStable({
      count: m.count,
      digest: m.stateDigest,
      proof: matching.sort(byFrom).slice(0, this.c.ctx.quorum),
    });
  }

  adoptStable(checkpoint: StableCheckpoint): void {
    const s = this.c.state;
    if (checkpoint.count <= s.stable.count) return;
    s.stable = checkpoint;
    const low = checkpoint.count;
    // Everything below a stable checkpoint is decided: a primary that lagged never proposes there.
    if (s.nextSequence < low) s.nextSequence = low;
    for (const sequence of s.slots.keys()) if (sequence < low) s.slots.delete(sequence);
    for (const sequence of s.preparedProofs.keys()) if (sequence < low) s.preparedProofs.delete(sequence);
    for (const count of this.votes.keys()) if (count <= low) this.votes.delete(count);
    for (const count of this.digests.keys()) if (count < low) this.digests.delete(count);
    const keepFrom = Math.min(low, s.executed) - this.c.ctx.options.retainBatches;
    for (const sequence of s.decided.keys()) if (sequence < keepFrom) s.decided.delete(sequence);
    if (s.executed < low) this.c.behind(low);
    this.c.windowMoved();
  }
}
