import type { HandlerContext } from './handler-context.js';
import type { Cycle, CycleState, MarketConfig } from './records.js';

/**
 * The cycle's deadlines, all computed from block time anchors stored on chain (gate closure,
 * the block time at which the cycle entered its state, delivery) and the genesis parameters.
 * Past a state's deadline any approved member's `advanceCycle` applies the rule below; no
 * clock is read, so every node reaches the same state at the same block.
 */
export type DueStep = 'closeGate' | 'match' | 'missedCheck' | 'contract' | 'settle';

export function deliveryEndMs(cycle: Cycle): number {
  return cycle.deliveryStartMs + cycle.intervals * cycle.intervalMs;
}

/** Reveals are accepted while block time is below this. */
export function revealDeadlineMs(cycle: Cycle, config: MarketConfig): number {
  return cycle.gateClosureMs + config.revealWindowMs;
}

/** The security check (and a new round) is accepted while block time is below this. */
export function checkDeadlineMs(cycle: Cycle, config: MarketConfig): number {
  return cycle.stateSinceMs + config.checkWindowMs;
}

/** The step a state's deadline triggers and when; none for the final states. */
export function nextDeadline(cycle: Cycle, config: MarketConfig): { atMs: number; step: DueStep } | null {
  switch (cycle.state) {
    case 'open':
      return { atMs: cycle.gateClosureMs + config.stepGraceMs, step: 'closeGate' };
    case 'closed':
      return { atMs: revealDeadlineMs(cycle, config) + config.stepGraceMs, step: 'match' };
    case 'matched':
      return { atMs: checkDeadlineMs(cycle, config), step: 'missedCheck' };
    case 'checked':
      return { atMs: cycle.stateSinceMs + config.stepGraceMs, step: 'contract' };
    case 'contracted':
      return { atMs: deliveryEndMs(cycle) + config.meterWindowMs, step: 'settle' };
    case 'settled':
    case 'cancelled':
      return null;
  }
}

/**
 * Moves a cycle to its next state: the state's clock restarts at this block and the transition
 * is appended to the cycle's log with its reason code.
 */
export function moveCycle(
  ctx: HandlerContext,
  cycle: Cycle,
  to: CycleState,
  code: string,
  reason: string,
  changes: Partial<Pick<Cycle, 'round' | 'gateClosureMs'>> = {},
): Cycle {
  const next: Cycle = {
    ...cycle,
    ...changes,
    state: to,
    stateSinceMs: ctx.context.blockTimeMs,
    reasonCode: code,
    reason: reason.slice(0, 200),
  };
  ctx.store.setCycle(next);
  ctx.store.addTransition(cycle.cycleId, {
    from: cycle.state,
    to,
    round: next.round,
    atMs: ctx.context.blockTimeMs,
    height: ctx.context.height,
    code,
    reason: reason.slice(0, 200),
  });
  return next;
}
