/**
 * Where a common node reads a chain from: what it needs of a validator's API, and no more. The
 * SDK's client is one; a test can hand in blocks from memory. Keeping the node on this small type
 * instead of the SDK keeps the layers pointing one way (the SDK sits above the node).
 */
export interface ChainSource {
  /** A block as the API serves it (`GET /api/v1/blocks/{height}`), or null past the head. */
  block(height: number): Promise<Record<string, unknown> | null>;
  /**
   * A block's transactions as canonical hex bytes and its batch quorum proofs (hex), or null past
   * the head.
   */
  blockTransactions(
    height: number,
  ): Promise<{ height: number; hash: string; transactions: string[]; batchProofs?: string } | null>;
  /**
   * The committee's commit proof of a block (hex, `GET /api/v1/blocks/{height}/commit-proof`), or
   * null while 2f + 1 signatures are not collected. A source without it proves no finality.
   */
  commitProof?(height: number): Promise<{ proof: string } | null>;
}
