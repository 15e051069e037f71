import type { ValidatorIndex } from '../interface.js';

/**
 * PBFT's messages. Every one is signed by its sender (`from`) over its canonical body, with the
 * shard and epoch mixed in so a signature cannot be replayed in another committee. Certificates
 * (prepared proofs, checkpoint proofs, commit certificates) are lists of such signed messages, so
 * a receiver can check them without trusting whoever relayed them.
 *
 * Sequence numbers count batches from 0. A checkpoint names `count`, the number of batches
 * executed, so the genesis checkpoint is count 0 and needs no proof.
 */
interface Signed {
  readonly from: ValidatorIndex;
  readonly signature: Uint8Array;
}

/** Client transactions a backup forwards to the primary of its view. */
export interface RequestMessage extends Signed {
  readonly type: 'request';
  readonly transactions: readonly Uint8Array[];
}

/** The primary's proposal of a batch for one sequence number in its view. */
export interface PrePrepareMessage extends Signed {
  readonly type: 'pre-prepare';
  readonly view: number;
  readonly sequence: number;
  /**
   * The primary that first proposed this batch: `from` for a fresh proposal, kept unchanged when a
   * new primary re-proposes a prepared batch, so every validator reports the same proposer.
   */
  readonly proposer: ValidatorIndex;
  readonly transactions: readonly Uint8Array[];
}

export interface PrepareMessage extends Signed {
  readonly type: 'prepare';
  readonly view: number;
  readonly sequence: number;
  readonly digest: Uint8Array;
}

export interface CommitMessage extends Signed {
  readonly type: 'commit';
  readonly view: number;
  readonly sequence: number;
  readonly digest: Uint8Array;
}

export interface CheckpointMessage extends Signed {
  readonly type: 'checkpoint';
  /** Number of batches executed; a multiple of the checkpoint interval. */
  readonly count: number;
  /** Hash chain over the digests of every batch executed so far. */
  readonly stateDigest: Uint8Array;
}

/** A pre-prepare and 2f matching prepares from other validators: the batch was prepared. */
export interface PreparedProof {
  readonly prePrepare: PrePrepareMessage;
  readonly prepares: readonly PrepareMessage[];
}

export interface ViewChangeMessage extends Signed {
  readonly type: 'view-change';
  readonly newView: number;
  /** The sender's last stable checkpoint, with 2f+1 signed checkpoint messages (none at count 0). */
  readonly stableCount: number;
  readonly stableDigest: Uint8Array;
  readonly checkpointProof: readonly CheckpointMessage[];
  /** Every batch the sender prepared above its stable checkpoint, highest view per sequence. */
  readonly prepared: readonly PreparedProof[];
}

/**
 * The new primary's announcement: 2f+1 view-changes and the pre-prepares it derived from them
 * (every receiver derives them again and refuses a new-view whose pre-prepares differ).
 */
export interface NewViewMessage extends Signed {
  readonly type: 'new-view';
  readonly view: number;
  readonly viewChanges: readonly ViewChangeMessage[];
  readonly prePrepares: readonly PrePrepareMessage[];
}

/** A lagging validator asks a peer for decided batches from `fromSequence` on. */
export interface FetchMessage extends Signed {
  readonly type: 'fetch';
  readonly fromSequence: number;
}

/** A decided batch with its commit certificate (2f+1 commits), sent in answer to a fetch. */
export interface DecidedMessage extends Signed {
  readonly type: 'decided';
  readonly view: number;
  readonly sequence: number;
  readonly proposer: ValidatorIndex;
  readonly transactions: readonly Uint8Array[];
  readonly commits: readonly CommitMessage[];
}

export type PbftMessage =
  | RequestMessage
  | PrePrepareMessage
  | PrepareMessage
  | CommitMessage
  | CheckpointMessage
  | ViewChangeMessage
  | NewViewMessage
  | FetchMessage
  | DecidedMessage;

export type PbftMessageType = PbftMessage['type'];

/** A message before it is signed: what the signature covers. */
export type UnsignedPbftMessage = PbftMessage extends infer M
  ? M extends PbftMessage
    ? Omit<M, 'signature'>
    : never
  : never;
