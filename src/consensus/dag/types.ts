import type { CoinPublicKeys } from '../coin/index.js';
import type { CommittedBatch, ValidatorIndex, ValidatorInit } from '../interface.js';

/** A reference to an older vertex with the round its author claims for it. */
export interface ParentRef {
  readonly round: number;
  readonly digest: Uint8Array;
}

/**
 * A vertex proposal: the author's batch for one round and its references. `parents` are
 * certificates of round - 1 (at least 2f + 1, the strong edges the commit rule follows);
 * `weakParents` are older certificates the author had not yet reached, so that every certified
 * vertex an honest validator holds is eventually ordered. Coin rounds carry the author's coin
 * share for the wave that round closes.
 */
export interface Header {
  readonly author: ValidatorIndex;
  readonly round: number;
  readonly parents: readonly Uint8Array[];
  readonly weakParents: readonly ParentRef[];
  readonly transactions: readonly Uint8Array[];
  readonly coinShare: Uint8Array | null;
  /** Ed25519 over the header digest. */
  readonly signature: Uint8Array;
}

export interface Vote {
  readonly headerDigest: Uint8Array;
  readonly voter: ValidatorIndex;
  /** Ed25519 over the vote domain and the header digest. */
  readonly signature: Uint8Array;
}

export interface VoteSignature {
  readonly voter: ValidatorIndex;
  readonly signature: Uint8Array;
}

/** A header with 2f + 1 votes: at most one can exist per author and round. */
export interface Certificate {
  readonly header: Header;
  readonly votes: readonly VoteSignature[];
}

export type DagMessage =
  | { readonly type: 'header'; readonly header: Header }
  | { readonly type: 'vote'; readonly vote: Vote }
  | { readonly type: 'certificate'; readonly certificate: Certificate }
  /** Asks for certificates by digest: how a validator catches up on vertices it missed. */
  | { readonly type: 'request'; readonly digests: readonly Uint8Array[] }
  /** A validator whose missing history was collected by its peers asks for their commit state. */
  | { readonly type: 'sync-request'; readonly fromSequence: number; readonly slot: number }
  | {
      readonly type: 'sync-response';
      readonly checkpoints: readonly Checkpoint[];
      readonly batches: readonly CommittedBatch[];
    };

/**
 * The commit state right after a slot's leader was ordered: the same at every honest validator,
 * so f + 1 identical copies from peers prove it to a validator that fell behind.
 */
export interface Checkpoint {
  /** Position of the committed slot (`slotPosition`). */
  readonly slot: number;
  readonly nextSequence: number;
  readonly gcRound: number;
  readonly lastLeader: ValidatorIndex;
  readonly lastLeaderRound: number;
  /** Ordered vertices at or above gcRound, sorted by round then digest. */
  readonly committed: readonly ParentRef[];
}

export interface DagConfig {
  /** A validator proposes at most one vertex per this interval (batching under light load). */
  readonly minRoundIntervalMs: number;
  /**
   * The pace when no transaction waits anywhere (none queued here, every certified one ordered):
   * rounds still run, so a validator that fell silent is noticed and the coin keeps turning, but
   * slowly. The first transaction brings back the fast pace at once.
   */
  readonly idleRoundIntervalMs: number;
  /** Period of retransmission of the validator's own header and certificate and of fetches. */
  readonly resendIntervalMs: number;
  readonly maxBatchTransactions: number;
  readonly maxBatchBytes: number;
  /** Transactions waiting for a vertex beyond this are refused (back-pressure to the client). */
  readonly maxPendingTransactions: number;
  /** Rounds kept behind the last committed leader before vertices are garbage-collected. */
  readonly gcDepthRounds: number;
  /** Certificates held while their parents are fetched. */
  readonly maxBufferedCertificates: number;
  /**
   * Recently committed batches kept to serve peers that fell behind. Every ordered vertex is a
   * batch, an idle one too (about 8 a second for an idle committee of four, some 700 bytes each),
   * so the window bounds how long a validator may be away and still catch up through consensus:
   * about 12 minutes idle at the defaults, where the byte bound decides, and less under load. One
   * that restarts further behind copies its peers' blocks first (src/node/catch-up.ts).
   */
  readonly retainedBatches: number;
  /** The same window's bound in bytes (transactions, evidence and proofs): its memory. */
  readonly retainedBatchBytes: number;
}

export const DEFAULT_DAG_CONFIG: DagConfig = {
  minRoundIntervalMs: 10,
  idleRoundIntervalMs: 500,
  resendIntervalMs: 500,
  maxBatchTransactions: 1000,
  maxBatchBytes: 1 << 20,
  maxPendingTransactions: 100_000,
  gcDepthRounds: 50,
  maxBufferedCertificates: 4096,
  retainedBatches: 16_384,
  retainedBatchBytes: 4 * 1024 * 1024,
};

export interface DagValidatorInit extends ValidatorInit {
  /** This validator's 32-byte secret share of the coin key. */
  readonly coinSecretShare: Uint8Array;
  readonly coinPublicKeys: CoinPublicKeys;
  readonly config?: Partial<DagConfig>;
  /**
   * The application's structural check of one batch entry (no signatures, no state): a header
   * holding an entry it refuses gets no vote, so every certified batch holds only entries the
   * application can read. It must be deterministic and the same at every validator.
   */
  readonly acceptsEntry?: (entry: Uint8Array) => boolean;
  /**
   * The ledger already holds every batch up to this sequence, copied from peers past what this
   * core ordered (its snapshot is older than their retained window): the core takes up the order
   * after it, from a checkpoint f + 1 peers agree on, and orders nothing locally before that.
   */
  readonly orderedThrough?: number;
  /**
   * Members new to the committee in this epoch (committee indices): each joins from following the
   * chain, so its first vertices come late, and a wave whose coin elects one of them before any
   * of its vertices is ordered commits nothing. They are left out of the leader election until
   * one of their vertices is ordered (while the rest make a quorum). Every validator of the epoch
   * must be given the same list: it is part of the commit rule.
   */
  readonly newcomers?: readonly number[];
}
