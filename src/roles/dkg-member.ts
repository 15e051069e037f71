import { deal, dkgSecretShare, type PrivateShare, shareMatches } from '../consensus/coin/index.js';
import { fromHex, toHex } from '../crypto/hash.js';
import { openWithEd25519Seed, sealToEd25519Key } from '../crypto/seal.js';
import type { ReadableState } from '../ledger/state-interface.js';
import {
  complaintsAgainst,
  type DkgSession,
  dkgOutcome,
  encodeComplaint,
  encodeDeal,
  encodeJustification,
  parametersOf,
  readDealing,
  readDkgSession,
  readJustification,
  SEALED_SHARE_LENGTH,
} from './dkg-application.js';
import { RolesError } from './errors.js';

/**
 * What a member of a key-generation session does, as pure steps over the chain's state: build
 * its dealing, find the shares it must complain about, answer complaints against it, and sum its
 * coin secret share once the session has closed. The node (or an operator's tool) sends what
 * these return as transactions; the member's dealing entropy must be kept until the session
 * closes, since answering a complaint means recomputing the share.
 */

const sealContext = (session: DkgSession, dealer: number, recipient: number): string =>
  `gridshard/dkg/v1/${toHex(session.id)}/${dealer}/${recipient}`;

/** A share sealed to its recipient's key, in the chain's fixed layout. */
function sealShare(session: DkgSession, share: PrivateShare): Uint8Array {
  const box = sealToEd25519Key(
    session.members[share.recipient]!.sealingKey,
    share.share,
    sealContext(session, share.dealer, share.recipient),
  );
  const out = new Uint8Array(SEALED_SHARE_LENGTH);
  out.set(fromHex(box.ephemeralPublicKey), 0);
  out.set(fromHex(box.iv), 32);
  out.set(fromHex(box.tag), 44);
  out.set(fromHex(box.ciphertext), 60);
  return out;
}

/** The share sealed for `recipient`, opened with its sealing seed; undefined when it does not open. */
function openShare(
  session: DkgSession,
  dealer: number,
  recipient: number,
  sealed: Uint8Array,
  sealingSeed: Uint8Array,
): Uint8Array | undefined {
  const context = sealContext(session, dealer, recipient);
  try {
    return openWithEd25519Seed(
      sealingSeed,
      {
        version: 1,
        context,
        recipient: toHex(session.members[recipient]!.sealingKey),
        ephemeralPublicKey: toHex(sealed.subarray(0, 32)),
        iv: toHex(sealed.subarray(32, 44)),
        tag: toHex(sealed.subarray(44, 60)),
        ciphertext: toHex(sealed.subarray(60, SEALED_SHARE_LENGTH)),
      },
      context,
    );
  } catch {
    return undefined;
  }
}

function sessionOf(state: ReadableState, id: Uint8Array): DkgSession {
  const session = readDkgSession(state, id);
  if (session === undefined) throw new RolesError('BAD_DKG', `no key-generation session ${toHex(id)}`, {});
  return session;
}

/** Member `dealer`'s `roles.dkg.deal` payload from 32 bytes of fresh entropy it keeps until the session closes. */
export function dealingPayload(session: DkgSession, dealer: number, entropy: Uint8Array): Uint8Array {
  const { dealing, shares } = deal(parametersOf(session), dealer, entropy);
  return encodeDeal(
    session.id,
    dealing.commitments,
    shares.map((share) => sealShare(session, share)),
  );
}

/** The shares member `recipient` received, opened: one per dealer that dealt and whose box opens. */
function receivedShares(
  state: ReadableState,
  session: DkgSession,
  recipient: number,
  sealingSeed: Uint8Array,
): PrivateShare[] {
  const received: PrivateShare[] = [];
  for (let dealer = 0; dealer < session.members.length; dealer++) {
    const posted = readDealing(state, session.id, dealer);
    if (posted === undefined) continue;
    const share = openShare(session, dealer, recipient, posted.sealedShares[recipient]!, sealingSeed);
    if (share !== undefined) received.push({ dealer, recipient, share });
  }
  return received;
}

/**
 * The `roles.dkg.complain` payloads member `recipient` must send: one against each dealer whose
 * share for it does not open or does not match that dealer's commitments.
 */
export function complaintPayloads(
  state: ReadableState,
  id: Uint8Array,
  recipient: number,
  sealingSeed: Uint8Array,
): Uint8Array[] {
  const session = sessionOf(state, id);
  const params = parametersOf(session);
  const opened = new Map(
    receivedShares(state, session, recipient, sealingSeed).map((s) => [s.dealer, s.share]),
  );
  const payloads: Uint8Array[] = [];
  for (let dealer = 0; dealer < session.members.length; dealer++) {
    if (dealer === recipient) continue;
    const posted = readDealing(state, id, dealer);
    if (posted === undefined) continue;
    const share = opened.get(dealer);
    if (
      share === undefined ||
      !shareMatches(params, { dealer, commitments: posted.commitments }, recipient, share)
    )
      payloads.push(encodeComplaint(id, dealer));
  }
  return payloads;
}

/** The `roles.dkg.justify` payloads dealer `dealer` owes: each complainant's share, recomputed from its entropy. */
export function justificationPayloads(
  state: ReadableState,
  id: Uint8Array,
  dealer: number,
  entropy: Uint8Array,
): Uint8Array[] {
  const session = sessionOf(state, id);
  const { shares } = deal(parametersOf(session), dealer, entropy);
  return complaintsAgainst(state, session, dealer)
    .filter((recipient) => readJustification(state, id, dealer, recipient) === undefined)
    .map((recipient) => encodeJustification(id, recipient, shares[recipient]!.share));
}

/**
 * Member `recipient`'s coin secret share once the session has closed at `headHeight`: the sum of
 * the qualified dealers' shares, each the one it opened or, after a complaint, the one published.
 */
export function memberSecretShare(
  state: ReadableState,
  id: Uint8Array,
  recipient: number,
  sealingSeed: Uint8Array,
  headHeight: number,
): Uint8Array {
  const session = sessionOf(state, id);
  const outcome = dkgOutcome(state, id, headHeight);
  const qualified = outcome.qualified.map((dealer) => ({
    dealer,
    commitments: readDealing(state, id, dealer)!.commitments,
  }));
  const justified = outcome.qualified.flatMap((dealer) => {
    const share = readJustification(state, id, dealer, recipient);
    return share === undefined ? [] : [{ dealer, recipient, share }];
  });
  return dkgSecretShare(
    parametersOf(session),
    recipient,
    qualified,
    receivedShares(state, session, recipient, sealingSeed),
    justified,
  );
}
