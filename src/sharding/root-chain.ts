import { Writer } from '../codec/index.js';
import type { Committee } from '../consensus/interface.js';
import { bytesEqual, sha256 } from '../crypto/index.js';
import { type CommitProof, decodeCommitProof, verifyCommitProof } from './commit-proof.js';
import type { ShardDirectory } from './cross-decision.js';
import { ShardingError } from './errors.js';
import { RootLedger } from './root-ledger.js';

/** One block of the root chain: the shard commit proofs it ordered, and its own commit proof. */
export interface RootBlock {
  readonly height: number;
  /** Encoded shard commit proofs, in the root chain's order. */
  readonly entries: readonly Uint8Array[];
  /** The root committee's proof of this block: its statement names the block hash and state root. */
  readonly proof: CommitProof;
}

/** A root block's hash: the previous hash, the height and each entry's hash. */
export function rootBlockHash(
  previous: Uint8Array,
  rootShard: number,
  height: number,
  entries: readonly Uint8Array[],
): Uint8Array {
  const writer = new Writer(64 + entries.length * 32).fixedBytes(previous, 32).u32(rootShard).u64(height);
  for (const entry of entries) writer.fixedBytes(sha256(entry), 32);
  return sha256(writer.finish());
}

/**
 * A common node's view of the system from proofs alone: it holds the genesis committees, takes
 * root blocks in order, and accepts one only if the root committee's proof verifies, the block
 * hash is recomputed from the entries and the previous block, and its own replay of the root
 * ledger reaches the state root the root committee signed. The shard commit proofs inside are
 * then checked against their shards' committees; `finalBlock(shard, height)` is the shard block
 * the root chain proves final. A record is then proven by a Merkle path to that block's state
 * root. Throws BAD_COMMIT_PROOF on anything that does not verify, and accepts nothing from it.
 */
export class RootFollower {
  private readonly ledger: RootLedger;
  private previous: Uint8Array = new Uint8Array(32);
  private height = 0;

  constructor(
    private readonly chainId: string,
    private readonly rootShard: number,
    private readonly rootCommittee: Committee,
    directory: ShardDirectory,
  ) {
    this.ledger = new RootLedger(chainId, directory);
  }

  get rootHeight(): number {
    return this.height;
  }

  accept(block: RootBlock): void {
    const { statement } = block.proof;
    if (block.height !== this.height + 1)
      throw new ShardingError('BAD_COMMIT_PROOF', `root block ${block.height} follows ${this.height}`);
    if (
      statement.chainId !== this.chainId ||
      statement.shardId !== this.rootShard ||
      statement.height !== block.height
    )
      throw new ShardingError('BAD_COMMIT_PROOF', 'the proof is not for this root block');
    verifyCommitProof(block.proof, this.rootCommittee);
    const hash = rootBlockHash(this.previous, this.rootShard, block.height, block.entries);
    if (!bytesEqual(hash, statement.blockHash))
      throw new ShardingError(
        'BAD_COMMIT_PROOF',
        `root block ${block.height} does not hash to the proven hash`,
      );
    // Replay on a copy first: a block whose state root does not match changes nothing.
    const proofs = block.entries.map((entry) => decodeCommitProof(entry));
    const trial = this.ledger.clone();
    for (const proof of proofs) trial.include(proof);
    if (!bytesEqual(trial.digest(), statement.stateRoot))
      throw new ShardingError(
        'BAD_COMMIT_PROOF',
        `root block ${block.height} does not reach the proven state root`,
      );
    for (const proof of proofs) this.ledger.include(proof);
    this.previous = hash;
    this.height = block.height;
  }

  /** The shard block at `height` proven final by the root blocks accepted so far. */
  finalBlock(shard: number, height: number): { blockHash: Uint8Array; stateRoot: Uint8Array } | undefined {
    const proof = this.ledger.proof(shard, height);
    return proof === undefined
      ? undefined
      : { blockHash: proof.statement.blockHash, stateRoot: proof.statement.stateRoot };
  }

  finalHeight(shard: number): number {
    return this.ledger.finalHeight(shard);
  }
}
