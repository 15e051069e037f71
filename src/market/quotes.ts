import { bytesEqual, toHex } from '../crypto/index.js';
import type { MarketAction } from './actions.js';
import { quoteCommitment } from './commitment.js';
import { revealDeadlineMs } from './cycle-clock.js';
import { MarketError } from './errors.js';
import {
  type ActionDetail,
  type HandlerContext,
  intervalCapacityWh,
  requireCycle,
  requireMember,
} from './handler-context.js';
import type { Cycle, Member, Quotation, QuoteEntry } from './records.js';

type Of<T extends MarketAction['type']> = Extract<MarketAction, { type: T }>;

function bad(message: string, field: string): MarketError {
  return new MarketError('BAD_ACTION', message, { field });
}

/** Quotations change only while the cycle is open and its gate has not closed. */
function requireBeforeGate(ctx: HandlerContext, cycleId: string): Cycle {
  const cycle = requireCycle(ctx, cycleId, ['open']);
  if (ctx.context.blockTimeMs >= cycle.gateClosureMs) {
    throw new MarketError('GATE_CLOSED', `gate of cycle "${cycleId}" closed at ${cycle.gateClosureMs}`, {
      cycleId,
      gateClosureMs: cycle.gateClosureMs,
    });
  }
  return cycle;
}

function requireSealed(ctx: HandlerContext, sealed: boolean): void {
  if (ctx.config.sealedBids !== sealed) {
    throw new MarketError(
      'SEALED_MARKET',
      sealed
        ? 'this market takes open quotations, not commitments'
        : 'this market takes sealed quotations only',
      { sealedBids: ctx.config.sealedBids },
    );
  }
}

function energyByInterval(quote: Quotation): Map<number, number> {
  const out = new Map<number, number>();
  for (const curve of quote.curves) {
    out.set(
      curve.interval,
      curve.steps.reduce((sum, step) => sum + step.energyWh, 0),
    );
  }
  return out;
}

/**
 * Checks a quotation's shape, prices and volume. Volume per interval, together with what the
 * member already quoted this round and what earlier rounds matched, must stay within the
 * approved capacity (generators, per project) or the declared maximum load (users).
 */
function validateQuote(ctx: HandlerContext, cycle: Cycle, member: Member, quote: Quotation): void {
  const expectedSide = member.role === 'generator' ? 'sell' : 'buy';
  if (quote.side !== expectedSide) throw bad(`a ${member.role} quotes on the ${expectedSide} side`, 'side');
  if (quote.side === 'buy' && quote.mode !== 'direct') throw bad('bids trade in direct mode only', 'mode');
  if (quote.side === 'sell' && (member.approvedKw[quote.project] ?? 0) === 0) {
    throw bad(`project ${quote.project} is not an approved project of this member`, 'project');
  }
  if (quote.side === 'buy' && quote.project !== 0) throw bad('bids name project 0', 'project');
  if (quote.curves.length === 0) throw bad('a quotation has at least one interval curve', 'curves');
  const seen = new Set<number>();
  for (const curve of quote.curves) {
    if (curve.interval >= cycle.intervals)
      throw bad(`interval ${curve.interval} is outside the cycle`, 'interval');
    if (seen.has(curve.interval)) throw bad(`interval ${curve.interval} appears twice`, 'interval');
    seen.add(curve.interval);
    if (curve.steps.length === 0) throw bad(`interval ${curve.interval} has no steps`, 'steps');
    for (const step of curve.steps) {
      if (step.energyWh === 0) throw bad('every step has a positive energyWh', 'energyWh');
      if (quote.mode !== 'direct') {
        if (step.pricePerKwh !== 0)
          throw bad(`${quote.mode} sales take the set price; quote price 0`, 'pricePerKwh');
      } else if (
        step.pricePerKwh < ctx.config.priceFloorPerKwh ||
        step.pricePerKwh > ctx.config.priceCapPerKwh
      ) {
        throw new MarketError(
          'PRICE_OUT_OF_RANGE',
          `price ${step.pricePerKwh} outside ${ctx.config.priceFloorPerKwh}..${ctx.config.priceCapPerKwh} per kWh`,
          { field: 'pricePerKwh', price: step.pricePerKwh },
        );
      }
    }
  }
  const powerKw = member.role === 'generator' ? member.approvedKw[quote.project]! : member.maxLoadKw;
  const capacityWh = intervalCapacityWh(powerKw, cycle.intervalMs);
  const matched = ctx.store.matchedWh(cycle.cycleId, ctx.sender, quote.project);
  const quoted = ctx.store.quotedWh(cycle.cycleId, cycle.round, ctx.sender, quote.project);
  for (const [interval, energyWh] of energyByInterval(quote)) {
    const already = (matched[interval] ?? 0) + (quoted[interval] ?? 0);
    if (already + energyWh > capacityWh) {
      throw new MarketError(
        'CAPACITY_EXCEEDED',
        `interval ${interval}: ${already + energyWh} Wh exceeds the ${capacityWh} Wh that ${powerKw} kW allows`,
        { interval, energyWh: already + energyWh, capacityWh },
      );
    }
  }
}

/** Adds (sign 1) or removes (sign -1) a quotation's volume from the round's quoted totals. */
function countQuoted(ctx: HandlerContext, cycle: Cycle, quote: Quotation, sign: 1 | -1): void {
  const quoted = ctx.store.quotedWh(cycle.cycleId, cycle.round, ctx.sender, quote.project);
  const byInterval = Array.from({ length: cycle.intervals }, (_, i) => quoted[i] ?? 0);
  for (const [interval, energyWh] of energyByInterval(quote)) byInterval[interval]! += sign * energyWh;
  ctx.store.setQuotedWh(cycle.cycleId, cycle.round, ctx.sender, quote.project, byInterval);
}

