import { decodeExact, type Reader, Writer } from '../codec/index.js';
import type { DkgParameters } from '../consensus/coin/index.js';
import { toHex } from '../crypto/hash.js';
import type { KeyValueState, ReadableState } from '../ledger/state-interface.js';

/**
 * The records of the coin's key generation on the chain (the contract is dkg-application.ts):
 * transaction types, sessions and their phases, the payloads members sign, and where each step
 * lies in the state, with the readers every node and tool uses.
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
export const MAX_MEMBERS = 256;
const SIGNING_DOMAIN = new TextEncoder().encode('gridshard/dkg/v1');

export const DkgPhase = { deal: 0, complain: 1, justify: 2, closed: 3 } as const;
export type DkgPhase = (typeof DkgPhase)[keyof typeof DkgPhase];
export const PHASE_NAMES = ['dealing', 'complaining', 'answering complaints', 'closed'] as const;

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
export const CURRENT_KEY = text.encode('roles/dkg/current');
export const sessionKey = (id: Uint8Array): Uint8Array => text.encode(`roles/dkg/${toHex(id)}`);
export const dealingKey = (id: Uint8Array, dealer: number): Uint8Array =>
  text.encode(`roles/dkg/${toHex(id)}/deal/${dealer}`);
export const complaintKey = (id: Uint8Array, dealer: number, complainer: number): Uint8Array =>
  text.encode(`roles/dkg/${toHex(id)}/complaint/${dealer}/${complainer}`);
export const justificationKey = (id: Uint8Array, dealer: number, recipient: number): Uint8Array =>
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

export function readDealBody(r: Reader): { commitments: Uint8Array[]; sealed: Uint8Array[] } {
  return {
    commitments: r.array((rr) => rr.fixedBytes(32), MAX_MEMBERS),
    sealed: r.array((rr) => rr.fixedBytes(SEALED_SHARE_LENGTH), MAX_MEMBERS),
  };
}

export function writeSession(state: KeyValueState, session: DkgSession): void {
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
