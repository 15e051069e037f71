import { toHex } from '../crypto/index.js';
import type { MarketAction } from './actions.js';
import { MarketError } from './errors.js';
import type { ScheduleInterval } from './grid-interface.js';
import { type ActionDetail, type HandlerContext, requireCycle, requireMember } from './handler-context.js';
import { keyString } from './memory-state.js';
import type { Contract, Member } from './records.js';

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
  const hours = cycle.intervalMs / 3_600_000;
  const hexCache = new Map<string, string>();
  const hex = (key: Uint8Array): string => {
    const name = keyString(key);
    let found = hexCache.get(name);
    if (found === undefined) hexCache.set(name, (found = toHex(key)));
    return found;
  };
  // Members are read once each, not once per deal.
  const members = new Map<string, Member>();
  const member = (key: Uint8Array): Member => {
    const name = keyString(key);
    let found = members.get(name);
    if (found === undefined) members.set(name, (found = store.member(key)!));
    return found;
  };
  // A deal's id is its position in the cycle, interval by interval.
  const lists = Array.from({ length: cycle.intervals }, (_, interval) =>
    store.deals(cycle.cycleId, interval),
  );
  const where: { interval: number; index: number }[] = [];
  const schedule: ScheduleInterval[] = lists.map((deals, interval) => ({
    interval,
    intervalMs: cycle.intervalMs,
    entries: deals.map((deal, index) => {
      const seller = member(deal.seller);
      where.push({ interval, index });
      return {
        id: where.length - 1,
        seller: hex(deal.seller),
        buyer: hex(deal.buyer),
        sellerBus: seller.projects[deal.project]?.bus ?? seller.bus,
        buyerBus: member(deal.buyer).bus,
        energyWh: deal.energyWh,
        powerKw: deal.energyWh / 1000 / hours,
      };
    }),
  }));
  const result = ctx.plugins.securityChecker.check(schedule);
  let curtailedWh = 0;
  const touched = new Set<number>();
  for (const adjustment of result.adjustments) {
    const place = Number.isInteger(adjustment.id) ? where[adjustment.id] : undefined;
    if (place === undefined) {
      throw new MarketError('BAD_INPUT', `security check adjusted unknown trade ${adjustment.id}`, {});
    }
    const deals = lists[place.interval]!;
    const deal = deals[place.index]!;
    if (
      !Number.isSafeInteger(adjustment.energyWh) ||
      adjustment.energyWh < 0 ||
      adjustment.energyWh > deal.energyWh
    ) {
      throw new MarketError('BAD_INPUT', `security check may only reduce trade ${adjustment.id}`, {});
    }
    curtailedWh += deal.energyWh - adjustment.energyWh;
    deals[place.index] = {
      ...deal,
      energyWh: adjustment.energyWh,
      adjustmentReason: adjustment.reason.slice(0, 200),
    };
    touched.add(place.interval);
  }
  for (const interval of [...touched].sort((a, b) => a - b)) {
    store.setDeals(cycle.cycleId, interval, lists[interval]!);
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
  let id = 0;
  let written = 0;
  for (let interval = 0; interval < cycle.intervals; interval++) {
    const contracts: Contract[] = [];
    const termStartMs = cycle.deliveryStartMs + interval * cycle.intervalMs;
    for (const deal of store.deals(cycle.cycleId, interval)) {
      const n = id++;
      if (deal.energyWh === 0) continue;
      contracts.push({
        contractId: `${cycle.cycleId}/${n}`,
        cycleId: cycle.cycleId,
        deal: n,
        mode: deal.mode,
        generator: deal.seller,
        user: deal.buyer,
        gridEnterprise: cycle.gridEnterprise,
        interval,
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
    if (contracts.length > 0) store.setContracts(cycle.cycleId, interval, contracts);
    written += contracts.length;
  }
  store.setCycle({ ...cycle, state: 'contracted' });
  return { cycleId: cycle.cycleId, contracts: written };
}
