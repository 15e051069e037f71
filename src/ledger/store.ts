import { existsSync } from 'node:fs';
import { ClassicLevel } from 'classic-level';
import { type SignatureScheme, schemeById } from '../crypto/scheme.js';
import type { Application } from './application.js';
import { type BlockHeader, blockHash, decodeBlockHeader, encodeBlockHeader, type Receipt } from './block.js';
import { type CommittedView, committedView } from './committed-view.js';
import { LedgerError } from './errors.js';
import { executeBlock } from './executor.js';
import {
  type ChainParameters,
  decodeChainParameters,
  genesisHeader,
  genesisState,
  validateChainParameters,
} from './genesis.js';
import { type MerkleInclusionProof, merkleInclusionProof } from './merkle.js';
import { SparseMerkleTree, type StateProof } from './sparse-merkle.js';
import {
  blockByHashKey,
  blockKey,
  decodeBlockRecord,
  decodeHead,
  decodeHeight,
  decodeTransactionRecord,
  encodeBlockRecord,
  encodeHead,
  encodeHeight,
  encodeTransactionRecord,
  type HeadRecord,
  META_CHAIN,
  META_HEAD,
  RecordKind,
  stateKey,
  transactionKey,
} from './store-layout.js';
import { encodeTransaction, type Transaction } from './transaction.js';

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

export interface AppendOptions {
  readonly timestampMs: number;
  readonly epoch?: number;
  readonly randomness?: Uint8Array;
  readonly evidence?: Uint8Array;
  /** Default true: a store accepts nothing it has not checked. */
  readonly verifySignatures?: boolean;
  /** Signatures this process already checked (see BlockExecutionInput.alreadyVerified). */
  readonly alreadyVerified?: (txHashHex: string) => boolean;
  /**
   * When copying a chain: the hash the block must have. A block that executes to anything else is
   * not written, and the store must be reopened (its in-memory state ran ahead).
   */
  readonly expectedHash?: Uint8Array;
  /**
   * Awaited once the block is executed and before it is written. Readers meanwhile still see the
   * previous block; tests pause here to check that, and instrumentation may time the write.
   */
  readonly beforeWrite?: () => Promise<void>;
}

/**
 * The chain of one shard on disk. Each block goes in as one LevelDB batch, written with fsync:
 * the block record, its transactions, the hash index, every state change and the new head. A
 * batch is atomic, so a process killed at any moment leaves the last complete block and its
 * state, never a half-written one.
 *
 * The state is held in memory as a sparse Merkle tree, rebuilt from the `S` records at open and
 * checked against the head block's state root before the store is used.
 *
 * Reads go through `committed`, a view of the last block on disk and the state it produced (see
 * committed-view.ts). A block executes on the working tree; the view moves to it in one
 * assignment after its batch is written, so no reader sees a block's state before its header, nor
 * anything of a block whose write failed.
 */
export class LedgerStore {
  private appending: Promise<unknown> = Promise.resolve();
  private failed = false;

  private constructor(
    private readonly db: Database,
    readonly params: ChainParameters,
    readonly scheme: SignatureScheme,
    private readonly application: Application,
    /** The working state: the committed one, plus the block being executed while one is. */
    private readonly state: SparseMerkleTree,
    private view: CommittedView,
  ) {}

