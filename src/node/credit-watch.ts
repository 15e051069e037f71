import type { Committee } from '../consensus/interface.js';
import {
  type AuditChain,
  type AuditedCycle,
  CreditLedger,
  type CycleAudit,
  type CycleClock,
} from './credit-audit.js';
import { type CreditRules, creditRulesOf } from './genesis-credit.js';
import type { GenesisFile } from './genesis-file.js';

/** Cycles one look may audit: a request that finds many closed cycles answers soon and catches up later. */
const CYCLES_PER_LOOK = 8;
/** How long a request waits for a look before it answers with what is audited so far. */
const LOOK_WAIT_MS = 2_000;

/**
 * A node's running view of its committee's credit: audits each closed cycle once, from the node's
 * own chain, and answers with what it has audited. One look runs at a time, so two requests never
 * audit one cycle twice; a look that fails (a block missing from the store) is tried again by the
 * next one. Looks start from requests and, on a node that follows its chain, from new blocks
 * (`catchUp`); `onAudited` hears of every cycle audited, whoever started the look.
 */
export class CreditWatch {
  readonly ledger: CreditLedger;
  private pending: Promise<{ failed: unknown }> | null = null;

  readonly clock: CycleClock;
  readonly rules: CreditRules;

  constructor(
    readonly committee: Committee,
    genesis: Pick<GenesisFile, 'genesisTimeMs' | 'sharding' | 'credit'>,
    private readonly onAudited?: (cycle: AuditedCycle) => void,
  ) {
    this.rules = creditRulesOf(genesis.credit, genesis.sharding?.cycleMs);
    this.clock = { genesisTimeMs: genesis.genesisTimeMs, cycleMs: this.rules.cycleMs };
    this.ledger = new CreditLedger(committee, this.clock, this.rules.weights, this.rules.carry);
  }

  /**
   * Audits what closed since the last look, and waits for it at most `waitMs`: a request answers
   * with what is audited by then, and the look goes on in the background for the next one.
   */
  async look(chain: () => AuditChain, waitMs = LOOK_WAIT_MS): Promise<CycleAudit | null> {
    const running = this.catchUp(chain);
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), waitMs);
      timer.unref?.();
    });
    try {
      const outcome = await Promise.race([running, waited]);
      if (outcome !== null && outcome.failed !== null) throw outcome.failed;
    } finally {
      clearTimeout(timer);
    }
    return this.ledger.last;
  }

  /**
   * Starts a look unless one is running, and gives the running one. It settles once the look ends
   * and never rejects: a look that fails while nobody waits must not go unhandled.
   */
  catchUp(chain: () => AuditChain): Promise<{ failed: unknown }> {
    // Async, so that a chain view that cannot be taken fails the look instead of the caller.
    const run = async () => this.ledger.update(chain(), CYCLES_PER_LOOK, this.onAudited);
    this.pending ??= run().then(
      () => {
        this.pending = null;
        return { failed: null };
      },
      (error: unknown) => {
        this.pending = null;
        return { failed: error };
      },
    );
    return this.pending;
  }
}
