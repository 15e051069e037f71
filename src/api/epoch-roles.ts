import { toHex } from '../crypto/hash.js';
import { readCommittee } from '../roles/committee-state.js';
import { dkgStatus } from '../roles/dkg-outcome.js';
import type { HandoverElections } from '../roles/election.js';
import { readKeySuspension } from '../roles/evidence-application.js';
import { handoverDueMs, readHandoverCycle, readPending } from '../roles/handover.js';
import {
  CREDIT_SCALE,
  type CreditTally,
  DEFAULT_CREDIT_CARRY,
  DEFAULT_CREDIT_WEIGHTS,
} from '../sharding/index.js';
import type { ApiNode } from './interface.js';

/**
 * `GET /api/v1/roles` on a chain whose committee hands over: every node of the chain (validators
 * and standby nodes) with its role in the current epoch, the running credit and the counts of the
 * newest election (the one at the end of the last epoch whose due block exists), and its
 * suspension by key. The answer has the fields of a fixed committee's, epochs in the place of
 * cycles, and `handover` besides: the epoch, its committee, the elected committee while it
 * generates its keys, and what the newest election replaced.
 */
export async function epochRolesAnswer(node: ApiNode, elections: HandoverElections): Promise<object> {
  const { genesis } = node;
  const view = node.store.committed;
  const state = { get: (key: Uint8Array) => view.getState(key) };
  const committee = readCommittee(state)!;
  const cycle = readHandoverCycle(state)!;
  const nodes = [...genesis.validators, ...(genesis.handover?.standby ?? [])];
  const nodeOfKey = new Map(nodes.map((n) => [n.publicKey, n.index]));
  const indexOf = (key: Uint8Array) => nodeOfKey.get(toHex(key)) ?? -1;
  const header = node.store.headBlockHeader;
  const due = handoverDueMs(state, committee.epoch);
  // The newest election whose due block exists: this epoch's once its time is up, else the last one's.
  const newest = due !== null && header.timestampMs >= due ? committee.epoch : committee.epoch - 1;
  const election = newest < 0 ? null : await elections.electionOf(newest, state, header.height);
  const members = committee.members.map((m) => indexOf(m.publicKey));
  const pending = readPending(state);
  return {
    chainId: genesis.chainId,
    shardId: genesis.shardId,
    cycleMs: cycle.cycleMs,
    closedCycles: committee.epoch,
    auditedCycles: newest + 1,
    weights: DEFAULT_CREDIT_WEIGHTS,
    carry: DEFAULT_CREDIT_CARRY,
    creditScale: CREDIT_SCALE,
    lastCycle: null,
    keyGeneration: dkgStatus(state),
    handover: {
      epoch: committee.epoch,
      keyPhaseMs: cycle.keyPhaseMs ?? 0,
      committee: members,
      pending:
        pending === null ? null : { nextEpoch: pending.nextEpoch, members: pending.members.map(indexOf) },
      lastElection:
        election === null
          ? null
          : {
              epoch: election.epoch,
              dueHeight: election.dueHeight,
              elected: election.election.verification,
              replaced: election.election.replaced,
              removed: election.election.removed,
            },
    },
    nodes: nodes.map((n) => {
      const key = Buffer.from(n.publicKey, 'hex');
      const suspension = readKeySuspension(state, key);
      const tally = election?.evidence.tallies.get(n.index);
      return {
        index: n.index,
        publicKey: n.publicKey,
        role: members.includes(n.index) ? 'verification' : 'standby',
        credit: election?.credit.get(n.index) ?? CREDIT_SCALE / 2,
        cycleScore: election?.evidence.scores.get(n.index) ?? null,
        evidence: tally === undefined ? null : evidenceJson(tally),
        suspended: suspension !== undefined,
        suspension:
          suspension === undefined
            ? null
            : { round: suspension.round, height: suspension.height, proof: toHex(suspension.proof) },
      };
    }),
  };
}

/** The counts behind a score, as the roles answer shows them. */
export function evidenceJson(tally: CreditTally) {
  return {
    votes: tally.votes,
    missedVotes: tally.missedVotes,
    certified: tally.certified,
    committed: tally.committed,
    coinShares: tally.coinShares,
    missedRounds: tally.missedRounds,
    equivocated: tally.equivocated,
  };
}
