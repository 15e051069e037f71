import { toHex } from '../crypto/index.js';
import { isGridShardError } from '../errors.js';
import { KeyMap } from '../kit/key-map.js';
import { AwaitingIndex, StandingConsents, statusOf } from './acceptance.js';
import type { MarketAction } from './actions.js';
import { checkDeadlineMs, moveCycle } from './cycle-clock.js';
import { MarketError } from './errors.js';
import type { ScheduleInterval, SecurityCheckResult } from './grid-interface.js';
import { type ActionDetail, type HandlerContext, requireCycle, requireMember } from './handler-context.js';
import type { Contract, Cycle, Deal, IntervalOutcome, Member } from './records.js';

type Of<T extends MarketAction['type']> = Extract<MarketAction, { type: T }>;

/**
 * The security check: the cycle's matched schedule goes to the grid check interval by interval;
 * every volume it cuts is written back to its deal with the reason (an adjustment may only
 * reduce a deal). An interval whose check fails with a typed error is re-checked with its trades
 * cut by `recheckCutBps`, up to `recheckAttempts` times; if none passes, the interval's trades are
 * cancelled with the failure as reason. A cycle with every traded interval cancelled is cancelled.
 * Only the cycle's grid enterprise or the trading center runs it, and only before the deadline.
 */
export function check(ctx: HandlerContext, action: Of<'check'>): ActionDetail {
  const cycle = requireCycle(ctx, action.cycleId, ['matched']);
  const signer = requireMember(ctx, ['tradingCenter', 'gridEnterprise']);
  if (signer.role === 'gridEnterprise' && toHex(ctx.sender) !== toHex(cycle.gridEnterprise)) {
    throw new MarketError('NOT_AUTHORISED', "only the cycle's grid enterprise runs its check", {});
  }
  const deadline = checkDeadlineMs(cycle, ctx.config);
  if (ctx.context.blockTimeMs >= deadline) {
    throw new MarketError('DEADLINE_PASSED', `the security check was due before ${deadline}`, {
      cycleId: cycle.cycleId,
      deadlineMs: deadline,
    });
  }
  return runCheck(ctx, cycle);
}