function requireNewQuote(ctx: HandlerContext, cycleId: string, quoteId: string): void {
  if (ctx.store.quote(cycleId, ctx.sender, quoteId) !== undefined) {
    throw new MarketError('DUPLICATE', `quote "${quoteId}" already exists in cycle "${cycleId}"`, {
      quoteId,
    });
  }
}

function requireCurrentQuote(ctx: HandlerContext, cycle: Cycle, quoteId: string): QuoteEntry {
  const entry = ctx.store.quote(cycle.cycleId, ctx.sender, quoteId);
  if (entry === undefined || entry.withdrawn || entry.round !== cycle.round) {
    throw new MarketError('NOT_FOUND', `no live quote "${quoteId}" in this round`, { quoteId });
  }
  return entry;
}

const TRADERS = ['generator', 'user'] as const;

export function commitQuote(ctx: HandlerContext, action: Of<'commitQuote'>): ActionDetail {
  requireSealed(ctx, true);
  requireMember(ctx, TRADERS);
  const cycle = requireBeforeGate(ctx, action.cycleId);
  requireNewQuote(ctx, action.cycleId, action.quoteId);
  ctx.store.setQuote(action.cycleId, ctx.sender, action.quoteId, {
    round: cycle.round,
    commitment: action.commitment,
    quote: null,
    withdrawn: false,
  });
  ctx.store.listQuote(action.cycleId, cycle.round, ctx.sender, action.quoteId);
  return { quoteId: action.quoteId, sealed: true };
}

export function submitQuote(ctx: HandlerContext, action: Of<'submitQuote'>): ActionDetail {
  requireSealed(ctx, false);
  const member = requireMember(ctx, TRADERS);
  const cycle = requireBeforeGate(ctx, action.cycleId);
  requireNewQuote(ctx, action.cycleId, action.quoteId);
  validateQuote(ctx, cycle, member, action.quote);
  countQuoted(ctx, cycle, action.quote, 1);
  ctx.store.setQuote(action.cycleId, ctx.sender, action.quoteId, {
    round: cycle.round,
    commitment: null,
    quote: action.quote,
    withdrawn: false,
  });
  ctx.store.listQuote(action.cycleId, cycle.round, ctx.sender, action.quoteId);
  return { quoteId: action.quoteId, sealed: false };
}

/** Amendment keeps the quote's place in arrival order; only its content changes. */
export function amendQuote(ctx: HandlerContext, action: Of<'amendQuote'>): ActionDetail {
  const member = requireMember(ctx, TRADERS);
  const cycle = requireBeforeGate(ctx, action.cycleId);
  const entry = requireCurrentQuote(ctx, cycle, action.quoteId);
  if (ctx.config.sealedBids) {
    if (action.commitment === null || action.quote !== null) {
      throw bad('a sealed market amends with a new commitment only', 'commitment');
    }
    ctx.store.setQuote(action.cycleId, ctx.sender, action.quoteId, {
      ...entry,
      commitment: action.commitment,
    });
  } else {
    if (action.quote === null || action.commitment !== null) {
      throw bad('an open market amends with a new quotation only', 'quote');
    }
    countQuoted(ctx, cycle, entry.quote!, -1);
    validateQuote(ctx, cycle, member, action.quote);
    countQuoted(ctx, cycle, action.quote, 1);
    ctx.store.setQuote(action.cycleId, ctx.sender, action.quoteId, { ...entry, quote: action.quote });
  }
  return { quoteId: action.quoteId, amended: true };
}

export function withdrawQuote(ctx: HandlerContext, action: Of<'withdrawQuote'>): ActionDetail {
  requireMember(ctx, TRADERS);
  const cycle = requireBeforeGate(ctx, action.cycleId);
  const entry = requireCurrentQuote(ctx, cycle, action.quoteId);
  if (entry.quote !== null) countQuoted(ctx, cycle, entry.quote, -1);
  ctx.store.setQuote(action.cycleId, ctx.sender, action.quoteId, { ...entry, withdrawn: true });
  return { quoteId: action.quoteId, withdrawn: true };
}

/**
 * After gate closure and before the reveal deadline: the quotation and salt must reproduce the
 * stored commitment exactly. A commitment not revealed in time lapses and does not trade.
 */
export function revealQuote(ctx: HandlerContext, action: Of<'revealQuote'>): ActionDetail {
  requireSealed(ctx, true);
  const member = requireMember(ctx, TRADERS);
  const cycle = requireCycle(ctx, action.cycleId, ['closed']);
  const deadline = revealDeadlineMs(cycle, ctx.config);
  if (ctx.context.blockTimeMs >= deadline) {
    throw new MarketError('DEADLINE_PASSED', `reveals of this round closed at ${deadline}`, {
      cycleId: cycle.cycleId,
      deadlineMs: deadline,
    });
  }
  const entry = requireCurrentQuote(ctx, cycle, action.quoteId);
  if (entry.quote !== null)
    throw new MarketError('DUPLICATE', 'quote already revealed', { quoteId: action.quoteId });
  const expected = quoteCommitment(ctx.sender, action.cycleId, action.quoteId, action.quote, action.salt);
  if (!bytesEqual(expected, entry.commitment!)) {
    throw new MarketError(
      'COMMITMENT_MISMATCH',
      `reveal of "${action.quoteId}" does not match its commitment`,
      {
        quoteId: action.quoteId,
        member: toHex(ctx.sender),
      },
    );
  }
  validateQuote(ctx, cycle, member, action.quote);
  countQuoted(ctx, cycle, action.quote, 1);
  ctx.store.setQuote(action.cycleId, ctx.sender, action.quoteId, { ...entry, quote: action.quote });
  return { quoteId: action.quoteId, revealed: true };
}
