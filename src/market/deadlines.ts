import { isGridShardError } from '../errors.js';
import { StateOverlay } from '../ledger/overlay.js';
import type { KeyValueState } from '../ledger/state-interface.js';
import type { ExecutionContext } from './actions.js';
import { advanceDue } from './advance.js';
import type { DueStep } from './cycle-clock.js';
import { pluginsFromConfig } from './executor.js';
import type { HandlerContext, MarketPlugins } from './handler-context.js';
import { MarketStore } from './store.js';

/** At most this many cycles move by deadline in one block; the rest stay due for the next. */
export const MAX_DUE_CYCLES_PER_BLOCK = 16;
/** A cycle whose due step failed is tried again this long after, so it cannot starve the rest. */
export const DEADLINE_RETRY_MS = 60_000;

/**
 * Steps performed by rule are signed by nobody. No member holds the all-zero key (it is not a
 * usable Ed25519 key), and the deadline steps never read the sender.
 */
const RULE_SENDER = new Uint8Array(32);

export type DeadlineOutcome =
  | { readonly cycleId: string; readonly steps: DueStep[] }
  | { readonly cycleId: string; readonly failed: string };

/**
 * The market's begin-block work: every cycle whose deadline has passed at this block's time moves
 * exactly as an `advanceCycle` transaction would move it (`advanceDue`). Due cycles come from the
 * deadline index, earliest first, at most MAX_DUE_CYCLES_PER_BLOCK of them; a block with nothing
 * due reads one record. Each cycle runs in its own overlay: one whose step throws keeps its state,
 * is filed DEADLINE_RETRY_MS later and the others still move.
 */
export function runDueDeadlines(
  state: KeyValueState,
  context: ExecutionContext,
  /** The grid answers, or how to get them: only asked for when a cycle is due. */
  plugins?: MarketPlugins | (() => MarketPlugins | undefined),
): DeadlineOutcome[] {
  const store = new MarketStore(state);
  const earliest = store.earliestDeadlineMs();
  if (earliest === undefined || context.blockTimeMs < earliest) return [];
  const config = store.config();
  if (config === undefined) return [];
  const resolved = (typeof plugins === 'function' ? plugins() : plugins) ?? pluginsFromConfig(config);
  const due = store
    .deadlines()
    .filter((entry) => entry.atMs <= context.blockTimeMs)
    .slice(0, MAX_DUE_CYCLES_PER_BLOCK);
  const outcomes: DeadlineOutcome[] = [];
  for (const { cycleId } of due) {
    const overlay = new StateOverlay(state);
    const ctx: HandlerContext = {
      store: new MarketStore(overlay),
      sender: RULE_SENDER,
      context,
      config,
      plugins: resolved,
    };
    try {
      const cycle = ctx.store.cycle(cycleId);
      if (cycle === undefined) {
        ctx.store.setDeadline(cycleId, null);
      } else {
        const steps = advanceDue(ctx, cycle);
        // Nothing due (a retry filed early): file the cycle again under its real deadline.
        if (steps.length === 0) ctx.store.indexDeadline(cycle);
        else outcomes.push({ cycleId, steps });
      }
      overlay.commitTo();
    } catch (error) {
      store.setDeadline(cycleId, context.blockTimeMs + DEADLINE_RETRY_MS);
      outcomes.push({ cycleId, failed: isGridShardError(error) ? error.code : 'INTERNAL_ERROR' });
    }
  }
  return outcomes;
}
