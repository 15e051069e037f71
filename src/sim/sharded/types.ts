import type { SharedChecks } from '../../consensus/interface.js';
import type { Strategy } from '../strategies.js';

export interface ShardedOptions {
  readonly shards: number;
  readonly nodesPerShard: number;
  readonly faultyPerShard: number;
  /** Root committee size (default nodesPerShard) and its faulty members (default faultyPerShard). */
  readonly rootNodes?: number;
  readonly rootFaulty?: number;
  /** The faulty validators' consensus strategy; `all` gives each a different one by seed. */
  readonly byzantine: Strategy | 'all';
  /** Each cycle, the first master of one shard is that shard's faulty validator. */
  readonly byzantineMaster: boolean;
  /** Share of trades whose accounts span two or more zones. */
  readonly crossRatio: number;
  readonly trades?: number;
  readonly seed: number;
  /** Virtual time after the faults end within which every trade must be decided everywhere. */
  readonly livenessBoundMs?: number;
  /**
   * The memo through which the run's validators check certificates (default: a fresh CheckMemo).
   * A test plants one that passes every signature, to show the checks catch what follows.
   */
  readonly certificateChecks?: SharedChecks;
  /** No partitions, crashes or drops in any committee and no cross-shard losses (delays remain). */
  readonly calm?: boolean;
  /**
   * False: no memo of signature checks shared by the validators, neither in the DAG cores nor for
   * certificates, so each validator verifies everything itself as on its own machine.
   */
  readonly shareChecks?: boolean;
  /** Clients sign every trade (its payer's key) and the shards accept only signed trades. */
  readonly signedTrades?: boolean;
  /** Accounts funded far beyond the trades, so that trades commit rather than run short. */
  readonly ampleFunds?: boolean;
  /** Virtual window over which the trades are handed in (default 2500 ms). */
  readonly tradeWindowMs?: number;
  /** Honest shard validators drop entries not worth proposing (`ShardNode.redundant`). */
  readonly dropSettled?: boolean;
  /** Record the CPU time of the event loop and each trade's virtual latency (`measured`). */
  readonly measure?: boolean;
}

/** What a measured run adds (machine-dependent, so kept out of the seeded result otherwise). */
export interface ShardedMeasurement {
  /** process.cpuUsage (user + system) over the event loop, in ms. */
  readonly loopCpuMs: number;
  /** Per trade closed everywhere: virtual ms from first handed in to closed at every honest validator of every shard of it. */
  readonly closeLatenciesMs: readonly number[];
  readonly tradesPlanned: number;
}

/**
 * How a committee's messages travel in a sharded run: `fault-plan` (heavy-tailed delays,
 * duplicates, drops, a partition that heals, a crash and restart) or `async` (the consensus
 * simulator's asynchronous scheduler: the adversary orders delivery and starves what it targets
 * until a release time) or `colluding` (the consensus simulator's colluding brain drives the
 * committee's faulty validators and holds what its attacks need held).
 */
export type CommitteeScheduler = 'fault-plan' | 'async' | 'colluding' | 'twins';

export interface ShardedResult {
  readonly seed: number;
  readonly shards: number;
  readonly nodesPerShard: number;
  readonly faultyPerShard: number;
  /** Committed orders agree at the honest validators of every committee (shards and root). */
  readonly agreementOk: boolean;
  /** Every trade decided in all its shards at every honest validator, and the root chain final over them. */
  readonly livenessOk: boolean;
  /** No honest validator signed two conflicting consensus messages. */
  readonly equivocationOk: boolean;
  readonly stateRootDivergences: number;
  /** A trade committed in one shard and aborted in another. */
  readonly atomicityViolations: number;
  /** A balance below what its locks hold, or two certified votes of one shard on one trade. */
  readonly doubleSpends: number;
  /** Money or energy, summed over all shards, differing from genesis once every trade is decided. */
  readonly conservationViolations: number;
  /** A root-chain proof naming a block the shard's honest validators did not commit, or two proofs for one height. */
  readonly finalityViolations: number;
  readonly crossShardCommitted: number;
  readonly crossShardAborted: number;
  readonly localCommitted: number;
  /** Decisions the shards refused (forged, short, another trade's votes), by error code. */
  readonly refusedDecisions: Readonly<Record<string, number>>;
  readonly masterAttacks: Readonly<Record<string, number>>;
  readonly crossMessagesLost: number;
  readonly rootFinalHeights: readonly number[];
  /** What a common node holding only the genesis committees verified as final, per shard, from root blocks and their proofs. */
  readonly followerFinalHeights: readonly number[];
  readonly virtualMs: number;
  readonly restarts: number;
  /** Each committee's adversary (shards in order, then the root): its fault plan, the asynchronous scheduler, the colluding brain or twins. */
  readonly schedulers: readonly CommitteeScheduler[];
  /** Per committee, the messages its network held (the asynchronous scheduler's; a fault plan holds none). */
  readonly heldMessages: readonly number[];
  /** Attacks the colluding brains carried out (a stale parent tried, double votes, a steered coin). */
  readonly colludingAttacks: number;
  /** Twins committees in which an honest core holds proof that a twinned identity signed two headers for one round. */
  readonly twinsProven: number;
  readonly problems: readonly string[];
  readonly measured?: ShardedMeasurement;
}
