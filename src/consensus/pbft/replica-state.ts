import { sha256, toHex } from '../../crypto/index.js';
import type { ConsensusEffect, ValidatorIndex } from '../interface.js';
import type {
  CheckpointMessage,
  CommitMessage,
  PbftMessage,
  PrePrepareMessage,
  PreparedProof,
  PrepareMessage,
} from './messages.js';
import type { PbftOptions } from './options.js';
import { encodePbftSignedRecord, type PbftSignedRecord } from './signed-log.js';
import { GENESIS_STATE_DIGEST, type Keyring } from './signing.js';

/** One sequence number's agreement in the current view. */
export interface Slot {
  readonly view: number;
  prePrepare: PrePrepareMessage | undefined;
  digest: Uint8Array | undefined;
  readonly prepares: Map<ValidatorIndex, PrepareMessage>;
  readonly commits: Map<ValidatorIndex, CommitMessage>;
  preparedDone: boolean;
}

export interface Decided {
  readonly view: number;
  readonly sequence: number;
  readonly proposer: ValidatorIndex;
  readonly transactions: readonly Uint8Array[];
  readonly digest: Uint8Array;
  readonly commits: readonly CommitMessage[];
}

export interface StableCheckpoint {
  readonly count: number;
  readonly digest: Uint8Array;
  readonly proof: readonly CheckpointMessage[];
}

export function txKey(tx: Uint8Array): string {
  return toHex(sha256(tx));
}

export function byFrom<M extends PbftMessage>(a: M, b: M): number {
  return a.from - b.from;
}

/** Who this validator is and the committee's rules: fixed for its lifetime. */
export interface ReplicaContext {
  readonly index: ValidatorIndex;
  readonly n: number;
  readonly f: number;
  /** 2f + 1. */
  readonly quorum: number;
  readonly keyring: Keyring;
  readonly options: PbftOptions;
}

/** The input being handled: its time, and the effects it produces, in order. */
export interface ReplicaIO {
  now(): number;
  push(effect: ConsensusEffect<PbftMessage>): void;
  broadcast(message: PbftMessage): void;
  /** Goes out before the statement it records: the caller makes it durable first. */
  persist(record: PbftSignedRecord): void;
}

/** A ReplicaIO over a list that the owner replaces at each input. */
export function replicaIO(now: () => number, out: () => ConsensusEffect<PbftMessage>[]): ReplicaIO {
  return {
    now,
    push: (effect) => out().push(effect),
    broadcast: (message) => out().push({ kind: 'broadcast', message }),
    persist: (record) => out().push({ kind: 'persist-signed', record: encodePbftSignedRecord(record) }),
  };
}

/**
 * The replica's log, as PBFT describes it: the view it is in, the agreement of each sequence in
 * that view, the prepared certificates a view change carries, what was decided and executed, and
 * the stable checkpoint. The normal case, the view change, catch-up and recovery all read and
 * move it; the state private to each of them lives with it.
 */
export class ReplicaState {
  view = 0;
  /** True between sending a view-change and accepting the matching new-view. */
  changing = false;
  executed = 0;
  stateDigest: Uint8Array = GENESIS_STATE_DIGEST;
  stable: StableCheckpoint = { count: 0, digest: GENESIS_STATE_DIGEST, proof: [] };
  nextSequence = 0;
  readonly slots = new Map<number, Slot>();
  readonly preparedProofs = new Map<number, PreparedProof>();
  readonly decided = new Map<number, Decided>();
  /** Client transactions received and not yet executed, in arrival order. */
  readonly pending = new Map<string, Uint8Array>();
  /** At the primary: transactions inside proposals not yet executed. */
  readonly proposed = new Set<string>();
  /** Transactions executed in the last `retainBatches` sequences, with their sequence. */
  readonly recentCommitted = new Map<string, number>();

  /** The slot of `sequence` in the current view (a slot of an older view starts over). */
  slotFor(sequence: number): Slot {
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

  /** Forgets the agreement of the view being left (its slots, the primary's proposals). */
  leaveView(): void {
    this.slots.clear();
    this.proposed.clear();
  }
}
