import { toHex } from '../crypto/index.js';
import type { MarketAction } from './actions.js';
import { checkDeadlineMs, moveCycle } from './cycle-clock.js';
import { MarketError } from './errors.js';
import { type ActionDetail, type HandlerContext, requireCycle, requireMember } from './handler-context.js';
import type { Cycle } from './records.js';

type Of<T extends MarketAction['type']> = Extract<MarketAction, { type: T }>;

/** A day-ahead market uses 24 hourly or 96 quarter-hour intervals; demos use short ones. */
export const MAX_INTERVALS = 96;

export function openCycle(ctx: HandlerContext, action: Of<'openCycle'>): ActionDetail {
  requireMember(ctx, ['tradingCenter']);
  if (ctx.store.cycle(action.cycleId) !== undefined) {
    throw new MarketError('DUPLICATE', `cycle "${action.cycleId}" already exists`, {
      cycleId: action.cycleId,
    });
  }
  if (action.intervals < 1 || action.intervals > MAX_INTERVALS) {
    throw new MarketError('BAD_ACTION', `a cycle has 1 to ${MAX_INTERVALS} intervals`, {
      field: 'intervals',
    });
  }
  if (action.intervalMs < 1000) {
    throw new MarketError('BAD_ACTION', 'an interval lasts at least one second', { field: 'intervalMs' });
  }
  if (action.gateClosureMs <= ctx.context.blockTimeMs || action.gateClosureMs > action.deliveryStartMs) {
    throw new MarketError('BAD_ACTION', 'gate closure must lie after this block and before delivery', {
      field: 'gateClosureMs',
    });
  }
  requireMember(ctx, ['gridEnterprise'], action.gridEnterprise);
  ctx.store.setCycle({
    cycleId: action.cycleId,
    state: 'open',
    round: 0,
    intervals: action.intervals,
    intervalMs: action.intervalMs,
    deliveryStartMs: action.deliveryStartMs,
    gateClosureMs: action.gateClosureMs,
    gridEnterprise: action.gridEnterprise,
    openedAtHeight: ctx.context.height,
    stateSinceMs: ctx.context.blockTimeMs,
    reasonCode: 'CYCLE_OPENED',
    reason: '',
  });
  ctx.store.addTransition(action.cycleId, {
    from: 'open',
    to: 'open',
    round: 0,
    atMs: ctx.context.blockTimeMs,
    height: ctx.context.height,
    code: 'CYCLE_OPENED',
    reason: '',
  });
  return { cycleId: action.cycleId, state: 'open', round: 0 };
}

/** Gate closure: no quotation may change after it; sealed quotations may now be revealed. */
export function closeGate(ctx: HandlerContext, action: Of<'closeGate'>): ActionDetail {
  requireMember(ctx, ['tradingCenter']);
  const cycle = requireCycle(ctx, action.cycleId, ['open']);
  if (ctx.context.blockTimeMs < cycle.gateClosureMs) {
    throw new MarketError('GATE_NOT_CLOSED', `gate closes at ${cycle.gateClosureMs}, block time is earlier`, {
      cycleId: cycle.cycleId,
      gateClosureMs: cycle.gateClosureMs,
    });
  }
  return closeGateNow(ctx, cycle, 'GATE_CLOSED', 'closed by the trading center');
}

/** Gate closure itself, by the trading center or, past its grace, by rule. */
export function closeGateNow(ctx: HandlerContext, cycle: Cycle, code: string, reason: string): ActionDetail {
  moveCycle(ctx, cycle, 'closed', code, reason);
  return { cycleId: cycle.cycleId, state: 'closed', round: cycle.round };
}

/**
 * A resubmission round: quantity left unmatched may be quoted again within the same cycle. The
 * rules let unmatched parties resubmit until matched or the gate closes; the configured count is
 * only a safety cap, and a round must open before the check deadline.
 */
export function openRound(ctx: HandlerContext, action: Of<'openRound'>): ActionDetail {
  requireMember(ctx, ['tradingCenter']);
  const cycle = requireCycle(ctx, action.cycleId, ['matched']);
  if (cycle.round >= ctx.config.resubmissionRounds) {
    throw new MarketError(
      'WRONG_CYCLE_STATE',
      `the market allows ${ctx.config.resubmissionRounds} resubmission round(s)`,
      {
        cycleId: cycle.cycleId,
        round: cycle.round,
      },
    );
  }
  const deadline = checkDeadlineMs(cycle, ctx.config);
  if (ctx.context.blockTimeMs >= deadline) {
    throw new MarketError('DEADLINE_PASSED', `the matched schedule's deadline passed at ${deadline}`, {
      cycleId: cycle.cycleId,
      deadlineMs: deadline,
    });
  }
  if (action.gateClosureMs <= ctx.context.blockTimeMs || action.gateClosureMs > cycle.deliveryStartMs) {
    throw new MarketError('BAD_ACTION', 'gate closure must lie after this block and before delivery', {
      field: 'gateClosureMs',
    });
  }
  const round = cycle.round + 1;
  moveCycle(ctx, cycle, 'open', 'ROUND_OPENED', `resubmission round ${round}`, {
    round,
    gateClosureMs: action.gateClosureMs,
  });
  return { cycleId: cycle.cycleId, state: 'open', round, gridEnterprise: toHex(cycle.gridEnterprise) };
}
