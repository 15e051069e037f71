import { Writer } from '../codec/writer.js';
import type { SignatureScheme } from '../crypto/scheme.js';
import { isGridShardError } from '../errors.js';
import type { Application } from './application.js';
import { encodeReceipt, type Receipt } from './block.js';
import { LedgerError } from './errors.js';
import { merkleRoot } from './merkle.js';
import { StateOverlay } from './overlay.js';
import type { AuthenticatedState, KeyValueState } from './state-interface.js';
import { checkTransaction, type Transaction } from './transaction.js';

/** Where the ledger keeps each sender's next nonce, beside the application's own keys. */
export function nonceStateKey(sender: Uint8Array): Uint8Array {
  return new Writer(8 + sender.length).string('nonce').bytes(sender).finish();
}

export function readNonce(state: KeyValueState, sender: Uint8Array): bigint {
  const stored = state.get(nonceStateKey(sender));
  if (stored === undefined) return 0n;
  return Buffer.from(stored).readBigUInt64BE(0);
}

function writeNonce(state: KeyValueState, sender: Uint8Array, nonce: bigint): void {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(nonce);
  state.set(nonceStateKey(sender), new Uint8Array(bytes));
}

export interface BlockExecutionInput {
  readonly scheme: SignatureScheme;
  readonly application: Application;
  readonly chainId: string;
  readonly shardId: number;
  readonly height: number;
  readonly timestampMs: number;
  readonly randomness: Uint8Array;
  readonly transactions: readonly Transaction[];
  /** Canonical bytes of each transaction, in the same order. */
  readonly encoded: readonly Uint8Array[];
  /**
   * Re-check every signature. The node checks them before ordering; replay and `verify` check
   * them again, since a stored block is trusted for nothing.
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
}

function receiptOf(error: unknown): Receipt {
  return { ok: false, code: isGridShardError(error) ? error.code : 'INTERNAL_ERROR' };
}

/**
 * Executes a block's transactions in order against `state` and leaves `state` holding the result.
 * Each transaction runs in its own overlay: a refused one writes nothing but its receipt. A
 * transaction whose nonce is the sender's next one consumes it even when the contract refuses it,
 * so the same signed bytes can never execute twice.
 */
export function executeBlock(state: AuthenticatedState, input: BlockExecutionInput): BlockExecution {
  const { scheme } = input;
  if (input.transactions.length !== input.encoded.length) {
    throw new LedgerError('INVALID_PAYLOAD', 'transactions and their encodings differ in count', {});
  }
  const blockOverlay = new StateOverlay(state);
  const receipts: Receipt[] = [];
  const txHashes = input.encoded.map((bytes) => scheme.hash(bytes));
  input.transactions.forEach((tx, txIndex) => {
    try {
      if (input.verifySignatures) checkTransaction(scheme, tx, input);
      else if (tx.chainId !== input.chainId || tx.shardId !== input.shardId) {
        throw new LedgerError('WRONG_CHAIN', 'transaction names another chain or shard', {});
      }
      const expected = readNonce(blockOverlay, tx.sender);
      if (tx.nonce !== expected) {
        throw new LedgerError('BAD_NONCE', `nonce ${tx.nonce}, expected ${expected}`, {
          nonce: tx.nonce,
          expected,
        });
      }
    } catch (error) {
      receipts.push(receiptOf(error));
      return;
    }
    writeNonce(blockOverlay, tx.sender, tx.nonce + 1n);
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
      receipts.push({ ok: true, code: '' });
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
    receiptsRoot: merkleRoot(scheme.hash, receipts.map(encodeReceipt)),
    stateRoot: state.root(),
    changes,
  };
}
