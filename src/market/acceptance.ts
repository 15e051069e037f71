import { bytesEqual, toHex } from '../crypto/index.js';
import { KeyMap } from '../kit/key-map.js';
import { keyString } from '../ledger/key-string.js';
import type { MarketAction } from './actions.js';
import { MarketError } from './errors.js';
import { type ActionDetail, type HandlerContext, requireCycle, requireMember } from './handler-context.js';
import {
  type Acceptance,
  type Awaiting,
  CONTRACT_PARTIES,
  type Contract,
  type ContractParty,
  type ContractStatus,
  type Cycle,
} from './records.js';
import type { MarketStore } from './store.js';

type Of<T extends MarketAction['type']> = Extract<MarketAction, { type: T }>;

/**
 * Acceptance of tripartite contracts (section II.B.a: generator, user and grid enterprise sign the
 * contract). The trading center only writes a contract; it binds once all three parties accepted
 * it, each with its own signed transaction or by standing consent given beforehand. A contract
 * still pending at the start of its delivery interval lapses at settlement (see settlement.ts).
 */

/** The key that holds each party role of a contract (user and grid enterprise may be one key). */
export function partyKey(contract: Contract, role: ContractParty): Uint8Array {
  return role === 'generator'
    ? contract.generator
    : role === 'user'
      ? contract.user
      : contract.gridEnterprise;
}

export function missingParties(contract: Contract): ContractParty[] {
  const have = new Set(contract.acceptances.map((a) => a.role));
  return CONTRACT_PARTIES.filter((role) => !have.has(role));
}

export function statusOf(acceptances: readonly Acceptance[]): ContractStatus {
  return acceptances.length === CONTRACT_PARTIES.length ? 'binding' : 'pending';
}

/**
 * The acceptances new contracts start with, for one writing block: every party whose member
 * record holds standing consent (when the market's rules allow it) accepts at the writing block.
 * A contract written at or after its delivery start (the contract step came late) can be accepted
 * by no one, consent included, and lapses. Member records are read once per key, and contracts
 * with the same consenting parties share one frozen list of acceptances: a province's day writes
 * about a million contracts in one block.
 */
export class StandingConsents {
  private readonly consents = new KeyMap<boolean>();
  /** Per party role, the key array last asked about and its answer. */
  private readonly lastKey: (Uint8Array | null)[] = [null, null, null];
  private readonly lastConsent = [false, false, false];
  /** By the bits of the consenting roles (bit i is `CONTRACT_PARTIES[i]`). */
  private readonly lists: (readonly Acceptance[])[];

  constructor(private readonly ctx: HandlerContext) {
    const { blockTimeMs, height } = ctx.context;
    const acceptances = CONTRACT_PARTIES.map((role) =>
      Object.freeze<Acceptance>({ role, how: 'standingConsent', atMs: blockTimeMs, height, txHash: null }),
    );
    this.lists = Array.from({ length: 1 << CONTRACT_PARTIES.length }, (_, bits) =>
      Object.freeze(acceptances.filter((_, i) => (bits & (1 << i)) !== 0)),
    );
  }

  /** The acceptances a contract of these parties starts with (frozen, shared between contracts). */
  atWriting(
    generator: Uint8Array,
    user: Uint8Array,
    gridEnterprise: Uint8Array,
    termStartMs: number,
  ): Acceptance[] {
    let bits = 0;
    if (this.ctx.config.standingConsent && this.ctx.context.blockTimeMs < termStartMs) {
      if (this.hasConsent(generator, 0)) bits |= 1;
      if (this.hasConsent(user, 1)) bits |= 2;
      if (this.hasConsent(gridEnterprise, 2)) bits |= 4;
    }
    return this.lists[bits]! as Acceptance[];
  }

  private hasConsent(key: Uint8Array, role: number): boolean {
    // Every contract names the cycle's grid enterprise by the same array: no name to make.
    if (key === this.lastKey[role]) return this.lastConsent[role]!;
    let found = this.consents.get(key);
    if (found === undefined) {
      const member = this.ctx.store.member(key);
      found = member?.standingConsent != null && member.status === 'approved';
      this.consents.set(key, found);
    }
    this.lastKey[role] = key;
    this.lastConsent[role] = found;
    return found;
  }
}

