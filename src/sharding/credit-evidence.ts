import {
  decodeCertificateEvidence,
  verifyEquivocationProof,
  verifyVertexProof,
} from '../consensus/dag/index.js';
import type { Committee } from '../consensus/interface.js';
import { verifyAttestation } from './commit-proof.js';
import { type CertifiedVertex, type Equivocation, equivocator } from './credit.js';
import { CreditError } from './credit-errors.js';

/** An ordered DAG vertex as a block records it: who, which round, and what it references. */
export interface OrderedVertex {
  readonly author: number;
  readonly round: number;
  /** Hex of the header digest. */
  readonly digest: string;
  /** Hex digests of its strong and weak parents. */
  readonly references: readonly string[];
  readonly coinShare: boolean;
}

/** One batch of a block, as the credit audit reads it. */
export interface RecordedBatch {
  readonly sequence: number;
  readonly round: number;
  readonly proposer: number;
  /** The block's vertex evidence for the batch (its header without transactions or votes). */
  readonly evidence: Uint8Array;
  /** The batch's certificate, kept beside the block; needed when `verify` is asked for. */
  readonly proof?: Uint8Array;
  /** The batch rebuilt from the block; needed when `verify` is asked for. */
  readonly transactions: readonly Uint8Array[];
}

/**
 * The ordered vertex a committed DAG batch records. With `verify`, its certificate (the batch
 * proof) must verify against the committee for exactly the batch and name the vertex the block
 * records; without, the evidence is only decoded: for a node reading its own chain, whose
 * certificates its consensus checked before it ordered them. Every ordered vertex, empty ones
 * too, is a batch (docs/ROLES.md).
 */
export function orderedVertexOf(batch: RecordedBatch, committee: Committee, verify = true): OrderedVertex {
  let vertex: ReturnType<typeof decodeCertificateEvidence>;
  try {
    if (verify && batch.proof === undefined) throw new Error('no certificate to check');
    vertex =
      verify && batch.proof !== undefined
        ? verifyVertexProof(committee, batch.evidence, batch.proof, batch.transactions)
        : decodeCertificateEvidence(batch.evidence);
  } catch (error) {
    throw new CreditError('BAD_CREDIT_EVIDENCE', `batch ${batch.sequence}: ${(error as Error).message}`, {
      sequence: batch.sequence,
    });
  }
  if (vertex.author !== batch.proposer || vertex.round !== batch.round)
    throw new CreditError(
      'BAD_CREDIT_EVIDENCE',
      `batch ${batch.sequence} names another vertex than its evidence`,
      {
        sequence: batch.sequence,
      },
    );
  const hex = (d: Uint8Array) => Buffer.from(d).toString('hex');
  return {
    author: vertex.author,
    round: vertex.round,
    digest: hex(vertex.digest),
    references: [...vertex.parents.map(hex), ...vertex.weakParents.map((p) => hex(p.digest))],
    coinShare: vertex.coinShare !== null,
  };
}

/**
 * The vertices with the validators the chain shows acknowledging each: the authors of ordered
 * vertices (among `vertices`) that reference it. A certificate's votes would say the same less
 * well: they are whichever 2f + 1 arrived first, and validators hold different ones, so they are
 * not on the chain; a reference is in a signed header every validator orders alike. A member
 * outside the committee is left out.
 */
export function acknowledgedVertices(
  vertices: readonly OrderedVertex[],
  committeeSize: number,
): CertifiedVertex[] {
  const acknowledgers = new Map<string, Set<number>>();
  for (const v of vertices) acknowledgers.set(v.digest, new Set());
  for (const v of vertices) {
    if (v.author >= committeeSize) continue;
    for (const reference of v.references) acknowledgers.get(reference)?.add(v.author);
  }
  return vertices.map((v) => ({
    author: v.author,
    round: v.round,
    voters: [...acknowledgers.get(v.digest)!].sort((a, b) => a - b),
    coinShare: v.coinShare,
    committed: true,
  }));
}

/**
 * The validator an equivocation convicts, after checking both of its signatures against the
 * committee; refused with BAD_CREDIT_EVIDENCE when a signature fails or the statements do not conflict.
 */
export function equivocatorOf(e: Equivocation, committee: Committee): number {
  if (e.kind === 'attestations') {
    try {
      verifyAttestation(e.evidence.first, committee);
      verifyAttestation(e.evidence.second, committee);
    } catch (error) {
      throw new CreditError('BAD_CREDIT_EVIDENCE', `conflicting attestations: ${(error as Error).message}`, {
        signer: e.evidence.signer,
      });
    }
  } else if (!verifyEquivocationProof(committee, e.proof)) {
    throw new CreditError(
      'BAD_CREDIT_EVIDENCE',
      `the headers of ${e.proof.author} do not prove an equivocation`,
      {
        author: e.proof.author,
        round: e.proof.round,
      },
    );
  }
  return equivocator(e, committee.members.length);
}
