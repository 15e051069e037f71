import type { Committee } from '../consensus/interface.js';
import type { BlockHeader } from '../ledger/block.js';
import type { ReadableState } from '../ledger/state-interface.js';
import { CREDIT_SCALE, type CreditTally, carryCredit, creditScores, tallyCycle } from '../sharding/credit.js';
import { type Election, electRoles } from '../sharding/credit-election.js';
import { acknowledgedVertices, type OrderedVertex, orderedVertexOf } from '../sharding/credit-evidence.js';
import { decodeBlockEvidence } from '../validator/evidence.js';

/**
 * The election at a committee handover, a pure function of the chain (the churn simulator and the
 * node both run it). Each member's score for an epoch is
 * the node's credit audit applied to the epoch's blocks (`creditScores` with the default weights,
 * docs/ROLES.md): its acknowledgements of others' vertices, its own vertices certified and ordered,
 * its coin shares, less its missed rounds and missed acknowledgements, over the epoch's rounds
 * 1 … B − 1, B the highest round its blocks ordered (the audit's rule for where a cycle's rounds
 * end). An epoch that ordered no round past the first says nothing of anyone and scores nobody (as
 * the node's audit leaves a cycle without rounds unscored). Running credit moves toward the score
 * as the node's credit does (`carryCredit`), and `electRoles` replaces the worst member by the best
 * standby when the standby's credit is higher. Every honest member computes it from the same
 * blocks, so they vote for the same committee. Proven equivocators come from the chain's
 * suspensions (by key), passed in.
 */
export function epochScores(
  blocks: readonly { readonly header: Pick<BlockHeader, 'evidence'> }[],
  committee: Committee,
  members: readonly number[],
): Map<number, number> {
  return epochEvidence(blocks, committee, members).scores;
}

/** An epoch's scores by node, with the counts behind each (none when the epoch ordered no round past the first). */
export interface EpochEvidence {
  readonly scores: Map<number, number>;
  readonly tallies: Map<number, CreditTally>;
}

/** `epochScores` with the counts behind each score. */
export function epochEvidence(
  blocks: readonly { readonly header: Pick<BlockHeader, 'evidence'> }[],
  committee: Committee,
  members: readonly number[],
): EpochEvidence {
  const read: OrderedVertex[] = [];
  for (const block of blocks) {
    if (block.header.evidence.length === 0) continue;
    // The chain's own blocks, whose certificates its validators checked before ordering them.
    for (const batch of decodeBlockEvidence(block.header.evidence).batches)
      read.push(
        orderedVertexOf(
          {
            sequence: batch.sequence,
            round: batch.round,
            proposer: batch.proposer,
            evidence: batch.certificate,
            transactions: [],
          },
          committee,
          false,
        ),
      );
  }
  const lastRound = Math.max(0, ...read.map((v) => v.round)) - 1;
  if (lastRound < 1) return { scores: new Map(), tallies: new Map() };
  const n = committee.members.length;
  const vertices = acknowledgedVertices(read, n).filter((v) => v.round <= lastRound);
  const evidence = { committeeSize: n, firstRound: 1, lastRound, vertices, equivocations: [] };
  const { scores } = creditScores(evidence);
  const tallies = new Map(tallyCycle(evidence).map((t) => [t.validator, t]));
  return {
    scores: new Map(members.map((node, i) => [node, scores.get(i) ?? 0])),
    tallies: new Map(members.flatMap((node, i) => (tallies.has(i) ? [[node, tallies.get(i)!]] : []))),
  };
}

export interface HandoverElection {
  readonly credit: Map<number, number>;
  readonly election: Election;
  /** The epoch's scores and counts by node (empty when it ordered no round past the first). */
  readonly evidence: EpochEvidence;
}

/** The next committee (node ids by committee index) from the epoch's blocks and the credit before it. */
export function electNext(
  previousCredit: ReadonlyMap<number, number>,
  blocks: readonly { readonly header: Pick<BlockHeader, 'evidence'> }[],
  committee: Committee,
  members: readonly number[],
  nodes: number,
  /** Nodes the chain suspended for equivocation: score 0, out of every role. */
  suspended: ReadonlySet<number> = new Set(),
): HandoverElection {
  const evidence = epochEvidence(blocks, committee, members);
  const { scores } = evidence;
  // A node never scored starts at half the scale, as the node's credit does.
  const before = new Map(previousCredit);
  for (let node = 0; node < nodes; node++) if (!before.has(node)) before.set(node, CREDIT_SCALE / 2);
  // A suspended node's credit is 0 whatever it scored (carryCredit).
  const credit = carryCredit(before, { scores, suspended });
  const standby = Array.from({ length: nodes }, (_, i) => i).filter((i) => !members.includes(i));
  const election = electRoles({ verification: [...members], standby }, credit, suspended);
  return { credit, election, evidence };
}

/**
 * Each elected member's credit, by its index in the next committee: what a handover vote signs
 * with the member list, so that every chain draws the epoch's masters by the same figures.
 */
export function electedCredit(outcome: HandoverElection): number[] {
  return outcome.election.verification.map((node) => outcome.credit.get(node) ?? 0);
}

/** The elections a node computes from its chain (src/node/handover-voter.ts), as its API reads them. */
export interface HandoverElections {
  electionOf(
    epoch: number,
    state: ReadableState,
    head: number,
  ): Promise<HandoverElection & { readonly epoch: number; readonly dueHeight: number }>;
}
