import type { CommittedBatch, ValidatorIndex } from '../consensus/interface.js';
import type { ExecutedBlock } from '../ledger/chain-state.js';
import type { SignedTransaction } from '../ledger/signed-transaction.js';

/**
 * What reaches a validator from outside, each with the time it happens. Client transactions are
 * admitted first (`Validator.admit`, which answers at once) and then proposed; the two durable
 * writes the validator asks for come back as inputs when they are done.
 */
export type ValidatorInput<Message> =
  | { readonly kind: 'start' }
  | { readonly kind: 'message'; readonly from: ValidatorIndex; readonly message: Message }
  | { readonly kind: 'timer'; readonly name: string }
  /** Admitted transactions for this validator's next proposal. */
  | { readonly kind: 'propose'; readonly transactions: readonly SignedTransaction[] }
  /** Every `persist-signed` effect up to and including `ticket` is durable. */
  | { readonly kind: 'signed-durable'; readonly ticket: number }
  /** The `write-block` of this height (and so every earlier one) is durable. */
  | { readonly kind: 'block-durable'; readonly height: number };

/** What a validator asks its shell to do, in the order given. */
export type ValidatorEffect<Message> =
  | { readonly kind: 'send'; readonly to: ValidatorIndex; readonly message: Message }
  | { readonly kind: 'broadcast'; readonly message: Message }
  /** Arms (or re-arms) the named timer for `atMs` on the shell's clock. */
  | { readonly kind: 'timer'; readonly name: string; readonly atMs: number }
  /**
   * Write these signed records durably, then answer `signed-durable` with the ticket. Messages
   * that depend on them are held by the validator until then, so nothing it signed leaves before
   * it is on disk.
   */
  | { readonly kind: 'persist-signed'; readonly records: readonly Uint8Array[]; readonly ticket: number }
  /** A batch in the total order (replays after a restart included): for metrics and checkers. */
  | { readonly kind: 'ordered'; readonly batch: CommittedBatch }
  /**
   * The next block, executed: write it durably (blocks in the order given), then answer
   * `block-durable`. `skippedEntries` counts batch entries that were neither a transaction nor a
   * time marker; every validator skips the same ones. `proof` holds each batch's quorum proof
   * (evidence.ts, `encodeBlockProof`), stored beside the block and outside its hash.
   */
  | {
      readonly kind: 'write-block';
      readonly block: ExecutedBlock;
      readonly proof: Uint8Array;
      readonly skippedEntries: number;
    };
