import { decodeExact, type Reader, Writer } from '../codec/index.js';
import {
  decodeEquivocationProof,
  type EquivocationProof,
  verifyEquivocationProof,
} from '../consensus/dag/index.js';
import { bytesEqual, sha256, toHex } from '../crypto/hash.js';
import type { Application, TransactionContext } from '../ledger/application.js';
import type { KeyValueState, ReadableState } from '../ledger/state-interface.js';
import { MAX_PAYLOAD_LENGTH, type Transaction } from '../ledger/transaction.js';
import { readCommittee, readCommitteeOfEpoch } from './committee-state.js';
import { RolesError } from './errors.js';

/** Records proof that a committee member signed two headers for one round. Payload: the proof. */
export const ROLES_EQUIVOCATION = 'roles.equivocation';

/** A suspension by the member's index in the current committee (what the API and credit read). */
export function suspensionKey(member: number): Uint8Array {
  return new TextEncoder().encode(`roles/suspended/${member}`);
}

/**
 * The same record by the member's public key, for good: it outlives the committee, so a suspended
 * node that leaves and is elected again is suspended again at its new index.
 */
export function keySuspensionKey(publicKey: Uint8Array): Uint8Array {
  return new TextEncoder().encode(`roles/suspended-key/${toHex(publicKey)}`);
}

/** A member's suspension as the chain holds it: the round it equivocated in and the proof. */
export interface Suspension {
  readonly member: number;
  readonly round: number;
  /** The block whose transaction recorded the proof. */
  readonly height: number;
  readonly proofHash: Uint8Array;
  readonly proof: Uint8Array;
}

export function readSuspension(state: ReadableState, member: number): Suspension | undefined {
  const bytes = state.get(suspensionKey(member));
  if (bytes === undefined) return undefined;
  return decodeExact(bytes, (r: Reader) => {
    const round = r.u64();
    const height = r.u64();
    const proof = r.bytesField(MAX_PAYLOAD_LENGTH);
    return { member, round, height, proofHash: sha256(proof), proof };
  });
}

/** A node's suspension by its key (kept for good, whichever committee it is in), as `readSuspension` reads it. */
export function readKeySuspension(
  state: ReadableState,
  publicKey: Uint8Array,
): Omit<Suspension, 'member'> | undefined {
  const bytes = state.get(keySuspensionKey(publicKey));
  if (bytes === undefined) return undefined;
  return decodeExact(bytes, (r: Reader) => {
    const round = r.u64();
    const height = r.u64();
    const proof = r.bytesField(MAX_PAYLOAD_LENGTH);
    return { round, height, proofHash: sha256(proof), proof };
  });
}

/** The proof a `roles.equivocation` payload carries, decoded (CodecError when malformed). */
export function equivocationOf(payload: Uint8Array): EquivocationProof {
  return decodeEquivocationProof(payload);
}

/**
 * True when the chain needs this proof no more, or cannot take it: its author is suspended
 * already, or its epoch's committee (the one it accuses a member of) is not one this chain recorded.
 */
export function proofSettled(state: ReadableState, proof: EquivocationProof): boolean {
  const accused = readCommitteeOfEpoch(state, proof.epoch)?.members[proof.author]?.publicKey;
  return accused === undefined || state.get(keySuspensionKey(accused)) !== undefined;
}

/**
 * Anyone may report an equivocation: the proof carries both headers with the author's signature
 * over each, checked here against the committee of the epoch it names (the current one or one the
 * chain recorded at a handover), so whoever sends it is not trusted and a proof that reaches the
 * chain after its committee handed over still counts. The first valid proof against a member
 * suspends its key for good, and its index while it is in the committee; a later one is refused
 * (`ALREADY_SUSPENDED`) and changes nothing. Credit reads the same transactions (docs/ROLES.md).
 */
export const rolesApplication: Application = {
  types: [ROLES_EQUIVOCATION],
  execute(state: KeyValueState, tx: Transaction, context: TransactionContext): void {
    const current = readCommittee(state);
    if (current === null)
      throw new RolesError('NO_COMMITTEE', 'this chain’s genesis recorded no committee', {});
    const proof = equivocationOf(tx.payload);
    const committee = readCommitteeOfEpoch(state, proof.epoch);
    if (committee === null)
      throw new RolesError('BAD_EVIDENCE', `this chain had no committee of epoch ${proof.epoch}`, {
        epoch: proof.epoch,
        currentEpoch: current.epoch,
      });
    if (!verifyEquivocationProof(committee, proof))
      throw new RolesError(
        'BAD_EVIDENCE',
        `the headers do not prove that member ${proof.author} of epoch ${proof.epoch} equivocated`,
        { epoch: proof.epoch, author: proof.author, round: proof.round },
      );
    const accused = committee.members[proof.author]!.publicKey;
    if (state.get(keySuspensionKey(accused)) !== undefined)
      throw new RolesError('ALREADY_SUSPENDED', `member ${proof.author} is suspended already`, {
        epoch: proof.epoch,
        author: proof.author,
      });
    const record = new Writer(32 + tx.payload.length)
      .u64(proof.round)
      .u64(context.height)
      .bytes(tx.payload)
      .finish();
    state.set(keySuspensionKey(accused), record);
    const now = current.members.find((m) => bytesEqual(m.publicKey, accused));
    if (now !== undefined) state.set(suspensionKey(now.index), record);
  },
};
