import { toHex } from '../crypto/hash.js';
import type { StoredBlock } from '../ledger/store.js';
import { storeAuditChain } from '../node/credit-audit.js';
import type { CreditWatch } from '../node/credit-watch.js';
import { readCommittee } from '../roles/committee-state.js';
import { dkgStatus } from '../roles/dkg-outcome.js';
import { currentDkgSession } from '../roles/dkg-records.js';
import { readSuspension } from '../roles/evidence-application.js';
import { readEpochStart } from '../roles/handover.js';
import { ROUTES } from '../routes/index.js';
import { CREDIT_SCALE } from '../sharding/index.js';
import { epochRolesAnswer, evidenceJson } from './epoch-roles.js';
import type { ApiNode } from './interface.js';
import { sendProblem } from './problem.js';
import type { RouteServer } from './route-server.js';

/**
 * `GET /api/v1/roles`: the committee's nodes with their credit, audited by this node from its own
 * chain by `watch` (null on a PBFT chain, which has no credit; credit-events.ts). Every member is a
 * verification node while the committee is the one genesis fixed.
 */
export function registerRolesRoutes(server: RouteServer, node: ApiNode, watch: CreditWatch | null): void {
  const { genesis } = node;
  const state = { get: (key: Uint8Array) => node.store.getState(key) };

  server.serve(ROUTES.roles, async (_request, reply) => {
    // Across epochs credit is what each election scored (the cycles are the committees' epochs).
    if (genesis.handover !== undefined && node.handover !== undefined)
      return epochRolesAnswer(node, node.handover);
    if (watch === null)
      return sendProblem(
        reply,
        404,
        'credit is scored from DAG certificates; this chain runs PBFT',
        'CREDIT_NEEDS_DAG',
      );
    const audit = await watch.look(() => storeAuditChain(node.store, true));
    const { ledger } = watch;
    return {
      chainId: genesis.chainId,
      shardId: genesis.shardId,
      cycleMs: watch.clock.cycleMs,
      closedCycles: ledger.closedCycles,
      auditedCycles: ledger.auditedCycles,
      weights: watch.rules.weights,
      carry: watch.rules.carry,
      creditScale: CREDIT_SCALE,
      lastCycle:
        audit === null
          ? null
          : {
              cycle: audit.cycle,
              fromHeight: audit.fromHeight,
              toHeight: audit.toHeight,
              firstRound: audit.firstRound,
              lastRound: audit.lastRound,
              vertices: audit.vertices,
              scored: audit.scored,
            },
      keyGeneration: dkgStatus(state),
      nodes: genesis.validators.map((v) => {
        const tally = audit?.tallies[v.index];
        const suspension = readSuspension(state, v.index);
        return {
          index: v.index,
          publicKey: v.publicKey,
          role: 'verification',
          credit: ledger.creditOf(v.index),
          cycleScore: audit === null || !audit.scored ? null : (audit.scores[v.index] ?? 0),
          evidence: tally === undefined ? null : evidenceJson(tally),
          suspended: suspension !== undefined || ledger.suspendedMembers.includes(v.index),
          suspension:
            suspension === undefined
              ? null
              : { round: suspension.round, height: suspension.height, proof: toHex(suspension.proof) },
        };
      }),
    };
  });
}

/**
 * The SSE `suspended` events a block brings: one per member whose suspension the block recorded
 * (`roles.equivocation`), read from the state after it. Sent after the block's own event.
 */
export function suspensionEvents(block: StoredBlock, node: Pick<ApiNode, 'genesis' | 'store'>): string {
  const state = { get: (key: Uint8Array) => node.store.getState(key) };
  // Indices are the current committee's: after a handover, the state's, not genesis's.
  const members =
    readCommittee(state)?.members.map((m) => ({ index: m.index, publicKey: toHex(m.publicKey) })) ??
    node.genesis.validators;
  let out = '';
  for (const v of members) {
    const suspension = readSuspension(state, v.index);
    if (suspension === undefined || suspension.height !== block.header.height) continue;
    const data = {
      member: v.index,
      publicKey: v.publicKey,
      round: suspension.round,
      height: suspension.height,
      proof: toHex(suspension.proof),
    };
    out += `event: suspended\ndata: ${JSON.stringify(data)}\n\n`;
  }
  return out;
}

/**
 * The SSE `key-generation` events: one each time a block leaves the newest key-generation session
 * in another phase than the event stream last saw (opened, into complaints, into answers,
 * closed), with the session as `GET /api/v1/roles` shows it. Only the session's identity and
 * phase are read per block; the whole status only when they changed.
 */
export function keyGenerationEvents(node: Pick<ApiNode, 'store'>): (block: StoredBlock) => string {
  const state = { get: (key: Uint8Array) => node.store.getState(key) };
  const phaseOf = (): string => {
    const session = currentDkgSession(state);
    return session === undefined ? '' : `${toHex(session.id)}/${session.phase}`;
  };
  let last = phaseOf();
  return () => {
    const now = phaseOf();
    if (now === last) return '';
    last = now;
    const status = dkgStatus(state);
    return status === null ? '' : `event: key-generation\ndata: ${JSON.stringify(status)}\n\n`;
  };
}

/**
 * The SSE `committee` events: one each time a block hands the chain to a new committee
 * (`roles.handover`), with the new epoch, its members' keys in committee order, the block it took
 * over after and that block's time, and which keys joined and which left. Only the committee's
 * record is read per block.
 */
export function committeeEvents(node: Pick<ApiNode, 'store'>): (block: StoredBlock) => string {
  const state = { get: (key: Uint8Array) => node.store.getState(key) };
  let last = readCommittee(state);
  return () => {
    const now = readCommittee(state);
    if (now === null || (last !== null && now.epoch === last.epoch)) return '';
    const keys = now.members.map((m) => toHex(m.publicKey));
    const before = last?.members.map((m) => toHex(m.publicKey)) ?? [];
    last = now;
    const start = readEpochStart(state, now.epoch);
    const data = {
      epoch: now.epoch,
      members: keys,
      joined: keys.filter((key) => !before.includes(key)),
      left: before.filter((key) => !keys.includes(key)),
      height: start?.height ?? null,
      timeMs: start?.timeMs ?? null,
    };
    return `event: committee\ndata: ${JSON.stringify(data)}\n\n`;
  };
}
