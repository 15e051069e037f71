import { existsSync } from 'node:fs';
import { ClassicLevel } from 'classic-level';
import { type SignatureScheme, schemeById } from '../crypto/scheme.js';
import type { Application } from './application.js';
import { type BlockHeader, blockHash, decodeBlockHeader, encodeBlockHeader, type Receipt } from './block.js';
import { ChainState, type ExecutedBlock, type ExecuteOptions, genesisChain } from './chain-state.js';
import type { CommittedView } from './committed-view.js';
import { LedgerError } from './errors.js';
import { type ChainParameters, decodeChainParameters, validateChainParameters } from './genesis.js';
import { keyString } from './key-string.js';
import { type MerkleInclusionProof, merkleInclusionProof } from './merkle.js';
import { isSignedTransaction, type SignedTransaction, signedTransactionOf } from './signed-transaction.js';
import { SparseMerkleTree, type StateProof } from './sparse-merkle.js';
import {
  batchProofsKey,
  blockByHashKey,
  blockKey,
  commitProofKey,
  decodeBlockRecord,
  decodeHead,
  decodeHeight,
  decodeTransactionRecord,
  encodeBlockRecord,
  encodeHead,
  encodeHeight,
  encodeTransactionRecords,
  type HeadRecord,
  META_CHAIN,
  META_HEAD,
  RecordKind,
  stateKey,
  type TransactionRecord,
  transactionKey,
} from './store-layout.js';
import type { Transaction } from './transaction.js';

export type Database = ClassicLevel<Uint8Array, Uint8Array>;

export function openDatabase(dir: string, createIfMissing: boolean): Database {
  return new ClassicLevel<Uint8Array, Uint8Array>(dir, {
    keyEncoding: 'view',
    valueEncoding: 'view',
    createIfMissing,
  });
}

export interface StoredBlock {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
  readonly txHashes: Uint8Array[];
  readonly receipts: Receipt[];
}

export interface CommitOptions {
  /**
   * The quorum proofs of the block's batches, written in the same batch as the block but outside
   * its hash (validators hold different, equally valid quorums for one decision).
   */
  readonly batchProofs?: Uint8Array;
  /**
   * Awaited once the block is executed and before it is written. Readers meanwhile still see the
   * previous block; tests pause here to check that, and instrumentation may time the write.
   */
  readonly beforeWrite?: () => Promise<void>;
}

export interface AppendOptions extends ExecuteOptions, CommitOptions {
  /**
   * When copying a chain: the hash the block must have. A block that executes to anything else is
   * not written, and the store must be reopened (its in-memory state ran ahead).
   */
  readonly expectedHash?: Uint8Array;
}

/**
 * The chain of one shard on disk. Each block goes in as one LevelDB batch, written with fsync:
 * the block record, its transactions, the hash index, every state change and the new head. A
 * batch is atomic, so a process killed at any moment leaves the last complete block and its
 * state, never a half-written one.
 *
 * Execution is not the store's: `chain` (a ChainState, pure) executes blocks on the working
 * state, and `commit` writes one executed block (the Commit half of the FinalizeBlock/Commit
 * split). A validator executes through `chain` and commits here; `append` does both for callers
 * that hold a block's transactions in hand (copying a chain, tools, tests).
 *
 * The state is held in memory as a sparse Merkle tree, rebuilt from the `S` records at open and
 * checked against the head block's state root before the store is used.
 *
 * Reads go through `committed`, a view of the last block on disk and the state it produced (see
 * committed-view.ts). The view moves to a block in one assignment after its batch is written, so
 * no reader sees a block's state before its header, nor anything of a block whose write failed.
 */
export class LedgerStore {
  private writing: Promise<unknown> = Promise.resolve();
  private failed = false;

  private constructor(
    private readonly db: Database,
    readonly params: ChainParameters,
    readonly scheme: SignatureScheme,
    /** The executing state: the committed one, plus blocks executed and not yet written. */
    readonly chain: ChainState,
    private view: CommittedView,
  ) {}

  static async create(dir: string, params: ChainParameters, application: Application): Promise<LedgerStore> {
    validateChainParameters(params);
    if (existsSync(dir)) {
      throw new LedgerError('STORE_EXISTS', `${dir} already exists; choose an empty path`, { dir });
    }
    const chain = genesisChain(params, application);
    const header = chain.executedHeader;
    const hash = chain.executedHash;
    const db = openDatabase(dir, true);
    await db.open();
    const head = { height: 0, hash };
    await db.batch(
      [
        ...(params.initialState ?? []).map(({ key, value }) => ({
          type: 'put' as const,
          key: stateKey(key),
          value,
        })),
        { type: 'put', key: META_CHAIN, value: header.evidence },
        {
          type: 'put',
          key: blockKey(0),
          value: encodeBlockRecord({ headerBytes: encodeBlockHeader(header), txHashes: [], receipts: [] }),
        },
        { type: 'put', key: blockByHashKey(hash), value: encodeHeight(0) },
        { type: 'put', key: META_HEAD, value: encodeHead(head) },
      ],
      { sync: true },
    );
    return new LedgerStore(db, params, chain.scheme, chain, chain.view());
  }

