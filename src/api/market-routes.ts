import { fromHex } from '../crypto/hash.js';
import { contractsAwaiting } from '../market/acceptance.js';
import type { Member } from '../market/records.js';
import { MarketStore } from '../market/store.js';
import { ROUTES } from '../routes/index.js';
import type { ApiNode } from './interface.js';
import { clientKey } from './limits.js';
import { grantedRole } from './privacy.js';
import { sendProblem } from './problem.js';
import type { RouteServer } from './route-server.js';
import type { SessionTable } from './sessions.js';

/** Records as JSON: keys and hashes as hex, 64-bit amounts as decimal strings. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

export function marketAt(node: ApiNode): MarketStore {
  return new MarketStore({ get: (key) => node.store.getState(key), set() {}, delete() {} });
}

/**
 * A key the registry has admitted (approved, or suspended after approval): it gets session slots
 * of its own. Pending, rejected and exited registrations, and unknown keys, share the guest pool.
 */
function admitted(member: Member | undefined): boolean {
  return member !== undefined && (member.status === 'approved' || member.status === 'suspended');
}

export { grantedRole } from './privacy.js';

/**
 * The market's public information release, read from the head state: cycles with their
 * per-interval summaries (clearing price, volume, participants), and the public part of the
 * member registry; and, behind a session (challenge signed with the member's key), a member's own
 * contracts and settlement statements, which a regulator may read for every member.
 */
export function registerMarketRoutes(
  server: RouteServer,
  node: ApiNode,
  now: () => number,
  sessions: SessionTable,
): void {
  server.serve(ROUTES.authChallenge, async (request) => sessions.challenge(clientKey(request.ip), now()));

  server.serve(ROUTES.authSession, async (request, reply) => {
    const { publicKey, challenge, signature } = request.body;
    const member = marketAt(node).member(fromHex(publicKey));
    const opened = sessions.open(
      clientKey(request.ip),
      publicKey,
      challenge,
      signature,
      admitted(member),
      now(),
    );
    if (opened === null) {
      node.metrics.apiRejected.inc({ reason: 'auth' });
      return sendProblem(
        reply,
        401,
        'unknown or expired challenge, or a signature that does not verify',
        'UNAUTHENTICATED',
      );
    }
    return {
      token: opened.token,
      expiresAtMs: opened.session.expiresAtMs,
      role: grantedRole(member),
      status: member?.status ?? 'unregistered',
    };
  });

  // The private routes are declared `owner-or-regulator`: the route server checks the session
  // against the `key` parameter before these handlers run.
  server.serve(ROUTES.statement, async (request, reply) => {
    const statement = marketAt(node).statement(request.params.cycleId, fromHex(request.params.key));
    if (statement === undefined)
      return sendProblem(reply, 404, 'no statement for this member and cycle', 'NOT_FOUND');
    return plain(statement);
  });

  server.serve(ROUTES.contracts, async (request) => {
    const key = request.params.key;
    const contracts = marketAt(node)
      .allContracts(request.params.cycleId)
      .filter((c) =>
        [c.generator, c.user, c.gridEnterprise].some((party) => Buffer.from(party).toString('hex') === key),
      );
    return plain({ cycleId: request.params.cycleId, member: key, contracts });
  });

  server.serve(ROUTES.awaiting, async (request) => {
    const { cycleId, key } = request.params;
    return plain({
      cycleId,
      member: key,
      awaiting: contractsAwaiting(marketAt(node), cycleId, fromHex(key)),
    });
  });

  server.serve(ROUTES.cycle, async (request, reply) => {
    const store = marketAt(node);
    const cycle = store.cycle(request.params.cycleId);
    if (cycle === undefined)
      return sendProblem(reply, 404, `no cycle ${request.params.cycleId}`, 'NOT_FOUND');
    const summaries = [];
    for (let round = 0; round <= cycle.round; round++) {
      for (let interval = 0; interval < cycle.intervals; interval++) {
        const summary = store.summary(cycle.cycleId, round, interval);
        if (summary !== undefined) summaries.push({ round, interval, ...summary });
      }
    }
    const deals = store.allDeals(cycle.cycleId);
    return plain({
      ...cycle,
      summaries,
      deals: deals.length,
      matchedWh: deals.reduce((sum, d) => sum + d.matchedWh, 0),
      contractedWh: deals.reduce((sum, d) => sum + d.energyWh, 0),
      contracts: store.allContracts(cycle.cycleId).length,
    });
  });

  server.serve(ROUTES.member, async (request, reply) => {
    const member = marketAt(node).member(fromHex(request.params.key));
    if (member === undefined) return sendProblem(reply, 404, `no member ${request.params.key}`, 'NOT_FOUND');
    return plain({ key: request.params.key, ...member });
  });
}