function runCheck(ctx: HandlerContext, cycle: Cycle): ActionDetail {
  const { store, config } = ctx;
  const schedule = new ScheduleReader(ctx, cycle);
  let violations = 0;
  let adjustments = 0;
  let curtailedWh = 0;
  const outcomes: IntervalOutcome[] = [];
  // Interval by interval: each is checked on its own, and a province's day holds about a
  // million deals, which need not all be decoded and held at once.
  for (let interval = 0; interval < cycle.intervals; interval++) {
    const { deals, slice, first } = schedule.interval(interval);
    if (slice.entries.length === 0) {
      outcomes.push({ interval, outcome: 'secure', code: 'NO_TRADES', reason: '' });
      continue;
    }
    let touched = false;
    let probe = slice;
    let failure = '';
    let answer: CheckAnswer | undefined;
    for (let attempt = 0; attempt <= config.recheckAttempts; attempt++) {
      if (attempt > 0) probe = cutSlice(probe, config.recheckCutBps, cycle.intervalMs);
      const result = tryCheck(ctx, probe, first, deals.length);
      if (result.ok) {
        answer = { ...result, attempt };
        break;
      }
      failure = `${result.code}: ${result.message}`;
    }
    if (answer === undefined) {
      for (let i = 0; i < deals.length; i++) {
        curtailedWh += deals[i]!.energyWh;
        deals[i] = { ...deals[i]!, energyWh: 0, adjustmentReason: `CHECK_FAILED: ${failure}`.slice(0, 200) };
      }
      store.setDeals(cycle.cycleId, interval, deals);
      outcomes.push({ interval, outcome: 'cancelled', code: 'CHECK_FAILED', reason: failure.slice(0, 200) });
      continue;
    }
    violations += answer.violations;
    // Re-checked volumes first, then the adjustments the passing check made to them.
    const recheckNote =
      answer.attempt > 0
        ? `RECHECKED: cut ${answer.attempt} time(s) by ${config.recheckCutBps} bps after ${failure}`
        : '';
    for (const entry of probe.entries) {
      const index = entry.id - first;
      const deal = deals[index]!;
      if (entry.energyWh === deal.energyWh) continue;
      touched = true;
      curtailedWh += deal.energyWh - entry.energyWh;
      deals[index] = { ...deal, energyWh: entry.energyWh, adjustmentReason: recheckNote.slice(0, 200) };
    }
    for (const adjustment of answer.adjustments) {
      const index = adjustment.id - first;
      const deal = deals[index]!;
      curtailedWh += deal.energyWh - adjustment.energyWh;
      const reason = recheckNote === '' ? adjustment.reason : `${recheckNote}; ${adjustment.reason}`;
      touched = true;
      deals[index] = { ...deal, energyWh: adjustment.energyWh, adjustmentReason: reason.slice(0, 200) };
      adjustments++;
    }
    if (touched) store.setDeals(cycle.cycleId, interval, deals);
    outcomes.push(
      answer.attempt > 0
        ? { interval, outcome: 'rechecked', code: 'RECHECKED', reason: recheckNote.slice(0, 200) }
        : answer.adjustments.length > 0
          ? { interval, outcome: 'adjusted', code: 'ADJUSTED', reason: '' }
          : { interval, outcome: 'secure', code: 'SECURE', reason: '' },
    );
  }
  store.setIntervalOutcomes(cycle.cycleId, outcomes);
  const traded = outcomes.filter((o) => o.code !== 'NO_TRADES');
  const cancelled = traded.filter((o) => o.outcome === 'cancelled').length;
  const rechecked = traded.filter((o) => o.outcome === 'rechecked').length;
  if (traded.length > 0 && cancelled === traded.length) {
    moveCycle(ctx, cycle, 'cancelled', 'CHECK_FAILED', `every traded interval failed its security check`);
  } else {
    const code =
      cancelled > 0 ? 'CHECKED_PARTLY_CANCELLED' : rechecked > 0 ? 'CHECKED_AFTER_RECHECK' : 'CHECKED';
    const reason = `${cancelled} interval(s) cancelled, ${rechecked} re-checked`;
    moveCycle(ctx, cycle, 'checked', code, reason);
  }
  return {
    cycleId: cycle.cycleId,
    violations,
    adjustments,
    curtailedWh,
    rechecked,
    cancelledIntervals: cancelled,
  };
}

interface CheckAnswer {
  violations: number;
  adjustments: { id: number; energyWh: number; reason: string }[];
  attempt: number;
}

/**
 * One interval through the checker, its deals' ids `first` to `first + count - 1`. A typed error
 * (the grid engine's, e.g. CONGESTION_INFEASIBLE) or an adjustment that breaks the interface's
 * rules is a failed check; any other exception is not a deterministic answer and refuses the
 * transaction instead.
 */
