import type { CommittedBatch } from '../interface.js';
import { DIGEST_LENGTH, digestKey, headerDigest } from './codec.js';
import type { CommitState } from './commit-state.js';
import type { DagContext, Effect } from './context.js';
import { encodeCertificateEvidence, encodeVertexEvidence } from './evidence.js';
import { parentRefs } from './parents.js';
import type { DagStore } from './store.js';
import type { Certificate } from './types.js';

/**
 * Turns a committed leader's not yet ordered history into batches, the same at every validator,
 * and keeps a window of the batches emitted last (bounded by count and bytes) to serve peers
 * that fell behind.
 */
export class Linearizer {
  private recentBatches: CommittedBatch[] = [];
  private recentBatchBytes = 0;

  constructor(
    private readonly ctx: DagContext,
    private readonly store: DagStore,
    private readonly state: CommitState,
  ) {}

  /**
   * The leader's not yet ordered history, sorted by (round, author): the same at every node.
   * `endsCommit` marks its last batch when `endsWave` (no later leader of the wave follows).
   */
  orderHistory(leader: Certificate, randomness: Uint8Array, endsWave: boolean, out: Effect[]): void {
    const { state } = this;
    const found: Certificate[] = [];
    const stack = [leader];
    const seen = new Set<string>([digestKey(headerDigest(leader.header))]);
    while (stack.length > 0) {
      const certificate = stack.pop()!;
      found.push(certificate);
      // Claimed rounds decide what is below gcRound, so every validator walks the same vertices.
      for (const ref of parentRefs(certificate.header)) {
        if (ref.round < state.gcRound) continue;
        const key = digestKey(ref.digest);
        if (seen.has(key) || state.committed.has(key)) continue;
        seen.add(key);
        const next = this.store.get(key);
        if (next !== undefined) stack.push(next);
      }
    }
    found.sort((a, b) => a.header.round - b.header.round || a.header.author - b.header.author);
    // Every ordered vertex becomes a batch, those without transactions too: the chain then records
    // each certificate (who proposed, who voted, who supplied a coin share), which is what a
    // validator's credit is computed from; a vertex left out would be participation nobody sees.
    for (const [position, certificate] of found.entries()) {
      state.committed.set(digestKey(headerDigest(certificate.header)), certificate.header.round);
      const author = certificate.header.author;
      const batch: CommittedBatch = {
        sequence: state.nextSequence++,
        round: certificate.header.round,
        proposer: author,
        transactions: certificate.header.transactions,
        randomness,
        evidence: encodeVertexEvidence(certificate.header),
        proof: encodeCertificateEvidence(certificate),
        endsCommit: endsWave && position === found.length - 1,
      };
      this.emit(batch, out);
    }
  }

  /**
   * Emits a batch that f + 1 peers agreed on (state sync) at the next sequence, and marks the
   * vertex it came from (its digest leads the evidence) as ordered.
   */
  emitSynced(batch: CommittedBatch, out: Effect[]): void {
    if (batch.evidence.length >= DIGEST_LENGTH) {
      this.state.committed.set(digestKey(batch.evidence.subarray(0, DIGEST_LENGTH)), batch.round);
    }
    this.state.nextSequence++;
    this.emit(batch, out);
  }

  private emit(batch: CommittedBatch, out: Effect[]): void {
    const { config } = this.ctx;
    this.recentBatches.push(batch);
    this.recentBatchBytes += batchSize(batch);
    // Bounded by count and by bytes: under load a batch holds up to a megabyte, and a window kept
    // by count alone would then hold gigabytes for peers that may never ask.
    if (
      this.recentBatches.length > config.retainedBatches ||
      this.recentBatchBytes > config.retainedBatchBytes
    ) {
      let keep = Math.max(1, Math.floor(this.recentBatches.length / 2));
      let bytes = 0;
      for (let i = this.recentBatches.length - 1; i >= this.recentBatches.length - keep; i--) {
        bytes += batchSize(this.recentBatches[i]!);
        if (bytes > config.retainedBatchBytes / 2) {
          keep = this.recentBatches.length - i;
          break;
        }
      }
      this.recentBatches = this.recentBatches.slice(-keep);
      this.recentBatchBytes = this.recentBatches.reduce((sum, b) => sum + batchSize(b), 0);
    }
    out.push({ kind: 'commit', batch });
  }

  /** The batches still retained, oldest first. */
  retained(): readonly CommittedBatch[] {
    return this.recentBatches;
  }

  get retainedBytes(): number {
    return this.recentBatchBytes;
  }
}

/** What a retained batch costs: its transactions, its evidence and proof, and a fixed overhead. */
function batchSize(batch: CommittedBatch): number {
  let bytes = batch.evidence.length + batch.proof.length + 64;
  for (const tx of batch.transactions) bytes += tx.length;
  return bytes;
}
