import { decodeExact, type Reader, Writer } from '../codec/index.js';
import {
  type CoinPublicKeys,
  type Complaint,
  type Dealing,
  type DkgParameters,
  dealingIsWellFormed,
  dkgPublicKeys,
  type Justification,
  qualifiedDealers,
  shareMatches,
} from '../consensus/coin/index.js';
import { checkEd25519PublicKey } from '../crypto/ed25519.js';
import { bytesEqual, toHex } from '../crypto/hash.js';
import type { Application, TransactionContext } from '../ledger/application.js';
import type { KeyValueState, ReadableState } from '../ledger/state-interface.js';
import type { Transaction } from '../ledger/transaction.js';
import { RolesError } from './errors.js';

/**
 * Distributed key generation of a committee's threshold coin keys on the chain, with no dealer
 * (the pure core is src/consensus/coin/dkg.ts: joint Feldman sharing with public complaints).
 * The chain is the broadcast channel the scheme needs: every member reads the same dealings,
 * complaints and answers in the same order, and each phase closes at a block height, so a slow
 * network delays the outcome but cannot give two members different ones.
 *
 * 1. `roles.dkg.open` names the members (each by the key it sends transactions with and the
 *    Ed25519 key its shares are sealed to), the threshold and the three closing heights; the
 *    session is known by the open transaction's hash.
 * 2. Up to `dealUntil`, each member posts its dealing (`roles.dkg.deal`): the commitments to its
 *    polynomial and every member's share sealed to that member's key.
 * 3. Up to `complainUntil`, a member whose share does not open or does not match the commitments
 *    complains (`roles.dkg.complain`).
 * 4. Up to `justifyUntil`, the dealer answers each complaint with the share in the clear
 *    (`roles.dkg.justify`), checked here against its commitments.
 * 5. After `justifyUntil` the state decides: a dealer counts if it dealt and answered every
 *    complaint (`dkgOutcome`); the coin's verification keys follow from the commitments, and each
 *    member sums its shares from the qualified dealers (src/roles/dkg-member.ts).
 */

export const DKG_OPEN = 'roles.dkg.open';
export const DKG_DEAL = 'roles.dkg.deal';
export const DKG_COMPLAIN = 'roles.dkg.complain';
export const DKG_JUSTIFY = 'roles.dkg.justify';

export const MAX_DKG_MEMBERS = 64;
/** The longest a session may stay open, in blocks: a forgotten session does not hold state for ever. */
export const MAX_DKG_SPAN_BLOCKS = 1_000_000;
/** A share sealed to a member: ephemeral X25519 key (32), nonce (12), tag (16), the sealed share (32). */
export const SEALED_SHARE_LENGTH = 92;
const MAX_SENDER_KEY_LENGTH = 65;

export interface DkgMember {
  /** The public key its transactions are signed with, in the chain's scheme. */
  readonly sender: Uint8Array;
  /** The Ed25519 key its shares are sealed to. */
  readonly sealingKey: Uint8Array;
}

export interface DkgSession {
  readonly id: Uint8Array;
  readonly threshold: number;
  readonly openedAt: number;
  readonly dealUntil: number;
  readonly complainUntil: number;
  readonly justifyUntil: number;
  readonly members: readonly DkgMember[];
}

export type DkgSessionTerms = Omit<DkgSession, 'id' | 'openedAt'>;

/** A posted dealing: the commitments and one sealed share per member, in member order. */
export interface PostedDealing {
  readonly dealer: number;
  readonly commitments: readonly Uint8Array[];
  readonly sealedShares: readonly Uint8Array[];
}

const text = new TextEncoder();
const sessionKey = (id: Uint8Array): Uint8Array => text.encode(`roles/dkg/${toHex(id)}`);
const dealingKey = (id: Uint8Array, dealer: number): Uint8Array =>
  text.encode(`roles/dkg/${toHex(id)}/deal/${dealer}`);
const complaintKey = (id: Uint8Array, dealer: number, complainer: number): Uint8Array =>
  text.encode(`roles/dkg/${toHex(id)}/complaint/${dealer}/${complainer}`);
