import type { StoredBlock } from '../ledger/store.js';
import { type AuditedCycle, cycleAt, storeAuditChain } from '../node/credit-audit.js';
import { CreditWatch } from '../node/credit-watch.js';
import { committeeOf } from '../node/genesis-file.js';
import { readSuspension } from '../roles/evidence-application.js';
import type { ApiNode } from './interface.js';

/** The data of a `credit` event: one audited cycle, per validator. */
export interface CreditEvent {
  readonly cycle: number;
  /** False when the cycle ordered no new round: scores are null and credit did not move. */
  readonly scored: boolean;
  readonly nodes: readonly {
    readonly index: number;
    readonly credit: number;
    readonly cycleScore: number | null;
    readonly suspended: boolean;
  }[];
}

/**
 * The node's credit watch, reporting each cycle it audits to `onAudited`; null on a PBFT chain,
 * which has no credit: its blocks carry commit certificates, not the DAG vertices credit scores.
 */
export function creditWatchOf(
  node: Pick<ApiNode, 'genesis'>,
  onAudited: (cycle: AuditedCycle) => void,
): CreditWatch | null {
  const { genesis } = node;
  // A chain whose committee hands over is scored per epoch by its elections (epoch-roles.ts): the
  // cycle audit reads committee indices as the genesis committee's.
  if (genesis.consensus === 'pbft' || genesis.handover !== undefined) return null;
  return new CreditWatch(committeeOf(genesis), genesis, onAudited);
}

/**
 * A cycle's `credit` event: the figures `GET /api/v1/roles` shows while the cycle is the last one
 * audited. Several cycles may be audited before anyone asks, so each is told as it stood then:
 * running credit through the cycle, and suspended when the cycles audited so far prove an
 * equivocation or the state holds a suspension recorded no later than the cycle's last block.
 */
export function creditEvent(audited: AuditedCycle, node: Pick<ApiNode, 'genesis' | 'store'>): CreditEvent {
  const state = { get: (key: Uint8Array) => node.store.getState(key) };
  const { audit } = audited;
  return {
    cycle: audit.cycle,
    scored: audit.scored,
    nodes: node.genesis.validators.map((v) => {
      const suspension = readSuspension(state, v.index);
      return {
        index: v.index,
        credit: audited.credit[v.index]!,
        cycleScore: audit.scored ? (audit.scores[v.index] ?? 0) : null,
        suspended:
          audited.suspended.includes(v.index) ||
          (suspension !== undefined && suspension.height <= audit.toHeight),
      };
    }),
  };
}

/**
 * Audits credit as the chain grows, so that `credit` events flow without anyone asking
 * `GET /api/v1/roles`: a block of a later cycle than the next one to audit means that cycle is
 * closed, and starts a look in the background. The block listener only compares two numbers; the
 * watch runs one look at a time, and a look that fails is tried again on a later block. Returns
 * the function that stops following.
 */
export function followCredit(node: Pick<ApiNode, 'store' | 'on' | 'off'>, watch: CreditWatch): () => void {
  const chain = () => storeAuditChain(node.store, true);
  let newest = Number.NEGATIVE_INFINITY;
  let running = false;
  let following = true;
  const catchUp = (): void => {
    if (!following || running || newest <= watch.ledger.auditedCycles) return;
    running = true;
    const before = watch.ledger.auditedCycles;
    void watch.catchUp(chain).then(({ failed }) => {
      running = false;
      // A look audits a bounded number of cycles, and blocks that came while it ran may have closed
      // more: go on while looks get further. A look that failed waits for the next block instead
      // of trying again at once.
      if (failed === null && watch.ledger.auditedCycles > before) catchUp();
    });
  };
  const onBlock = (block: StoredBlock) => {
    newest = Math.max(newest, cycleAt(watch.clock, block.header.timestampMs));
    catchUp();
  };
  node.on('block', onBlock);
  return () => {
    following = false;
    node.off('block', onBlock);
  };
}
