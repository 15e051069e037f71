import { CodecError, decodeExact, type Reader, Writer } from '../codec/index.js';
import type { CommittedBatch } from '../consensus/interface.js';

/** An entry of a batch that is not a ledger transaction (a time marker), kept where it stood. */
export interface BatchExtra {
  readonly position: number;
  readonly bytes: Uint8Array;
}

/** One consensus batch inside a block: where it sits in the total order and its certificate. */
export interface BatchEvidence {
  readonly sequence: number;
  readonly round: number;
  readonly proposer: number;
  readonly certificate: Uint8Array;
  /**
   * How the batch maps onto the block (absent in version 1): it held `entries` entries, the
   * `extras` at their positions and the block's next transactions everywhere else. With this a
   * follower rebuilds the exact batch the certificate covers.
   */
  readonly layout?: { readonly entries: number; readonly extras: readonly BatchExtra[] };
}

/**
 * What a block records of the consensus decision behind it: the batches it holds, in order, each
 * with its position in the total order (so a restarted node knows which decisions its ledger
 * already holds), round, proposer, the protocol's certificate and the batch's layout.
 */
export interface BlockEvidence {
  /** The last batch's sequence: every decision up to it is in the ledger. */
  readonly sequence: number;
  readonly batches: readonly BatchEvidence[];
}

/**
 * A block's quorum proofs, one per batch of its evidence and in the same order (the DAG
 * certificate's votes, the PBFT commits). Kept beside the block and outside its hash: validators
 * hold different but equally valid quorums for one decision, and a hash over them would make
 * their blocks differ.
 */
export function encodeBlockProof(proofs: readonly Uint8Array[]): Uint8Array {
  const w = new Writer(16 + proofs.reduce((sum, p) => sum + p.length + 4, 0));
  w.u8(PROOF_VERSION);
  w.array(proofs, (ww, proof) => ww.bytes(proof));
  return w.finish();
}

export function decodeBlockProof(bytes: Uint8Array): Uint8Array[] {
  return decodeExact(bytes, (r: Reader) => {
    r.version([PROOF_VERSION], 'block proof');
    return r.array((rr) => rr.bytesField(MAX_PROOF_BYTES), MAX_BATCHES_PER_BLOCK);
  });
}

const PROOF_VERSION = 1;
const MAX_PROOF_BYTES = 1024 * 1024;

/** Version 1 held one batch per block; version 2 the consecutive batches of one cut, with layouts. */
const EVIDENCE_VERSION = 2;
const MAX_BATCHES_PER_BLOCK = 4096;
const MAX_CERTIFICATE_BYTES = 256 * 1024;
const MAX_ENTRIES = 100_000;
const MAX_EXTRA_BYTES = 65_536;

/** Splits a batch's entries into the block's transactions and the extras kept in the evidence. */
export function encodeBlockEvidence(
  batches: readonly CommittedBatch[],
  isTransaction: (entry: Uint8Array) => boolean,
): Uint8Array {
  if (batches.length === 0) throw new RangeError('a block holds at least one batch');
  return writeBlockEvidence({
    sequence: batches[batches.length - 1]!.sequence,
    batches: batches.map((batch) => {
      const extras: BatchExtra[] = [];
      batch.transactions.forEach((bytes, position) => {
        if (!isTransaction(bytes)) extras.push({ position, bytes });
      });
      return {
        sequence: batch.sequence,
        round: batch.round,
        proposer: batch.proposer,
        certificate: batch.evidence,
        layout: { entries: batch.transactions.length, extras },
      };
    }),
  });
}

/** Canonical bytes of block evidence (version 2: consecutive sequences, every batch laid out). */
export function writeBlockEvidence(evidence: BlockEvidence): Uint8Array {
  const first = evidence.batches[0];
  if (first === undefined) throw new RangeError('a block holds at least one batch');
  const w = new Writer(64 + evidence.batches.reduce((sum, b) => sum + 32 + b.certificate.length, 0));
  w.u8(EVIDENCE_VERSION).u64(first.sequence);
  w.array(evidence.batches, (ww, batch) => {
    if (batch.layout === undefined) throw new RangeError('version 2 evidence lays out every batch');
    ww.u64(batch.round).u32(batch.proposer).bytes(batch.certificate);
    ww.varuint(batch.layout.entries);
    ww.array(batch.layout.extras, (www, extra) => www.varuint(extra.position).bytes(extra.bytes));
  });
  return w.finish();
}

export function decodeBlockEvidence(bytes: Uint8Array): BlockEvidence {
  return decodeExact(bytes, (r: Reader) => {
    const version = r.version([1, EVIDENCE_VERSION], 'block evidence');
    if (version === 1) {
      const sequence = r.u64();
      const batch = {
        sequence,
        round: r.u64(),
        proposer: r.u32(),
        certificate: r.bytesField(MAX_CERTIFICATE_BYTES),
      };
      return { sequence, batches: [batch] };
    }
    const first = r.u64();
    const read = r.array((rr) => {
      const round = rr.u64();
      const proposer = rr.u32();
      const certificate = rr.bytesField(MAX_CERTIFICATE_BYTES);
      const entries = rr.varuint();
      if (entries > MAX_ENTRIES) throw new CodecError('OUT_OF_RANGE', 'too many batch entries', {});
      const extras = rr.array(
        (x) => ({ position: x.varuint(), bytes: x.bytesField(MAX_EXTRA_BYTES) }),
        MAX_ENTRIES,
      );
      let last = -1;
      for (const extra of extras) {
        if (extra.position <= last || extra.position >= entries) {
          throw new CodecError('INVALID_VALUE', 'batch extras out of order or out of range', {});
        }
        last = extra.position;
      }
      return { round, proposer, certificate, layout: { entries, extras } };
    }, MAX_BATCHES_PER_BLOCK);
    if (read.length === 0) throw new CodecError('INVALID_VALUE', 'block evidence names no batch', {});
    const batches = read.map((batch, i) => ({ sequence: first + i, ...batch }));
    return { sequence: first + batches.length - 1, batches };
  });
}

/**
 * Rebuilds each batch's entries from the block's transactions (canonical bytes, in block order)
 * and the layouts; null when the evidence has no layouts (version 1) or does not account for
 * exactly the block's transactions.
 */
export function batchEntries(
  evidence: BlockEvidence,
  transactions: readonly Uint8Array[],
): Uint8Array[][] | null {
  const out: Uint8Array[][] = [];
  let next = 0;
  for (const batch of evidence.batches) {
    if (batch.layout === undefined) return null;
    const entries: Uint8Array[] = [];
    let extra = 0;
    for (let position = 0; position < batch.layout.entries; position++) {
      const kept = batch.layout.extras[extra];
      if (kept !== undefined && kept.position === position) {
        entries.push(kept.bytes);
        extra++;
        continue;
      }
      const tx = transactions[next++];
      if (tx === undefined) return null;
      entries.push(tx);
    }
    out.push(entries);
  }
  return next === transactions.length ? out : null;
}
