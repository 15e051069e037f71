import { toHex } from '../crypto/hash.js';
import { gridFromJson, violationKey } from '../grid/index.js';
import { type IntervalFlow, intervalFlow } from '../grid/interval-flow.js';
import type { Injection } from '../grid/model.js';
import { MarketError } from './errors.js';
import { GRID_STATE_KEY } from './grid-plugins.js';
import type { Cycle, Deal, IntervalOutcome, Member } from './records.js';
import { MarketStore } from './store.js';

/**
 * The power flow behind an interval's security check, recomputed from committed state: the grid
 * model under `grid/model`, the interval's deals and the registry's connection points, each deal
 * the seller's injection at its connection bus as `GridSecurityChecker` builds it
 * (grid-security.ts), solved with the grid engine's own power flow and limit rules. Two flows:
 * the trades as matched (what the check was given first) and as contracted after the check's
 * adjustments. The chain stores the outcome and the adjusted deals, not the flows; recomputing
 * them from the same records is deterministic.
 */
export interface CheckedFlow {
  readonly cycle: Cycle;
  readonly outcome: IntervalOutcome;
  readonly deals: readonly Deal[];
  readonly asMatched: IntervalFlow;
  readonly afterCheck: IntervalFlow;
}

/** What the check did with an interval that ran no AC power flow, and so has none to show. */
const NO_FLOW: Readonly<Record<string, string>> = {
  gridPurchase: 'no security check ran before its deadline; the trades fell back to grid purchase',
};

export function checkedFlow(
  state: { get(key: Uint8Array): Uint8Array | undefined },
  cycleId: string,
  interval: number,
): CheckedFlow {
  const store = new MarketStore({ get: (k) => state.get(k), set() {}, delete() {} });
  const cycle = store.cycle(cycleId);
  if (cycle === undefined) throw new MarketError('NOT_FOUND', `no cycle ${cycleId}`, { cycleId });
  if (!Number.isSafeInteger(interval) || interval < 0 || interval >= cycle.intervals) {
    throw new MarketError('NOT_FOUND', `cycle ${cycleId} has no interval ${interval}`, { cycleId, interval });
  }
  const outcome = store.intervalOutcomes(cycleId).find((o) => o.interval === interval);
  if (outcome === undefined) {
    throw new MarketError('NOT_FOUND', `interval ${interval} of cycle ${cycleId} has not been checked`, {
      cycleId,
      interval,
    });
  }
  const noFlow = NO_FLOW[outcome.outcome];
  if (noFlow !== undefined) {
    throw new MarketError('NOT_FOUND', `interval ${interval} of cycle ${cycleId}: ${noFlow}`, {
      cycleId,
      interval,
    });
  }
  const document = state.get(GRID_STATE_KEY);
  if (document === undefined) {
    throw new MarketError(
      'NOT_FOUND',
      'this chain holds no grid model: its security check is the configured stand-in, which runs no power flow',
      { cycleId },
    );
  }
  const grid = gridFromJson(JSON.parse(new TextDecoder().decode(document)));
  const deals = store.deals(cycleId, interval);
  const hours = cycle.intervalMs / 3_600_000;
  const members = new Map<string, Member | undefined>();
  const sellerBus = (deal: Deal): number => {
    const name = toHex(deal.seller);
    if (!members.has(name)) members.set(name, store.member(deal.seller));
    const seller = members.get(name);
    if (seller === undefined) {
      throw new MarketError('NOT_FOUND', `the seller ${name} of a deal is not in the registry`, {
        seller: name,
      });
    }
    return seller.projects[deal.project]?.bus ?? seller.bus;
  };
  const injections = (energy: (d: Deal) => number): Injection[] =>
    deals.map((deal) => ({ bus: sellerBus(deal), pKw: energy(deal) / 1000 / hours }));
  return {
    cycle,
    outcome,
    deals,
    asMatched: intervalFlow(
      grid,
      injections((d) => d.matchedWh),
      interval,
    ),
    afterCheck: intervalFlow(
      grid,
      injections((d) => d.energyWh),
      interval,
    ),
  };
}

/** A flow as the API answers it: each violation with the short name the adjustment reasons use. */
export function flowAnswer(flow: IntervalFlow) {
  const { interval: _, violations, ...rest } = flow;
  return { ...rest, violations: violations.map((v) => ({ ...v, key: violationKey(v) })) };
}
