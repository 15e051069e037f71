import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import type { SignatureScheme } from '../crypto/scheme.js';
import { isGridShardError } from '../errors.js';
import type { Application } from './application.js';
import { encodeReceipt, type Receipt } from './block.js';
import { LedgerError } from './errors.js';
import { merkleRoot } from './merkle.js';
import { BlockNonces, checkNonce, type NonceWindow } from './nonces.js';
import { StateOverlay } from './overlay.js';
import type { SignedTransaction } from './signed-transaction.js';
import type { AuthenticatedState, ReadableState } from './state-interface.js';
import { checkTransaction } from './transaction.js';

export { nonceStateKey, readNonce } from './nonces.js';

export interface BlockExecutionInput {
  readonly scheme: SignatureScheme;
  readonly application: Application;
  readonly chainId: string;
  readonly shardId: number;
  readonly height: number;
  readonly timestampMs: number;
  readonly randomness: Uint8Array;
  /** Each carries its bytes, hash and whether this process already checked its signature. */
  readonly transactions: readonly SignedTransaction[];
  /**
   * Check the signature of every transaction this process has not checked already. Replay and
   * `verify` pass transactions marked unchecked, since a stored block is trusted for nothing.
   */
  readonly verifySignatures: boolean;
}

export interface BlockExecution {
  readonly txHashes: Uint8Array[];
  readonly txRoot: Uint8Array;
  readonly receipts: Receipt[];
  readonly receiptsRoot: Uint8Array;
  readonly stateRoot: Uint8Array;
  /** Every key the block changed, in key order; null deletes. */
  readonly changes: { key: Uint8Array; value: Uint8Array | null }[];
  /** The begin-block hook's outcome; null when the application has none. */
  readonly beginBlock: Receipt | null;
}

/** Where the last refused begin-block hook is recorded: its height, code and the running count. */
export const BEGIN_BLOCK_FAILURE_KEY = new Writer(16).string('begin-block').finish();

export interface BeginBlockFailure {
  readonly height: number;
  readonly code: string;
  readonly failures: number;
}

export function readBeginBlockFailure(state: ReadableState): BeginBlockFailure | undefined {
  const bytes = state.get(BEGIN_BLOCK_FAILURE_KEY);
  if (bytes === undefined) return undefined;
  const reader = new Reader(bytes);
  return { height: reader.u64(), code: reader.string(64), failures: reader.u64() };
}

/** Most transactions succeed: one shared receipt and its encoding. */
const OK_RECEIPT: Receipt = Object.freeze({ ok: true, code: '' });
const OK_RECEIPT_BYTES = encodeReceipt(OK_RECEIPT);

function receiptOf(error: unknown): Receipt {
  return { ok: false, code: isGridShardError(error) ? error.code : 'INTERNAL_ERROR' };
}

/**
 * The application's begin-block hook, in its own overlay. A hook that throws must not stop the
 * chain: its writes for this block are dropped, the failure is recorded in state (so every node
 * agrees on it through the state root) and the transactions execute as usual.
 */
function runBeginBlock(blockOverlay: StateOverlay, input: BlockExecutionInput): Receipt | null {
  const { application } = input;
  if (application.beginBlock === undefined) return null;
  const hookOverlay = new StateOverlay(blockOverlay);
  try {
    application.beginBlock(hookOverlay, {
      chainId: input.chainId,
      shardId: input.shardId,
      height: input.height,
      timestampMs: input.timestampMs,
      randomness: input.randomness,
    });
    hookOverlay.commitTo(blockOverlay);
    return { ok: true, code: '' };
  } catch (error) {
    const receipt = receiptOf(error);
    const failures = (readBeginBlockFailure(blockOverlay)?.failures ?? 0) + 1;
    blockOverlay.set(
      BEGIN_BLOCK_FAILURE_KEY,
      new Writer(32).u64(input.height).string(receipt.code.slice(0, 64)).u64(failures).finish(),
    );
    return receipt;
  }
}

/**
 * Executes a block's transactions in order against `state` and leaves `state` holding the result.
 * The application's begin-block hook, if any, runs first.
 * Each transaction runs in its own overlay: a refused one writes nothing but its receipt. A
 * transaction with an unused nonce in the sender's window consumes it even when the contract
 * refuses it, so the same signed bytes can never execute twice (src/ledger/nonces.ts).
 */
export function executeBlock(state: AuthenticatedState, input: BlockExecutionInput): BlockExecution {
  const { scheme } = input;
  const blockOverlay = new StateOverlay(state);
  const receipts: Receipt[] = [];
  const txHashes = input.transactions.map((signed) => signed.hash);
  const beginBlock = runBeginBlock(blockOverlay, input);
  const nonces = new BlockNonces(blockOverlay);
  input.transactions.forEach(({ tx, signatureChecked }, txIndex) => {
    let nonce: { key: string; window: NonceWindow };
    try {
      if (input.verifySignatures && !signatureChecked) checkTransaction(scheme, tx, input);
      else if (tx.chainId !== input.chainId || tx.shardId !== input.shardId) {
        throw new LedgerError('WRONG_CHAIN', 'transaction names another chain or shard', {});
      }
      nonce = nonces.read(tx.sender);
      checkNonce(nonce.window, tx.nonce);
    } catch (error) {
      receipts.push(receiptOf(error));
      return;
    }
    nonces.use(nonce.key, nonce.window, tx.nonce);
    const txOverlay = new StateOverlay(blockOverlay);
    try {
      input.application.execute(txOverlay, tx, {
        chainId: input.chainId,
        shardId: input.shardId,
        height: input.height,
        timestampMs: input.timestampMs,
        randomness: input.randomness,
        txIndex,
        txHash: txHashes[txIndex]!,
      });
      txOverlay.commitTo(blockOverlay);
      receipts.push(OK_RECEIPT);
    } catch (error) {
      receipts.push(receiptOf(error));
    }
  });
  const changes = blockOverlay.changes();
  blockOverlay.commitTo(state);
  return {
    txHashes,
    txRoot: merkleRoot(scheme.hash, txHashes),
    receipts,
    receiptsRoot: merkleRoot(
      scheme.hash,
      receipts.map((receipt) => (receipt === OK_RECEIPT ? OK_RECEIPT_BYTES : encodeReceipt(receipt))),
    ),
    stateRoot: state.root(),
    changes,
    beginBlock,
  };
}