const justificationKey = (id: Uint8Array, dealer: number, recipient: number): Uint8Array =>
  text.encode(`roles/dkg/${toHex(id)}/justify/${dealer}/${recipient}`);

export function parametersOf(session: DkgSession): DkgParameters {
  return { size: session.members.length, threshold: session.threshold };
}

export function encodeOpen(terms: DkgSessionTerms): Uint8Array {
  const w = new Writer(64 + terms.members.length * 100);
  w.u32(terms.threshold).u64(terms.dealUntil).u64(terms.complainUntil).u64(terms.justifyUntil);
  w.array(terms.members, (ww, m) => ww.bytes(m.sender).fixedBytes(m.sealingKey, 32));
  return w.finish();
}

function readTerms(r: Reader): DkgSessionTerms {
  const threshold = r.u32();
  const dealUntil = r.u64();
  const complainUntil = r.u64();
  const justifyUntil = r.u64();
  const members = r.array(
    (rr) => ({ sender: rr.bytesField(MAX_SENDER_KEY_LENGTH), sealingKey: rr.fixedBytes(32) }),
    MAX_DKG_MEMBERS,
  );
  return { threshold, dealUntil, complainUntil, justifyUntil, members };
}

export function encodeDeal(
  id: Uint8Array,
  commitments: readonly Uint8Array[],
  sealed: readonly Uint8Array[],
) {
  const w = new Writer(64 + commitments.length * 32 + sealed.length * SEALED_SHARE_LENGTH).fixedBytes(id, 32);
  w.array(commitments, (ww, c) => ww.fixedBytes(c, 32));
  w.array(sealed, (ww, s) => ww.fixedBytes(s, SEALED_SHARE_LENGTH));
  return w.finish();
}

export function encodeComplaint(id: Uint8Array, dealer: number): Uint8Array {
  return new Writer(40).fixedBytes(id, 32).u32(dealer).finish();
}

export function encodeJustification(id: Uint8Array, recipient: number, share: Uint8Array): Uint8Array {
  return new Writer(72).fixedBytes(id, 32).u32(recipient).fixedBytes(share, 32).finish();
}

export function readDkgSession(state: ReadableState, id: Uint8Array): DkgSession | undefined {
  const bytes = state.get(sessionKey(id));
  if (bytes === undefined) return undefined;
  return decodeExact(bytes, (r) => {
    const openedAt = r.u64();
    return { id, openedAt, ...readTerms(r) };
  });
}

export function readDealing(state: ReadableState, id: Uint8Array, dealer: number): PostedDealing | undefined {
  const bytes = state.get(dealingKey(id, dealer));
  if (bytes === undefined) return undefined;
  return decodeExact(bytes, (r) => ({
    dealer,
    commitments: r.array((rr) => rr.fixedBytes(32), MAX_DKG_MEMBERS),
    sealedShares: r.array((rr) => rr.fixedBytes(SEALED_SHARE_LENGTH), MAX_DKG_MEMBERS),
  }));
}

/** The complaints filed against `dealer`, by complainer index. */
export function complaintsAgainst(state: ReadableState, session: DkgSession, dealer: number): number[] {
  const found: number[] = [];
  for (let complainer = 0; complainer < session.members.length; complainer++)
    if (state.get(complaintKey(session.id, dealer, complainer)) !== undefined) found.push(complainer);
  return found;
}

export function readJustification(
  state: ReadableState,
  id: Uint8Array,
  dealer: number,
  recipient: number,
): Uint8Array | undefined {
  return state.get(justificationKey(id, dealer, recipient));
}

export interface DkgOutcome {
  /** Member indices whose dealing counts. */
  readonly qualified: readonly number[];
  readonly publicKeys: CoinPublicKeys;
}

/**
 * The session's result as the state after `justifyUntil` holds it: the same at every node, since
 * nothing can be added once the last phase has closed. `headHeight` is the height of the state
 * read; before `justifyUntil` the answer is DKG_NOT_DONE, as it is when fewer than `threshold`
 * dealers qualified (the committee needs a new session).
 */
