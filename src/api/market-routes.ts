import type { FastifyInstance } from 'fastify';
import { fromHex } from '../crypto/hash.js';
import { MarketStore } from '../market/store.js';
import type { GridShardNode } from '../node/node.js';
import { problemSchema, sendProblem } from './problem.js';

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

function marketAt(node: GridShardNode): MarketStore {
  return new MarketStore({ get: (key) => node.store.getState(key), set() {}, delete() {} });
}

const anyObject = { type: 'object', additionalProperties: true } as const;

/**
 * The market's public information release, read from the head state: cycles with their
 * per-interval summaries (clearing price, volume, participants), and the public part of the
 * member registry. Members' own orders, contracts and statements are private and not served here.
 */
export function registerMarketRoutes(app: FastifyInstance, node: GridShardNode): void {
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
