import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { verificationKeyOfShare } from '../consensus/coin/index.js';
import { ed25519KeyPairFromSeed } from '../crypto/ed25519.js';
import { bytesEqual, sha256, toHex } from '../crypto/hash.js';
import { OwnTransactions } from '../ledger/own-transactions.js';
import type { ReadableState } from '../ledger/state-interface.js';
import {
  badDealers,
  complaintPayload,
  type DkgMemberKey,
  dealingPayload,
  justificationPayloads,
  memberSecretShare,
} from '../roles/dkg-member.js';
import { dkgOutcome } from '../roles/dkg-outcome.js';
import {
  complaintsAgainst,
  currentDkgSession,
  DKG_COMPLAIN,
  DKG_DEAL,
  DKG_JUSTIFY,
  DkgPhase,
  type DkgSession,
  hasComplained,
  readDealing,
} from '../roles/dkg-records.js';

/** A step not on the chain this long after it was sent is sent again (it may have been dropped). */
const RESEND_MS = 5_000;

export interface DkgParticipantInit {
  readonly chainId: string;
  readonly shardId: number;
  /** The validator's consensus seed: it signs the steps and opens the shares sealed to it. */
  readonly signingSeed: Uint8Array;
  /** Where the dealing entropy waits until its session closes. */
  readonly dataDir: string;
  state(): ReadableState;
  submit(bytes: Uint8Array): void;
  now(): number;
  readonly log: {
    info(fields: Record<string, unknown>, message: string): void;
    warn(fields: Record<string, unknown>, message: string): void;
  };
}

/** What this validator learned from a closed session. */
export interface DkgResult {
  readonly session: string;
  readonly qualified: readonly number[];
  /** Whether its summed share matches its verification key in the generated keys. */
  readonly shareMatches: boolean;
}

/**
 * Takes part in the chain's key-generation session (src/roles/dkg-application.ts) as committee
 * member `index`, after each block: deals once in the dealing phase (the entropy written to disk
 * first, so that a restart can still answer complaints), complains about bad shares once in the
 * complaint phase, answers complaints against it in the answer phase, and sums its share when the
 * session closes. The steps are signed with the consensus key inside their payloads; the envelope
 * is signed with a key derived from it, so its nonces never race the validator's other
 * transactions. The summed share is checked and reported, not yet used: no epoch hands it to the
 * coin (docs/ROLES.md).
 */
export class DkgParticipant {
  private readonly own: OwnTransactions;
  private readonly publicKey: Uint8Array;
  private readonly sentAt = new Map<string, number>();
  /** Per session: the dealers this member complains against (the share check runs once). */
  private readonly bad = new Map<string, number[]>();
  private readonly finished = new Set<string>();
  private latest: DkgResult | null = null;

  constructor(private readonly init: DkgParticipantInit) {
    this.own = new OwnTransactions({
      seed: sha256(new TextEncoder().encode('gridshard/dkg-relay/v1'), init.signingSeed),
      chainId: init.chainId,
      shardId: init.shardId,
      state: () => init.state(),
      submit: (bytes) => init.submit(bytes),
      now: () => init.now(),
    });
    this.publicKey = ed25519KeyPairFromSeed(init.signingSeed).publicKey;
  }

  /** The last session this validator saw close, with what it found. */
  get result(): DkgResult | null {
    return this.latest;
  }

  /** Called after each block. */
  check(): void {
    const state = this.init.state();
    const session = currentDkgSession(state);
    if (session === undefined) return;
    // A session's members are the committee it generates keys for: the current one for an
    // operator's session, the elected one (standby nodes elected in included) at a handover.
    const member = session.members.findIndex((key) => bytesEqual(key, this.publicKey));
    if (member < 0) return;
    const key: DkgMemberKey = { chainId: this.init.chainId, member, seed: this.init.signingSeed };
    const idHex = toHex(session.id);
    if (session.phase === DkgPhase.deal) {
      if (readDealing(state, session.id, member) === undefined)
        this.send(`${idHex}/deal`, DKG_DEAL, () => dealingPayload(key, session, this.entropy(idHex, true)!));
    } else if (session.phase === DkgPhase.complain) {
      let bad = this.bad.get(idHex);
      if (bad === undefined) {
        bad = badDealers(state, session.id, key);
        this.bad.set(idHex, bad);
      }
      for (const dealer of bad) {
        if (hasComplained(state, session.id, dealer, member)) continue;
        this.send(`${idHex}/complain/${dealer}`, DKG_COMPLAIN, () => complaintPayload(key, session, dealer));
      }
    } else if (session.phase === DkgPhase.justify) {
      if (complaintsAgainst(state, session, member).length === 0) return;
      const entropy = this.entropy(idHex, false);
      if (entropy === undefined) {
        if (!this.sentAt.has(`${idHex}/no-entropy`)) {
          this.sentAt.set(`${idHex}/no-entropy`, this.init.now());
          this.init.log.warn(
            { session: idHex },
            'key generation: complaints against this dealer, but its entropy is lost',
          );
        }
        return;
      }
      justificationPayloads(state, session.id, key, entropy).forEach((payload, i) => {
        this.send(`${idHex}/justify/${i}/${toHex(sha256(payload))}`, DKG_JUSTIFY, () => payload);
      });
    } else if (!this.finished.has(idHex)) {
      this.finished.add(idHex);
      this.close(state, session, idHex, key);
    }
  }

  private close(state: ReadableState, session: DkgSession, idHex: string, key: DkgMemberKey): void {
    rmSync(this.entropyPath(idHex), { force: true });
    try {
      const outcome = dkgOutcome(state, session.id);
      const share = memberSecretShare(state, session.id, key);
      const shareMatches = bytesEqual(
        verificationKeyOfShare(share),
        outcome.publicKeys.verificationKeys[key.member]!,
      );
      this.latest = { session: idHex, qualified: outcome.qualified, shareMatches };
      this.init.log.info(
        { session: idHex, qualified: outcome.qualified, shareMatches },
        'key generation closed: this validator holds its share of the new coin keys',
      );
    } catch (error) {
      this.latest = { session: idHex, qualified: [], shareMatches: false };
      this.init.log.warn(
        { session: idHex, error: (error as Error).message },
        'key generation closed without keys',
      );
    }
  }

  private send(step: string, type: string, build: () => Uint8Array): void {
    const last = this.sentAt.get(step);
    if (last !== undefined && this.init.now() - last < RESEND_MS) return;
    try {
      this.own.submit(type, build());
      this.sentAt.set(step, this.init.now());
    } catch (error) {
      this.sentAt.set(step, this.init.now());
      this.init.log.warn({ step, error: (error as Error).message }, 'key generation: could not send a step');
    }
  }

  private entropyPath(idHex: string): string {
    return join(this.init.dataDir, 'dkg', `${idHex}.entropy`);
  }

  /** The session's dealing entropy from disk, or (when `create`) 32 fresh bytes made durable first. */
  private entropy(idHex: string, create: boolean): Uint8Array | undefined {
    const path = this.entropyPath(idHex);
    try {
      const kept = new Uint8Array(readFileSync(path));
      if (kept.length === 32) return kept;
    } catch {
      // absent: made below when allowed
    }
    if (!create) return undefined;
    const fresh = new Uint8Array(randomBytes(32));
    mkdirSync(join(this.init.dataDir, 'dkg'), { recursive: true });
    const fd = openSync(path, 'w', 0o600);
    try {
      writeSync(fd, fresh);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return fresh;
  }
}
