import { fromHex, toHex } from '../crypto/hash.js';
import {
  type Contract,
  contractListRecord,
  dealListRecord,
  type Member,
  meterRejectionRecord,
} from '../market/records.js';
import { MARKET_KEY_PREFIX as P } from '../market/store.js';
import type { SessionTable } from './sessions.js';

/**
 * Who may read a raw state value. The market keeps members' commercial records in the shared
 * state: settlement statements, balances, contract and deal terms, quotes, metered and quoted
 * energy. The market routes serve them to their parties only; `GET /api/v1/state/:key` applies the
 * same rule to the raw bytes, decided by the key's prefix byte (src/market/store.ts). The proof of
 * a key (`/state/:key/proof`) stays public: it carries hashes, not values, so anyone can still
 * check the state root.
 */
export type Visibility =
  | { readonly kind: 'public' }
  /** Readable by these member keys (hex) and by approved regulators; an empty list means regulators only. */
  | { readonly kind: 'private'; readonly readers: readonly string[] };

const PUBLIC: Visibility = { kind: 'public' };
const REGULATORS_ONLY: Visibility = { kind: 'private', readers: [] };

/** Where the owner's 32-byte key sits in a key: after the cycle id and `skip` more bytes. */
const OWNER_AFTER_CYCLE: ReadonlyMap<number, number> = new Map([
  [P.quote, 0],
  [P.matchedWh, 0],
  [P.quotedWh, 4], // the round, u32
  [P.meter, 0],
  [P.statement, 0],
  [P.awaiting, 0],
]);

/** Records holding several parties' terms: readable by a key that is a party to every entry. */
const PARTIES_IN_VALUE: ReadonlyMap<number, (value: Uint8Array) => Uint8Array[][]> = new Map([
  [P.deal, (value) => dealListRecord.decode(value).map((d) => [d.seller, d.buyer])],
  [
    P.contract,
    (value) => contractListRecord.decode(value).map((c: Contract) => [c.generator, c.user, c.gridEnterprise]),
  ],
  [P.meterRejection, (value) => [[meterRejectionRecord.decode(value).participant]]],
]);

/**
 * Every market prefix that is public, each with the reason. A new record kind must be added here
 * or to the private rules above: a test fails for a prefix in neither, so no record becomes
 * public by being forgotten.
 */
export const PUBLIC_PREFIX_REASONS: ReadonlyMap<number, string> = new Map([
  [P.config, 'the market rules every member trades under'],
  [P.member, 'the member registry: who may trade, in which role, at which bus'],
  [P.memberList, 'index of the registry'],
  [P.memberCount, 'index of the registry'],
  [P.cycle, 'cycle state and gates, which every member needs to act in time'],
  [P.quoteList, 'which quotes exist (references only; terms sit under the private quote prefix)'],
  [P.quoteCount, 'index of the quote references'],
  [P.summary, 'the published clearing price and volume per interval'],
  [P.statementList, 'index of the statements (their contents are private)'],
  [P.statementCount, 'index of the statements'],
  [P.meterBinding, 'which meter belongs to which member, needed to check meter data'],
  [P.meterRejectionCount, 'how many readings were rejected (their details are private)'],
  [
    P.intervalOutcomes,
    'per interval, whether it cleared, was cut by the security check or cancelled, and why',
  ],
  [P.transitions, 'the audit trail of cycle transitions'],
  [P.signedAcceptances, 'which roles accepted a deal and the ledger transaction of each (public anyway)'],
  [P.deadlines, 'the deadline index, derived from public cycle gates'],
  [P.deadlineHead, 'the deadline index, derived from public cycle gates'],
]);

/** Every prefix whose values are private (the rest of the state is public). */
export const PRIVATE_PREFIXES: readonly number[] = [
  ...OWNER_AFTER_CYCLE.keys(),
  ...PARTIES_IN_VALUE.keys(),
  P.balance,
].sort((a, b) => a - b);

/** The byte offset just past the cycle id (varint length, UTF-8) that follows the prefix, or -1. */
function pastCycleId(key: Uint8Array): number {
  let length = 0;
  let offset = 1;
  for (let shift = 0; shift < 28; shift += 7) {
    const byte = key[offset++];
    if (byte === undefined) return -1;
    length += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return offset + length <= key.length ? offset + length : -1;
  }
  return -1;
}

function ownerAt(key: Uint8Array, offset: number): Visibility {
  // A key that does not parse is no record the market writes; it still gets no wider audience.
  if (offset < 1 || offset + 32 > key.length) return REGULATORS_ONLY;
  return { kind: 'private', readers: [toHex(key.subarray(offset, offset + 32))] };
}

/** The audience of the value under `key` (`value` is what the state holds there, if anything). */
export function visibilityOf(key: Uint8Array, value: Uint8Array | undefined): Visibility {
  const prefix = key[0];
  if (prefix === undefined) return PUBLIC;
  if (prefix === P.balance) return ownerAt(key, 1);
  const skip = OWNER_AFTER_CYCLE.get(prefix);
  if (skip !== undefined) {
    const end = pastCycleId(key);
    return ownerAt(key, end < 0 ? -1 : end + skip);
  }
  const parties = PARTIES_IN_VALUE.get(prefix);
  if (parties === undefined) return PUBLIC;
  if (value === undefined) return REGULATORS_ONLY;
  let entries: Uint8Array[][];
  try {
    entries = parties(value);
  } catch {
    return REGULATORS_ONLY;
  }
  if (entries.length === 0) return REGULATORS_ONLY;
  // Only a key named in every entry sees nothing but its own terms in the raw bytes.
  let common = new Set(entries[0]!.map(toHex));
  for (const entry of entries.slice(1)) {
    const names = new Set(entry.map(toHex));
    common = new Set([...common].filter((k) => names.has(k)));
  }
  return { kind: 'private', readers: [...common] };
}

export type AccessDenied = {
  readonly status: 401 | 403;
  readonly detail: string;
  readonly code: 'UNAUTHENTICATED' | 'FORBIDDEN';
};

/** The role the chain grants now: a registration's role counts only once it is approved. */
export function grantedRole(member: Member | undefined): string {
  return member !== undefined && member.status === 'approved' ? member.role : 'none';
}

/**
 * The one rule for private reads, shared by the market routes and the state route: a session
 * (bearer token), whose key is one of the readers or an approved regulator at the moment of the
 * request. Null means allowed.
 */
export class PrivateReadGate {
  constructor(
    readonly sessions: SessionTable,
    private readonly member: (key: Uint8Array) => Member | undefined,
    private readonly now: () => number,
  ) {}

  check(authorization: string | undefined, readers: readonly string[]): AccessDenied | null {
    const token = /^Bearer ([0-9a-f]{64})$/.exec(authorization ?? '')?.[1];
    const session = token === undefined ? null : this.sessions.lookup(token, this.now());
    if (session === null)
      return {
        status: 401,
        detail: 'a session token is required (POST /api/v1/auth/session)',
        code: 'UNAUTHENTICATED',
      };
    if (readers.includes(session.publicKey)) return null;
    if (grantedRole(this.member(fromHex(session.publicKey))) === 'regulator') return null;
    return {
      status: 403,
      detail: 'members read only their own private records; regulators read all',
      code: 'FORBIDDEN',
    };
  }
}
