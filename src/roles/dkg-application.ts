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
import { validitySize } from '../consensus/interface.js';
import { ed25519Verify } from '../crypto/ed25519.js';
import { toHex } from '../crypto/hash.js';
import type { Application, BlockContext, TransactionContext } from '../ledger/application.js';
import type { KeyValueState, ReadableState } from '../ledger/state-interface.js';
import type { Transaction } from '../ledger/transaction.js';
import { readCommittee } from './committee-state.js';
import { RolesError } from './errors.js';

/**
 * Distributed key generation of the chain committee's threshold coin keys on the chain, with no
 * dealer (the pure core is src/consensus/coin/dkg.ts: joint Feldman sharing with public
 * complaints). The chain is the broadcast channel the scheme needs: every member reads the same
 * dealings, complaints and answers in the same order, and each phase closes at a block time, so a
 * slow network delays the outcome but cannot give two members different ones.
 *
 * 1. `roles.dkg.open` starts a session for the committee the state records (its members are the
 *    committee's consensus keys, the threshold f + 1), with the length of each phase. One session
 *    runs at a time; it is known by the open transaction's hash.
 * 2. In the dealing phase, each member posts its dealing (`roles.dkg.deal`): the commitments to its
 *    polynomial and every member's share sealed to that member's consensus key.
 * 3. In the complaint phase, a member whose share does not open or does not match the
 *    commitments complains (`roles.dkg.complain`).
 * 4. In the answer phase, the dealer answers each complaint with the share in the clear
 *    (`roles.dkg.justify`), checked here against its commitments.
 * 5. Then the session is closed and the state decides: a dealer counts if it dealt and answered
 *    every complaint (`dkgOutcome`); the coin's verification keys follow from the commitments, and
 *    each member sums its shares from the qualified dealers (src/roles/dkg-member.ts).
 *
 * Every step is signed by the member's consensus key inside the payload, so whoever sends the
 * transaction (the member's node, or anyone relaying it) is not trusted, and a step signed for one
 * chain, session or kind of step is refused as any other.
 */

export const DKG_OPEN = 'roles.dkg.open';
export const DKG_DEAL = 'roles.dkg.deal';
export const DKG_COMPLAIN = 'roles.dkg.complain';
export const DKG_JUSTIFY = 'roles.dkg.justify';

/** Bounds on a phase's length: long enough for every member to act, short enough to end. */
export const MIN_DKG_PHASE_MS = 1_000;
export const MAX_DKG_PHASE_MS = 86_400_000;
/** A new session may open this long after the last one closed at the earliest, which bounds the work anyone can make the committee do. */
export const DKG_SESSION_GAP_MS = 10_000;
/** A share sealed to a member: ephemeral X25519 key (32), nonce (12), tag (16), the sealed share (32). */
export const SEALED_SHARE_LENGTH = 92;
const MAX_MEMBERS = 256;
const SIGNING_DOMAIN = new TextEncoder().encode('gridshard/dkg/v1');

export const DkgPhase = { deal: 0, complain: 1, justify: 2, closed: 3 } as const;
export type DkgPhase = (typeof DkgPhase)[keyof typeof DkgPhase];
const PHASE_NAMES = ['dealing', 'complaining', 'answering complaints', 'closed'] as const;

export interface DkgSession {
  readonly id: Uint8Array;
  readonly shardId: number;
  readonly epoch: number;
  readonly threshold: number;
  /** The committee's consensus keys: member i signs its steps and opens its shares with key i. */
  readonly members: readonly Uint8Array[];
  readonly openedAtMs: number;
  readonly dealUntilMs: number;
  readonly complainUntilMs: number;
  readonly justifyUntilMs: number;
  /** The phase the last block's time put the session in. */
  readonly phase: DkgPhase;
}

/** The phase lengths an opener chooses. */
export interface DkgPhaseLengths {
  readonly dealMs: number;
  readonly complainMs: number;
  readonly justifyMs: number;
}

/** A posted dealing: the commitments and one sealed share per member, in member order. */
export interface PostedDealing {
  readonly dealer: number;
  readonly commitments: readonly Uint8Array[];
  readonly sealedShares: readonly Uint8Array[];
}

const text = new TextEncoder();
const CURRENT_KEY = text.encode('roles/dkg/current');
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

export function encodeOpen(lengths: DkgPhaseLengths): Uint8Array {
  return new Writer(16).u32(lengths.dealMs).u32(lengths.complainMs).u32(lengths.justifyMs).finish();
}