export function dkgOutcome(state: ReadableState, id: Uint8Array, headHeight: number): DkgOutcome {
  const session = readDkgSession(state, id);
  if (session === undefined) throw new RolesError('BAD_DKG', `no key-generation session ${toHex(id)}`, {});
  if (headHeight < session.justifyUntil)
    throw new RolesError('DKG_NOT_DONE', `the session closes at height ${session.justifyUntil}`, {
      justifyUntil: session.justifyUntil,
    });
  const params = parametersOf(session);
  const dealings: Dealing[] = [];
  const complaints: Complaint[] = [];
  const justifications: Justification[] = [];
  for (let dealer = 0; dealer < session.members.length; dealer++) {
    const posted = readDealing(state, id, dealer);
    if (posted === undefined) continue;
    dealings.push({ dealer, commitments: posted.commitments });
    for (const complainer of complaintsAgainst(state, session, dealer)) {
      complaints.push({ complainer, dealer });
      const share = readJustification(state, id, dealer, complainer);
      if (share !== undefined) justifications.push({ dealer, recipient: complainer, share });
    }
  }
  let qualified: number[];
  try {
    qualified = qualifiedDealers(params, dealings, complaints, justifications);
  } catch (error) {
    throw new RolesError('DKG_NOT_DONE', (error as Error).message, {});
  }
  const counted = dealings.filter((d) => qualified.includes(d.dealer));
  return { qualified, publicKeys: dkgPublicKeys(params, counted) };
}

function sessionFor(state: ReadableState, id: Uint8Array): DkgSession {
  const session = readDkgSession(state, id);
  if (session === undefined) throw new RolesError('BAD_DKG', `no key-generation session ${toHex(id)}`, {});
  return session;
}

function memberIndex(session: DkgSession, sender: Uint8Array): number {
  const index = session.members.findIndex((m) => bytesEqual(m.sender, sender));
  if (index < 0) throw new RolesError('NOT_A_MEMBER', 'the sender is not a member of this session', {});
  return index;
}

function requirePhase(height: number, after: number, until: number, phase: string): void {
  if (height <= after || height > until)
    throw new RolesError(
      'DKG_PHASE',
      `${phase} is open after height ${after} up to ${until}; this is ${height}`,
      {
        height,
        after,
        until,
      },
    );
}

function memberArgument(session: DkgSession, index: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= session.members.length)
    throw new RolesError('BAD_DKG', `${what} ${index} is not a member of the session`, { index });
}

function open(state: KeyValueState, tx: Transaction, context: TransactionContext): void {
  const terms = decodeExact(tx.payload, readTerms);
  const n = terms.members.length;
  if (n === 0) throw new RolesError('BAD_DKG', 'a session needs members', {});
  if (terms.threshold < 1 || terms.threshold > n)
    throw new RolesError('BAD_DKG', `threshold ${terms.threshold} must be in 1 … ${n}`, {});
  if (
    !(context.height < terms.dealUntil) ||
    !(terms.dealUntil < terms.complainUntil) ||
    !(terms.complainUntil < terms.justifyUntil) ||
    terms.justifyUntil - context.height > MAX_DKG_SPAN_BLOCKS
  )
    throw new RolesError(
      'BAD_DKG',
      `the phases must close in order after this block (${context.height}) and within ${MAX_DKG_SPAN_BLOCKS} blocks`,
      {},
    );
  const senders = new Set(terms.members.map((m) => toHex(m.sender)));
  if (senders.size !== n) throw new RolesError('BAD_DKG', 'a member is named twice', {});
  for (const [index, member] of terms.members.entries()) {
    try {
      // Canonical and not of small order: a share sealed to a weak key would be readable by all.
      checkEd25519PublicKey(member.sealingKey);
    } catch {
      throw new RolesError('BAD_DKG', `member ${index}'s sealing key is not a sound Ed25519 key`, { index });
    }
  }
  state.set(
    sessionKey(context.txHash),
    new Writer(8 + tx.payload.length).u64(context.height).fixedBytes(tx.payload, tx.payload.length).finish(),
  );
}

