import { bytesEqual } from '../../crypto/index.js';
import { maxFaulty, quorumSize } from '../interface.js';
import { PbftError } from './errors.js';
import { pbftPrimaryOf } from './genesis.js';
import type {
  CheckpointMessage,
  CommitMessage,
  PbftMessage,
  PrePrepareMessage,
  PreparedProof,
  ViewChangeMessage,
} from './messages.js';
import type { Keyring } from './signing.js';
import { batchDigest, GENESIS_STATE_DIGEST } from './signing.js';

/**
 * Checks of the certificates peers relay. Each throws a PbftError('BAD_PROOF') naming what is
 * wrong, so a forged certificate is refused with a reason rather than half-applied.
 */

function bad(message: string, data: Record<string, unknown> = {}): PbftError {
  return new PbftError('BAD_PROOF', message, data);
}

/** Signed by the claimed sender, and each sender counted once. */
function checkVotes(keyring: Keyring, votes: readonly PbftMessage[], what: string): void {
  const seen = new Set<number>();
  for (const vote of votes) {
    if (seen.has(vote.from)) throw bad(`${what} counts validator ${vote.from} twice`, { from: vote.from });
    seen.add(vote.from);
    if (!keyring.verify(vote))
      throw bad(`${what} holds a bad signature from ${vote.from}`, { from: vote.from });
  }
}

export function checkCheckpointProof(
  keyring: Keyring,
  count: number,
  digest: Uint8Array,
  proof: readonly CheckpointMessage[],
): void {
  if (count === 0) {
    if (!bytesEqual(digest, GENESIS_STATE_DIGEST) || proof.length !== 0) {
      throw bad('the genesis checkpoint has its fixed digest and no proof');
    }
    return;
  }
  if (proof.length !== quorumSize(keyring.size)) {
    throw bad(`checkpoint proof has ${proof.length} messages, needs ${quorumSize(keyring.size)}`, { count });
  }
  for (const m of proof) {
    if (m.count !== count || !bytesEqual(m.stateDigest, digest)) throw bad('checkpoint proof mixes states');
  }
  checkVotes(keyring, proof, 'checkpoint proof');
}

/** A pre-prepare from the view's primary and 2f matching prepares from other validators. */
export function checkPreparedProof(keyring: Keyring, proof: PreparedProof): Uint8Array {
  const n = keyring.size;
  const pp = proof.prePrepare;
  const primary = pbftPrimaryOf(pp.view, n);
  if (pp.from !== primary)
    throw bad(`pre-prepare of view ${pp.view} not from its primary`, { from: pp.from });
  if (!keyring.verify(pp)) throw bad('prepared proof holds a bad pre-prepare signature');
  const digest = batchDigest(pp.proposer, pp.transactions);
  if (proof.prepares.length !== 2 * maxFaulty(n)) {
    throw bad(`prepared proof has ${proof.prepares.length} prepares, needs ${2 * maxFaulty(n)}`);
  }
  for (const p of proof.prepares) {
    if (p.view !== pp.view || p.sequence !== pp.sequence || !bytesEqual(p.digest, digest)) {
      throw bad('prepared proof holds a prepare for another batch', { sequence: pp.sequence });
    }
    if (p.from === primary) throw bad('the primary cannot prepare its own pre-prepare');
  }
  checkVotes(keyring, proof.prepares, 'prepared proof');
  return digest;
}

/** 2f+1 commits for one (view, sequence, digest). */
export function checkCommitCertificate(
  keyring: Keyring,
  view: number,
  sequence: number,
  digest: Uint8Array,
  commits: readonly CommitMessage[],
): void {
  if (commits.length !== quorumSize(keyring.size)) {
    throw bad(`commit certificate has ${commits.length} commits, needs ${quorumSize(keyring.size)}`);
  }
  for (const c of commits) {
    if (c.view !== view || c.sequence !== sequence || !bytesEqual(c.digest, digest)) {
      throw bad('commit certificate mixes decisions', { sequence });
    }
  }
  checkVotes(keyring, commits, 'commit certificate');
}

export function checkViewChange(keyring: Keyring, vc: ViewChangeMessage, windowSize: number): void {
  checkCheckpointProof(keyring, vc.stableCount, vc.stableDigest, vc.checkpointProof);
  let previous = -1;
  for (const proof of vc.prepared) {
    const pp = proof.prePrepare;
    // Ascending sequences, one proof each, all inside the sender's window and below the new view.
    if (pp.sequence <= previous) throw bad('view-change proofs are not in ascending sequence order');
    previous = pp.sequence;
    if (pp.sequence < vc.stableCount || pp.sequence >= vc.stableCount + windowSize) {
      throw bad(`prepared sequence ${pp.sequence} outside the sender's window`, { sequence: pp.sequence });
    }
    if (pp.view >= vc.newView) throw bad('a prepared proof cannot come from the view being entered');
    checkPreparedProof(keyring, proof);
  }
}

export interface NewViewPlan {
  readonly stableCount: number;
  readonly stableDigest: Uint8Array;
  readonly checkpointProof: readonly CheckpointMessage[];
  /** Batches to re-propose, one per sequence from stableCount on (empty = a null batch). */
  readonly batches: readonly {
    readonly sequence: number;
    /** The original proposer, or null for a null batch (then the new primary proposes it). */
    readonly proposer: number | null;
    readonly transactions: readonly Uint8Array[];
  }[];
}

/**
 * PBFT's new-view rule, computed alike by the new primary and every backup from the same 2f+1
 * view-changes: start from the highest stable checkpoint; for each later sequence re-propose the
 * batch prepared in the highest view, or a null batch where none was prepared.
 */
export function planNewView(viewChanges: readonly ViewChangeMessage[]): NewViewPlan {
  let base = viewChanges[0]!;
  for (const vc of viewChanges) if (vc.stableCount > base.stableCount) base = vc;
  const best = new Map<number, PrePrepareMessage>();
  let end = base.stableCount;
  for (const vc of viewChanges) {
    for (const { prePrepare } of vc.prepared) {
      if (prePrepare.sequence < base.stableCount) continue;
      const current = best.get(prePrepare.sequence);
      if (current === undefined || prePrepare.view > current.view) best.set(prePrepare.sequence, prePrepare);
      end = Math.max(end, prePrepare.sequence + 1);
    }
  }
  const batches = [];
  for (let sequence = base.stableCount; sequence < end; sequence++) {
    const pp = best.get(sequence);
    batches.push({ sequence, proposer: pp?.proposer ?? null, transactions: pp?.transactions ?? [] });
  }
  return {
    stableCount: base.stableCount,
    stableDigest: base.stableDigest,
    checkpointProof: base.checkpointProof,
    batches,
  };
}
