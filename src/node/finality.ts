import type { Committee } from '../consensus/interface.js';
import { ed25519PrivateKeyObject, ed25519Sign } from '../crypto/ed25519.js';
import { bytesEqual } from '../crypto/hash.js';
import { isGridShardError } from '../errors.js';
import type { StoredBlock } from '../ledger/store.js';
import {
  AttestationCollector,
  type CommitProof,
  type CommitStatement,
  decodeAttestation,
  encodeAttestation,
  encodeCommitProof,
  signCommitStatement,
} from '../sharding/index.js';
import type { NodeMetrics } from './metrics.js';

/** Proofs that complete before this node wrote their block wait here, at most this many. */
const MAX_PROOFS_AHEAD = 1024;

export type AttestationVerdict = 'accept' | 'ignore' | 'reject';

/** The committee that ordered one epoch's blocks, and this node's index in it (null: not a member). */
export interface EpochSigners {
  readonly committee: Committee;
  readonly index: number | null;
}

export interface FinalityInit {
  readonly committee: Committee;
  /**
   * On a chain whose committee hands over: the committee of an epoch (null while this node does
   * not know it yet). A block is attested by the committee of its own epoch; absent, every block
   * by `committee`.
   */
  readonly committeeOf?: (epoch: number) => EpochSigners | null;
  readonly chainId: string;
  /** This validator's index, or null for a node that only collects. */
  readonly index: number | null;
  readonly signingSeed?: Uint8Array;
  readonly store: {
    readonly committed: { readonly height: number };
    readBlock(height: number): Promise<StoredBlock | undefined>;
    putCommitProof(height: number, proof: Uint8Array): Promise<void>;
  };
  /** Sends this validator's attestation to the others (gossip). */
  readonly publish: (bytes: Uint8Array) => void;
  readonly metrics: NodeMetrics;
  readonly log: { warn(fields: object, message: string): void; error(fields: object, message: string): void };
}

/**
 * Turns written blocks into commit proofs. A validator signs the commit statement of each block
 * it writes and gossips it; every node collects the committee's statements and, once 2f + 1 sign
 * one block, stores the proof beside the block, after checking it names the block this node
 * holds. A quorum for another block than ours would mean our execution diverged: it is logged
 * as an error and counted, never stored. Two statements of one validator for one height are
 * logged with both signatures.
 */
export class CommitFinality {
  /** One collector per epoch whose committee attests (a fixed committee: epoch 0's only). */
  private readonly collectors = new Map<number, AttestationCollector>();
  private readonly ahead = new Map<number, CommitProof>();
  private readonly sign: ((message: Uint8Array) => Uint8Array) | null;
  private highest = 0;

  constructor(private readonly init: FinalityInit) {
    const seed = init.signingSeed;
    if (seed !== undefined && (init.index !== null || init.committeeOf !== undefined)) {
      const key = ed25519PrivateKeyObject(seed);
      this.sign = (message) => ed25519Sign(key, message);
    } else this.sign = null;
  }

  private signersOf(epoch: number): EpochSigners | null {
    if (this.init.committeeOf !== undefined) return this.init.committeeOf(epoch);
    return epoch === this.init.committee.epoch
      ? { committee: this.init.committee, index: this.init.index }
      : null;
  }

  private collectorOf(epoch: number, known?: EpochSigners | null): AttestationCollector | null {
    let collector = this.collectors.get(epoch);
    if (collector === undefined) {
      const signers = known === undefined ? this.signersOf(epoch) : known;
      if (signers === null) return null;
      collector = new AttestationCollector(signers.committee, this.init.chainId);
      this.collectors.set(epoch, collector);
      // Epochs long past collect nothing more: keep the newest few.
      for (const old of this.collectors.keys()) if (old < epoch - 2) this.collectors.delete(old);
    }
    return collector;
  }

