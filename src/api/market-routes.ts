import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fromHex } from '../crypto/hash.js';
import type { Member } from '../market/records.js';
import { MarketStore } from '../market/store.js';
import type { ApiNode } from './interface.js';
import { type ApiLimits, clientKey } from './limits.js';
import { grantedRole, type PrivateReadGate } from './privacy.js';
import { problemSchema, sendProblem } from './problem.js';
import { RateLimiter } from './rate-limit.js';
import { CHALLENGE_HEX_LENGTH } from './sessions.js';

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

const anyObject = { type: 'object', additionalProperties: true } as const;

/**
 * The market's public information release, read from the head state: cycles with their
 * per-interval summaries (clearing price, volume, participants), and the public part of the
 * member registry; and, behind a session (challenge signed with the member's key), a member's own
 * contracts and settlement statements, which a regulator may read for every member.
 */
export function registerMarketRoutes(
  app: FastifyInstance,
  node: ApiNode,
  limits: ApiLimits,
  now: () => number,
  gate: PrivateReadGate,
): void {
  const sessions = gate.sessions;
  // Each session costs a signature check: the auth routes have a tighter budget of their own.
  const authLimiter = new RateLimiter(limits.authRateLimitPerSecond);
  const authRateLimit = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!authLimiter.take(clientKey(request.ip), now())) {
      node.metrics.apiRejected.inc({ reason: 'auth-rate-limit' });
      return sendProblem(reply, 429, 'too many authentication requests from this address', 'RATE_LIMITED');
    }
  };

  app.post(
    '/api/v1/auth/challenge',
    {
      onRequest: authRateLimit,
      schema: {
        summary: 'A single-use challenge to sign for a session (private reads), valid from this address only',
        tags: ['auth'],
        response: {
          200: {
            type: 'object',
            properties: { challenge: { type: 'string' }, expiresAtMs: { type: 'integer' } },
          },
          429: problemSchema,
        },
      },
    },
    async (request) => sessions.challenge(clientKey(request.ip), now()),
  );

  app.post<{ Body: { publicKey: string; challenge: string; signature: string } }>(
    '/api/v1/auth/session',
    {
      onRequest: authRateLimit,
      schema: {
        summary: 'Exchange a signed challenge for a bearer token bound to the member’s key',
        description:
          'The signature is Ed25519 over the UTF-8 bytes of `gridshard/session/v1|<chainId>|<challenge>`.',
        tags: ['auth'],
        body: {
          type: 'object',
          properties: {
            publicKey: { type: 'string', pattern: '^[0-9a-f]{64}$' },
            challenge: { type: 'string', pattern: `^[0-9a-f]{${CHALLENGE_HEX_LENGTH}}$` },
            signature: { type: 'string', pattern: '^[0-9a-f]{128}$' },
          },
          required: ['publicKey', 'challenge', 'signature'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              token: { type: 'string' },
              expiresAtMs: { type: 'integer' },
              role: { type: 'string' },
              status: { type: 'string' },
            },
          },
          400: problemSchema,
          401: problemSchema,
          429: problemSchema,
        },
      },
    },
    async (request, reply) => {
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
    },
  );

  /** The member behind the bearer token, allowed to read `owner`'s private records: itself, or a regulator. */
  const authorise = (authorization: string | undefined, owner: string) => gate.check(authorization, [owner]);

  const privateParams = {
    type: 'object',
    properties: {
      cycleId: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
      key: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    },
    required: ['cycleId', 'key'],
  } as const;
  const privateErrors = {
    400: problemSchema,
    401: problemSchema,
    403: problemSchema,
    404: problemSchema,
  } as const;

  app.get<{ Params: { cycleId: string; key: string } }>(
    '/api/v1/market/cycles/:cycleId/statements/:key',
    {
      schema: {
        summary: 'A member’s settlement statement for a cycle (private: the member itself or a regulator)',
        tags: ['market'],
        security: [{ bearer: [] }],
        params: privateParams,
        response: { 200: anyObject, ...privateErrors },
      },
    },
    async (request, reply) => {
      const denied = authorise(request.headers.authorization, request.params.key);
      if (denied !== null) return sendProblem(reply, denied.status, denied.detail, denied.code);
      const statement = marketAt(node).statement(request.params.cycleId, fromHex(request.params.key));
      if (statement === undefined)
        return sendProblem(reply, 404, 'no statement for this member and cycle', 'NOT_FOUND');
      return plain(statement);
    },
  );

  app.get<{ Params: { cycleId: string; key: string } }>(
    '/api/v1/market/cycles/:cycleId/contracts/:key',
    {
      schema: {
        summary:
          'The tripartite contracts of a cycle in which the member is a party (private: the member or a regulator)',
        tags: ['market'],
        security: [{ bearer: [] }],
        params: privateParams,
        response: { 200: anyObject, ...privateErrors },
      },
    },
    async (request, reply) => {
      const denied = authorise(request.headers.authorization, request.params.key);
      if (denied !== null) return sendProblem(reply, denied.status, denied.detail, denied.code);
      const key = request.params.key;
      const contracts = marketAt(node)
        .allContracts(request.params.cycleId)
        .filter((c) =>
          [c.generator, c.user, c.gridEnterprise].some((party) => Buffer.from(party).toString('hex') === key),
        );
      return plain({ cycleId: request.params.cycleId, member: key, contracts });
    },
  );

  app.get<{ Params: { cycleId: string } }>(
    '/api/v1/market/cycles/:cycleId',
    {
      schema: {
        summary: 'A trading cycle: its state and the public summary of every interval and round',
        tags: ['market'],
        params: {
          type: 'object',
          properties: { cycleId: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' } },
          required: ['cycleId'],
        },
        response: { 200: anyObject, 400: problemSchema, 404: problemSchema },
      },
    },
    async (request, reply) => {
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
    },
  );

  app.get<{ Params: { key: string } }>(
    '/api/v1/market/members/:key',
    {
      schema: {
        summary: 'The public registry entry of a member (role, status, connection point, approved capacity)',
        tags: ['market'],
        params: {
          type: 'object',
          properties: { key: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
          required: ['key'],
        },
        response: { 200: anyObject, 400: problemSchema, 404: problemSchema },
      },
    },
    async (request, reply) => {
      const member = marketAt(node).member(fromHex(request.params.key));
      if (member === undefined)
        return sendProblem(reply, 404, `no member ${request.params.key}`, 'NOT_FOUND');
      return plain({ key: request.params.key, ...member });
    },
  );
}
