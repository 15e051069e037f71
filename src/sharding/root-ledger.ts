import { Writer } from '../codec/index.js';
import { bytesEqual, sha256 } from '../crypto/index.js';
import { type CommitProof, verifyCommitProof } from './commit-proof.js';
import type { ShardDirectory } from './cross-decision.js';
import { ShardingError } from './errors.js';

/** Two proofs for one shard height with different blocks: a shard committee broke safety. */
export interface FinalityConflict {
  readonly first: CommitProof;
  readonly second: CommitProof;
}

export type Inclusion = 'included' | 'duplicate' | 'conflict';

/**
 * The root chain's record of shard blocks: every commit proof its committee ordered, by shard and
 * height, checked against the shard's committee before it counts. A shard block is final for the
 * outside world once a root block holds its proof, and `finalHeight` is the last height of a shard
 * below which every block is. Run by every root validator on the root chain's committed order.
 */
export class RootLedger {
  private readonly blocks = new Map<number, Map<number, CommitProof>>();
  private readonly contiguous = new Map<number, number>();
  readonly conflicts: FinalityConflict[] = [];

  constructor(
    readonly chainId: string,
    private readonly directory: ShardDirectory,
  ) {}

  /** Throws BAD_COMMIT_PROOF for a proof the shard's committee did not give. */
  include(proof: CommitProof): Inclusion {
    const { statement } = proof;
    if (statement.chainId !== this.chainId)
      throw new ShardingError('BAD_COMMIT_PROOF', `a proof for chain "${statement.chainId}"`);
    const committee = this.directory.committee(statement.shardId, statement.epoch);
    if (committee === undefined)
      throw new ShardingError('BAD_COMMIT_PROOF', `no committee for shard ${statement.shardId}`, {
        shard: statement.shardId,
      });
    verifyCommitProof(proof, committee, this.directory.sharedChecks);
    let heights = this.blocks.get(statement.shardId);
    if (heights === undefined) {
      heights = new Map();
      this.blocks.set(statement.shardId, heights);
    }
    const known = heights.get(statement.height);
    if (known !== undefined) {
      if (
        bytesEqual(known.statement.blockHash, statement.blockHash) &&
        bytesEqual(known.statement.stateRoot, statement.stateRoot)
      )
        return 'duplicate';
      this.conflicts.push({ first: known, second: proof });
      return 'conflict';
    }
    heights.set(statement.height, proof);
    let final = this.contiguous.get(statement.shardId) ?? 0;
    while (heights.has(final + 1)) final++;
    this.contiguous.set(statement.shardId, final);
    return 'included';
  }

  /** An independent copy (a follower tries a block on one before it accepts it). */
  clone(): RootLedger {
    const copy = new RootLedger(this.chainId, this.directory);
    for (const [shard, heights] of this.blocks) copy.blocks.set(shard, new Map(heights));
    for (const [shard, height] of this.contiguous) copy.contiguous.set(shard, height);
    copy.conflicts.push(...this.conflicts);
    return copy;
  }

  /** Every block of the shard at heights 1 … finalHeight has its proof in the root chain. */
  finalHeight(shard: number): number {
    return this.contiguous.get(shard) ?? 0;
  }

  proof(shard: number, height: number): CommitProof | undefined {
    return this.blocks.get(shard)?.get(height);
  }

  digest(): Uint8Array {
    const writer = new Writer(256);
    for (const shard of [...this.blocks.keys()].sort((a, b) => a - b)) {
      const heights = this.blocks.get(shard)!;
      for (const height of [...heights.keys()].sort((a, b) => a - b))
        writer.u32(shard).u64(height).fixedBytes(heights.get(height)!.statement.blockHash, 32);
    }
    return sha256(writer.finish());
  }
}
