import { decodeExact, type Reader, Writer } from '../codec/index.js';
import type { CommittedBatch } from '../consensus/interface.js';

/**
 * What a block records of the consensus decision behind it: the position in the total order (so a
 * restarted node knows which decisions its ledger already holds), the round, the proposer and the
 * protocol's own certificate bytes.
 */
export interface BlockEvidence {
  readonly sequence: number;
  readonly round: number;
  readonly proposer: number;
  readonly certificate: Uint8Array;
}

const EVIDENCE_VERSION = 1;

export function encodeBlockEvidence(batch: CommittedBatch): Uint8Array {
  return new Writer(32 + batch.evidence.length)
    .u8(EVIDENCE_VERSION)
    .u64(batch.sequence)
    .u64(batch.round)
    .u32(batch.proposer)
    .bytes(batch.evidence)
    .finish();
}

export function decodeBlockEvidence(bytes: Uint8Array): BlockEvidence {
  return decodeExact(bytes, (r: Reader) => {
    r.version([EVIDENCE_VERSION], 'block evidence');
    return { sequence: r.u64(), round: r.u64(), proposer: r.u32(), certificate: r.bytesField(256 * 1024) };
  });
}