function dealStep(state: KeyValueState, tx: Transaction, context: TransactionContext): void {
  const { id, commitments, sealed } = decodeExact(tx.payload, (r) => ({
    id: r.fixedBytes(32),
    commitments: r.array((rr) => rr.fixedBytes(32), MAX_DKG_MEMBERS),
    sealed: r.array((rr) => rr.fixedBytes(SEALED_SHARE_LENGTH), MAX_DKG_MEMBERS),
  }));
  const session = sessionFor(state, id);
  requirePhase(context.height, session.openedAt, session.dealUntil, 'dealing');
  const dealer = memberIndex(session, tx.sender);
  if (state.get(dealingKey(id, dealer)) !== undefined)
    throw new RolesError('BAD_DKG', `member ${dealer} has dealt already`, { dealer });
  if (!dealingIsWellFormed(parametersOf(session), { dealer, commitments }))
    throw new RolesError('BAD_DKG', `a dealing needs ${session.threshold} valid commitments`, { dealer });
  if (sealed.length !== session.members.length)
    throw new RolesError(
      'BAD_DKG',
      `a dealing seals one share for each of ${session.members.length} members`,
      {
        dealer,
      },
    );
  const w = new Writer(16 + commitments.length * 32 + sealed.length * SEALED_SHARE_LENGTH);
  w.array(commitments, (ww, c) => ww.fixedBytes(c, 32));
  w.array(sealed, (ww, s) => ww.fixedBytes(s, SEALED_SHARE_LENGTH));
  state.set(dealingKey(id, dealer), w.finish());
}

function complainStep(state: KeyValueState, tx: Transaction, context: TransactionContext): void {
  const { id, dealer } = decodeExact(tx.payload, (r) => ({ id: r.fixedBytes(32), dealer: r.u32() }));
  const session = sessionFor(state, id);
  requirePhase(context.height, session.dealUntil, session.complainUntil, 'complaining');
  const complainer = memberIndex(session, tx.sender);
  memberArgument(session, dealer, 'dealer');
  if (dealer === complainer) throw new RolesError('BAD_DKG', 'a member cannot complain against itself', {});
  if (state.get(dealingKey(id, dealer)) === undefined)
    throw new RolesError('BAD_DKG', `member ${dealer} did not deal`, { dealer });
  const key = complaintKey(id, dealer, complainer);
  if (state.get(key) !== undefined)
    throw new RolesError('BAD_DKG', `member ${complainer} has complained against ${dealer} already`, {});
  state.set(key, new Writer(8).u64(context.height).finish());
}

function justifyStep(state: KeyValueState, tx: Transaction, context: TransactionContext): void {
  const { id, recipient, share } = decodeExact(tx.payload, (r) => ({
    id: r.fixedBytes(32),
    recipient: r.u32(),
    share: r.fixedBytes(32),
  }));
  const session = sessionFor(state, id);
  requirePhase(context.height, session.complainUntil, session.justifyUntil, 'answering complaints');
  const dealer = memberIndex(session, tx.sender);
  memberArgument(session, recipient, 'recipient');
  if (state.get(complaintKey(id, dealer, recipient)) === undefined)
    throw new RolesError('BAD_DKG', `member ${recipient} did not complain against ${dealer}`, {});
  const key = justificationKey(id, dealer, recipient);
  if (state.get(key) !== undefined) throw new RolesError('BAD_DKG', 'this complaint is answered already', {});
  const posted = readDealing(state, id, dealer)!;
  if (!shareMatches(parametersOf(session), { dealer, commitments: posted.commitments }, recipient, share))
    throw new RolesError('BAD_DKG', `the share does not match member ${dealer}'s commitments`, { dealer });
  state.set(key, share);
}

export const dkgApplication: Application = {
  types: [DKG_OPEN, DKG_DEAL, DKG_COMPLAIN, DKG_JUSTIFY],
  execute(state: KeyValueState, tx: Transaction, context: TransactionContext): void {
    if (tx.type === DKG_OPEN) open(state, tx, context);
    else if (tx.type === DKG_DEAL) dealStep(state, tx, context);
    else if (tx.type === DKG_COMPLAIN) complainStep(state, tx, context);
    else justifyStep(state, tx, context);
  },
};