function tryCheck(
  ctx: HandlerContext,
  slice: ScheduleInterval,
  first: number,
  count: number,
):
  | { ok: true; violations: number; adjustments: CheckAnswer['adjustments'] }
  | { ok: false; code: string; message: string } {
  let result: SecurityCheckResult;
  try {
    result = ctx.plugins.securityChecker.check([slice]);
  } catch (error) {
    if (isGridShardError(error)) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
  const energy = new Map(slice.entries.map((entry) => [entry.id, entry.energyWh]));
  for (const adjustment of result.adjustments) {
    const index = Number.isInteger(adjustment.id) ? adjustment.id - first : -1;
    const before = energy.get(adjustment.id);
    if (index < 0 || index >= count || before === undefined) {
      return { ok: false, code: 'BAD_ADJUSTMENT', message: `adjusted unknown trade ${adjustment.id}` };
    }
    if (
      !Number.isSafeInteger(adjustment.energyWh) ||
      adjustment.energyWh < 0 ||
      adjustment.energyWh > before
    ) {
      return { ok: false, code: 'BAD_ADJUSTMENT', message: `may only reduce trade ${adjustment.id}` };
    }
  }
  return {
    ok: true,
    violations: result.violations.length,
    adjustments: result.adjustments.map((a) => ({
      id: a.id,
      energyWh: a.energyWh,
      reason: String(a.reason),
    })),
  };
}

/** Every trade of the interval cut by `cutBps`, rounded down to whole Wh. */
function cutSlice(slice: ScheduleInterval, cutBps: number, intervalMs: number): ScheduleInterval {
  const keep = 10_000 - Math.min(10_000, cutBps);
  const hours = intervalMs / 3_600_000;
  return {
    ...slice,
    entries: slice.entries.map((entry) => {
      const energyWh = Math.floor((entry.energyWh * keep) / 10_000);
      return { ...entry, energyWh, powerKw: energyWh / 1000 / hours };
    }),
  };
}

/**
 * The cycle's deals as the check sees them, read one interval at a time; a deal's id is its
 * position in the cycle.
 */
class ScheduleReader {
  private readonly hours: number;
  // Members are read (and their keys put in hex) once each, not once per deal.
  private readonly parties = new KeyMap<{ hex: string; member: Member }>();
  /** The id of the next interval's first deal. */
  private next = 0;

  constructor(
    private readonly ctx: HandlerContext,
    private readonly cycle: Cycle,
  ) {
    this.hours = cycle.intervalMs / 3_600_000;
  }

  /** The interval's deals and the schedule made of them; intervals are read in order. */
  interval(interval: number): { deals: Deal[]; slice: ScheduleInterval; first: number } {
    const deals = this.ctx.store.deals(this.cycle.cycleId, interval);
    const first = this.next;
    this.next += deals.length;
    const slice: ScheduleInterval = {
      interval,
      intervalMs: this.cycle.intervalMs,
      entries: deals.map((deal, index) => {
        const seller = this.party(deal.seller);
        const buyer = this.party(deal.buyer);
        return {
          id: first + index,
          seller: seller.hex,
          buyer: buyer.hex,
          sellerBus: seller.member.projects[deal.project]?.bus ?? seller.member.bus,
          buyerBus: buyer.member.bus,
          energyWh: deal.energyWh,
          powerKw: deal.energyWh / 1000 / this.hours,
        };
      }),
    };
    return { deals, slice, first };
  }

  private party(key: Uint8Array): { hex: string; member: Member } {
    let found = this.parties.get(key);
    if (found === undefined)
      this.parties.set(key, (found = { hex: toHex(key), member: this.ctx.store.member(key)! }));
    return found;
  }
}

/**
 * No check came before the deadline. By the genesis rule, either the matched direct trades fall
 * back to grid purchase at the benchmark price (the rules' third mode: the grid enterprise buys
 * the generators' output; users buy as they would outside the market) or the cycle is cancelled.
 */
export function missedCheck(ctx: HandlerContext, cycle: Cycle): ActionDetail {
  const { store, config } = ctx;
  const outcomes: IntervalOutcome[] = [];
  let traded = 0;
  for (let interval = 0; interval < cycle.intervals; interval++) {
    const deals = store.deals(cycle.cycleId, interval);
    if (deals.length === 0) {
      outcomes.push({ interval, outcome: 'secure', code: 'NO_TRADES', reason: '' });
      continue;
    }
    traded++;
    if (config.missedCheckFallback === 'gridPurchase') {
      outcomes.push({
        interval,
        outcome: 'gridPurchase',
        code: 'CHECK_MISSED',
        reason: 'no security check before the deadline: grid purchase at the benchmark price',
      });
    } else {
      store.setDeals(
        cycle.cycleId,
        interval,
        deals.map((deal) => ({ ...deal, energyWh: 0, adjustmentReason: 'CHECK_MISSED: cancelled' })),
      );
      outcomes.push({
        interval,
        outcome: 'cancelled',
        code: 'CHECK_MISSED',
        reason: 'no security check before the deadline',
      });
    }
  }
  store.setIntervalOutcomes(cycle.cycleId, outcomes);
  if (config.missedCheckFallback === 'cancel' && traded > 0) {
    moveCycle(
      ctx,
      cycle,
      'cancelled',
      'CHECK_MISSED',
      'no security check before the deadline: cycle cancelled',
    );
    return { cycleId: cycle.cycleId, state: 'cancelled', intervals: traded };
  }
  moveCycle(
    ctx,
    cycle,
    'checked',
    'CHECK_MISSED',
    'no security check before the deadline: matched volumes fall back to grid purchase at the benchmark price',
  );
  return { cycleId: cycle.cycleId, state: 'checked', intervals: traded };
}

/**
 * One tripartite contract per deal that kept volume: generator, user (the grid enterprise itself
 * in the entrusted and grid-purchase modes) and the grid enterprise that transmits, with the
 * term, interval, quantity, price, crossing-fee standard and breach liability.
 */
export function contract(ctx: HandlerContext, action: Of<'contract'>): ActionDetail {
  requireMember(ctx, ['tradingCenter']);
  const cycle = requireCycle(ctx, action.cycleId, ['checked']);
  return contractNow(ctx, cycle, 'CONTRACTED', 'contracts written by the trading center');
}

/**
 * The contracts themselves, by the trading center or, past its grace, by rule. In an interval
 * whose check was missed under the grid-purchase fallback, each direct trade becomes a contract
 * of the generator with the grid enterprise at the benchmark price; trades that already were the
 * grid enterprise's (entrusted, grid purchase) keep their terms.
 */
export function contractNow(ctx: HandlerContext, cycle: Cycle, code: string, reason: string): ActionDetail {
  const { store } = ctx;
  const fallback = new Set(
    store
      .intervalOutcomes(cycle.cycleId)
      .filter((o) => o.outcome === 'gridPurchase')
      .map((o) => o.interval),
  );
  let id = 0;
  let written = 0;
  let binding = 0;
  const consents = new StandingConsents(ctx);
  const awaiting = new AwaitingIndex(ctx.store);
  for (let interval = 0; interval < cycle.intervals; interval++) {
    const contracts: Contract[] = [];
    const termStartMs = cycle.deliveryStartMs + interval * cycle.intervalMs;
    for (const deal of store.deals(cycle.cycleId, interval)) {
      const n = id++;
      if (deal.energyWh === 0) continue;
      const contract =
        fallback.has(interval) && deal.mode === 'direct'
          ? gridPurchaseFallback(ctx, cycle, deal, n, interval, termStartMs, consents)
          : directTerms(ctx, cycle, deal, n, interval, termStartMs, consents);
      if (contract.status === 'binding') binding++;
      else awaiting.add(contract);
      contracts.push(contract);
    }
    if (contracts.length > 0) store.setContracts(cycle.cycleId, interval, contracts);
    written += contracts.length;
  }
  awaiting.write(cycle.cycleId);
  moveCycle(ctx, cycle, 'contracted', code, reason);
  return { cycleId: cycle.cycleId, contracts: written, binding };
}

function directTerms(
  ctx: HandlerContext,
  cycle: Cycle,
  deal: Deal,
  n: number,
  interval: number,
  termStartMs: number,
  consents: StandingConsents,
): Contract {
  const { config } = ctx;
  const user = deal.buyer;
  const acceptances = consents.atWriting(deal.seller, user, cycle.gridEnterprise, termStartMs);
  return {
    contractId: `${cycle.cycleId}/${n}`,
    cycleId: cycle.cycleId,
    deal: n,
    mode: deal.mode,
    generator: deal.seller,
    user,
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
    acceptances,
    status: statusOf(acceptances),
    // The acceptances say how; a reason string on every contract would only grow the lists.
    statusReason: '',
  };
}

function gridPurchaseFallback(
  ctx: HandlerContext,
  cycle: Cycle,
  deal: Deal,
  n: number,
  interval: number,
  termStartMs: number,
  consents: StandingConsents,
): Contract {
  const { config } = ctx;
  const user = cycle.gridEnterprise;
  const acceptances = consents.atWriting(deal.seller, user, cycle.gridEnterprise, termStartMs);
  return {
    contractId: `${cycle.cycleId}/${n}`,
    cycleId: cycle.cycleId,
    deal: n,
    mode: 'gridPurchase',
    generator: deal.seller,
    user,
    gridEnterprise: cycle.gridEnterprise,
    interval,
    termStartMs,
    termEndMs: termStartMs + cycle.intervalMs,
    energyWh: deal.energyWh,
    pricePerKwh: config.benchmarkPricePerKwh,
    crossingFeePerKwh: 0,
    subsidyPerKwh: config.subsidyPerKwh,
    breachLiabilityBps: config.breachLiabilityBps,
    toleranceBps: config.toleranceBps,
    penaltyPerKwh: config.penaltyPerKwh,
    adjustmentReason: 'CHECK_MISSED: grid purchase at the benchmark price',
    acceptances,
    status: statusOf(acceptances),
    // The acceptances say how; a reason string on every contract would only grow the lists.
    statusReason: '',
  };
}
