import { toHex } from '../crypto/index.js';
import type { MarketAction } from './actions.js';
import { MarketError } from './errors.js';
import type { ScheduleEntry, ScheduleInterval } from './grid-interface.js';
import { type ActionDetail, type HandlerContext, requireCycle, requireMember } from './handler-context.js';
import { keyString } from './memory-state.js';
import type { Contract } from './records.js';

type Of<T extends MarketAction['type']> = Extract<MarketAction, { type: T }>;

/**
 * The security check: the cycle's whole matched schedule goes to the grid check; every volume
 * it cuts is written back to its deal with the reason. An adjustment may only reduce a deal.
 */
export function check(ctx: HandlerContext, action: Of<'check'>): ActionDetail {
  const cycle = requireCycle(ctx, action.cycleId, ['matched']);
  const signer = requireMember(ctx, ['tradingCenter', 'gridEnterprise']);
  if (signer.role === 'gridEnterprise' && toHex(ctx.sender) !== toHex(cycle.gridEnterprise)) {
    throw new MarketError('NOT_AUTHORISED', "only the cycle's grid enterprise runs its check", {});
  }
  const { store } = ctx;
  const count = store.dealCount(cycle.cycleId);
  const hours = cycle.intervalMs / 3_600_000;
  const hexCache = new Map<string, string>();
  const hex = (key: Uint8Array): string => {
    const name = keyString(key);
    let found = hexCache.get(name);
    if (found === undefined) hexCache.set(name, (found = toHex(key)));
    return found;
  };
  const intervals: ScheduleEntry[][] = Array.from({ length: cycle.intervals }, () => []);
  for (let n = 0; n < count; n++) {
    const deal = store.deal(cycle.cycleId, n);
    const seller = store.member(deal.seller)!;
    const buyer = store.member(deal.buyer)!;
    intervals[deal.interval]!.push({
      id: n,
      seller: hex(deal.seller),
      buyer: hex(deal.buyer),
      sellerBus: seller.projects[deal.project]?.bus ?? seller.bus,
      buyerBus: buyer.bus,
      energyWh: deal.energyWh,
      powerKw: deal.energyWh / 1000 / hours,
    });
  }
  const schedule: ScheduleInterval[] = intervals.map((entries, interval) => ({
    interval,
    intervalMs: cycle.intervalMs,
    entries,
  }));
  const result = ctx.plugins.securityChecker.check(schedule);
  let curtailedWh = 0;
  for (const adjustment of result.adjustments) {
    if (!Number.isInteger(adjustment.id) || adjustment.id < 0 || adjustment.id >= count) {
      throw new MarketError('BAD_INPUT', `security check adjusted unknown trade ${adjustment.id}`, {});
    }
    const deal = store.deal(cycle.cycleId, adjustment.id);
    if (
      !Number.isSafeInteger(adjustment.energyWh) ||
      adjustment.energyWh < 0 ||
      adjustment.energyWh > deal.energyWh
    ) {
      throw new MarketError('BAD_INPUT', `security check may only reduce trade ${adjustment.id}`, {});
    }
    curtailedWh += deal.energyWh - adjustment.energyWh;
    store.setDeal(cycle.cycleId, adjustment.id, {
      ...deal,
      energyWh: adjustment.energyWh,
      adjustmentReason: adjustment.reason.slice(0, 200),
    });
  }
  store.setCycle({ ...cycle, state: 'checked' });
  return {
    cycleId: cycle.cycleId,
    violations: result.violations.length,
    adjustments: result.adjustments.length,
    curtailedWh,
  };
}

/**
 * One tripartite contract per deal that kept volume: generator, user (the grid enterprise itself
 * in the entrusted and grid-purchase modes) and the grid enterprise that transmits, with the
 * term, interval, quantity, price, crossing-fee standard and breach liability.
 */
export function contract(ctx: HandlerContext, action: Of<'contract'>): ActionDetail {
  requireMember(ctx, ['tradingCenter']);
  const cycle = requireCycle(ctx, action.cycleId, ['checked']);
  const { store, config } = ctx;
  const count = store.dealCount(cycle.cycleId);
  const contracts: Contract[] = [];
  for (let n = 0; n < count; n++) {
    const deal = store.deal(cycle.cycleId, n);
    if (deal.energyWh === 0) continue;
    const termStartMs = cycle.deliveryStartMs + deal.interval * cycle.intervalMs;
    contracts.push({
      contractId: `${cycle.cycleId}/${n}`,
      cycleId: cycle.cycleId,
      deal: n,
      mode: deal.mode,
      generator: deal.seller,
      user: deal.buyer,
      gridEnterprise: cycle.gridEnterprise,
      interval: deal.interval,
      termStartMs,
      termEndMs: termStartMs + cycle.intervalMs,
      energyWh: deal.energyWh,
      pricePerKwh: deal.sellerPricePerKwh,
      crossingFeePerKwh: deal.feePerKwh,
      subsidyPerKwh: deal.mode === 'gridPurchase' ? config.subsidyPerKwh : 0,
      breachLiabilityBps: config.breachLiabilityBps,
      toleranceBps: config.toleranceBps,
      penaltyPerKwh: config.penaltyPerKwh,
      adjustmentReason: deal.adjustmentReason,
    });
  }
  store.addContracts(cycle.cycleId, contracts);
  store.setCycle({ ...cycle, state: 'contracted' });
  return { cycleId: cycle.cycleId, contracts: contracts.length };
}
