import type { CoinPublicKeys } from '../coin/index.js';
import type { ValidatorIndex, ValidatorInit } from '../interface.js';

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
  readonly weakParents: readonly Uint8Array[];
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
  | { readonly type: 'request'; readonly digests: readonly Uint8Array[] };

export interface DagConfig {
  /** A validator proposes at most one vertex per this interval (batching under light load). */
  readonly minRoundIntervalMs: number;
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
}

export const DEFAULT_DAG_CONFIG: DagConfig = {
  minRoundIntervalMs: 10,
  resendIntervalMs: 500,
  maxBatchTransactions: 1000,
  maxBatchBytes: 1 << 20,
  maxPendingTransactions: 100_000,
  gcDepthRounds: 50,
  maxBufferedCertificates: 4096,
};

export interface DagValidatorInit extends ValidatorInit {
  /** This validator's 32-byte secret share of the coin key. */
  readonly coinSecretShare: Uint8Array;
  readonly coinPublicKeys: CoinPublicKeys;
  readonly config?: Partial<DagConfig>;
}
