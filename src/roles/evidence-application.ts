import { decodeExact, type Reader, Writer } from '../codec/index.js';
import {
  decodeEquivocationProof,
  type EquivocationProof,
  verifyEquivocationProof,
} from '../consensus/dag/index.js';
import { sha256 } from '../crypto/hash.js';
import type { Application, TransactionContext } from '../ledger/application.js';
import type { KeyValueState, ReadableState } from '../ledger/state-interface.js';
import { MAX_PAYLOAD_LENGTH, type Transaction } from '../ledger/transaction.js';
import { readCommittee } from './committee-state.js';
import { RolesError } from './errors.js';

/** Records proof that a committee member signed two headers for one round. Payload: the proof. */
export const ROLES_EQUIVOCATION = 'roles.equivocation';

export function suspensionKey(member: number): Uint8Array {
  return new TextEncoder().encode(`roles/suspended/${member}`);
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

/** The proof a `roles.equivocation` payload carries, decoded (CodecError when malformed). */
export function equivocationOf(payload: Uint8Array): EquivocationProof {
  return decodeEquivocationProof(payload);
}

/**
 * Anyone may report an equivocation: the proof carries both headers with the author's signature
 * over each, checked here against the committee genesis recorded, so whoever sends it is not
 * trusted. The first valid proof against a member suspends it for good; a later one is refused
 * (`ALREADY_SUSPENDED`) and changes nothing. Credit reads the same transactions (docs/ROLES.md).
 */
export const rolesApplication: Application = {
  types: [ROLES_EQUIVOCATION],
  execute(state: KeyValueState, tx: Transaction, context: TransactionContext): void {
    const committee = readCommittee(state);
    if (committee === null)
      throw new RolesError('NO_COMMITTEE', 'this chain’s genesis recorded no committee', {});
    const proof = equivocationOf(tx.payload);
    if (!verifyEquivocationProof(committee, proof))
      throw new RolesError(
        'BAD_EVIDENCE',
        `the headers do not prove that member ${proof.author} equivocated`,
        {
          author: proof.author,
          round: proof.round,
        },
      );
    const key = suspensionKey(proof.author);
    if (state.get(key) !== undefined)
      throw new RolesError('ALREADY_SUSPENDED', `member ${proof.author} is suspended already`, {
        author: proof.author,
      });
    state.set(
      key,
      new Writer(32 + tx.payload.length).u64(proof.round).u64(context.height).bytes(tx.payload).finish(),
    );
  },
};
