import type { MarketAction } from './actions.js';
import { contractNow, missedCheck } from './contracts.js';
import { type DueStep, nextDeadline } from './cycle-clock.js';
import { closeGateNow } from './cycles.js';
import { MarketError } from './errors.js';
import { type ActionDetail, type HandlerContext, requireCycle, requireMember } from './handler-context.js';
import { matchNow } from './matching.js';
import { CYCLE_STATES, type Cycle, ROLES } from './records.js';
import { settleNow } from './settlement.js';

type Of<T extends MarketAction['type']> = Extract<MarketAction, { type: T }>;

/** A cycle passes through at most this many deadlines in one transaction or block. */
const MAX_STEPS = 8;

/**
 * Any approved member may push a cycle past a deadline that has passed in block time: the step
 * that was due is performed by the genesis rule (close the gate, match with what was revealed,
 * fall back from a missed security check, write the contracts, settle with missing readings
 * counted as the contract). The sender chooses nothing, so who sends it does not matter; the
 * transaction is refused (NOT_DUE, nothing written) when no deadline has passed. On a ledger the
 * begin-block hook has already performed every due step before the block's transactions run, so
 * there this transaction is refused as NOT_DUE unless the hook's per-block bound left it due.
 */
export function advanceCycle(ctx: HandlerContext, action: Of<'advanceCycle'>): ActionDetail {
  requireMember(ctx, ROLES);
  const steps = advanceDue(ctx, requireCycle(ctx, action.cycleId, CYCLE_STATES));
  const cycle = ctx.store.cycle(action.cycleId)!;
  if (steps.length === 0) {
    const due = nextDeadline(cycle, ctx.config);
    throw new MarketError(
      'NOT_DUE',
      due === null ? `cycle "${cycle.cycleId}" is ${cycle.state}` : `nothing is due before ${due.atMs}`,
      { cycleId: cycle.cycleId, state: cycle.state, dueAtMs: due?.atMs ?? null },
    );
  }
  return { cycleId: cycle.cycleId, state: cycle.state, steps };
}

/**
 * Performs every step of the cycle whose deadline has passed at this block's time, in order, and
 * returns them (none when nothing is due). The transaction above and the begin-block hook
 * (src/market/deadlines.ts) both come here, so the rules exist once.
 */
export function advanceDue(ctx: HandlerContext, start: Cycle): DueStep[] {
  let cycle = start;
  const steps: DueStep[] = [];
  for (let i = 0; i < MAX_STEPS; i++) {
    const due = nextDeadline(cycle, ctx.config);
    if (due === null || ctx.context.blockTimeMs < due.atMs) break;
    const late = `deadline ${due.atMs} passed`;
    switch (due.step) {
      case 'closeGate':
        closeGateNow(
          ctx,
          cycle,
          'GATE_CLOSED_BY_DEADLINE',
          `${late}: the trading center did not close the gate`,
        );
        break;
      case 'match':
        matchNow(ctx, cycle, 'MATCHED_BY_DEADLINE', `${late}: the trading center did not match`);
        break;
      case 'missedCheck':
        missedCheck(ctx, cycle);
        break;
      case 'contract':
        contractNow(
          ctx,
          cycle,
          'CONTRACTED_BY_DEADLINE',
          `${late}: the trading center did not write the contracts`,
        );
        break;
      case 'settle':
        settleNow(ctx, cycle, 'SETTLED_BY_DEADLINE', `${late}: missing readings count as the contract`);
        break;
    }
    steps.push(due.step);
    cycle = ctx.store.cycle(cycle.cycleId)!;
  }
  return steps;
}
