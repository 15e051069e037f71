import type { CommittedBatch } from '../consensus/interface.js';
import { sha256, toHex } from '../crypto/index.js';

/**
 * The invariants, checked as commits happen. Agreement: position k of every honest validator's
 * committed sequence holds the same batch (so the sequences are prefixes of one another).
 * Validity: every transaction given to an honest validator is committed exactly once at each
 * honest validator. Liveness is judged by the runner: all of them committed within the bound.
 */
export class InvariantChecker {
  private readonly canonical: string[] = [];
  private readonly canonicalMeta: string[] = [];
  metadataMismatches = 0;
  private readonly logLength: number[];
  private readonly seenAt: Map<string, number>[];
  private readonly submittedAt = new Map<string, number>();
  private readonly committedCount: number[];
  readonly latenciesMs: number[] = [];
  readonly problems: string[] = [];
  agreementViolated = false;
  validityViolated = false;
  /** Second commits of transactions a client had sent again (refused by a ledger's nonce). */
  duplicatesAfterResend = 0;
  private readonly resentKeys = new Set<string>();

  constructor(
    private readonly honest: readonly number[],
    size: number,
  ) {
    this.logLength = new Array(size).fill(0);
    this.committedCount = new Array(size).fill(0);
    this.seenAt = Array.from({ length: size }, () => new Map());
  }

  submitted(tx: Uint8Array, atMs: number): void {
    this.submittedAt.set(toHex(tx), atMs);
  }

  /**
   * A client sent these bytes again (docs/API.md, acknowledgement contract): a second commit of
   * them is what a ledger refuses on its nonce, so it is counted, not a validity violation.
   */
  resent(tx: Uint8Array): void {
    this.resentKeys.add(toHex(tx));
  }

  /** True once any honest validator committed the transaction. */
  committedAnywhere(tx: Uint8Array): boolean {
    const key = toHex(tx);
    return this.honest.some((i) => this.seenAt[i]!.has(key));
  }

  get submittedCount(): number {
    return this.submittedAt.size;
  }

  commit(node: number, batch: CommittedBatch, nowMs: number): void {
    const position = this.logLength[node]!;
    if (batch.sequence < position && batch.sequence >= 0) {
      // A validator restarted from an older snapshot commits again what its ledger already
      // holds: the ledger keeps the first copy, and the replay must be that same batch.
      if (this.canonical[batch.sequence] !== fingerprintOf(batch)) {
        this.fail('agreement', `validator ${node} replayed a different batch at position ${batch.sequence}`);
      }
      return;
    }
    if (batch.sequence !== position) {
      this.fail(
        'agreement',
        `validator ${node} committed sequence ${batch.sequence} at position ${position}`,
      );
    }
    // Agreement is about what is executed: the transactions, in order.
    const fingerprint = fingerprintOf(batch);
    const expected = this.canonical[position];
    if (expected === undefined) {
      this.canonical[position] = fingerprint;
      this.canonicalMeta[position] = batchMetadata(batch);
    } else if (expected !== fingerprint) {
      this.fail('agreement', `validator ${node} committed a different batch at position ${position}`);
    } else if (this.canonicalMeta[position] !== batchMetadata(batch)) {
      // Same transactions but another round, proposer or decision boundary: not a safety
      // violation, but block headers (or where blocks are cut) would differ, so it is reported.
      this.metadataMismatches++;
      if (this.problems.length < 10) {
        this.problems.push(
          `metadata: validator ${node} reports round/proposer/end ${batchMetadata(batch)} at position ${position}, others ${this.canonicalMeta[position]}`,
        );
      }
    }
    this.logLength[node] = position + 1;
    const seen = this.seenAt[node]!;
    for (const tx of batch.transactions) {
      const key = toHex(tx);
      const submittedAt = this.submittedAt.get(key);
      if (submittedAt === undefined) continue; // a Byzantine validator's own transaction
      if (seen.has(key)) {
        if (this.resentKeys.has(key)) {
          this.duplicatesAfterResend++;
          continue;
        }
        this.fail(
          'validity',
          `validator ${node} committed a transaction twice (positions ${seen.get(key)} and ${position})`,
        );
        continue;
      }
      seen.set(key, position);
      this.committedCount[node]!++;
      this.latenciesMs.push(nowMs - submittedAt);
    }
  }

  /** True once every honest validator committed every submitted transaction. */
  allCommitted(): boolean {
    return this.honest.every((i) => this.committedCount[i] === this.submittedAt.size);
  }

  /** Transactions committed by every honest validator. */
  committedEverywhere(): number {
    return Math.min(...this.honest.map((i) => this.committedCount[i]!));
  }

  /** Who still misses transactions (a liveness failure, reported with the run). */
  missingReport(): string[] {
    const lines: string[] = [];
    for (const i of this.honest) {
      const count = this.committedCount[i]!;
      if (count < this.submittedAt.size)
        lines.push(`liveness: validator ${i} committed ${count} of ${this.submittedAt.size} transactions`);
    }
    return lines;
  }

  private fail(kind: 'agreement' | 'validity', message: string): void {
    if (kind === 'agreement') this.agreementViolated = true;
    else this.validityViolated = true;
    if (this.problems.length < 10) this.problems.push(`${kind}: ${message}`);
  }
}

function fingerprintOf(batch: CommittedBatch): string {
  return toHex(sha256(...batch.transactions.flatMap((tx) => [lengthPrefix(tx), tx])));
}

function lengthPrefix(tx: Uint8Array): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, tx.length);
  return out;
}

function batchMetadata(batch: CommittedBatch): string {
  return `${batch.round}/${batch.proposer}/${batch.endsCommit}`;
}
