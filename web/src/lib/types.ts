/** Shapes of the API answers the portal reads (docs/API.md; GET /openapi.json is authoritative). */
import type { HeaderFields } from './header.js';
import type { LatencyHistogram } from './latency.js';

export interface Status {
  readonly chainId: string;
  readonly shardId: number;
  readonly validatorIndex: number;
  readonly height: number;
  readonly headHash: string;
  readonly stateRoot: string;
  readonly timestampMs: number;
  readonly consensusSequence: number;
  readonly mempoolSize: number;
  readonly peers: number[];
  /** Cumulative since the node started (docs/API.md); absent from nodes older than the field. */
  readonly commitLatency?: LatencyHistogram;
}

export interface Validator {
  readonly index: number;
  readonly publicKey: string;
  readonly address: string;
  readonly api: string;
  readonly role: string;
  readonly connected: boolean;
}

export interface Network {
  readonly shardId: number;
  readonly validators: Validator[];
}

export interface Block extends HeaderFields {
  readonly transactions: { hash: string; ok: boolean; code: string }[];
}

/** A `block` server-sent event: the header fields and the transaction hashes. */
export interface BlockEvent extends HeaderFields {
  readonly transactionHashes: string[];
}

/** A block event and the local time this browser received it. */
export interface Received {
  readonly block: BlockEvent;
  readonly receivedAtMs: number;
}

export interface TxDetail {
  readonly hash: string;
  readonly height: number;
  readonly index: number;
  readonly bytes: string;
  readonly ok: boolean;
  readonly code: string;
  readonly txRoot: string;
  readonly proof: { leafIndex: number; leafCount: number; siblings: string[] };
}

export interface IntervalSummary {
  readonly round: number;
  readonly interval: number;
  readonly clearingPricePerKwh?: number | null;
  readonly volumeWh: number;
  readonly participants: number;
}

export interface CycleAnswer {
  readonly cycleId: string;
  readonly intervals: number;
  readonly round: number;
  readonly summaries: IntervalSummary[];
  readonly deals: number;
  readonly matchedWh: number;
  readonly contractedWh: number;
  readonly contracts: number;
  readonly [field: string]: unknown;
}

/** The cycle record the cycle endpoint spreads into its answer (src/market/records.ts, `Cycle`). */
export interface CycleRecord extends CycleAnswer {
  readonly state: string;
  readonly intervalMs: number;
  readonly deliveryStartMs: number;
  readonly gateClosureMs: number;
  readonly gridEnterprise: string;
  readonly openedAtHeight: number;
  readonly stateSinceMs?: number;
  readonly reasonCode?: string;
  readonly reason?: string;
}