/** Role bits of `awaitingCodec`: bit i is `CONTRACT_PARTIES[i]`. */
function bitsOf(roles: readonly ContractParty[]): number {
  return roles.reduce((bits, role) => bits | (1 << CONTRACT_PARTIES.indexOf(role)), 0);
}
function rolesOf(bits: number): ContractParty[] {
  return CONTRACT_PARTIES.filter((_, i) => (bits & (1 << i)) !== 0);
}

/** Collects, while contracts are written, which party each pending contract waits for. */
export class AwaitingIndex {
  private readonly byParty = new Map<string, { party: Uint8Array; entries: Awaiting[] }>();
  constructor(private readonly store: MarketStore) {}

  add(contract: Contract): void {
    const missing = missingParties(contract);
    const bits = bitsOf(missing);
    for (const role of missing) {
      const party = partyKey(contract, role);
      const name = keyString(party);
      let slot = this.byParty.get(name);
      if (slot === undefined) this.byParty.set(name, (slot = { party, entries: [] }));
      const last = slot.entries.at(-1);
      // One key may hold two roles of a contract (the grid enterprise as buyer and transmitter).
      if (last?.deal === contract.deal) last.roles |= bitsOf([role]);
      else
        slot.entries.push({
          deal: contract.deal,
          interval: contract.interval,
          roles: bitsOf([role]),
          missing: bits,
        });
    }
  }

  write(cycleId: string): void {
    for (const name of [...this.byParty.keys()].sort()) {
      const slot = this.byParty.get(name)!;
      this.store.setAwaiting(cycleId, slot.party, slot.entries);
    }
  }
}

/** A contract that still waits for one party's signature, as that party's client needs it. */
export interface AwaitedContract {
  /** What `acceptContracts` names it by. */
  readonly contractId: string;
  readonly deal: number;
  readonly interval: number;
  /** The party's roles in it that have not signed yet. */
  readonly roles: readonly ContractParty[];
  /** The start of its delivery interval: the acceptance must be in a block before it. */
  readonly acceptBeforeMs: number;
}

/**
 * The contracts of a cycle that still wait for `party`'s signature: the party's awaiting index
 * less the roles its signed acceptances already hold. Empty once the cycle is past `contracted`
 * (nothing can be accepted any more) or when the cycle is unknown.
 */
export function contractsAwaiting(store: MarketStore, cycleId: string, party: Uint8Array): AwaitedContract[] {
  const cycle = store.cycle(cycleId);
  if (cycle === undefined || cycle.state !== 'contracted') return [];
  const out: AwaitedContract[] = [];
  for (const entry of store.awaiting(cycleId, party)) {
    const signed = new Set(store.signedAcceptances(cycleId, entry.deal).map((acceptance) => acceptance.role));
    const roles = rolesOf(entry.roles).filter((role) => !signed.has(role));
    if (roles.length === 0) continue;
    out.push({
      contractId: `${cycleId}/${entry.deal}`,
      deal: entry.deal,
      interval: entry.interval,
      roles,
      acceptBeforeMs: cycle.deliveryStartMs + entry.interval * cycle.intervalMs,
    });
  }
  return out;
}

/** Parses `cycleId/deal`; the deal number is the contract's position in the cycle. */
function dealOf(cycleId: string, contractId: string): number | undefined {
  const prefix = `${cycleId}/`;
  if (!contractId.startsWith(prefix)) return undefined;
  const rest = contractId.slice(prefix.length);
  if (!/^(0|[1-9][0-9]{0,8})$/.test(rest)) return undefined;
  return Number(rest);
}

/**
 * A party accepts contracts of a cycle that is `contracted`, each before its delivery interval
 * starts (block time). The sender must hold a party role of every named contract; the signature
 * of the ledger transaction carrying the action (named by its hash in each acceptance) covers all
 * the roles it holds (in the entrusted and grid-purchase modes the grid enterprise is
 * also the buyer). All the named contracts are accepted or, if any is refused, none. The party's
 * awaiting index says which contracts wait for it, so the interval lists are neither read nor
 * rewritten; the signed acceptances are stored beside each contract (`MarketStore.contracts`
 * shows them with it, and settlement folds them in).
 */
