import type { AnswerOf, ROUTES, RouteDeclaration } from '../routes/index.js';

/**
 * The answers the client returns. Each names only fields its route declares (src/routes), which
 * `AnswersDeclared` checks at compile time: a field renamed or dropped on the server breaks the
 * build of the client, not its callers at run time. An answer may name fewer fields than are served.
 */

export interface NodeStatus {
  readonly chainId: string;
  readonly shardId: number;
  readonly validatorIndex: number;
  readonly height: number;
  readonly headHash: string;
  readonly stateRoot: string;
  readonly timestampMs: number;
  /** The epoch of the committee that orders after the head (0 while the genesis committee does). */
  readonly epoch: number;
  readonly consensusSequence: number;
  readonly mempoolSize: number;
  readonly peers: number[];
  /**
   * Transactions admitted at this node, from admission to their block, since the node started:
   * count, total seconds and cumulative counts per upper bound (seconds). Two answers' differences
   * give the figures of the time between them.
   */
  readonly commitLatency: {
    readonly count: number;
    readonly sumSeconds: number;
    readonly buckets: { readonly leSeconds: number; readonly count: number }[];
  };
}

export interface NodeHealth {
  readonly status: string;
  readonly height: number;
  readonly peers: number;
  readonly validators: number;
}

export interface ShardNetwork {
  readonly shardId: number;
  readonly validators: {
    readonly index: number;
    readonly publicKey: string;
    readonly address: string;
    readonly api: string;
    readonly role: string;
    readonly connected: boolean;
  }[];
}

export interface CommittedTransaction {
  readonly hash: string;
  readonly height: number;
  readonly index: number;
  readonly ok: boolean;
  readonly code: string;
}

export interface BlockTransactions {
  readonly height: number;
  readonly hash: string;
  readonly transactions: string[];
  /** Hex of the block's batch quorum proofs; absent where the node holds none (block 0). */
  readonly batchProofs?: string;
}

/** The grid zones the system is sharded by, and the shard the answering node serves. */
export interface ZonesAnswer {
  readonly shardId: number;
  readonly zones: { readonly shardId: number; readonly name: string; readonly buses: number[] }[];
}

/** A chain's place in the sharded system, the masters of the cycle and (root) the shard blocks held. */
export interface ShardingAnswer {
  readonly chainId: string;
  readonly shardId: number;
  readonly role: string;
  readonly cycle: number;
  readonly cycleMs: number;
  readonly shards: {
    readonly shardId: number;
    readonly validators: string[];
    readonly masters: number[];
    readonly rootHeight?: number;
    readonly rootBlockHash?: string;
  }[];
  readonly root: { readonly validators: string[] };
}

/** The master order of every zone shard for one cycle. */
export interface CycleMastersAnswer {
  readonly cycle: number;
  readonly startsAtMs: number;
  /** `root-coin`: drawn from the root chain's common coin; `public`: the foreseeable fallback. */
  readonly beacon: 'root-coin' | 'public';
  /** The root block the beacon came from, once the answering node resolved it. */
  readonly beaconHeight?: number;
  readonly shards: { readonly shardId: number; readonly masters: number[]; readonly apis: string[] }[];
}

/** What a validator's credit in the last audited cycle rests on: counts from the chain's ordered vertices. */
export interface CreditEvidence {
  readonly votes: number;
  readonly missedVotes: number;
  readonly certified: number;
  readonly committed: number;
  readonly coinShares: number;
  readonly missedRounds: number;
  readonly equivocated: boolean;
}

/** The newest key-generation session of the chain's coin, as the chain's state holds it. */
export interface KeyGenerationStatus {
  readonly session: string;
  readonly phase: 'deal' | 'complain' | 'justify' | 'closed';
  readonly members: number;
  readonly threshold: number;
  readonly openedAtMs: number;
  readonly dealUntilMs: number;
  readonly complainUntilMs: number;
  readonly justifyUntilMs: number;
  readonly dealt: readonly number[];
  readonly complaints: readonly {
    readonly dealer: number;
    readonly complainer: number;
    readonly answered: boolean;
  }[];
  /** Once closed: the qualified dealers, or null (with `failure`) when too few qualified. */
  readonly qualified: readonly number[] | null;
  readonly failure: string | null;
}

/** The answering chain's nodes with role and credit, audited from its own chain. */
export interface RolesAnswer {
  readonly chainId: string;
  readonly shardId: number;
  readonly cycleMs: number;
  readonly closedCycles: number;
  readonly auditedCycles: number;
  readonly weights: Record<string, number>;
  readonly carry: number;
  readonly creditScale: number;
  readonly lastCycle: {
    readonly cycle: number;
    readonly fromHeight: number;
    readonly toHeight: number;
    readonly firstRound: number;
    readonly lastRound: number;
    readonly vertices: number;
    readonly scored: boolean;
  } | null;
  /** The newest key-generation session of the coin, from the chain's state (docs/ROLES.md). */
  readonly keyGeneration: KeyGenerationStatus | null;
  /** On a chain whose committee hands over: the epoch, its committee and the newest election. */
  readonly handover?: {
    readonly epoch: number;
    readonly keyPhaseMs: number;
    readonly committee: readonly number[];
    readonly pending: { readonly nextEpoch: number; readonly members: readonly number[] } | null;
    readonly lastElection: {
      readonly epoch: number;
      readonly dueHeight: number;
      readonly elected: readonly number[];
      readonly replaced: { readonly out: number; readonly in: number } | null;
      readonly removed: readonly { readonly out: number; readonly in: number | null }[];
    } | null;
  };
  readonly nodes: {
    readonly index: number;
    readonly publicKey: string;
    readonly role: string;
    readonly credit: number;
    readonly cycleScore: number | null;
    readonly evidence: CreditEvidence | null;
    readonly suspended: boolean;
    readonly suspension: { readonly round: number; readonly height: number; readonly proof: string } | null;
  }[];
}

