import type { FastifyInstance } from 'fastify';
import { fromHex } from '../crypto/hash.js';
import { isGridShardError } from '../errors.js';
import type { ApiNode } from './interface.js';
import { type ApiLimits, clientKey } from './limits.js';
import { problemSchema, sendProblem } from './problem.js';
import type { RateLimiter } from './rate-limit.js';

/** Transaction submission, one at a time or in batches, each admitted or refused on its own. */
export function registerTransactionRoutes(
  app: FastifyInstance,
  node: ApiNode,
  limits: ApiLimits,
  limiter: RateLimiter,
  now: () => number,
): void {
  const errors = { 400: problemSchema, 404: problemSchema, 429: problemSchema } as const;

  app.post<{ Body: { tx: string } }>(
    '/api/v1/tx',
    {
      schema: {
        summary: 'Submit a signed transaction (canonical bytes, hex)',
        tags: ['transactions'],
        body: {
          type: 'object',
          properties: { tx: { type: 'string', pattern: '^([0-9a-f]{2})+$', maxLength: 150_000 } },
          required: ['tx'],
          additionalProperties: false,
        },
        response: {
          202: { type: 'object', properties: { hash: { type: 'string' }, status: { type: 'string' } } },
          ...errors,
          409: problemSchema,
          422: problemSchema,
          503: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const outcome = submitOne(node, request.body.tx);
      if ('hash' in outcome) return reply.status(202).send(outcome);
      return sendProblem(reply, outcome.status, outcome.detail, outcome.code);
    },
  );

  app.post<{ Body: { txs: string[] } }>(
    '/api/v1/txs',
    {
      // A gateway that relays many members' transactions sends them in one request; each is
      // admitted or refused on its own, exactly as if it had come alone.
      bodyLimit: limits.batchBodyLimitBytes,
      schema: {
        summary: 'Submit up to 1,000 signed transactions (canonical bytes, hex), each on its own',
        tags: ['transactions'],
        body: {
          type: 'object',
          properties: {
            txs: {
              type: 'array',
              minItems: 1,
              maxItems: MAX_TRANSACTIONS_PER_REQUEST,
              items: { type: 'string', pattern: '^([0-9a-f]{2})+$', maxLength: 150_000 },
            },
          },
          required: ['txs'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              accepted: { type: 'integer' },
              results: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    hash: { type: 'string' },
                    status: { type: 'string' },
                    code: { type: 'string' },
                    detail: { type: 'string' },
                  },
                },
              },
            },
          },
          ...errors,
          413: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const { txs } = request.body;
      // The request itself took one token; each further transaction takes one more.
      if (txs.length > 1 && !limiter.take(clientKey(request.ip), now(), txs.length - 1)) {
        node.metrics.apiRejected.inc({ reason: 'rate-limit' });
        return sendProblem(reply, 429, 'too many transactions from this address; slow down', 'RATE_LIMITED');
      }
      const results = txs.map((tx) => {
        const outcome = submitOne(node, tx);
        return 'hash' in outcome
          ? outcome
          : { status: 'refused', code: outcome.code, detail: outcome.detail };
      });
      return reply.send({ accepted: results.filter((r) => r.status === 'pending').length, results });
    },
  );
}

const MAX_TRANSACTIONS_PER_REQUEST = 1000;

type SubmitOutcome =
  | { readonly hash: string; readonly status: 'pending' }
  | { readonly status: 409 | 422 | 503; readonly code: string; readonly detail: string };

/** Admits one hex-encoded transaction, mapping a refusal to its HTTP status and code. */
function submitOne(node: ApiNode, hex: string): SubmitOutcome {
  try {
    return { hash: node.submit(fromHex(hex)).hash, status: 'pending' };
  } catch (error) {
    if (!isGridShardError(error)) throw error;
    node.metrics.apiRejected.inc({ reason: error.code });
    const status =
      error.code === 'DUPLICATE_TRANSACTION' || error.code === 'STALE_NONCE'
        ? 409
        : error.code === 'MEMPOOL_FULL' || error.code === 'SENDER_LIMIT'
          ? 503
          : 422;
    return { status, code: error.code, detail: error.message };
  }
}
