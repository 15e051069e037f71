import { toHex } from '../crypto/index.js';
import type { ExecutionContext } from './actions.js';
import { MarketError } from './errors.js';
import type { CrossingFeeTable, SecurityChecker } from './grid-interface.js';
import type { Cycle, CycleState, MarketConfig, Member, Role } from './records.js';
import type { MarketStore } from './store.js';

/** The grid answers the market consults; the real engine or the doubles built from config. */
export interface MarketPlugins {
  readonly crossingFees: CrossingFeeTable;
  readonly securityChecker: SecurityChecker;
}

/** What one action handler sees: the staged store, the authenticated sender, the block's context. */
export interface HandlerContext {
  readonly store: MarketStore;
  readonly sender: Uint8Array;
  /**
   * The hash of the ledger transaction carrying the action, kept where the action is the sender's
   * signature on a record; absent for work the block itself does (due deadlines).
   */
  readonly txHash?: Uint8Array;
  readonly context: ExecutionContext;
  readonly config: MarketConfig;
  readonly plugins: MarketPlugins;
}

/** A short free-form account of what the action did, returned to the caller. */
export type ActionDetail = Record<string, unknown>;

export function requireMember(ctx: HandlerContext, roles: readonly Role[], key = ctx.sender): Member {
  const member = ctx.store.member(key);
  if (member === undefined) {
    throw new MarketError('UNKNOWN_MEMBER', `${toHex(key).slice(0, 16)}… is not a registered member`, {
      member: toHex(key),
    });
  }
  if (!roles.includes(member.role)) {
    throw new MarketError('NOT_AUTHORISED', `a ${member.role} may not do this; needs ${roles.join(' or ')}`, {
      member: toHex(key),
      role: member.role,
      needs: roles,
    });
  }
  if (member.status !== 'approved') {
    throw new MarketError('MEMBER_NOT_ACTIVE', `member is ${member.status}, not approved`, {
      member: toHex(key),
      status: member.status,
    });
  }
  return member;
}

export function requireCycle(ctx: HandlerContext, cycleId: string, states: readonly CycleState[]): Cycle {
  const cycle = ctx.store.cycle(cycleId);
  if (cycle === undefined) throw new MarketError('NOT_FOUND', `no trading cycle "${cycleId}"`, { cycleId });
  if (!states.includes(cycle.state)) {
    throw new MarketError(
      'WRONG_CYCLE_STATE',
      `cycle "${cycleId}" is ${cycle.state}; this needs ${states.join(' or ')}`,
      { cycleId, state: cycle.state, needs: states },
    );
  }
  return cycle;
}

/** Energy in Wh that `powerKw` delivers over one interval, rounded down. */
export function intervalCapacityWh(powerKw: number, intervalMs: number): number {
  return Math.floor((powerKw * intervalMs) / 3600);
}

/** Money for `energyWh` at `pricePerKwh`, rounded down to a whole money unit. */
export function moneyFor(pricePerKwh: number, energyWh: number): bigint {
  const product = pricePerKwh * energyWh;
  // Exact in doubles while the product is a safe integer: remainder, subtraction and the final
  // division are then all exact. Larger products take the bigint path.
  if (Number.isSafeInteger(product)) return BigInt((product - (product % 1000)) / 1000);
  return (BigInt(pricePerKwh) * BigInt(energyWh)) / 1000n;
}
