import type { Committee } from '../consensus/interface.js';
import {
  DEFAULT_PBFT_OPTIONS,
  type DecidedMessage,
  decidedEntries,
  decodeCommitEvidence,
  type FetchMessage,
  Keyring,
} from '../consensus/pbft/index.js';
import type { StoredBlock } from '../ledger/store.js';
import { batchEntries, decodeBlockEvidence, decodeBlockProof } from '../validator/evidence.js';

/** What the ledger answers from: blocks by height, their transactions' bytes and batch proofs. */
export interface LedgerBatches {
  readonly head: { readonly height: number };
  readBlock(height: number): Promise<StoredBlock | undefined>;
  readTransaction(hash: Uint8Array): Promise<{ bytes: Uint8Array } | undefined>;
  readBatchProofs(height: number): Promise<Uint8Array | undefined>;
}

export interface PbftLedgerFetchInit {
  readonly store: LedgerBatches;
  readonly committee: Committee;
  readonly index: number;
  readonly signingSeed: Uint8Array;
  /** The last consensus sequence this validator executed. */
  readonly lastExecuted: () => number;
  readonly send: (to: number, message: DecidedMessage) => void;
  readonly log: { warn(fields: object, message: string): void };
}

/** A fetch starting this far below our last executed batch is beyond what the core keeps. */
const CORE_RETAINS = DEFAULT_PBFT_OPTIONS.retainBatches / 2;
/** One ledger answer per peer at a time, and not more often than this. */
const MIN_INTERVAL_MS = 100;

/**
 * PBFT's core keeps decided batches for `retainBatches` sequences to answer a lagging peer's
 * fetch; a validator down for longer would find no peer able to answer and stay behind for good.
 * The ledger keeps every batch with the 2f + 1 commits that decided it (the batch proofs stored
 * beside each block), so the node answers such a fetch from there: each batch rebuilt as it was
 * decided (the committed entries, the time markers of its layout and the entries the duplicate
 * filter dropped, each at its position) and sent as a `decided` message with its commits. The
 * lagging core checks the certificate as for any other answer and executes the batches in order,
 * so its state digest and duplicate filter come out as its peers' did.
 */
export class PbftLedgerFetch {
  private readonly keyring: Keyring;
  private readonly busy = new Set<number>();
  private readonly lastAnswer = new Map<number, number>();

  constructor(private readonly init: PbftLedgerFetchInit) {
    this.keyring = new Keyring(init.committee, init.signingSeed);
  }

  onFetch(from: number, fetch: FetchMessage): void {
    if (fetch.fromSequence > this.init.lastExecuted() - CORE_RETAINS) return;
    const now = Date.now();
    if (this.busy.has(from) || now - (this.lastAnswer.get(from) ?? 0) < MIN_INTERVAL_MS) return;
    this.busy.add(from);
    this.lastAnswer.set(from, now);
    this.answer(from, fetch.fromSequence).then(
      () => this.busy.delete(from),
      (error: unknown) => {
        this.busy.delete(from);
        this.init.log.warn({ peer: from, error: String(error) }, 'could not answer a fetch from the ledger');
      },
    );
  }

  private async answer(to: number, fromSequence: number): Promise<void> {
    let height = await this.firstBlockReaching(fromSequence);
    let sent = 0;
    while (
      height !== null &&
      height <= this.init.store.head.height &&
      sent < DEFAULT_PBFT_OPTIONS.fetchLimit
    ) {
      for (const decided of await this.decidedIn(height)) {
        if (decided.sequence < fromSequence || sent >= DEFAULT_PBFT_OPTIONS.fetchLimit) continue;
        this.init.send(to, decided);
        sent++;
      }
      height++;
    }
  }

  /** The lowest height whose last batch is at or past `sequence` (block sequences only grow). */
  private async firstBlockReaching(sequence: number): Promise<number | null> {
    let low = 1;
    let high = this.init.store.head.height;
    let found: number | null = null;
    while (low <= high) {
      const middle = Math.floor((low + high) / 2);
      const block = await this.init.store.readBlock(middle);
      if (block === undefined) return null;
      if (decodeBlockEvidence(block.header.evidence).sequence >= sequence) {
        found = middle;
        high = middle - 1;
      } else low = middle + 1;
    }
    return found;
  }

  /** The batches of one block as PBFT decided them, each with its commit certificate. */
  private async decidedIn(height: number): Promise<DecidedMessage[]> {
    const block = await this.init.store.readBlock(height);
    const proofs = await this.init.store.readBatchProofs(height);
    if (block === undefined || proofs === undefined) return [];
    const evidence = decodeBlockEvidence(block.header.evidence);
    const transactions: Uint8Array[] = [];
    for (const hash of block.txHashes) {
      const located = await this.init.store.readTransaction(hash);
      if (located === undefined) return [];
      transactions.push(located.bytes);
    }
    const entries = batchEntries(evidence, transactions);
    const batchProofs = decodeBlockProof(proofs);
    if (entries === null || batchProofs.length !== evidence.batches.length) return [];
    const answers: DecidedMessage[] = [];
    for (const [i, batch] of evidence.batches.entries()) {
      const { commits, dropped } = decodeCommitEvidence(batchProofs[i]!);
      const decided = decidedEntries(entries[i]!, dropped);
      if (decided === null) return answers;
      const answer = this.keyring.sign<DecidedMessage>({
        type: 'decided',
        from: this.init.index,
        view: commits[0]?.view ?? 0,
        // A PBFT batch's round is its sequence in PBFT's own order, which the commits sign.
        sequence: batch.round,
        proposer: batch.proposer,
        transactions: decided,
        commits,
      });
      answers.push(answer);
    }
    return answers;
  }
}