export function acceptContracts(ctx: HandlerContext, action: Of<'acceptContracts'>): ActionDetail {
  requireMember(ctx, ['generator', 'user', 'gridEnterprise']);
  const cycle = requireCycle(ctx, action.cycleId, ['contracted']);
  if (action.contractIds.length === 0) {
    throw new MarketError('BAD_ACTION', 'name at least one contract', { field: 'contractIds' });
  }
  const waiting = new Map(ctx.store.awaiting(cycle.cycleId, ctx.sender).map((entry) => [entry.deal, entry]));
  const seen = new Set<number>();
  const writes: { deal: number; acceptances: Acceptance[] }[] = [];
  let binding = 0;
  for (const contractId of action.contractIds) {
    const deal = dealOf(cycle.cycleId, contractId);
    const entry = deal === undefined ? undefined : waiting.get(deal);
    if (deal === undefined || entry === undefined) throw refusal(ctx, cycle, contractId, deal);
    if (seen.has(deal)) {
      throw new MarketError('BAD_ACTION', `contract "${contractId}" named twice`, { contractId });
    }
    seen.add(deal);
    const termStartMs = cycle.deliveryStartMs + entry.interval * cycle.intervalMs;
    if (ctx.context.blockTimeMs >= termStartMs) {
      throw new MarketError(
        'DEADLINE_PASSED',
        `contract "${contractId}" had to be accepted before its delivery start ${termStartMs}`,
        { contractId, deadlineMs: termStartMs },
      );
    }
    const signed = ctx.store.signedAcceptances(cycle.cycleId, deal);
    const have = new Set(signed.map((a) => a.role));
    const adding = rolesOf(entry.roles).filter((role) => !have.has(role));
    if (adding.length === 0) {
      throw new MarketError('DUPLICATE', `contract "${contractId}" is already accepted by this party`, {
        contractId,
      });
    }
    const acceptances = [
      ...signed,
      ...adding.map(
        (role): Acceptance => ({
          role,
          how: 'signed',
          atMs: ctx.context.blockTimeMs,
          height: ctx.context.height,
          txHash: ctx.txHash ?? null,
        }),
      ),
    ];
    if (rolesOf(entry.missing).every((role) => acceptances.some((a) => a.role === role))) binding++;
    writes.push({ deal, acceptances });
  }
  for (const { deal, acceptances } of writes.sort((a, b) => a.deal - b.deal)) {
    ctx.store.setSignedAcceptances(cycle.cycleId, deal, acceptances);
  }
  return { cycleId: cycle.cycleId, accepted: action.contractIds.length, binding };
}

/**
 * Why a contract is not waiting for the sender: it does not exist, the sender is no party of it,
 * or the sender accepted it already (by standing consent at writing). Only refusals read the
 * interval lists.
 */
function refusal(
  ctx: HandlerContext,
  cycle: Cycle,
  contractId: string,
  deal: number | undefined,
): MarketError {
  const contract =
    deal === undefined
      ? undefined
      : Array.from({ length: cycle.intervals }, (_, i) => i)
          .flatMap((interval) => ctx.store.contracts(cycle.cycleId, interval))
          .find((c) => c.deal === deal);
  if (contract === undefined) {
    return new MarketError('NOT_FOUND', `no contract "${contractId}" in cycle "${cycle.cycleId}"`, {
      contractId,
    });
  }
  if (!CONTRACT_PARTIES.some((role) => bytesEqual(partyKey(contract, role), ctx.sender))) {
    return new MarketError('NOT_AUTHORISED', `not a party of contract "${contractId}"`, {
      contractId,
      member: toHex(ctx.sender),
    });
  }
  return new MarketError('DUPLICATE', `contract "${contractId}" is already accepted by this party`, {
    contractId,
    status: contract.status,
  });
}
