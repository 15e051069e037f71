/** Tuning of a PBFT validator. Every validator of a committee must use the same values. */
export interface PbftOptions {
  /** A checkpoint every this many executed batches. */
  readonly checkpointInterval: number;
  /** Sequences accepted above the stable checkpoint (the high watermark); a multiple of the interval. */
  readonly windowSize: number;
  /** Most transactions in one batch. */
  readonly maxBatchTransactions: number;
  /** Most proposals the primary keeps in flight beyond what it executed (pipelining). */
  readonly pipelineDepth: number;
  /** A backup waiting for progress this long suspects the primary; doubled per failed view change. */
  readonly viewTimeoutMs: number;
  /** Retry period of a lagging validator asking peers for decided batches. */
  readonly fetchRetryMs: number;
  /** Decided batches sent in answer to one fetch. */
  readonly fetchLimit: number;
  /**
   * Executed batches kept to answer fetches, and the window (in batches) over which a transaction
   * committed twice is dropped from the later batch. Fixed by sequence, so every validator drops
   * the same duplicates.
   */
  readonly retainBatches: number;
  /** Pending client transactions held at most; more are refused (back-pressure). */
  readonly maxPendingTransactions: number;
  /** Period of the idle pull for missed decisions (one fetch to one peer); 0 turns it off. */
  readonly heartbeatMs: number;
}

export const DEFAULT_PBFT_OPTIONS: PbftOptions = {
  checkpointInterval: 16,
  windowSize: 64,
  maxBatchTransactions: 2048,
  pipelineDepth: 4,
  viewTimeoutMs: 1000,
  fetchRetryMs: 250,
  fetchLimit: 16,
  retainBatches: 128,
  maxPendingTransactions: 200_000,
  heartbeatMs: 2000,
};