  /** Signs and publishes this validator's statement for a block it wrote, and settles a proof waiting for it. */
  blockWritten(block: StoredBlock): void {
    const signers = this.signersOf(block.header.epoch);
    const collector = this.collectorOf(block.header.epoch, signers);
    if (signers !== null && collector !== null && this.sign !== null && signers.index !== null) {
      const statement: CommitStatement = {
        chainId: this.init.chainId,
        shardId: signers.committee.shardId,
        epoch: signers.committee.epoch,
        height: block.header.height,
        blockHash: block.hash,
        stateRoot: block.header.stateRoot,
      };
      const attestation = signCommitStatement(statement, signers.index, this.sign);
      this.init.publish(encodeAttestation(attestation));
      this.take(collector.add(attestation), collector);
    }
    const waiting = this.ahead.get(block.header.height);
    if (waiting !== undefined) {
      this.ahead.delete(block.header.height);
      this.settle(waiting, block);
    }
  }

  /** A peer's attestation: 'reject' for bytes or signatures that are wrong, 'ignore' for resends. */
  received(bytes: Uint8Array): AttestationVerdict {
    let outcome: ReturnType<AttestationCollector['add']>;
    let collector: AttestationCollector | null;
    try {
      const attestation = decodeAttestation(bytes);
      // An epoch this node does not know yet (it is behind) or no longer collects: not its to judge.
      collector = this.collectorOf(attestation.statement.epoch);
      if (collector === null) return 'ignore';
      outcome = collector.add(attestation);
    } catch (error) {
      if (isGridShardError(error)) return 'reject';
      throw error;
    }
    return this.take(outcome, collector);
  }

  private take(
    outcome: ReturnType<AttestationCollector['add']>,
    collector: AttestationCollector,
  ): AttestationVerdict {
    if (outcome.kind === 'duplicate') return 'ignore';
    if (outcome.kind === 'conflict') {
      const { signer, first, second } = outcome.evidence;
      this.init.metrics.finalityConflicts.inc({ kind: 'double' });
      this.init.log.error(
        {
          signer,
          height: first.statement.height,
          first: Buffer.from(encodeAttestation(first)).toString('hex'),
          second: Buffer.from(encodeAttestation(second)).toString('hex'),
        },
        'a validator signed two blocks for one height',
      );
      // Relayed, so every node sees the evidence.
      return 'accept';
    }
    if (outcome.proof !== undefined) this.proven(outcome.proof, collector);
    return 'accept';
  }

  private proven(proof: CommitProof, collector: AttestationCollector): void {
    const height = proof.statement.height;
    collector.pruneBelow(height - 64);
    if (height > this.init.store.committed.height) {
      if (this.ahead.size >= MAX_PROOFS_AHEAD) {
        const lowest = Math.min(...this.ahead.keys());
        this.ahead.delete(lowest);
      }
      this.ahead.set(height, proof);
      return;
    }
    this.init.store.readBlock(height).then(
      (block) => {
        if (block !== undefined) this.settle(proof, block);
      },
      (error: unknown) =>
        this.init.log.warn({ error: String(error), height }, 'reading a block for its proof failed'),
    );
  }

  private settle(proof: CommitProof, block: StoredBlock): void {
    const { statement } = proof;
    if (
      statement.epoch !== block.header.epoch ||
      !bytesEqual(statement.blockHash, block.hash) ||
      !bytesEqual(statement.stateRoot, block.header.stateRoot)
    ) {
      this.init.metrics.finalityConflicts.inc({ kind: 'mismatch' });
      this.init.log.error(
        { height: statement.height, signers: proof.signatures.map((s) => s.signer) },
        'a quorum of the committee signed another block than the one this node holds',
      );
      return;
    }
    this.init.store.putCommitProof(statement.height, encodeCommitProof(proof)).then(
      () => {
        const metric = this.init.metrics.commitProofHeight;
        this.highest = Math.max(this.highest, statement.height);
        metric.set(this.highest);
      },
      (error: unknown) =>
        this.init.log.warn(
          { error: String(error), height: statement.height },
          'storing a commit proof failed',
        ),
    );
  }
}
