/**
 * What the modelled chains order. Local trades travel in cohorts (one count, one hand-in time);
 * cross-shard trades one by one, since each carries its own protocol state; the root orders
 * commit proofs by shard and height.
 */

/** Something handed in whose closing and finality are counted. */
export interface Tracked {
  readonly bornMs: number;
  /** Trades it stands for. */
  readonly count: number;
  /** Validator executions still to come before it is closed everywhere. */
  closeLeft: number;
  /** Shard blocks that closed it whose proofs the root has not ordered yet. */
  finalLeft: number;
  readonly origin: number;
}

export interface CrossTrade extends Tracked {
  readonly id: number;
  /** Its shards, the buyer's first. */
  readonly shards: readonly number[];
  readonly cycle: number;
  /** By position in `shards`: the wave that first ordered its prepare / decision there (-1: not yet). */
  readonly prepareWave: number[];
  readonly decisionWave: number[];
  /** Per master node: signers seen per shard position (bit masks) and whether it decided. */
  readonly desks: Map<number, { masks: number[]; decided: boolean }>;
  /** A master has sent the decision out (used when each shard orders one copy). */
  decided: boolean;
  /** Per master node and shard position: when it last relayed the prepare there. */
  readonly relayedAt: Map<number, number>;
  /** Per master node: when it first heard a share of the trade (relays wait `RELAY_MS` from it). */
  readonly heardAt: Map<number, number>;
  /** Per master node and shard position: when it last sent the decision there. */
  readonly sentAt: Map<number, number>;
  /** Nodes whose memo holds the decision's signatures (they verified a copy of it). */
  readonly verifiedBy: Set<number>;
}

export type Entry =
  | { readonly kind: 'local'; readonly cohort: Tracked }
  | { readonly kind: 'prepare'; readonly trade: CrossTrade }
  | { readonly kind: 'decision'; readonly trade: CrossTrade }
  | { readonly kind: 'proof'; readonly shard: number; readonly height: number };

/** Transactions an entry stands for in a batch (the DAG's batch limit counts these). */
export function entrySize(entry: Entry): number {
  return entry.kind === 'local' ? entry.cohort.count : 1;
}