  static async create(dir: string, params: ChainParameters, application: Application): Promise<LedgerStore> {
    validateChainParameters(params);
    if (existsSync(dir)) {
      throw new LedgerError('STORE_EXISTS', `${dir} already exists; choose an empty path`, { dir });
    }
    const scheme = schemeById(params.scheme);
    const db = openDatabase(dir, true);
    await db.open();
    const header = genesisHeader(scheme, params);
    const hash = blockHash(scheme, header);
    const head = { height: 0, hash };
    const state = genesisState(scheme, params);
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
    return new LedgerStore(
      db,
      params,
      scheme,
      application,
      state,
      committedView(header, hash, state.snapshot()),
    );
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
      const view = committedView(header, head.hash, state.snapshot());
      return new LedgerStore(db, params, scheme, application, state, view);
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
   * Executes the transactions as the next block and writes it. Appends are serialised: a second
   * call waits for the first.
   */
  append(transactions: readonly Transaction[], options: AppendOptions): Promise<StoredBlock> {
    const next = this.appending.then(() => this.appendNow(transactions, options));
    this.appending = next.catch(() => undefined);
    return next;
  }

  private async appendNow(
    transactions: readonly Transaction[],
    options: AppendOptions,
  ): Promise<StoredBlock> {
    if (this.failed) throw new LedgerError('STORE_CLOSED', 'the store failed a write; reopen it', {});
    const previous = this.view.header;
    const height = previous.height + 1;
    if (!Number.isSafeInteger(options.timestampMs) || options.timestampMs < previous.timestampMs) {
      throw new LedgerError('INVALID_PAYLOAD', `block time ${options.timestampMs} precedes its parent's`, {});
    }
    const encoded = transactions.map(encodeTransaction);
    const randomness = options.randomness ?? new Uint8Array(32);
    const execution = executeBlock(this.state, {
      scheme: this.scheme,
      application: this.application,
      chainId: this.params.chainId,
      shardId: this.params.shardId,
      height,
      timestampMs: options.timestampMs,
      randomness,
      transactions,
      encoded,
      verifySignatures: options.verifySignatures ?? true,
      ...(options.alreadyVerified === undefined ? {} : { alreadyVerified: options.alreadyVerified }),
    });
    const header: BlockHeader = {
      chainId: this.params.chainId,
      shardId: this.params.shardId,
      height,
      epoch: options.epoch ?? previous.epoch,
      timestampMs: options.timestampMs,
      previousHash: this.view.hash,
      txRoot: execution.txRoot,
      txCount: transactions.length,
      receiptsRoot: execution.receiptsRoot,
      stateRoot: execution.stateRoot,
      randomness,
      evidence: options.evidence ?? new Uint8Array(0),
    };
    const hash = blockHash(this.scheme, header);
    if (options.expectedHash !== undefined && !Buffer.from(hash).equals(options.expectedHash)) {
      this.failed = true;
      throw new LedgerError('BLOCK_MISMATCH', `block ${height} executes to another hash than expected`, {
        height,
        hash: Buffer.from(hash).toString('hex'),
      });
    }
    const head = { height, hash };
    const batch = this.db.batch();
    // Taken before any await: the state after this block, whatever a reader does meanwhile.
    const view = committedView(header, hash, this.state.snapshot());
    batch.put(
      blockKey(height),
      encodeBlockRecord({
        headerBytes: encodeBlockHeader(header),
        txHashes: execution.txHashes,
        receipts: execution.receipts,
      }),
    );
    batch.put(blockByHashKey(hash), encodeHeight(height));
    // The index keeps a transaction's first position. The same bytes can be ordered again (two
    // validators proposed it); the copy is refused on its nonce and must not move the index.
    const indexed = new Set<string>();
    for (const [index, bytes] of encoded.entries()) {
      const txHash = execution.txHashes[index]!;
      const id = Buffer.from(txHash).toString('hex');
      if (indexed.has(id)) continue;
      indexed.add(id);
      if (!execution.receipts[index]!.ok && (await this.db.get(transactionKey(txHash))) !== undefined)
        continue;
      batch.put(transactionKey(txHash), encodeTransactionRecord({ height, index, bytes }));
    }
    for (const { key, value } of execution.changes) {
      if (value === null) batch.del(stateKey(key));
      else batch.put(stateKey(key), value);
    }
    batch.put(META_HEAD, encodeHead(head));
    try {
      await options.beforeWrite?.();
      await batch.write({ sync: true });
    } catch (error) {
      // The in-memory state already holds this block; only a reopen brings memory and disk together.
      this.failed = true;
      throw error;
    }
    this.view = view;
    return { header, hash, txHashes: execution.txHashes, receipts: execution.receipts };
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

  async close(): Promise<void> {
    await this.appending;
    await this.db.close();
  }
}
