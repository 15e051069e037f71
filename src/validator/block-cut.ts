import type { CommittedBatch } from '../consensus/interface.js';
import { readTimeMarker } from './time-marker.js';

/** A decision's batches go into one block, cut sooner only so that no block grows unbounded. */
export const MAX_BATCHES_PER_BLOCK = 256;
export const MAX_TRANSACTIONS_PER_BLOCK = 20_000;
/** Block evidence holds every batch's certificate; cut sooner than its size limit allows. */
export const MAX_EVIDENCE_BYTES_PER_BLOCK = 192 * 1024;

/**
 * Batches without a transaction wait for the next block, at most this many: an idle chain then
 * writes a block of certificates every few seconds (about 8 vertices a second at the idle round
 * pace of four validators), and the snapshot, which waits for them, is never older than that.
 */
export const MAX_CARRIED_BATCHES = 64;

/**
 * How many batches from the front of the queue make the next block, or 0 while the decision they
 * belong to is still incomplete. The rule reads only the ordered batches themselves (where each
 * decision ends, how many batches and transactions), so every validator cuts the same blocks
 * whatever its timing, and a block per decision rather than per batch keeps the fixed cost of a
 * block (hashing, an fsync, announcing it) from bounding throughput.
 */
export function blockCut(queue: readonly CommittedBatch[]): number {
  let transactions = 0;
  let evidenceBytes = 0;
  let batchBytes = queue.length > 0 ? evidenceBytesOf(queue[0]!) : 0;
  for (let i = 0; i < queue.length; i++) {
    const batch = queue[i]!;
    transactions += batch.transactions.length;
    evidenceBytes += batchBytes;
    const next = queue[i + 1];
    batchBytes = next === undefined ? 0 : evidenceBytesOf(next);
    if (
      batch.endsCommit ||
      i + 1 >= MAX_BATCHES_PER_BLOCK ||
      transactions >= MAX_TRANSACTIONS_PER_BLOCK ||
      (next !== undefined && evidenceBytes + batchBytes > MAX_EVIDENCE_BYTES_PER_BLOCK)
    ) {
      return i + 1;
    }
  }
  return 0;
}

/** Whether carried batches and the next cut stay within one block's batch and evidence limits. */
export function fitOneBlock(carried: readonly CommittedBatch[], cut: readonly CommittedBatch[]): boolean {
  if (carried.length + cut.length > MAX_BATCHES_PER_BLOCK) return false;
  let bytes = 0;
  for (const batch of carried) bytes += evidenceBytesOf(batch);
  for (const batch of cut) bytes += evidenceBytesOf(batch);
  return bytes <= MAX_EVIDENCE_BYTES_PER_BLOCK;
}

/** An upper bound on a batch's share of block evidence: its certificate, layout and markers. */
function evidenceBytesOf(batch: CommittedBatch): number {
  let bytes = batch.evidence.length + 32;
  for (const entry of batch.transactions) if (readTimeMarker(entry) !== null) bytes += entry.length + 8;
  return bytes;
}
