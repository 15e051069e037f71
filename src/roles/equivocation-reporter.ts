import { type EquivocationProof, encodeEquivocationProof } from '../consensus/dag/index.js';
import { sha256 } from '../crypto/hash.js';
import { OwnTransactions } from '../ledger/own-transactions.js';
import type { ReadableState } from '../ledger/state-interface.js';
import { proofSettled, ROLES_EQUIVOCATION } from './evidence-application.js';

/** A proof not yet on the chain this long after it was sent is sent again (it may have been dropped). */
const RESEND_MS = 10_000;

export interface ReporterInit {
  readonly chainId: string;
  readonly shardId: number;
  readonly signingSeed: Uint8Array;
  /**
   * The proofs this validator's consensus cores hold (the first per author and round), each naming
   * its epoch: a retired core's too, since its proofs count after the handover.
   */
  proofs(): readonly EquivocationProof[];
  /** The chain's committed state. */
  state(): ReadableState;
  submit(bytes: Uint8Array): void;
  now(): number;
  warn(message: string, data: Record<string, unknown>): void;
}

/**
 * Puts on the chain what this validator's consensus caught: for every member proven to have signed
 * two headers for one round and not yet suspended, a `roles.equivocation` transaction with the
 * proof. It signs with a key of its own, derived from the validator's seed, so its nonces never
 * race the validator's other transactions.
 */
export class EquivocationReporter {
  private readonly own: OwnTransactions;
  /** When a proof against a member (by epoch and index) was last sent. */
  private readonly sentAt = new Map<string, number>();

  constructor(private readonly init: ReporterInit) {
    this.own = new OwnTransactions({
      seed: sha256(new TextEncoder().encode('gridshard/equivocation-reporter/v1'), init.signingSeed),
      chainId: init.chainId,
      shardId: init.shardId,
      state: () => init.state(),
      submit: (bytes) => init.submit(bytes),
      now: () => init.now(),
    });
  }

  /** Called after each block: reports what is proven and not yet on the chain. */
  check(): number {
    const state = this.init.state();
    let sent = 0;
    for (const proof of this.init.proofs()) {
      if (proofSettled(state, proof)) continue;
      const accused = `${proof.epoch}/${proof.author}`;
      const last = this.sentAt.get(accused);
      if (last !== undefined && this.init.now() - last < RESEND_MS) continue;
      try {
        this.own.submit(ROLES_EQUIVOCATION, encodeEquivocationProof(proof));
        this.sentAt.set(accused, this.init.now());
        sent++;
      } catch (error) {
        this.init.warn('could not report an equivocation', {
          author: proof.author,
          error: (error as Error).message,
        });
      }
    }
    return sent;
  }
}
