import {
  decodeCertificateEvidence,
  verifyCertificateEvidence,
  verifyEquivocationProof,
} from '../consensus/dag/index.js';
import type { CommittedBatch, Committee } from '../consensus/interface.js';
import { verifyAttestation } from './commit-proof.js';
import { type CertifiedVertex, type Equivocation, equivocator } from './credit.js';
import { CreditError } from './credit-errors.js';

/**
 * The certified vertex a committed DAG batch records, after checking its certificate against the
 * committee (the header rebuilt from the evidence and the batch hashes to the digest, 2f + 1 votes
 * verify). Every ordered vertex, empty ones too, is a batch (docs/ROLES.md). With `verify`
 * false the evidence is only decoded: for a node reading its own chain, whose certificates its
 * consensus checked before it ordered them.
 */
export function certifiedVertexOf(
  batch: CommittedBatch,
  committee: Committee,
  verify = true,
): CertifiedVertex {
  let certificate: ReturnType<typeof verifyCertificateEvidence>;
  try {
    certificate = verify
      ? verifyCertificateEvidence(committee, batch.evidence, batch.transactions)
      : decodeCertificateEvidence(batch.evidence);
  } catch (error) {
    throw new CreditError('BAD_CREDIT_EVIDENCE', `batch ${batch.sequence}: ${(error as Error).message}`, {
      sequence: batch.sequence,
    });
  }
  if (certificate.author !== batch.proposer || certificate.round !== batch.round)
    throw new CreditError(
      'BAD_CREDIT_EVIDENCE',
      `batch ${batch.sequence} names another vertex than its certificate`,
      {
        sequence: batch.sequence,
      },
    );
  // The check skips votes of non-members and repeats; only the members' first votes are counted.
  const voters = new Set<number>();
  for (const vote of certificate.votes) if (vote.voter < committee.members.length) voters.add(vote.voter);
  return {
    author: certificate.author,
    round: certificate.round,
    voters: [...voters].sort((a, b) => a - b),
    coinShare: certificate.coinShare !== null,
    committed: true,
  };
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
