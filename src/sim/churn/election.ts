import type { ExecutedBlock } from '../../ledger/chain-state.js';
import { CREDIT_SCALE, carryCredit } from '../../sharding/credit.js';
import { type Election, electRoles } from '../../sharding/credit-election.js';
import { decodeBlockEvidence } from '../../validator/evidence.js';

/**
 * The churn simulator's election, a pure function of the chain: each member's score for an epoch
 * is its share of the ordered vertices, against the member that had the most (a member whose
 * vertices were never ordered scores 0); an epoch that ordered nothing yet says nothing of anyone
 * and scores nobody (as the node's audit leaves a cycle without rounds unscored). Running credit moves toward it as the node's credit does
 * (`carryCredit`), and `electRoles` replaces the worst member by the best standby when the
 * standby's credit is higher. Every honest member computes it from the same blocks, so they vote
 * for the same committee. (The node's own audit scores more: acknowledgements, coin shares and
 * missed rounds, docs/ROLES.md; vertex counts are enough to tell a silent or slow member.)
 */
export function epochScores(
  blocks: readonly ExecutedBlock[],
  members: readonly number[],
): Map<number, number> {
  const ordered = members.map(() => 0);
  for (const block of blocks) {
    if (block.header.evidence.length === 0) continue;
    for (const batch of decodeBlockEvidence(block.header.evidence).batches) {
      if (batch.proposer < ordered.length) ordered[batch.proposer]!++;
    }
  }
  const best = Math.max(...ordered);
  if (best === 0) return new Map();
  return new Map(members.map((node, i) => [node, Math.floor((ordered[i]! * CREDIT_SCALE) / best)]));
}

export interface ChurnElection {
  readonly credit: Map<number, number>;
  readonly election: Election;
}

/** The next committee (node ids by committee index) from the epoch's blocks and the credit before it. */
export function electNext(
  previousCredit: ReadonlyMap<number, number>,
  blocks: readonly ExecutedBlock[],
  members: readonly number[],
  nodes: number,
  /** Nodes the chain suspended for equivocation: score 0, out of every role. */
  suspended: ReadonlySet<number> = new Set(),
): ChurnElection {
  const scores = epochScores(blocks, members);
  // A node never scored starts at half the scale, as the node's credit does.
  const before = new Map(previousCredit);
  for (let node = 0; node < nodes; node++) if (!before.has(node)) before.set(node, CREDIT_SCALE / 2);
  // A suspended node's credit is 0 whatever it scored (carryCredit).
  const credit = carryCredit(before, { scores, suspended });
  const standby = Array.from({ length: nodes }, (_, i) => i).filter((i) => !members.includes(i));
  const election = electRoles({ verification: [...members], standby }, credit, suspended);
  return { credit, election };
}