/** Where a cross-zone trade stands in the answering shard. */
export interface CrossTradeAnswer {
  readonly tradeId: string;
  readonly shardId: number;
  readonly status: string;
  readonly verdict: string;
}

/** A cross-zone account homed in the answering shard; amounts are decimal strings. */
export interface CrossAccountAnswer {
  readonly account: string;
  readonly money: string;
  readonly energy: string;
  readonly lockedMoney: string;
  readonly lockedEnergy: string;
}

/** A block's commit proof: `proof` is its canonical bytes (hex), checkable with the committee's keys. */
export interface CommitProofAnswer {
  readonly height: number;
  readonly shardId: number;
  readonly epoch: number;
  readonly blockHash: string;
  readonly stateRoot: string;
  readonly signers: number[];
  readonly proof: string;
}

/** A sparse-Merkle proof: a leaf's path and value hash, or `empty` for a key that is absent. */
export interface StateProof {
  readonly siblings: string[];
  readonly terminal: { readonly kind: string; readonly path?: string; readonly valueHash?: string };
}

export interface ProvenStateKey {
  readonly key: string;
  readonly stateRoot: string;
  readonly height: number;
  readonly proof: StateProof;
}

export interface StateValue extends ProvenStateKey {
  /** The value in hex; null when the key is absent (the proof then shows its absence). */
  readonly value: string | null;
}

export interface Session {
  readonly token: string;
  readonly expiresAtMs: number;
  /** The role the chain grants the key now (`none` unless its registration is approved). */
  readonly role: string;
  /** The registration's status, or `unregistered`. */
  readonly status: string;
}

/** One transaction's fate in a multi-transaction submission. */
export type SubmitResult =
  | { readonly status: 'pending'; readonly hash: string }
  | { readonly status: 'refused'; readonly code: string; readonly detail: string };

/** True when every member of T names only fields of A (the answer the declaration infers). */
type Within<T, A> = T extends unknown
  ? [Exclude<keyof T, keyof NonNullable<A>>] extends [never]
    ? true
    : false
  : never;
type Answer<R extends RouteDeclaration, Status extends number> = NonNullable<AnswerOf<R, Status>>;
type ItemOf<A> = NonNullable<A> extends readonly (infer I)[] ? I : never;
type Holds<T extends true> = T;

/** Fails to compile when an answer type names a field its route does not declare. */
export type AnswersDeclared = [
  Holds<Within<NodeStatus, Answer<typeof ROUTES.status, 200>>>,
  Holds<Within<NodeStatus['commitLatency'], NonNullable<Answer<typeof ROUTES.status, 200>['commitLatency']>>>,
  Holds<Within<NodeHealth, Answer<typeof ROUTES.health, 200>>>,
  Holds<Within<ShardNetwork, Answer<typeof ROUTES.network, 200>>>,
  Holds<Within<ShardNetwork['validators'][number], ItemOf<Answer<typeof ROUTES.network, 200>['validators']>>>,
  Holds<Within<CommittedTransaction, Answer<typeof ROUTES.transaction, 200>>>,
  Holds<Within<BlockTransactions, Answer<typeof ROUTES.blockTransactions, 200>>>,
  Holds<Within<CommitProofAnswer, Answer<typeof ROUTES.commitProof, 200>>>,
  Holds<Within<ZonesAnswer, Answer<typeof ROUTES.zones, 200>>>,
  Holds<Within<ShardingAnswer, Answer<typeof ROUTES.sharding, 200>>>,
  Holds<Within<CrossTradeAnswer, Answer<typeof ROUTES.crossTrade, 200>>>,
  Holds<Within<CycleMastersAnswer, Answer<typeof ROUTES.cycleMasters, 200>>>,
  Holds<Within<RolesAnswer['nodes'][number], ItemOf<Answer<typeof ROUTES.roles, 200>['nodes']>>>,
  Holds<Within<KeyGenerationStatus, NonNullable<Answer<typeof ROUTES.roles, 200>['keyGeneration']>>>,
  Holds<Within<CrossAccountAnswer, Answer<typeof ROUTES.crossAccount, 200>>>,
  Holds<Within<ProvenStateKey, Answer<typeof ROUTES.stateProof, 200>>>,
  Holds<Within<StateProof, Answer<typeof ROUTES.stateProof, 200>['proof']>>,
  Holds<
    Within<StateProof['terminal'], NonNullable<Answer<typeof ROUTES.stateProof, 200>['proof']>['terminal']>
  >,
  Holds<Within<StateValue, Answer<typeof ROUTES.state, 200>>>,
  Holds<Within<Session, Answer<typeof ROUTES.authSession, 200>>>,
  Holds<Within<{ readonly hash: string }, Answer<typeof ROUTES.submit, 202>>>,
  Holds<
    Within<
      { readonly accepted: number; readonly results: SubmitResult[] },
      Answer<typeof ROUTES.submitMany, 200>
    >
  >,
  Holds<Within<SubmitResult, ItemOf<Answer<typeof ROUTES.submitMany, 200>['results']>>>,
];
