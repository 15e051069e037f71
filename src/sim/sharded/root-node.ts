import type { CommittedBatch } from '../../consensus/interface.js';
import { ed25519PrivateKeyObject, ed25519Sign } from '../../crypto/ed25519.js';
import {
  type Attestation,
  AttestationCollector,
  type CommitProof,
  decodeCommitProof,
  encodeCommitProof,
  type RootBlock,
  RootLedger,
  rootBlockHash,
  type ShardDirectory,
  signCommitStatement,
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

/** What a root validator's shell reaches in the run. */
export interface RootNodeLinks {
  readonly chainId: string;
  readonly rootShard: number;
  readonly directory: ShardDirectory;
  /** Hands an entry to this validator's core to propose. */
  propose(entry: Uint8Array): void;
  /** This validator's attestation of a root block, to every root validator. */
  attest(attestation: Attestation): void;
}

/**
 * An honest root validator around its consensus core: gathers the shard validators' attestations
 * into commit proofs and proposes each new proof to the root chain; keeps the root ledger of what
 * the root chain ordered, cuts a root block at each decision boundary and attests it, and gathers
 * the root committee's attestations into the root blocks' own commit proofs.
 */
export class RootNode {
  readonly ledger: RootLedger;
  alive = true;
  refusedAttestations = 0;
  private readonly collectors = new Map<number, AttestationCollector>();
  private readonly blocks: { entries: Uint8Array[]; hash: Uint8Array }[] = [];
  private readonly proofs = new Map<number, CommitProof>();
  private buffer: Uint8Array[] = [];
  private readonly key;

  constructor(
    readonly index: number,
    signingSeed: Uint8Array,
    private readonly links: RootNodeLinks,
  ) {
    this.ledger = new RootLedger(links.chainId, links.directory);
    this.key = ed25519PrivateKeyObject(signingSeed);
  }

  private get chainId(): string {
    return this.links.chainId;
  }

  private get directory(): ShardDirectory {
    return this.links.directory;
  }

  /** The root blocks this validator holds a root commit proof for, from height 1 without a gap. */
  provenBlocks(): RootBlock[] {
    const out: RootBlock[] = [];
    for (let height = 1; height <= this.blocks.length; height++) {
      const proof = this.proofs.get(height);
      if (proof === undefined) break;
      out.push({ height, entries: this.blocks[height - 1]!.entries, proof });
    }
    return out;
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
        if (shardId === this.links.rootShard) this.proofs.set(height, outcome.proof);
        else if (this.ledger.proof(shardId, height) === undefined)
          this.links.propose(encodeCommitProof(outcome.proof));
      }
    } catch {
      this.refusedAttestations++;
    }
  }

  onCommit(batch: CommittedBatch): void {
    this.buffer.push(...batch.transactions);
    if (!batch.endsCommit || this.buffer.length === 0) return;
    const entries = this.buffer;
    this.buffer = [];
    for (const bytes of entries) {
      try {
        this.ledger.include(decodeCommitProof(bytes));
      } catch {
        // rootAccepts keeps these out of certified batches
      }
    }
    const height = this.blocks.length + 1;
    const previous = this.blocks[height - 2]?.hash ?? new Uint8Array(32);
    const hash = rootBlockHash(previous, this.links.rootShard, height, entries);
    this.blocks.push({ entries, hash });
    const statement = {
      chainId: this.chainId,
      shardId: this.links.rootShard,
      epoch: 0,
      height,
      blockHash: hash,
      stateRoot: this.ledger.digest(),
    };
    this.links.attest(signCommitStatement(statement, this.index, (m) => ed25519Sign(this.key, m)));
  }
}
