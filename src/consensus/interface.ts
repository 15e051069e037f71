/**
 * The boundary between a consensus protocol and everything around it. A protocol is a pure state
 * machine per validator: inputs in (a peer's message, local transactions, a fired timer), effects
 * out (messages to send, timers to arm, batches committed in order). It never reads a clock,
 * draws randomness of its own, touches a socket or a disk: the time of each input is passed in,
 * and the simulator or the node carries out the effects. Both protocols (the asynchronous DAG and
 * the partially synchronous PBFT baseline) implement it, so one simulator and one node run either.
 */

/** Index of a validator in its shard's committee, 0 … n-1. */
export type ValidatorIndex = number;

export interface CommitteeMember {
  readonly index: ValidatorIndex;
  /** Raw 32-byte Ed25519 public key; it signs every message the validator sends. */
  readonly publicKey: Uint8Array;
}

export interface Committee {
  readonly shardId: number;
  readonly epoch: number;
  readonly members: readonly CommitteeMember[];
}

/** n = 3f + 1 + k: the largest f the committee tolerates. */
export function maxFaulty(size: number): number {
  return Math.floor((size - 1) / 3);
}

/** 2f + 1 signatures: any two quorums share an honest validator. */
export function quorumSize(size: number): number {
  return size - maxFaulty(size);
}

/** f + 1: at least one honest validator in any such set. */
export function validitySize(size: number): number {
  return maxFaulty(size) + 1;
}

/** One committed unit, delivered in the same order at every honest validator. */
export interface CommittedBatch {
  /** 0, 1, 2, … without gaps at each validator: the position in the total order. */
  readonly sequence: number;
  /** Protocol round (DAG) or view-and-sequence (PBFT) in which the batch was decided. */
  readonly round: number;
  /** The validator whose proposal carried these transactions. */
  readonly proposer: ValidatorIndex;
  readonly transactions: readonly Uint8Array[];
  /**
   * The round's random number for the block header: the common coin's value (DAG), or a hash of
   * the decision (PBFT, which has no coin). 32 bytes.
   */
  readonly randomness: Uint8Array;
  /**
   * What the batch's decision was, in bytes every honest validator holds alike: the DAG vertex's
   * header without its transactions, or the PBFT entries the duplicate filter left out. It goes
   * into the block, and so into the block's hash.
   */
  readonly evidence: Uint8Array;
  /**
   * This validator's proof that a quorum decided the batch: the `evidence` with the signatures
   * (the certificate's votes, the 2f + 1 commits). Any quorum proves it, and validators may hold
   * different ones, so the proof is kept beside the block, outside its hash.
   */
  readonly proof: Uint8Array;
  /**
   * True on the last batch of one decision (a DAG wave: its committed leaders' histories; a PBFT
   * slot). Every honest validator sees the same boundaries, so a ledger may cut one block per
   * decision and still
   * produce the same chain everywhere, whatever the local timing.
   */
  readonly endsCommit: boolean;
}

export type ConsensusInput<Message> =
  | { readonly kind: 'start' }
  | { readonly kind: 'message'; readonly from: ValidatorIndex; readonly message: Message }
  | { readonly kind: 'transactions'; readonly transactions: readonly Uint8Array[] }
  | { readonly kind: 'timer'; readonly name: string };

export type ConsensusEffect<Message> =
  | { readonly kind: 'send'; readonly to: ValidatorIndex; readonly message: Message }
  | { readonly kind: 'broadcast'; readonly message: Message }
  /** Arms (or re-arms) the timer of that name to fire at `atMs` on the caller's clock. */
  | { readonly kind: 'timer'; readonly name: string; readonly atMs: number }
  | { readonly kind: 'commit'; readonly batch: CommittedBatch }
  /**
   * Something this validator signed and is about to send (its header, a vote, a PBFT prepare,
   * commit or view change). The caller makes the record durable before it carries out any later
   * effect of the same list, and hands every record written since the last snapshot back through
   * `ValidatorInit.signedLog` on restart: a validator killed between two snapshots then never
   * signs a second, different statement for a slot it already signed (an honest equivocation).
   */
  | { readonly kind: 'persist-signed'; readonly record: Uint8Array };

export interface ConsensusCore<Message> {
  readonly index: ValidatorIndex;
  /** Feeds one input at time `nowMs`; returns the effects in the order they must be carried out. */
  handle(input: ConsensusInput<Message>, nowMs: number): ConsensusEffect<Message>[];
  /**
   * What must survive a crash (written by the caller after each `handle`): restoring it gives a
   * validator that never contradicts what it signed before the crash.
   */
  snapshot(): Uint8Array;
}

/**
 * Results of pure checks that validators of one process may share: a signature against its key
 * and message, the same answer whoever asks. `check` must be a pure function of exactly `parts`
 * (every input it reads is among them), so the shared answer is the one `check` would give again
 * and sharing changes nothing but the time spent. The simulator shares one per run among all its
 * validators; a node gives none, so each validator pays for its own checks as on its own machine.
 */
export interface SharedChecks {
  verified(kind: string, parts: readonly Uint8Array[], check: () => boolean): boolean;
}

/** What every validator of either protocol is created from. */
export interface ValidatorInit {
  readonly committee: Committee;
  readonly index: ValidatorIndex;
  /** 32-byte Ed25519 seed of this validator's signing key (matches committee.members[index]). */
  readonly signingSeed: Uint8Array;
  /** A `snapshot()` written before a crash, to resume from; absent on first start. */
  readonly recovered?: Uint8Array;
  /**
   * The `persist-signed` records made durable since (or shortly before) that snapshot, in the
   * order they were emitted. Replaying one the snapshot already holds changes nothing.
   */
  readonly signedLog?: readonly Uint8Array[];
  /** Signature checks shared with the other validators of this process (simulations only). */
  readonly sharedChecks?: SharedChecks;
}

/**
 * A protocol as the simulator and the node see it: a validator factory and the canonical codec of
 * its messages (decoders throw a typed CodecError on any malformed input).
 */
export interface ConsensusProtocol<Message, Init extends ValidatorInit = ValidatorInit> {
  readonly name: string;
  create(init: Init): ConsensusCore<Message>;
  encodeMessage(message: Message): Uint8Array;
  decodeMessage(bytes: Uint8Array): Message;
}
