/**
 * What the WAN projection is built from: unit costs (measured on this machine, or fixed by a
 * test), the encodings' sizes, the model's options, and what one run reports.
 */

/** Microseconds of one CPU for each step a validator takes; sizes in bytes of the real encodings. */
export interface UnitCosts {
  readonly ed25519SignUs: number;
  readonly ed25519VerifyUs: number;
  readonly sha256UsPerKb: number;
  /** Encoding and decoding one small consensus message (a DAG vote). */
  readonly messageUs: number;
  /** Encoding and decoding, per KB of a larger message (a DAG header's batch). */
  readonly codecUsPerKb: number;
  /** The shard's `acceptsEntry` on a signed local trade or prepare (decoding and the client signature). */
  readonly signedEntryCheckUs: number;
  /** The shard's `acceptsEntry` on a decision (decoding only: its votes are checked when it is applied). */
  readonly decisionCheckUs: number;
  readonly applyLocalUs: number;
  readonly prepareUs: number;
  /** Signing one vote share. */
  readonly voteSignUs: number;
  readonly shareVerifyUs: number;
  /** `ShardLedger.decide` of a two-shard decision, its certified votes verified (a cold memo). */
  readonly decideUs: number;
  /** `ShardLedger.decide` of a decision copy whose signatures the validator's memo holds. */
  readonly decideRepeatUs: number;
  /** Signing a block's commit statement. */
  readonly attestUs: number;
  readonly attestationVerifyUs: number;
  /** The root's `acceptsEntry` on a commit proof (its 2f + 1 signatures). */
  readonly proofCheckUs: number;
  /** `RootLedger.include` of a proof (verified again). */
  readonly proofIncludeUs: number;
  /** The same two with every signature of the proof in the root validator's memo (its attestations). */
  readonly proofCheckMemoUs: number;
  readonly proofIncludeMemoUs: number;
  readonly coinShareUs: number;
  readonly coinVerifyUs: number;
  readonly coinCombineUs: number;
  readonly bytes: {
    readonly signedEntry: number;
    readonly decision: number;
    readonly proof: number;
    readonly share: number;
    readonly attestation: number;
    readonly vote: number;
  };
}

/**
 * How cross-shard decisions, vote shares and commit proofs are handled. `as-built`: as the sharded
 * simulator's validators do now (src/sim/sharded): each validator's own memo of the signatures it
 * verified, a master's decision proposed in its own shard (by itself and the next in the draw) and
 * resent to a shard at most once a second, prepares relayed only after a trade waited 400 ms, the
 * own shard's vote in a decision not checked, shares of decided trades or certified statements not
 * checked. `before-savings`: the simulator before those (every copy verified in full, a decision to
 * f + 1 validators of every shard and back to every later share's signer, prepares relayed at
 * once). `one`: as built, but each shard orders one copy of a decision and the root chain one copy
 * of each block's proof (one designated proposer), with no resends or relays.
 */
export type Copies = 'as-built' | 'before-savings' | 'one';

/** One WAN region: nodes are placed round-robin over the regions. */
export interface WanModel {
  readonly regions: readonly string[];
  /** Round-trip ms between regions (symmetric); the diagonal is the intra-region round trip. */
  readonly rttMs: readonly (readonly number[])[];
  /** Each one-way delay is RTT/2 × (1 + jitter × u), u uniform in [0, 1). */
  readonly jitter: number;
  /** Egress bandwidth of every node, Mbit/s. */
  readonly bandwidthMbps: number;
}

export interface WanRunOptions {
  readonly shards: number;
  readonly nodesPerShard: number;
  readonly rootNodes: number;
  readonly crossRatio: number;
  readonly seed: number;
  /** Simulated ms before measuring (the pipeline fills). */
  readonly warmupMs: number;
  /** Simulated ms measured. */
  readonly durationMs: number;
  readonly copies: Copies;
  /** The offered load (see clients.ts). */
  readonly offered:
    | { readonly kind: 'adaptive'; readonly maxPerShard: number; readonly gain: number }
    | { readonly kind: 'rate'; readonly perShardPerSec: number };
  readonly wan: WanModel;
}

/** CPU time by what it was spent on (µs summed over one role's nodes in the measured window). */
export type CostCategory =
  | 'clientSignatures'
  | 'consensusSignatures'
  | 'coin'
  | 'codecAndHashing'
  | 'execution'
  | 'crossShard'
  | 'commitProofs';

export const COST_CATEGORIES: readonly CostCategory[] = [
  'clientSignatures',
  'consensusSignatures',
  'coin',
  'codecAndHashing',
  'execution',
  'crossShard',
  'commitProofs',
];

export interface RoleLoad {
  /** Mean and highest busy fraction of one CPU over the measured window. */
  readonly cpuMean: number;
  readonly cpuMax: number;
  /** Mean busy fraction of the egress link. */
  readonly linkMean: number;
  /** Share of the role's CPU time by category. */
  readonly cpuShare: Readonly<Record<CostCategory, number>>;
}

export interface WanRow {
  readonly shards: number;
  readonly nodesPerShard: number;
  readonly rootNodes: number;
  readonly totalNodes: number;
  readonly crossRatio: number;
  readonly copies: Copies;
  /** Decision copies ordered per cross-shard trade and shard of it (all validators' view alike). */
  readonly decisionCopiesPerShard: number;
  /** Trades whose blocks' commit proofs the root chain ordered, per second of the window. */
  readonly committedTxPerSec: number;
  /** Trades closed at every validator of all their shards, per second (proof or not). */
  readonly shardClosedTxPerSec: number;
  /** Handed in → the root chain orders the proof of the block that closed it (last shard of it). */
  readonly p50LatencyMs: number;
  readonly p99LatencyMs: number;
  /** Distinct shard blocks whose proof the root chain ordered, per second; and proof copies ordered. */
  readonly rootProofsPerSec: number;
  readonly rootProofCopiesPerSec: number;
  /** Shard blocks cut per second (all shards), which the root chain must keep up with. */
  readonly shardBlocksPerSec: number;
  /** Shard blocks cut but not yet proven in the root chain at the end of the run. */
  readonly rootBacklogBlocks: number;
  readonly shardRoundsPerSec: number;
  readonly bottleneck: string;
  readonly load: { readonly shardValidator: RoleLoad; readonly rootValidator: RoleLoad };
  /** The adaptive window at the end, mean over shards (trades in flight per shard). */
  readonly meanWindowPerShard: number;
  readonly simulatedMs: number;
  readonly events: number;
}