/** The bytes member `member` signs for one step: domain, chain, shard, step type, session, member, body. */
export function stepSigningBytes(
  chainId: string,
  shardId: number,
  type: string,
  id: Uint8Array,
  member: number,
  body: Uint8Array,
): Uint8Array {
  return new Writer(128 + body.length)
    .fixedBytes(SIGNING_DOMAIN, SIGNING_DOMAIN.length)
    .string(chainId)
    .u32(shardId)
    .string(type)
    .fixedBytes(id, 32)
    .u32(member)
    .bytes(body)
    .finish();
}

/** A step's payload: session, member, body, and the member's signature over all of it. */
export function encodeStep(
  id: Uint8Array,
  member: number,
  body: Uint8Array,
  signature: Uint8Array,
): Uint8Array {
  return new Writer(112 + body.length)
    .fixedBytes(id, 32)
    .u32(member)
    .bytes(body)
    .fixedBytes(signature, 64)
    .finish();
}

export function dealBody(commitments: readonly Uint8Array[], sealed: readonly Uint8Array[]): Uint8Array {
  const w = new Writer(16 + commitments.length * 32 + sealed.length * SEALED_SHARE_LENGTH);
  w.array(commitments, (ww, c) => ww.fixedBytes(c, 32));
  w.array(sealed, (ww, s) => ww.fixedBytes(s, SEALED_SHARE_LENGTH));
  return w.finish();
}

export function complaintBody(dealer: number): Uint8Array {
  return new Writer(4).u32(dealer).finish();
}

export function justificationBody(recipient: number, share: Uint8Array): Uint8Array {
  return new Writer(36).u32(recipient).fixedBytes(share, 32).finish();
}

function readDealBody(r: Reader): { commitments: Uint8Array[]; sealed: Uint8Array[] } {
  return {
    commitments: r.array((rr) => rr.fixedBytes(32), MAX_MEMBERS),
    sealed: r.array((rr) => rr.fixedBytes(SEALED_SHARE_LENGTH), MAX_MEMBERS),
  };
}

function writeSession(state: KeyValueState, session: DkgSession): void {
  const w = new Writer(64 + session.members.length * 33);
  w.u32(session.shardId).u64(session.epoch).u32(session.threshold);
  w.array(session.members, (ww, key) => ww.fixedBytes(key, 32));
  w.u64(session.openedAtMs).u64(session.dealUntilMs).u64(session.complainUntilMs).u64(session.justifyUntilMs);
  w.u8(session.phase);
  state.set(sessionKey(session.id), w.finish());
}

export function readDkgSession(state: ReadableState, id: Uint8Array): DkgSession | undefined {
  const bytes = state.get(sessionKey(id));
  if (bytes === undefined) return undefined;
  return decodeExact(bytes, (r) => ({
    id,
    shardId: r.u32(),
    epoch: r.u64(),
    threshold: r.u32(),
    members: r.array((rr) => rr.fixedBytes(32), MAX_MEMBERS),
    openedAtMs: r.u64(),
    dealUntilMs: r.u64(),
    complainUntilMs: r.u64(),
    justifyUntilMs: r.u64(),
    phase: r.u8() as DkgPhase,
  }));
}

/** The newest session (open or closed), if any was ever opened. */
export function currentDkgSession(state: ReadableState): DkgSession | undefined {
  const id = state.get(CURRENT_KEY);
  return id === undefined ? undefined : readDkgSession(state, id);
}

export function readDealing(state: ReadableState, id: Uint8Array, dealer: number): PostedDealing | undefined {
  const bytes = state.get(dealingKey(id, dealer));
  if (bytes === undefined) return undefined;
  const { commitments, sealed } = decodeExact(bytes, readDealBody);
  return { dealer, commitments, sealedShares: sealed };
}

export function hasComplained(
  state: ReadableState,
  id: Uint8Array,
  dealer: number,
  complainer: number,
): boolean {
  return state.get(complaintKey(id, dealer, complainer)) !== undefined;
}

