import { CodecError, decodeExact, type Reader, Writer } from '../../codec/index.js';
import { sha256 } from '../../crypto/index.js';
import { COIN_SHARE_LENGTH } from '../coin/index.js';
import type { CommittedBatch } from '../interface.js';
import type { Certificate, Checkpoint, DagMessage, Header, ParentRef, Vote, VoteSignature } from './types.js';

/**
 * Canonical bytes of DAG messages. A header's digest covers every field but the signature and
 * names the vertex everywhere (parents, votes, certificates, fetches).
 */
export const DIGEST_LENGTH = 32;
export const SIGNATURE_LENGTH = 64;
const VERSION = 1;
const MAX_PARENTS = 4096;
const MAX_TRANSACTIONS = 100_000;
export const MAX_TRANSACTION_BYTES = 65_536;
const MAX_VOTES = 4096;
export const MAX_REQUEST_DIGESTS = 256;

const TAG = {
  header: 1,
  vote: 2,
  certificate: 3,
  request: 4,
  'sync-request': 5,
  'sync-response': 6,
} as const;
const MAX_SYNC_BATCHES = 1024;
const MAX_CHECKPOINTS = 16;
const HEADER_DOMAIN = new TextEncoder().encode('gridshard/dag/header/v1');

function writeDigest(w: Writer, digest: Uint8Array): void {
  w.fixedBytes(digest, DIGEST_LENGTH);
}

export function writeParentRef(w: Writer, ref: ParentRef): void {
  w.varuint(ref.round);
  writeDigest(w, ref.digest);
}

export function readParentRef(r: Reader): ParentRef {
  return { round: r.varuint(), digest: r.fixedBytes(DIGEST_LENGTH) };
}

export function writeBatch(w: Writer, batch: CommittedBatch): void {
  w.varuint(batch.sequence).varuint(batch.round).varuint(batch.proposer);
  w.array(batch.transactions, (ww, tx) => ww.bytes(tx));
  w.fixedBytes(batch.randomness, 32);
  w.bytes(batch.evidence);
  w.bool(batch.endsCommit);
  w.bytes(batch.proof);
}

/**
 * A batch's bytes without its proof: what f + 1 peers must send identically for a catch-up to
 * take it (their proofs may differ, each holding the certificate it gathered).
 */
export function agreedBatchBytes(batch: CommittedBatch): Uint8Array {
  const w = new Writer(256);
  writeBatch(w, { ...batch, proof: new Uint8Array(0) });
  return w.finish();
}

export function readBatch(r: Reader): CommittedBatch {
  return {
    sequence: r.varuint(),
    round: r.varuint(),
    proposer: r.varuint(),
    transactions: r.array((rr) => rr.bytesField(MAX_TRANSACTION_BYTES), MAX_TRANSACTIONS),
    randomness: r.fixedBytes(32),
    evidence: r.bytesField(MAX_VOTES * 80),
    endsCommit: r.bool(),
    proof: r.bytesField(MAX_VOTES * 160),
  };
}

export function writeCheckpoint(w: Writer, checkpoint: Checkpoint): void {
  w.varuint(checkpoint.slot)
    .varuint(checkpoint.nextSequence)
    .varuint(checkpoint.gcRound)
    .varuint(checkpoint.lastLeader);
  w.varuint(checkpoint.lastLeaderRound);
  w.array(checkpoint.committed, writeParentRef);
}

/** `withActivity`: the layout of version-1 snapshots, whose checkpoints kept per-validator activity. */
export function readCheckpoint(r: Reader, withActivity = false): Checkpoint {
  const slot = r.varuint();
  const nextSequence = r.varuint();
  const gcRound = r.varuint();
  const lastLeader = r.varuint();
  const lastLeaderRound = r.varuint();
  if (withActivity) r.array((rr) => rr.varuint(), MAX_VOTES);
  return {
    slot,
    nextSequence,
    gcRound,
    lastLeader,
    lastLeaderRound,
    committed: r.array(readParentRef, 1_000_000),
  };
}

/** The checkpoint's canonical bytes, by which peers' copies are compared. */
export function checkpointBytes(checkpoint: Checkpoint): Uint8Array {
  const w = new Writer(1024);
  writeCheckpoint(w, checkpoint);
  return w.finish();
}

export function batchBytes(batch: CommittedBatch): Uint8Array {
  const w = new Writer(256);
  writeBatch(w, batch);
  return w.finish();
}

function writeHeaderBody(w: Writer, header: Header): void {
  w.varuint(header.author).varuint(header.round);
  w.array(header.parents, writeDigest);
  w.array(header.weakParents, writeParentRef);
  w.array(header.transactions, (ww, tx) => ww.bytes(tx));
  w.optional(header.coinShare, (ww, share) => ww.fixedBytes(share, COIN_SHARE_LENGTH));
}

