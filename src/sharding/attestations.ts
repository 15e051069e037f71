import type { Committee, SharedChecks } from '../consensus/interface.js';
import { quorumSize } from '../consensus/interface.js';
import { toHex } from '../crypto/hash.js';
import {
  type Attestation,
  type CommitProof,
  type CommitStatement,
  sameStatement,
  verifyAttestation,
} from './commit-proof.js';
import { ShardingError } from './errors.js';

/** Two statements for one height signed by one validator: proof that it signed two different blocks. */
export interface ConflictingAttestations {
  readonly signer: number;
  readonly first: Attestation;
  readonly second: Attestation;
}

export type AttestationOutcome =
  /** Checked and counted; `proof` is set the first time its statement reaches a quorum. */
  | { readonly kind: 'counted'; readonly proof?: CommitProof }
  /** Already counted (a resend), or for a height whose proof is already complete. */
  | { readonly kind: 'duplicate' }
  /** The signer had signed another statement for this height: kept as evidence, not counted. */
  | { readonly kind: 'conflict'; readonly evidence: ConflictingAttestations };

interface Height {
  /** statement key → signer → attestation */
  readonly byStatement: Map<string, Map<number, Attestation>>;
  /** signer → the first statement it signed for this height */
  readonly firstBySigner: Map<number, Attestation>;
  proven: boolean;
}

/**
 * Gathers the attestations of one committee (one shard, one epoch) into commit proofs, as a pure
 * state machine: the shell feeds it what peers send and its own signature, it answers with a
 * proof once 2f + 1 members signed one statement. It verifies every signature first (typed
 * BAD_ATTESTATION otherwise, nothing recorded). A member that signs two statements for one
 * height is counted for the first only and the pair is returned as evidence: with at most f such
 * members no two statements for a height can both reach a quorum, so the first proof is the only one.
 * Heights below `pruneBelow` are forgotten.
 */
export class AttestationCollector {
  private readonly heights = new Map<number, Height>();
  private readonly quorum: number;
  private floor = 0;

  constructor(
    private readonly committee: Committee,
    private readonly chainId: string,
    private readonly checks?: SharedChecks,
  ) {
    this.quorum = quorumSize(committee.members.length);
  }

  add(attestation: Attestation): AttestationOutcome {
    if (attestation.statement.chainId !== this.chainId)
      throw new ShardingError('BAD_ATTESTATION', `signed for chain "${attestation.statement.chainId}"`, {
        chainId: attestation.statement.chainId,
      });
    verifyAttestation(attestation, this.committee, this.checks);
    const { statement, signer } = attestation;
    if (statement.height < this.floor) return { kind: 'duplicate' };
    let height = this.heights.get(statement.height);
    if (height === undefined) {
      height = { byStatement: new Map(), firstBySigner: new Map(), proven: false };
      this.heights.set(statement.height, height);
    }
    const first = height.firstBySigner.get(signer);
    if (first !== undefined) {
      if (sameStatement(first.statement, statement)) return { kind: 'duplicate' };
      return { kind: 'conflict', evidence: { signer, first, second: attestation } };
    }
    height.firstBySigner.set(signer, attestation);
    const key = statementKey(statement);
    let signers = height.byStatement.get(key);
    if (signers === undefined) {
      signers = new Map();
      height.byStatement.set(key, signers);
    }
    signers.set(signer, attestation);
    if (height.proven || signers.size < this.quorum) return { kind: 'counted' };
    height.proven = true;
    const signatures = [...signers.values()]
      .sort((a, b) => a.signer - b.signer)
      .map(({ signer: index, signature }) => ({ signer: index, signature }));
    return { kind: 'counted', proof: { statement, signatures } };
  }

  /** Forgets every height below `height` (their proofs are stored with the blocks). */
  pruneBelow(height: number): void {
    this.floor = Math.max(this.floor, height);
    for (const h of this.heights.keys()) if (h < this.floor) this.heights.delete(h);
  }
}

function statementKey(statement: CommitStatement): string {
  return `${toHex(statement.blockHash)}/${toHex(statement.stateRoot)}`;
}
