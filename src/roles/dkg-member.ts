import { deal, dkgSecretShare, type PrivateShare, shareMatches } from '../consensus/coin/index.js';
import { ed25519Sign } from '../crypto/ed25519.js';
import { fromHex, sha256, toHex } from '../crypto/hash.js';
import { openWithEd25519Seed, sealToEd25519Key } from '../crypto/seal.js';
import type { ReadableState } from '../ledger/state-interface.js';
import { dkgOutcome } from './dkg-outcome.js';
import {
  complaintBody,
  DKG_COMPLAIN,
  DKG_DEAL,
  DKG_JUSTIFY,
  type DkgSession,
  dealBody,
  encodeStep,
  hasComplained,
  justificationBody,
  parametersOf,
  readDealing,
  readDkgSession,
  readJustification,
  SEALED_SHARE_LENGTH,
  stepSigningBytes,
} from './dkg-records.js';
import { RolesError } from './errors.js';

/**
 * What a member of a key-generation session does, as pure steps over the chain's state: build
 * its dealing, find the shares it must complain about, answer complaints against it, and sum its
 * coin secret share once the session has closed. Each step comes back as a transaction payload
 * signed with the member's consensus seed, which also opens the shares sealed to it; whoever
 * sends the transaction is not trusted. A member must keep its dealing entropy until the session
 * closes, since answering a complaint means recomputing the share.
 */

/** Whose steps these are: the chain, and the member's index and consensus seed. */
export interface DkgMemberKey {
  readonly chainId: string;
  readonly member: number;
  readonly seed: Uint8Array;
}

const sealContext = (session: DkgSession, dealer: number, recipient: number): string =>
  `gridshard/dkg/v1/${toHex(session.id)}/${dealer}/${recipient}`;

function signedStep(key: DkgMemberKey, session: DkgSession, type: string, body: Uint8Array): Uint8Array {
  const signature = ed25519Sign(
    key.seed,
    stepSigningBytes(key.chainId, session.shardId, type, session.id, key.member, body),
  );
  return encodeStep(session.id, key.member, body, signature);
}

/**
 * A share sealed to its recipient's consensus key, in the chain's fixed layout. The box's
 * ephemeral key comes from the dealing's entropy (secret, fresh per session), so a dealer that
 * restarts posts the very same dealing.
 */
function sealShare(session: DkgSession, share: PrivateShare, entropy: Uint8Array): Uint8Array {
  const box = sealToEd25519Key(
    session.members[share.recipient]!,
    share.share,
    sealContext(session, share.dealer, share.recipient),
    sha256(new TextEncoder().encode('gridshard/dkg/seal-ephemeral/v1'), entropy),
  );
  const out = new Uint8Array(SEALED_SHARE_LENGTH);
  out.set(fromHex(box.ephemeralPublicKey), 0);
  out.set(fromHex(box.iv), 32);
  out.set(fromHex(box.tag), 44);
  out.set(fromHex(box.ciphertext), 60);
  return out;
}

/** The share `dealer` sealed for `recipient`, opened with its seed; undefined when it does not open. */
function openShare(
  session: DkgSession,
  dealer: number,
  recipient: number,
  sealed: Uint8Array,
  seed: Uint8Array,
): Uint8Array | undefined {
  const context = sealContext(session, dealer, recipient);
  try {
    return openWithEd25519Seed(
      seed,
      {
        version: 1,
        context,
        recipient: toHex(session.members[recipient]!),
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

/** The member's `roles.dkg.deal` payload, from 32 bytes of fresh entropy it keeps until the session closes. */
export function dealingPayload(key: DkgMemberKey, session: DkgSession, entropy: Uint8Array): Uint8Array {
  const { dealing, shares } = deal(parametersOf(session), key.member, entropy);
  return signedStep(
    key,
    session,
    DKG_DEAL,
    dealBody(
      dealing.commitments,
      shares.map((share) => sealShare(session, share, entropy)),
    ),
  );
}

/** The shares the member received, opened: one per dealer that dealt and whose box opens. */
function receivedShares(state: ReadableState, session: DkgSession, key: DkgMemberKey): PrivateShare[] {
  const received: PrivateShare[] = [];
  for (let dealer = 0; dealer < session.members.length; dealer++) {
    const posted = readDealing(state, session.id, dealer);
    if (posted === undefined) continue;
    const share = openShare(session, dealer, key.member, posted.sealedShares[key.member]!, key.seed);
    if (share !== undefined) received.push({ dealer, recipient: key.member, share });
  }
  return received;
}

/** The dealers whose share for the member does not open or does not match their commitments. */
export function badDealers(state: ReadableState, id: Uint8Array, key: DkgMemberKey): number[] {
  const session = sessionOf(state, id);
  const params = parametersOf(session);
  const opened = new Map(receivedShares(state, session, key).map((s) => [s.dealer, s.share]));
  const bad: number[] = [];
  for (let dealer = 0; dealer < session.members.length; dealer++) {
    if (dealer === key.member) continue;
    const posted = readDealing(state, id, dealer);
    if (posted === undefined) continue;
    const share = opened.get(dealer);
    if (
      share === undefined ||
      !shareMatches(params, { dealer, commitments: posted.commitments }, key.member, share)
    )
      bad.push(dealer);
  }
  return bad;
}

/** The member's signed `roles.dkg.complain` payload against `dealer`. */
export function complaintPayload(key: DkgMemberKey, session: DkgSession, dealer: number): Uint8Array {
  return signedStep(key, session, DKG_COMPLAIN, complaintBody(dealer));
}

/** The `roles.dkg.complain` payloads the member must send: one per bad dealer it has not complained against. */
export function complaintPayloads(state: ReadableState, id: Uint8Array, key: DkgMemberKey): Uint8Array[] {
  const session = sessionOf(state, id);
  return badDealers(state, id, key)
    .filter((dealer) => !hasComplained(state, id, dealer, key.member))
    .map((dealer) => complaintPayload(key, session, dealer));
}

/** The `roles.dkg.justify` payloads the member owes as a dealer: each unanswered complainant's share, recomputed from its entropy. */
export function justificationPayloads(
  state: ReadableState,
  id: Uint8Array,
  key: DkgMemberKey,
  entropy: Uint8Array,
): Uint8Array[] {
  const session = sessionOf(state, id);
  const { shares } = deal(parametersOf(session), key.member, entropy);
  const payloads: Uint8Array[] = [];
  for (let recipient = 0; recipient < session.members.length; recipient++) {
    if (!hasComplained(state, id, key.member, recipient)) continue;
    if (readJustification(state, id, key.member, recipient) !== undefined) continue;
    payloads.push(
      signedStep(key, session, DKG_JUSTIFY, justificationBody(recipient, shares[recipient]!.share)),
    );
  }
  return payloads;
}

/**
 * The member's coin secret share once the session has closed: the sum of the qualified dealers'
 * shares, each the one it opened or, after a complaint, the one published.
 */
export function memberSecretShare(state: ReadableState, id: Uint8Array, key: DkgMemberKey): Uint8Array {
  const session = sessionOf(state, id);
  const outcome = dkgOutcome(state, id);
  const qualified = outcome.qualified.map((dealer) => ({
    dealer,
    commitments: readDealing(state, id, dealer)!.commitments,
  }));
  const justified = outcome.qualified.flatMap((dealer) => {
    const share = readJustification(state, id, dealer, key.member);
    return share === undefined ? [] : [{ dealer, recipient: key.member, share }];
  });
  return dkgSecretShare(
    parametersOf(session),
    key.member,
    qualified,
    receivedShares(state, session, key),
    justified,
  );
}
