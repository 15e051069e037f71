import type { Committee } from '../consensus/interface.js';
import { type AuditChain, CreditLedger, type CycleAudit, type CycleClock } from './credit-audit.js';
import { type CreditRules, creditRulesOf } from './genesis-credit.js';
import type { GenesisFile } from './genesis-file.js';

/** Cycles one look may audit: a request that finds many closed cycles answers soon and catches up later. */
const CYCLES_PER_LOOK = 8;

/**
 * A node's running view of its committee's credit: audits each closed cycle once, from the node's
 * own chain, and answers with what it has audited. Looks are serialised, so two requests never
 * audit one cycle twice.
 */
export class CreditWatch {
  readonly ledger: CreditLedger;
  private looking: Promise<CycleAudit | null> = Promise.resolve(null);

  readonly clock: CycleClock;
  readonly rules: CreditRules;

  constructor(
    readonly committee: Committee,
    genesis: Pick<GenesisFile, 'genesisTimeMs' | 'sharding' | 'credit'>,
  ) {
    this.rules = creditRulesOf(genesis.credit, genesis.sharding?.cycleMs);
    this.clock = { genesisTimeMs: genesis.genesisTimeMs, cycleMs: this.rules.cycleMs };
    this.ledger = new CreditLedger(committee, this.clock, this.rules.weights, this.rules.carry);
  }

  look(chain: () => AuditChain): Promise<CycleAudit | null> {
    this.looking = this.looking.then(
      () => this.ledger.update(chain(), CYCLES_PER_LOOK),
      () => this.ledger.update(chain(), CYCLES_PER_LOOK),
    );
    return this.looking;
  }
}
