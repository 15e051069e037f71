import {
  type CoinPublicKeys,
  type Complaint,
  type Dealing,
  type DkgParameters,
  dkgPublicKeys,
  type Justification,
  qualifiedDealers,
} from '../consensus/coin/index.js';
import { toHex } from '../crypto/hash.js';
import type { ReadableState } from '../ledger/state-interface.js';
import {
  complaintsAgainst,
  currentDkgSession,
  DkgPhase,
  dealingKey,
  parametersOf,
  readDealing,
  readDkgSession,
  readJustification,
} from './dkg-records.js';
import { RolesError } from './errors.js';

/**
 * What a key-generation session decided, read from the state (the contract is
 * dkg-application.ts): the qualified dealers and the coin keys once it has closed, and its status
 * for the roles route and the event stream at any time.
 */

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
