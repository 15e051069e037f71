import { CodecError, decodeExact, type Reader, Writer } from '../codec/index.js';
import type { CommittedBatch } from '../consensus/interface.js';

/** One consensus batch inside a block: where it sits in the total order and its certificate. */
export interface BatchEvidence {
  readonly sequence: number;
  readonly round: number;
  readonly proposer: number;
  readonly certificate: Uint8Array;
}

/**
 * What a block records of the consensus decision behind it: the batches it holds, in order, each
 * with its position in the total order (so a restarted node knows which decisions its ledger
 * already holds), round, proposer and the protocol's own certificate bytes.
 */
export interface BlockEvidence {
  /** The last batch's sequence: every decision up to it is in the ledger. */
  readonly sequence: number;
  readonly batches: readonly BatchEvidence[];
}

/** Version 1 held one batch per block; version 2 holds the consecutive batches of one cut. */
const EVIDENCE_VERSION = 2;
const MAX_BATCHES_PER_BLOCK = 4096;

export function encodeBlockEvidence(batches: readonly CommittedBatch[]): Uint8Array {
  if (batches.length === 0) throw new RangeError('a block holds at least one batch');
  const w = new Writer(16 + batches.reduce((sum, b) => sum + 24 + b.evidence.length, 0));
  w.u8(EVIDENCE_VERSION).u64(batches[0]!.sequence);
  w.array(batches, (ww, batch) => ww.u64(batch.round).u32(batch.proposer).bytes(batch.evidence));
  return w.finish();
}

export function decodeBlockEvidence(bytes: Uint8Array): BlockEvidence {
  return decodeExact(bytes, (r: Reader) => {
    const version = r.version([1, EVIDENCE_VERSION], 'block evidence');
    if (version === 1) {
      const sequence = r.u64();
      const batch = { sequence, round: r.u64(), proposer: r.u32(), certificate: r.bytesField(256 * 1024) };
      return { sequence, batches: [batch] };
    }
    const first = r.u64();
    const read = r.array(
      (rr) => ({ round: rr.u64(), proposer: rr.u32(), certificate: rr.bytesField(256 * 1024) }),
      MAX_BATCHES_PER_BLOCK,
    );
    if (read.length === 0) throw new CodecError('INVALID_VALUE', 'block evidence names no batch', {});
    const batches = read.map((batch, i) => ({ sequence: first + i, ...batch }));
    return { sequence: first + batches.length - 1, batches };
  });
}
