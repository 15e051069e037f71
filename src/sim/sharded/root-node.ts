import type { CommittedBatch } from '../../consensus/interface.js';
import {
  type Attestation,
  AttestationCollector,
  decodeCommitProof,
  encodeCommitProof,
  RootLedger,
  type ShardDirectory,
  verifyCommitProof,
} from '../../sharding/index.js';

/**
 * The root committee's `acceptsEntry`: a commit proof that verifies against its shard's committee.
 * Checked before a header holding it gets an honest vote, so the root chain orders only proofs.
 */
export function rootAccepts(chainId: string, directory: ShardDirectory): (bytes: Uint8Array) => boolean {
  return (bytes) => {
    try {
      const proof = decodeCommitProof(bytes);
      const committee = directory.committee(proof.statement.shardId, proof.statement.epoch);
      if (committee === undefined || proof.statement.chainId !== chainId) return false;
      verifyCommitProof(proof, committee, directory.sharedChecks);
      return true;
    } catch {
      return false;
    }
  };
}

/**
 * An honest root validator around its consensus core: gathers the shard validators' attestations
 * into commit proofs, proposes each new proof to the root chain, and keeps the root ledger of
 * what the root chain ordered.
 */
export class RootNode {
  readonly ledger: RootLedger;
  alive = true;
  refusedAttestations = 0;
  private readonly collectors = new Map<number, AttestationCollector>();

  constructor(
    readonly index: number,
    private readonly chainId: string,
    private readonly directory: ShardDirectory,
    private readonly propose: (entry: Uint8Array) => void,
  ) {
    this.ledger = new RootLedger(chainId, directory);
  }

  onAttestation(attestation: Attestation): void {
    if (!this.alive) return;
    const shard = attestation.statement.shardId;
    let collector = this.collectors.get(shard);
    if (collector === undefined) {
      const committee = this.directory.committee(shard, 0);
      if (committee === undefined) return;
      collector = new AttestationCollector(committee, this.chainId, this.directory.sharedChecks);
      this.collectors.set(shard, collector);
    }
    try {
      const outcome = collector.add(attestation);
      if (outcome.kind === 'counted' && outcome.proof !== undefined) {
        const { shardId, height } = outcome.proof.statement;
        if (this.ledger.proof(shardId, height) === undefined) this.propose(encodeCommitProof(outcome.proof));
      }
    } catch {
      this.refusedAttestations++;
    }
  }

  onCommit(batch: CommittedBatch): void {
    for (const bytes of batch.transactions) {
      try {
        this.ledger.include(decodeCommitProof(bytes));
      } catch {
        // rootAccepts keeps these out of certified batches
      }
    }
  }
}
