import { decodeExact, type Reader, Writer } from '../codec/index.js';
import { bytesEqual } from '../crypto/index.js';
import type { Application, TransactionContext } from '../ledger/application.js';
import type { KeyValueState, ReadableState } from '../ledger/state-interface.js';
import type { Transaction } from '../ledger/transaction.js';
import { decodeCommitProof, ShardingError, verifyCommitProof } from '../sharding/index.js';
import { directoryFromState } from './directory.js';

/** Records a zone shard block on the root chain. Payload: the block's commit proof. */
export const ROOT_SHARD_BLOCK = 'root.shard-block';
/** The shard id of a sharded system's root chain (its zone shards count up from 0). */
export const ROOT_SHARD_ID = 0xffff_ffff;

const text = new TextEncoder();

export interface ShardHead {
  readonly height: number;
  readonly blockHash: Uint8Array;
  readonly stateRoot: Uint8Array;
}

export function shardHeadKey(shard: number): Uint8Array {
  return text.encode(`root/shard/${shard}/head`);
}

export function shardBlockKey(shard: number, height: number): Uint8Array {
  return text.encode(`root/shard/${shard}/block/${height}`);
}

export function shardConflictKey(shard: number, height: number): Uint8Array {
  return text.encode(`root/shard/${shard}/conflict/${height}`);
}

function encodeHead(head: ShardHead): Uint8Array {
  return new Writer(80)
    .u64(head.height)
    .fixedBytes(head.blockHash, 32)
    .fixedBytes(head.stateRoot, 32)
    .finish();
}

export function readShardHead(state: ReadableState, shard: number): ShardHead | undefined {
  const bytes = state.get(shardHeadKey(shard));
  if (bytes === undefined) return undefined;
  return decodeExact(bytes, (r: Reader) => ({
    height: r.u64(),
    blockHash: r.fixedBytes(32),
    stateRoot: r.fixedBytes(32),
  }));
}

/**
 * The root committee's contract: each transaction is a zone shard's commit proof, checked against
 * that shard's committee (from the directory in genesis) before it counts. Recorded by shard and
 * height, with the shard's head; a shard block is final for the outside world once a root block
 * holds its proof, and so is every block below it in that shard's hash chain. A valid proof for a
 * height the root already holds with another block is kept as evidence (the shard's committee
 * signed two blocks for one height, which needs more than a third of it faulty) and changes no head.
 */
export const rootApplication: Application = {
  types: [ROOT_SHARD_BLOCK],
  execute(state: KeyValueState, tx: Transaction, context: TransactionContext): void {
    const directory = directoryFromState(state);
    if (directory === null)
      throw new ShardingError('NOT_SHARDED', 'this chain has no shard directory in its genesis', {});
    if (context.shardId !== ROOT_SHARD_ID)
      throw new ShardingError('NOT_SHARDED', 'shard blocks are recorded on the root chain only', {});
    const proof = decodeCommitProof(tx.payload);
    const { statement } = proof;
    if (statement.chainId !== context.chainId)
      throw new ShardingError('BAD_COMMIT_PROOF', `a proof for chain "${statement.chainId}"`, {});
    const committee = directory.committee(statement.shardId, statement.epoch);
    if (committee === undefined)
      throw new ShardingError('BAD_COMMIT_PROOF', `no committee for shard ${statement.shardId}`, {
        shard: statement.shardId,
      });
    verifyCommitProof(proof, committee);
    const known = state.get(shardBlockKey(statement.shardId, statement.height));
    const record = new Writer(64)
      .fixedBytes(statement.blockHash, 32)
      .fixedBytes(statement.stateRoot, 32)
      .finish();
    if (known !== undefined) {
      if (bytesEqual(known, record))
        throw new ShardingError('STALE_SHARD_BLOCK', 'the root chain already holds this block', {});
      state.set(shardConflictKey(statement.shardId, statement.height), tx.payload);
      return;
    }
    const head = readShardHead(state, statement.shardId);
    if (head !== undefined && statement.height <= head.height)
      throw new ShardingError(
        'STALE_SHARD_BLOCK',
        `shard ${statement.shardId} is final up to ${head.height} already`,
        {
          shard: statement.shardId,
          head: head.height,
        },
      );
    state.set(shardBlockKey(statement.shardId, statement.height), record);
    state.set(shardHeadKey(statement.shardId), encodeHead(statement));
  },
};