export function writeHeaderField(w: Writer, header: Header): void {
  writeHeaderBody(w, header);
  w.fixedBytes(header.signature, SIGNATURE_LENGTH);
}

export function readHeaderField(r: Reader): Header {
  const author = r.varuint();
  const round = r.varuint();
  const parents = r.array((rr) => rr.fixedBytes(DIGEST_LENGTH), MAX_PARENTS);
  const weakParents = r.array(readParentRef, MAX_PARENTS);
  const transactions = r.array((rr) => rr.bytesField(MAX_TRANSACTION_BYTES), MAX_TRANSACTIONS);
  const coinShare = r.optional((rr) => rr.fixedBytes(COIN_SHARE_LENGTH));
  const signature = r.fixedBytes(SIGNATURE_LENGTH);
  return { author, round, parents, weakParents, transactions, coinShare, signature };
}

function writeVotes(w: Writer, votes: readonly VoteSignature[]): void {
  w.array(votes, (ww, v) => {
    ww.varuint(v.voter);
    ww.fixedBytes(v.signature, SIGNATURE_LENGTH);
  });
}

function readVotes(r: Reader): VoteSignature[] {
  return r.array((rr) => ({ voter: rr.varuint(), signature: rr.fixedBytes(SIGNATURE_LENGTH) }), MAX_VOTES);
}

export function writeCertificate(w: Writer, certificate: Certificate): void {
  writeHeaderField(w, certificate.header);
  writeVotes(w, certificate.votes);
}

export function readCertificate(r: Reader): Certificate {
  const header = readHeaderField(r);
  const votes = readVotes(r);
  return { header, votes };
}

const digestCache = new WeakMap<Header, Uint8Array>();

/** SHA-256 of the domain and the unsigned header; computed once per header object. */
export function headerDigest(header: Header): Uint8Array {
  let digest = digestCache.get(header);
  if (digest === undefined) {
    const w = new Writer(256);
    writeHeaderBody(w, header);
    digest = sha256(HEADER_DOMAIN, w.finish());
    digestCache.set(header, digest);
  }
  return digest;
}

export function encodeDagMessage(message: DagMessage): Uint8Array {
  const w = new Writer(512);
  w.u8(VERSION).u8(TAG[message.type]);
  switch (message.type) {
    case 'header':
      writeHeaderField(w, message.header);
      break;
    case 'vote':
      writeVote(w, message.vote);
      break;
    case 'certificate':
      writeCertificate(w, message.certificate);
      break;
    case 'request':
      w.array(message.digests, writeDigest);
      break;
    case 'sync-request':
      w.varuint(message.fromSequence).varuint(message.slot);
      break;
    case 'sync-response':
      w.array(message.checkpoints, writeCheckpoint);
      w.array(message.batches, writeBatch);
      break;
  }
  return w.finish();
}

function writeVote(w: Writer, vote: Vote): void {
  writeDigest(w, vote.headerDigest);
  w.varuint(vote.voter);
  w.fixedBytes(vote.signature, SIGNATURE_LENGTH);
}

/** Throws a CodecError on any malformed, non-canonical or oversized input. */
export function decodeDagMessage(bytes: Uint8Array): DagMessage {
  return decodeExact(bytes, (r) => {
    r.version([VERSION], 'DAG message');
    const at = r.position;
    const tag = r.u8();
    switch (tag) {
      case TAG.header:
        return { type: 'header', header: readHeaderField(r) };
      case TAG.vote:
        return {
          type: 'vote',
          vote: {
            headerDigest: r.fixedBytes(DIGEST_LENGTH),
            voter: r.varuint(),
            signature: r.fixedBytes(SIGNATURE_LENGTH),
          },
        };
      case TAG.certificate:
        return { type: 'certificate', certificate: readCertificate(r) };
      case TAG.request:
        return {
          type: 'request',
          digests: r.array((rr) => rr.fixedBytes(DIGEST_LENGTH), MAX_REQUEST_DIGESTS),
        };
      case TAG['sync-request']:
        return { type: 'sync-request', fromSequence: r.varuint(), slot: r.varuint() };
      case TAG['sync-response']:
        return {
          type: 'sync-response',
          checkpoints: r.array(readCheckpoint, MAX_CHECKPOINTS),
          batches: r.array(readBatch, MAX_SYNC_BATCHES),
        };
      default:
        throw new CodecError('INVALID_VALUE', `unknown DAG message tag ${tag}`, { offset: at, tag });
    }
  });
}

export function digestKey(digest: Uint8Array): string {
  return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('hex');
}