  static async open(dir: string, application: Application): Promise<LedgerStore> {
    if (!existsSync(dir)) throw new LedgerError('STORE_MISSING', `no ledger at ${dir}`, { dir });
    const db = openDatabase(dir, false);
    try {
      await db.open();
      const chainBytes = await db.get(META_CHAIN);
      const headBytes = await db.get(META_HEAD);
      if (chainBytes === undefined || headBytes === undefined) {
        throw new LedgerError('STORE_CORRUPT', `${dir} has no chain parameters or head record`, { dir });
      }
      const params = decodeChainParameters(chainBytes);
      const scheme = schemeById(params.scheme);
      const head = decodeHead(headBytes);
      const record = await db.get(blockKey(head.height));
      if (record === undefined) {
        throw new LedgerError('STORE_CORRUPT', `head block ${head.height} is missing`, {
          height: head.height,
        });
      }
      const header = decodeBlockHeader(decodeBlockRecord(record).headerBytes);
      const state = new SparseMerkleTree(scheme.hash);
      for await (const [key, value] of db.iterator({
        gt: new Uint8Array([RecordKind.State]),
        lt: new Uint8Array([RecordKind.State + 1]),
      })) {
        state.set(key.subarray(1), value);
      }
      if (!Buffer.from(state.root()).equals(header.stateRoot)) {
        throw new LedgerError(
          'STORE_CORRUPT',
          `stored state does not match the state root of block ${head.height}`,
          {
            height: head.height,
          },
        );
      }
      const chain = new ChainState(params, scheme, application, state, { header, hash: head.hash });
      return new LedgerStore(db, params, scheme, chain, chain.view());
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  /**
   * The last block written and the state after it, immutable. A reader that needs more than one
   * field (a head with its root, a value with its proof) takes this once and reads it alone.
   */
  get committed(): CommittedView {
    return this.view;
  }

  get head(): HeadRecord {
    return { height: this.view.height, hash: this.view.hash };
  }

  get headBlockHeader(): BlockHeader {
    return this.view.header;
  }

  get stateRoot(): Uint8Array {
    return this.view.stateRoot;
  }

  /** Reads the committed state (after the head block). */
  getState(key: Uint8Array): Uint8Array | undefined {
    return this.view.getState(key);
  }

  proveState(key: Uint8Array): StateProof {
    return this.view.proveState(key);
  }

  /**
   * Executes the transactions as the next block and writes it. Appends are serialised with every
   * other write: a second call waits for the first.
   */
  append(
    transactions: readonly (Transaction | SignedTransaction)[],
    options: AppendOptions,
  ): Promise<StoredBlock> {
    const next = this.writing.then(() => this.appendNow(transactions, options));
    this.writing = next.catch(() => undefined);
    return next;
  }

  /**
   * Writes a block `chain` executed. Blocks must be committed in the order they were executed;
   * writes are serialised, so a caller may execute ahead and commit without awaiting each.
   */
  commit(block: ExecutedBlock, options: CommitOptions = {}): Promise<StoredBlock> {
    const next = this.writing.then(() => this.write(block, options));
    this.writing = next.catch(() => undefined);
    return next;
  }

  private async appendNow(
    transactions: readonly (Transaction | SignedTransaction)[],
    options: AppendOptions,
  ): Promise<StoredBlock> {
    if (this.failed) throw new LedgerError('STORE_CLOSED', 'the store failed a write; reopen it', {});
    const signed = transactions.map((t) =>
      isSignedTransaction(t) ? t : signedTransactionOf(t, this.scheme),
    );
    const block = this.chain.execute(signed, options);
    if (options.expectedHash !== undefined && !Buffer.from(block.hash).equals(options.expectedHash)) {
      this.failed = true;
      throw new LedgerError(
        'BLOCK_MISMATCH',
        `block ${block.header.height} executes to another hash than expected`,
        {
          height: block.header.height,
          hash: Buffer.from(block.hash).toString('hex'),
        },
      );
    }
    return this.write(block, options);
  }

  private async write(block: ExecutedBlock, options: CommitOptions): Promise<StoredBlock> {
    if (this.failed) throw new LedgerError('STORE_CLOSED', 'the store failed a write; reopen it', {});
    const { header, hash } = block;
    const height = header.height;
    if (height !== this.view.height + 1) {
      this.failed = true;
      throw new LedgerError(
        'INVALID_PAYLOAD',
        `block ${height} does not follow the head ${this.view.height}`,
        {
          height,
        },
      );
    }
    const batch = this.db.batch();
    batch.put(
      blockKey(height),
      encodeBlockRecord({
        headerBytes: encodeBlockHeader(header),
        txHashes: block.txHashes,
        receipts: block.receipts,
      }),
    );
    batch.put(blockByHashKey(hash), encodeHeight(height));
    // The index keeps a transaction's first position. The same bytes can be ordered again (two
    // validators proposed it); the copy is refused on its nonce and must not move the index. A copy
    // is always refused (on its nonce, or for whatever refused the first), so only a refused
    // transaction is looked for among those before it and on disk: a block where all succeed
    // builds no set.
    let indexed: Set<string> | null = null;
    const records: TransactionRecord[] = [];
    for (const [index, { bytes }] of block.transactions.entries()) {
      const txHash = block.txHashes[index]!;
      if (!block.receipts[index]!.ok) {
        indexed ??= new Set(block.txHashes.slice(0, index).map(keyString));
        const id = keyString(txHash);
        if (indexed.has(id)) continue;
        indexed.add(id);
        if ((await this.db.get(transactionKey(txHash))) !== undefined) continue;
      } else {
        indexed?.add(keyString(txHash));
      }
      records.push({ height, index, bytes });
    }
    const encoded = encodeTransactionRecords(records);
    for (const [i, { index }] of records.entries()) {
      batch.put(transactionKey(block.txHashes[index]!), encoded[i]!);
    }
    for (const { key, value } of block.changes) {
      if (value === null) batch.del(stateKey(key));
      else batch.put(stateKey(key), value);
    }
    if (options.batchProofs !== undefined) batch.put(batchProofsKey(height), options.batchProofs);
    batch.put(META_HEAD, encodeHead({ height, hash }));
    try {
      await options.beforeWrite?.();
      await batch.write({ sync: true });
    } catch (error) {
      // The in-memory state already holds this block; only a reopen brings memory and disk together.
      this.failed = true;
      throw error;
    }
    this.view = block.view;
    return { header, hash, txHashes: block.txHashes, receipts: block.receipts };
  }

  async readBlock(height: number): Promise<StoredBlock | undefined> {
    const bytes = await this.db.get(blockKey(height));
    if (bytes === undefined) return undefined;
    const record = decodeBlockRecord(bytes);
    const header = decodeBlockHeader(record.headerBytes);
    return {
      header,
      hash: blockHash(this.scheme, header),
      txHashes: record.txHashes,
      receipts: record.receipts,
    };
  }

  async readBlockByHash(hash: Uint8Array): Promise<StoredBlock | undefined> {
    const height = await this.db.get(blockByHashKey(hash));
    return height === undefined ? undefined : this.readBlock(decodeHeight(height));
  }

  async readTransaction(
    hash: Uint8Array,
  ): Promise<{ height: number; index: number; bytes: Uint8Array } | undefined> {
    const bytes = await this.db.get(transactionKey(hash));
    return bytes === undefined ? undefined : decodeTransactionRecord(bytes);
  }

  /** The proof that a transaction is in its block, checked against the header's txRoot. */
  async proveTransaction(
    hash: Uint8Array,
  ): Promise<{ block: StoredBlock; proof: MerkleInclusionProof } | undefined> {
    const located = await this.readTransaction(hash);
    if (located === undefined) return undefined;
    const block = await this.readBlock(located.height);
    if (block === undefined) return undefined;
    return { block, proof: merkleInclusionProof(this.scheme.hash, block.txHashes, located.index) };
  }

  /**
   * Keeps the commit proof of a stored block (its bytes, checked by the caller against the
   * committee and the block). A later proof of the same height replaces it: any valid one proves
   * the same block, since two quorums of one committee cannot sign two blocks for a height.
   */
  async putCommitProof(height: number, proof: Uint8Array): Promise<void> {
    if (height < 1 || height > this.view.height)
      throw new LedgerError('BAD_HEIGHT', `no stored block at height ${height} to attach a commit proof to`, {
        height,
      });
    await this.db.put(commitProofKey(height), proof);
  }

  /** The quorum proofs of a block's batches (validator/evidence.ts), when they were written with it. */
  async readBatchProofs(height: number): Promise<Uint8Array | undefined> {
    return this.db.get(batchProofsKey(height));
  }

  async readCommitProof(height: number): Promise<Uint8Array | undefined> {
    return this.db.get(commitProofKey(height));
  }

  async close(): Promise<void> {
    await this.writing;
    await this.db.close();
  }
}
