import type { ValidatorIndex } from '../interface.js';
import { digestKey } from './codec.js';
import type { Checkpoint, ParentRef } from './types.js';

/**
 * Where the committed order stands: the same at every honest validator after the same leader,
 * which is why a checkpoint (a copy of it) from f + 1 peers proves it. The committer moves the
 * leader fields and gcRound, the linearizer the sequence, the ordered set and the activity, the
 * synchronizer replaces the whole with a checkpoint; everyone else only reads it.
 */
export class CommitState {
  lastCommittedWave = 0;
  /** Rounds below this are garbage-collected: nothing below it is ever ordered anywhere. */
  gcRound = 0;
  nextSequence = 0;
  lastLeader: ValidatorIndex | null = null;
  lastLeaderRound = 0;
  /** Per validator, the highest round of its vertices ordered so far (leader candidates). */
  activity: number[];
  /** Ordered vertices still in the window: digest → round. */
  readonly committed = new Map<string, number>();

  constructor(size: number) {
    this.activity = new Array(size).fill(0);
  }

  isOrdered(key: string): boolean {
    return this.committed.has(key);
  }

  /** The state right after `wave`'s leader was ordered, as served to validators that fell behind. */
  checkpoint(wave: number): Checkpoint {
    const committed: ParentRef[] = [];
    for (const [key, round] of this.committed) {
      if (round >= this.gcRound) committed.push({ round, digest: Buffer.from(key, 'hex') });
    }
    committed.sort((a, b) => a.round - b.round || Buffer.compare(a.digest, b.digest));
    return {
      wave,
      nextSequence: this.nextSequence,
      gcRound: this.gcRound,
      lastLeader: this.lastLeader ?? 0,
      lastLeaderRound: this.lastLeaderRound,
      activity: [...this.activity],
      committed,
    };
  }

  /** Takes over a checkpoint agreed by f + 1 peers (its batches were emitted before). */
  adopt(checkpoint: Checkpoint): void {
    for (const ref of checkpoint.committed) this.committed.set(digestKey(ref.digest), ref.round);
    this.lastCommittedWave = checkpoint.wave;
    this.lastLeader = checkpoint.lastLeader;
    this.lastLeaderRound = checkpoint.lastLeaderRound;
    this.activity = [...checkpoint.activity];
    this.gcRound = Math.max(this.gcRound, checkpoint.gcRound);
  }

  /** Forgets ordered vertices that fell below gcRound. */
  prune(): void {
    for (const [key, round] of this.committed) if (round < this.gcRound) this.committed.delete(key);
  }
}
