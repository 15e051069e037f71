import type { ValidatorIndex } from '../interface.js';
import { digestKey } from './codec.js';
import type { Checkpoint, ParentRef } from './types.js';

/**
 * Where the committed order stands: the same at every honest validator after the same leader,
 * which is why a checkpoint (a copy of it) from f + 1 peers proves it. The committer moves the
 * leader fields, the slot position and gcRound, the linearizer the sequence and the ordered set,
 * the synchronizer replaces the whole with a checkpoint; everyone else only reads it.
 */
export class CommitState {
  /** Position of the last leader slot passed in the order, committed or skipped (`slotPosition`). */
  lastDecidedSlot = 0;
  /** Rounds below this are garbage-collected: nothing below it is ever ordered anywhere. */
  gcRound = 0;
  nextSequence = 0;
  lastLeader: ValidatorIndex | null = null;
  lastLeaderRound = 0;
  /** Ordered vertices still in the window: digest → round. */
  readonly committed = new Map<string, number>();

  isOrdered(key: string): boolean {
    return this.committed.has(key);
  }

  /** The state right after a slot's leader was ordered, as served to validators that fell behind. */
  checkpoint(): Checkpoint {
    const committed: ParentRef[] = [];
    for (const [key, round] of this.committed) {
      if (round >= this.gcRound) committed.push({ round, digest: Buffer.from(key, 'hex') });
    }
    committed.sort((a, b) => a.round - b.round || Buffer.compare(a.digest, b.digest));
    return {
      slot: this.lastDecidedSlot,
      nextSequence: this.nextSequence,
      gcRound: this.gcRound,
      lastLeader: this.lastLeader ?? 0,
      lastLeaderRound: this.lastLeaderRound,
      committed,
    };
  }

  /** Takes over a checkpoint agreed by f + 1 peers (its batches were emitted before). */
  adopt(checkpoint: Checkpoint): void {
    for (const ref of checkpoint.committed) this.committed.set(digestKey(ref.digest), ref.round);
    this.lastDecidedSlot = checkpoint.slot;
    this.lastLeader = checkpoint.lastLeader;
    this.lastLeaderRound = checkpoint.lastLeaderRound;
    this.gcRound = Math.max(this.gcRound, checkpoint.gcRound);
  }

  /** Forgets ordered vertices that fell below gcRound. */
  prune(): void {
    for (const [key, round] of this.committed) if (round < this.gcRound) this.committed.delete(key);
  }
}
