import { bytesEqual, toHex } from '../crypto/index.js';
import type { MarketAction } from './actions.js';
import { MarketError } from './errors.js';
import { type ActionDetail, type HandlerContext, requireCycle, requireMember } from './handler-context.js';
import { keyString } from './memory-state.js';
import {
  type Acceptance,
  CONTRACT_PARTIES,
  type Contract,
  type ContractParty,
  type ContractStatus,
  type Member,
} from './records.js';

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

function statusOf(acceptances: readonly Acceptance[]): ContractStatus {
  return acceptances.length === CONTRACT_PARTIES.length ? 'binding' : 'pending';
}

/**
 * The acceptances a new contract starts with: every party whose member record holds standing
 * consent (when the market's rules allow it) accepts at the writing block. A contract written at
 * or after its delivery start (the contract step came late) can be accepted by no one, consent
 * included, and lapses. `members` caches the member records across the contracts of one writing.
 */
export function acceptancesAtWriting(
  ctx: HandlerContext,
  parties: Record<ContractParty, Uint8Array>,
  termStartMs: number,
  members: Map<string, Member | undefined>,
): { acceptances: Acceptance[]; status: ContractStatus; statusReason: string } {
  const acceptances: Acceptance[] = [];
  if (ctx.config.standingConsent && ctx.context.blockTimeMs < termStartMs) {
    for (const role of CONTRACT_PARTIES) {
      const key = parties[role];
      const name = keyString(key);
      if (!members.has(name)) members.set(name, ctx.store.member(key));
      const member = members.get(name);
      if (member?.standingConsent == null || member.status !== 'approved') continue;
      acceptances.push({
        role,
        party: key,
        how: 'standingConsent',
        atMs: ctx.context.blockTimeMs,
        height: ctx.context.height,
        signature: null,
        nonce: 0,
      });
    }
  }
  const status = statusOf(acceptances);
  return {
    acceptances,
    status,
    statusReason: status === 'binding' ? 'accepted by standing consent of all three parties' : '',
  };
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
 * starts (block time). The sender must hold a party role of every named contract; its signature
 * covers all the roles it holds (in the entrusted and grid-purchase modes the grid enterprise is
 * also the buyer). All the named contracts are accepted or, if any is refused, none.
 */
export function acceptContracts(ctx: HandlerContext, action: Of<'acceptContracts'>): ActionDetail {
  requireMember(ctx, ['generator', 'user', 'gridEnterprise']);
  const cycle = requireCycle(ctx, action.cycleId, ['contracted']);
  if (action.contractIds.length === 0) {
    throw new MarketError('BAD_ACTION', 'name at least one contract', { field: 'contractIds' });
  }
  const lists = new Map<number, Contract[]>();
  const where = new Map<number, { interval: number; index: number }>();
  const locate = (deal: number): { interval: number; index: number } | undefined => {
    // Contracts are stored per interval in deal order; load intervals until the deal is passed.
    for (let interval = 0; interval < cycle.intervals && !where.has(deal); interval++) {
      if (lists.has(interval)) continue;
      const contracts = ctx.store.contracts(cycle.cycleId, interval);
      lists.set(interval, contracts);
      for (const [index, c] of contracts.entries()) where.set(c.deal, { interval, index });
    }
    return where.get(deal);
  };
  const seen = new Set<number>();
  const touched = new Set<number>();
  let binding = 0;
  for (const contractId of action.contractIds) {
    const deal = dealOf(cycle.cycleId, contractId);
    const place = deal === undefined ? undefined : locate(deal);
    if (deal === undefined || place === undefined) {
      throw new MarketError('NOT_FOUND', `no contract "${contractId}" in cycle "${cycle.cycleId}"`, {
        contractId,
      });
    }
    if (seen.has(deal)) {
      throw new MarketError('BAD_ACTION', `contract "${contractId}" named twice`, { contractId });
    }
    seen.add(deal);
    const contracts = lists.get(place.interval)!;
    const contract = contracts[place.index]!;
    const roles = CONTRACT_PARTIES.filter((role) => bytesEqual(partyKey(contract, role), ctx.sender));
    if (roles.length === 0) {
      throw new MarketError('NOT_AUTHORISED', `not a party of contract "${contractId}"`, {
        contractId,
        member: toHex(ctx.sender),
      });
    }
    if (ctx.context.blockTimeMs >= contract.termStartMs) {
      throw new MarketError(
        'DEADLINE_PASSED',
        `contract "${contractId}" had to be accepted before its delivery start ${contract.termStartMs}`,
        { contractId, deadlineMs: contract.termStartMs },
      );
    }
    const have = new Set(contract.acceptances.map((a) => a.role));
    const adding = roles.filter((role) => !have.has(role));
    if (contract.status !== 'pending' || adding.length === 0) {
      throw new MarketError('DUPLICATE', `contract "${contractId}" is already accepted by this party`, {
        contractId,
        status: contract.status,
      });
    }
    const acceptances = [
      ...contract.acceptances,
      ...adding.map(
        (role): Acceptance => ({
          role,
          party: ctx.sender,
          how: 'signed',
          atMs: ctx.context.blockTimeMs,
          height: ctx.context.height,
          signature: ctx.signature ?? null,
          nonce: Number(ctx.nonce ?? 0n),
        }),
      ),
    ];
    const status = statusOf(acceptances);
    if (status === 'binding') binding++;
    contracts[place.index] = {
      ...contract,
      acceptances,
      status,
      statusReason: status === 'binding' ? `accepted by all three parties at ${ctx.context.blockTimeMs}` : '',
    };
    touched.add(place.interval);
  }
  for (const interval of [...touched].sort((a, b) => a - b)) {
    ctx.store.setContracts(cycle.cycleId, interval, lists.get(interval)!);
  }
  return { cycleId: cycle.cycleId, accepted: action.contractIds.length, binding };
}
