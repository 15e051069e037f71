import type { Committee } from '../consensus/interface.js';
import { type AuditChain, CreditLedger, type CycleAudit, type CycleClock } from './credit-audit.js';
import type { GenesisFile } from './genesis-file.js';

/** A chain without a cycle clock (one not part of a sharded system) scores credit per minute. */
export const DEFAULT_CREDIT_CYCLE_MS = 60_000;
/** Cycles one look may audit: a request that finds many closed cycles answers soon and catches up later. */
const CYCLES_PER_LOOK = 8;

/** The cycle clock credit is scored by: the sharded system's cycles, else one a minute from genesis. */
export function creditClockOf(genesis: Pick<GenesisFile, 'genesisTimeMs' | 'sharding'>): CycleClock {
  return {
    genesisTimeMs: genesis.genesisTimeMs,
    cycleMs: genesis.sharding?.cycleMs ?? DEFAULT_CREDIT_CYCLE_MS,
  };
}

/**
 * A node's running view of its committee's credit: audits each closed cycle once, from the node's
 * own chain, and answers with what it has audited. Looks are serialised, so two requests never
 * audit one cycle twice.
 */
export class CreditWatch {
  readonly ledger: CreditLedger;
  private looking: Promise<CycleAudit | null> = Promise.resolve(null);

  constructor(
    readonly committee: Committee,
    readonly clock: CycleClock,
  ) {
    this.ledger = new CreditLedger(committee, clock);
  }

  look(chain: () => AuditChain): Promise<CycleAudit | null> {
    this.looking = this.looking.then(
      () => this.ledger.update(chain(), CYCLES_PER_LOOK),
      () => this.ledger.update(chain(), CYCLES_PER_LOOK),
    );
    return this.looking;
  }
}
