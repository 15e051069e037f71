import { type SignatureScheme, schemeById } from '../crypto/scheme.js';
import type { Application } from './application.js';
import { type BlockHeader, blockHash, type Receipt } from './block.js';
import { type CommittedView, committedView } from './committed-view.js';
import { LedgerError } from './errors.js';
import { executeBlock } from './executor.js';
import { type ChainParameters, genesisHeader, genesisState, validateChainParameters } from './genesis.js';
import type { SignedTransaction } from './signed-transaction.js';
import type { SparseMerkleTree } from './sparse-merkle.js';

export interface ExecuteOptions {
  readonly timestampMs: number;
  readonly epoch?: number;
  readonly randomness?: Uint8Array;
  readonly evidence?: Uint8Array;
  /** Default true: a chain accepts nothing it has not checked. */
  readonly verifySignatures?: boolean;
}

/**
 * A block executed and not yet durable: everything a store needs to write it, and the view
 * readers will see once it is written. Producing one changes nothing but the working state.
 */
export interface ExecutedBlock {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
  readonly transactions: readonly SignedTransaction[];
  readonly txHashes: Uint8Array[];
  readonly receipts: Receipt[];
  /** Every key the block changed, in key order; null deletes. */
  readonly changes: readonly { key: Uint8Array; value: Uint8Array | null }[];
  /** The block and the state after it, to publish once the block is on disk. */
  readonly view: CommittedView;
}

/**
 * The executing half of a chain, with no I/O: the working state, the last executed block, and
 * the pure step from (state, ordered transactions) to the next block (the FinalizeBlock half of
 * the CometBFT split). Where blocks go afterwards is the caller's business: the LevelDB store
 * writes them; the simulator keeps them in memory.
 */
export class ChainState {
  private head: { header: BlockHeader; hash: Uint8Array };

  constructor(
    readonly params: ChainParameters,
    readonly scheme: SignatureScheme,
    readonly application: Application,
    /** The working state: every executed block applied, durable or not. */
    private readonly state: SparseMerkleTree,
    head: { header: BlockHeader; hash: Uint8Array },
  ) {
    if (!Buffer.from(state.root()).equals(head.header.stateRoot)) {
      throw new LedgerError(
        'STORE_CORRUPT',
        `state does not match the state root of block ${head.header.height}`,
        {
          height: head.header.height,
        },
      );
    }
    this.head = head;
  }

  /** The last block executed (possibly not yet written). */
  get executedHeader(): BlockHeader {
    return this.head.header;
  }

  get executedHash(): Uint8Array {
    return this.head.hash;
  }

  /** When the application's begin-block work next falls due in the executed state (or null). */
  nextDueMs(): number | null {
    return this.application.nextDueMs?.(this.state) ?? null;
  }

  /** A view of the last executed block over a snapshot of the state it produced. */
  view(): CommittedView {
    return committedView(this.head.header, this.head.hash, this.state.snapshot());
  }

  /**
   * Executes `transactions` as the next block on the working state. The result must be written
   * (or the chain dropped) before anything reads it as durable.
   */
  execute(transactions: readonly SignedTransaction[], options: ExecuteOptions): ExecutedBlock {
    const previous = this.head.header;
    const height = previous.height + 1;
    if (!Number.isSafeInteger(options.timestampMs) || options.timestampMs < previous.timestampMs) {
      throw new LedgerError('INVALID_PAYLOAD', `block time ${options.timestampMs} precedes its parent's`, {});
    }
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
      verifySignatures: options.verifySignatures ?? true,
    });
    const header: BlockHeader = {
      chainId: this.params.chainId,
      shardId: this.params.shardId,
      height,
      epoch: options.epoch ?? previous.epoch,
      timestampMs: options.timestampMs,
      previousHash: this.head.hash,
      txRoot: execution.txRoot,
      txCount: transactions.length,
      receiptsRoot: execution.receiptsRoot,
      stateRoot: execution.stateRoot,
      randomness,
      evidence: options.evidence ?? new Uint8Array(0),
    };
    const hash = blockHash(this.scheme, header);
    this.head = { header, hash };
    return {
      header,
      hash,
      transactions,
      txHashes: execution.txHashes,
      receipts: execution.receipts,
      changes: execution.changes,
      view: committedView(header, hash, this.state.snapshot()),
    };
  }
}

/** The chain at its genesis block, in memory (the simulator's and the tests' starting point). */
export function genesisChain(params: ChainParameters, application: Application): ChainState {
  validateChainParameters(params);
  const scheme = schemeById(params.scheme);
  const header = genesisHeader(scheme, params);
  return new ChainState(params, scheme, application, genesisState(scheme, params), {
    header,
    hash: blockHash(scheme, header),
  });
}
