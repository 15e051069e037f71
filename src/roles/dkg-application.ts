import { decodeExact, Writer } from '../codec/index.js';
import { dealingIsWellFormed, shareMatches } from '../consensus/coin/index.js';
import { validitySize } from '../consensus/interface.js';
import { ed25519Verify } from '../crypto/ed25519.js';
import { toHex } from '../crypto/hash.js';
import type { Application, BlockContext, TransactionContext } from '../ledger/application.js';
import type { KeyValueState, ReadableState } from '../ledger/state-interface.js';
import type { Transaction } from '../ledger/transaction.js';
import { readCommittee } from './committee-state.js';
import {
  CURRENT_KEY,
  complaintKey,
  currentDkgSession,
  DKG_COMPLAIN,
  DKG_DEAL,
  DKG_JUSTIFY,
  DKG_OPEN,
  DKG_SESSION_GAP_MS,
  DkgPhase,
  type DkgSession,
  dealingKey,
  hasComplained,
  justificationKey,
  MAX_DKG_PHASE_MS,
  MIN_DKG_PHASE_MS,
  PHASE_NAMES,
  parametersOf,
  readDealBody,
  readDealing,
  readDkgSession,
  stepSigningBytes,
  writeSession,
} from './dkg-records.js';
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
