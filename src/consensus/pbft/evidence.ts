import { CodecError, decodeExact, Writer } from '../../codec/index.js';
import { bytesEqual } from '../../crypto/index.js';
import { type Committee, quorumSize } from '../interface.js';
import {
  MAX_BATCH_TRANSACTIONS,
  MAX_LIST,
  MAX_TRANSACTION_BYTES,
  nestedMessage,
  PBFT_CODEC_VERSION,
} from './codec.js';
import { PbftError } from './errors.js';
import type { CommitMessage } from './messages.js';
import { batchDigest, Keyring } from './signing.js';

/**
 * The proof a committed PBFT batch carries: the 2f + 1 commits that decided it, and the entries
 * of the decided batch that the duplicate filter left out of the committed one (each at its
 * position in the decided batch). With them, anyone holding the committee's keys and the
 * committed transactions rebuilds the decided batch and checks that a quorum committed to its
 * digest in one view for one sequence.
 */
export interface CommitEvidence {
  readonly commits: readonly CommitMessage[];
  readonly dropped: readonly DroppedEntry[];
}

export interface DroppedEntry {
  readonly position: number;
  readonly bytes: Uint8Array;
}

/** What a verified commit certificate decided. */
export interface VerifiedCommit {
  readonly view: number;
  readonly sequence: number;
  readonly digest: Uint8Array;
}

export function encodeCommitEvidence(
  commits: readonly CommitMessage[],
  dropped: readonly DroppedEntry[],
): Uint8Array {
  const w = new Writer(128 + commits.length * 112);
  w.u8(PBFT_CODEC_VERSION);
  w.array(commits, nestedMessage.write);
  w.array(dropped, (ww, entry) => ww.varuint(entry.position).bytes(entry.bytes));
  return w.finish();
}

/** Throws a CodecError on malformed bytes, or dropped positions that are not strictly ascending. */
export function decodeCommitEvidence(bytes: Uint8Array): CommitEvidence {
  return decodeExact(bytes, (r) => {
    r.version([PBFT_CODEC_VERSION], 'PBFT commit evidence');
    const commits = r.array((rr) => nestedMessage.readTyped<CommitMessage>(rr, 'commit'), MAX_LIST);
    const dropped = r.array(
      (rr) => ({ position: rr.varuint(), bytes: rr.bytesField(MAX_TRANSACTION_BYTES) }),
      MAX_BATCH_TRANSACTIONS,
    );
    let last = -1;
    for (const entry of dropped) {
      if (entry.position <= last) {
        throw new CodecError('INVALID_VALUE', 'dropped entries are not in ascending position order', {});
      }
      last = entry.position;
    }
    return { commits, dropped };
  });
}

/** The decided batch: the committed entries with the dropped ones put back; null if they do not fit. */
export function decidedEntries(
  committed: readonly Uint8Array[],
  dropped: readonly DroppedEntry[],
): Uint8Array[] | null {
  const total = committed.length + dropped.length;
  const out: Uint8Array[] = [];
  let next = 0;
  let extra = 0;
  for (let position = 0; position < total; position++) {
    const entry = dropped[extra];
    if (entry !== undefined && entry.position === position) {
      out.push(entry.bytes);
      extra++;
    } else {
      out.push(committed[next++]!);
    }
  }
  return extra === dropped.length ? out : null;
}

function bad(message: string, data: Record<string, unknown> = {}): PbftError {
  return new PbftError('BAD_PROOF', message, data);
}

// A follower checks every batch of a chain against the same committee: its keys are imported once.
const keyrings = new WeakMap<Committee, Keyring>();
function keyringOf(committee: Committee): Keyring {
  let keyring = keyrings.get(committee);
  if (keyring === undefined) {
    // The keyring's own key is never used to sign here; any valid seed will do.
    keyring = new Keyring(committee, new Uint8Array(32));
    keyrings.set(committee, keyring);
  }
  return keyring;
}

/**
 * Checks that `transactions`, committed at PBFT `sequence` with `proposer`, are a batch a quorum
 * of `committee` decided: at least 2f + 1 distinct members signed a commit for that sequence in
 * one view, over the digest of the decided batch (the committed transactions and the evidence's
 * dropped entries, with the proposer). Throws PbftError BAD_PROOF naming what failed.
 *
 * What this cannot show is that a dropped entry really was committed before (the filter's
 * reason to drop it): a source could hide a decided transaction there. Those entries are named
 * in the evidence, so a reader can look each one up in the earlier blocks.
 */
export function verifyCommitEvidence(
  committee: Committee,
  evidence: Uint8Array,
  batch: {
    readonly sequence: number;
    readonly proposer: number;
    readonly transactions: readonly Uint8Array[];
  },
): VerifiedCommit {
  let decoded: CommitEvidence;
  try {
    decoded = decodeCommitEvidence(evidence);
  } catch (error) {
    throw bad(`commit evidence is malformed: ${(error as Error).message}`);
  }
  const entries = decidedEntries(batch.transactions, decoded.dropped);
  if (entries === null) throw bad('the dropped entries do not fit the batch');
  const digest = batchDigest(batch.proposer, entries);
  const first = decoded.commits[0];
  if (first === undefined) throw bad('the commit certificate is empty');
  const keyring = keyringOf(committee);
  const signers = new Set<number>();
  for (const commit of decoded.commits) {
    if (commit.sequence !== batch.sequence || commit.view !== first.view) {
      throw bad(`a commit is for view ${commit.view}, sequence ${commit.sequence}`, {
        from: commit.from,
      });
    }
    if (!bytesEqual(commit.digest, digest)) {
      throw bad('the transactions are not the batch the commits decided', { from: commit.from });
    }
    if (signers.has(commit.from)) throw bad(`validator ${commit.from} commits twice`, { from: commit.from });
    if (!keyring.verify(commit)) {
      throw bad(`the commit of validator ${commit.from} does not verify`, { from: commit.from });
    }
    signers.add(commit.from);
  }
  const needed = quorumSize(committee.members.length);
  if (signers.size < needed) {
    throw bad(`${signers.size} valid commits; a decision needs ${needed}`, { commits: signers.size, needed });
  }
  return { view: first.view, sequence: batch.sequence, digest };
}

/**
 * Checks a commit proof against the evidence a block records for the batch (the dropped entries,
 * with no commit): the proof must verify for the batch and be that evidence once its commits are
 * set aside. Throws PbftError BAD_PROOF naming what failed.
 */
export function verifyCommitProof(
  committee: Committee,
  evidence: Uint8Array,
  proof: Uint8Array,
  batch: {
    readonly sequence: number;
    readonly proposer: number;
    readonly transactions: readonly Uint8Array[];
  },
): VerifiedCommit {
  const verified = verifyCommitEvidence(committee, proof, batch);
  const bare = encodeCommitEvidence([], decodeCommitEvidence(proof).dropped);
  if (!bytesEqual(bare, evidence))
    throw bad('the commits are for other dropped entries than the block records');
  return verified;
}