/** The complaints filed against `dealer`, by complainer index. */
export function complaintsAgainst(state: ReadableState, session: DkgSession, dealer: number): number[] {
  const found: number[] = [];
  for (let complainer = 0; complainer < session.members.length; complainer++)
    if (hasComplained(state, session.id, dealer, complainer)) found.push(complainer);
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
 * The session's result, the same at every node once it is closed (nothing can be added after).
 * DKG_NOT_DONE while it is open, and when fewer than `threshold` dealers qualified (the committee
 * then opens a new session).
 */
export function dkgOutcome(state: ReadableState, id: Uint8Array): DkgOutcome {
  const { params, dealings, qualified } = decided(state, id);
  return {
    qualified,
    publicKeys: dkgPublicKeys(
      params,
      dealings.filter((d) => qualified.includes(d.dealer)),
    ),
  };
}

/** A closed session's qualified dealers (the cheap half of `dkgOutcome`). */
export function dkgQualified(state: ReadableState, id: Uint8Array): number[] {
  return decided(state, id).qualified;
}

function decided(
  state: ReadableState,
  id: Uint8Array,
): { params: DkgParameters; dealings: Dealing[]; qualified: number[] } {
  const session = readDkgSession(state, id);
  if (session === undefined) throw new RolesError('BAD_DKG', `no key-generation session ${toHex(id)}`, {});
  if (session.phase !== DkgPhase.closed)
    throw new RolesError('DKG_NOT_DONE', `the session closes at block time ${session.justifyUntilMs}`, {
      justifyUntilMs: session.justifyUntilMs,
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
  return { params, dealings, qualified };
}

/** What anyone can read of the newest session: its phases, who dealt, the complaints, the result. */
export interface DkgStatus {
  readonly session: string;
  readonly phase: 'deal' | 'complain' | 'justify' | 'closed';
  readonly members: number;
  readonly threshold: number;
  readonly openedAtMs: number;
  readonly dealUntilMs: number;
  readonly complainUntilMs: number;
  readonly justifyUntilMs: number;
  readonly dealt: number[];
  readonly complaints: { dealer: number; complainer: number; answered: boolean }[];
  /** Once closed: the qualified dealers, or null with the reason when too few qualified. */
  readonly qualified: number[] | null;
  readonly failure: string | null;
}

const PHASE_TOKENS = ['deal', 'complain', 'justify', 'closed'] as const;

export function dkgStatus(state: ReadableState): DkgStatus | null {
  const session = currentDkgSession(state);
  if (session === undefined) return null;
  const dealt: number[] = [];
  const complaints: DkgStatus['complaints'] = [];
  for (let dealer = 0; dealer < session.members.length; dealer++) {
    if (state.get(dealingKey(session.id, dealer)) === undefined) continue;
    dealt.push(dealer);
    for (const complainer of complaintsAgainst(state, session, dealer))
      complaints.push({
        dealer,
        complainer,
        answered: readJustification(state, session.id, dealer, complainer) !== undefined,
      });
  }
  let qualified: number[] | null = null;
  let failure: string | null = null;
  if (session.phase === DkgPhase.closed) {
    try {
      qualified = dkgQualified(state, session.id);
    } catch (error) {
      failure = (error as Error).message;
    }
  }
  return {
    session: toHex(session.id),
    phase: PHASE_TOKENS[session.phase],
    members: session.members.length,
    threshold: session.threshold,
    openedAtMs: session.openedAtMs,
    dealUntilMs: session.dealUntilMs,
    complainUntilMs: session.complainUntilMs,
    justifyUntilMs: session.justifyUntilMs,
    dealt,
    complaints,
    qualified,
    failure,
  };
}

function phaseAt(session: DkgSession, timeMs: number): DkgPhase {
  if (timeMs < session.dealUntilMs) return DkgPhase.deal;
  if (timeMs < session.complainUntilMs) return DkgPhase.complain;
  if (timeMs < session.justifyUntilMs) return DkgPhase.justify;
  return DkgPhase.closed;
}

/** The signed step a transaction carries, checked: its session (in `phase`), member and body. */
function verifiedStep(
  state: ReadableState,
  tx: Transaction,
  context: TransactionContext,
  phase: DkgPhase,
): { session: DkgSession; member: number; body: Uint8Array } {
  const { id, member, body, signature } = decodeExact(tx.payload, (r) => ({
    id: r.fixedBytes(32),
    member: r.u32(),
    body: r.bytesField(64 * 1024),
    signature: r.fixedBytes(64),
  }));
  const session = readDkgSession(state, id);
  if (session === undefined) throw new RolesError('BAD_DKG', `no key-generation session ${toHex(id)}`, {});
  if (session.phase !== phase)
    throw new RolesError(
      'DKG_PHASE',
      `the session is ${PHASE_NAMES[session.phase]}, not ${PHASE_NAMES[phase]}`,
      { phase: PHASE_NAMES[session.phase] },
    );
  const key = session.members[member];
  if (key === undefined) throw new RolesError('NOT_A_MEMBER', `member ${member} is not in the session`, {});
  if (
    !ed25519Verify(
      key,
      stepSigningBytes(context.chainId, context.shardId, tx.type, id, member, body),
      signature,
    )
  )
    throw new RolesError('NOT_A_MEMBER', `the step is not signed by member ${member}`, { member });
  return { session, member, body };
}

function memberArgument(session: DkgSession, index: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= session.members.length)
    throw new RolesError('BAD_DKG', `${what} ${index} is not a member of the session`, { index });
}

function open(state: KeyValueState, tx: Transaction, context: TransactionContext): void {
  const lengths = decodeExact(tx.payload, (r) => ({
    dealMs: r.u32(),
    complainMs: r.u32(),
    justifyMs: r.u32(),
  }));
  for (const length of [lengths.dealMs, lengths.complainMs, lengths.justifyMs])
    if (length < MIN_DKG_PHASE_MS || length > MAX_DKG_PHASE_MS)
      throw new RolesError('BAD_DKG', `each phase lasts ${MIN_DKG_PHASE_MS} … ${MAX_DKG_PHASE_MS} ms`, {});
  const committee = readCommittee(state);
  if (committee === null)
    throw new RolesError('NO_COMMITTEE', 'this chain’s genesis recorded no committee', {});
  const last = currentDkgSession(state);
  if (last !== undefined) {
    if (last.phase !== DkgPhase.closed)
      throw new RolesError('DKG_BUSY', `session ${toHex(last.id)} is still open`, {});
    if (context.timestampMs < last.justifyUntilMs + DKG_SESSION_GAP_MS)
      throw new RolesError(
        'DKG_BUSY',
        `a new session may open from block time ${last.justifyUntilMs + DKG_SESSION_GAP_MS}`,
        {},
      );
  }
  const now = context.timestampMs;
  const session: DkgSession = {
    id: context.txHash,
    shardId: committee.shardId,
    epoch: committee.epoch,
    threshold: validitySize(committee.members.length),
    members: committee.members.map((m) => m.publicKey),
    openedAtMs: now,
    dealUntilMs: now + lengths.dealMs,
    complainUntilMs: now + lengths.dealMs + lengths.complainMs,
    justifyUntilMs: now + lengths.dealMs + lengths.complainMs + lengths.justifyMs,
    phase: DkgPhase.deal,
  };
  writeSession(state, session);
  state.set(CURRENT_KEY, context.txHash);
}

function dealStep(state: KeyValueState, tx: Transaction, context: TransactionContext): void {
  const { session, member: dealer, body } = verifiedStep(state, tx, context, DkgPhase.deal);
  if (state.get(dealingKey(session.id, dealer)) !== undefined)
    throw new RolesError('BAD_DKG', `member ${dealer} has dealt already`, { dealer });
  const { commitments, sealed } = decodeExact(body, readDealBody);
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
  state.set(dealingKey(session.id, dealer), body);
}

function complainStep(state: KeyValueState, tx: Transaction, context: TransactionContext): void {
  const { session, member: complainer, body } = verifiedStep(state, tx, context, DkgPhase.complain);
  const dealer = decodeExact(body, (r) => r.u32());
  memberArgument(session, dealer, 'dealer');
  if (dealer === complainer) throw new RolesError('BAD_DKG', 'a member cannot complain against itself', {});
  if (state.get(dealingKey(session.id, dealer)) === undefined)
    throw new RolesError('BAD_DKG', `member ${dealer} did not deal`, { dealer });
  if (hasComplained(state, session.id, dealer, complainer))
    throw new RolesError('BAD_DKG', `member ${complainer} has complained against ${dealer} already`, {});
  state.set(complaintKey(session.id, dealer, complainer), new Writer(8).u64(context.height).finish());
}

function justifyStep(state: KeyValueState, tx: Transaction, context: TransactionContext): void {
  const { session, member: dealer, body } = verifiedStep(state, tx, context, DkgPhase.justify);
  const { recipient, share } = decodeExact(body, (r) => ({ recipient: r.u32(), share: r.fixedBytes(32) }));
  memberArgument(session, recipient, 'recipient');
  if (!hasComplained(state, session.id, dealer, recipient))
    throw new RolesError('BAD_DKG', `member ${recipient} did not complain against ${dealer}`, {});
  const key = justificationKey(session.id, dealer, recipient);
  if (state.get(key) !== undefined) throw new RolesError('BAD_DKG', 'this complaint is answered already', {});
  const posted = readDealing(state, session.id, dealer)!;
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
  /** Moves the open session to the phase the block's time is in, before its transactions. */
  beginBlock(state: KeyValueState, context: BlockContext): void {
    const session = currentDkgSession(state);
    if (session === undefined || session.phase === DkgPhase.closed) return;
    const phase = phaseAt(session, context.timestampMs);
    if (phase !== session.phase) writeSession(state, { ...session, phase });
  },
  /** The end of the open session's phase: an idle chain still cuts a block then, so every phase closes. */
  nextDueMs(state: ReadableState): number | null {
    const session = currentDkgSession(state);
    if (session === undefined) return null;
    if (session.phase === DkgPhase.deal) return session.dealUntilMs;
    if (session.phase === DkgPhase.complain) return session.complainUntilMs;
    if (session.phase === DkgPhase.justify) return session.justifyUntilMs;
    return null;
  },
};
