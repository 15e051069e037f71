import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { fromHex, toHex } from '../crypto/hash.js';
import { isGridShardError } from '../errors.js';
import type { StoredBlock } from '../ledger/store.js';
import type { GridShardNode } from '../node/node.js';
import { headFields, stateAnswer } from './committed-reads.js';
import { registerMarketRoutes } from './market-routes.js';
import { problemSchema, sendProblem } from './problem.js';
import { RateLimiter } from './rate-limit.js';

const HASH_PATTERN = '^[0-9a-f]{64}$';

function blockJson(block: StoredBlock) {
  const h = block.header;
  return {
    height: h.height,
    hash: toHex(block.hash),
    chainId: h.chainId,
    shardId: h.shardId,
    epoch: h.epoch,
    timestampMs: h.timestampMs,
    previousHash: toHex(h.previousHash),
    txRoot: toHex(h.txRoot),
    txCount: h.txCount,
    receiptsRoot: toHex(h.receiptsRoot),
    stateRoot: toHex(h.stateRoot),
    randomness: toHex(h.randomness),
    evidence: toHex(h.evidence),
    transactions: block.txHashes.map((hash, i) => ({
      hash: toHex(hash),
      ok: block.receipts[i]?.ok ?? false,
      code: block.receipts[i]?.code ?? '',
    })),
  };
}

const blockSchema = {
  type: 'object',
  properties: {
    height: { type: 'integer' },
    hash: { type: 'string' },
    chainId: { type: 'string' },
    shardId: { type: 'integer' },
    epoch: { type: 'integer' },
    timestampMs: { type: 'integer' },
    previousHash: { type: 'string' },
    txRoot: { type: 'string' },
    txCount: { type: 'integer' },
    receiptsRoot: { type: 'string' },
    stateRoot: { type: 'string' },
    randomness: { type: 'string' },
    evidence: { type: 'string' },
    transactions: {
      type: 'array',
      items: {
        type: 'object',
        properties: { hash: { type: 'string' }, ok: { type: 'boolean' }, code: { type: 'string' } },
      },
    },
  },
} as const;

export interface ApiOptions {
  readonly host: string;
  readonly port: number;
  /** Requests per second per client address, with an equal burst. */
  readonly rateLimitPerSecond?: number;
  readonly bodyLimitBytes?: number;
}

/**
 * The node's HTTP API (Fastify): routes are declared with JSON schemas, which validate requests
 * and produce the OpenAPI 3 document at /openapi.json and the interactive docs at /docs. Every
 * error is application/problem+json (RFC 9457).
 */
export async function buildApi(node: GridShardNode, options: ApiOptions): Promise<FastifyInstance> {
  // Strict validation: no type coercion and no silent dropping of unknown fields; a request is
  // either exactly right or refused with a problem answer.
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes ?? 256 * 1024,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  const limiter = new RateLimiter(options.rateLimitPerSecond ?? 2000);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'GridShard node API',
        version: '1.0.0',
        description: 'Chain, network and transaction submission for one GridShard node.',
      },
      servers: [{ url: `http://${options.host}:${options.port}` }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.addHook('onRequest', async (request, reply) => {
    if (!limiter.take(request.ip, Date.now())) {
      node.metrics.apiRejected.inc({ reason: 'rate-limit' });
      return sendProblem(reply, 429, 'too many requests from this address; slow down', 'RATE_LIMITED');
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    node.metrics.apiRequests.inc({
      route: request.routeOptions.url ?? 'unknown',
      status: String(reply.statusCode),
    });
  });
  app.setErrorHandler(
    (error: Error & { statusCode?: number; validation?: unknown; code?: string }, _request, reply) => {
      if (error.validation !== undefined) {
        node.metrics.apiRejected.inc({ reason: 'validation' });
        return sendProblem(reply, 400, error.message, 'INVALID_REQUEST');
      }
      const status = error.statusCode ?? 500;
      if (status < 500) {
        node.metrics.apiRejected.inc({ reason: 'bad-request' });
        return sendProblem(reply, status, error.message, error.code);
      }
      return sendProblem(reply, 500, 'internal error', 'INTERNAL');
    },
  );
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 404, `no route ${request.method} ${request.url}`, 'NO_ROUTE'),
  );

  const errors = { 400: problemSchema, 404: problemSchema, 429: problemSchema } as const;

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get(
    '/api/v1/health',
    {
      schema: {
        summary: 'Liveness and the node’s view of the chain',
        tags: ['node'],
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              height: { type: 'integer' },
              peers: { type: 'integer' },
              validators: { type: 'integer' },
            },
          },
        },
      },
    },
    async () => ({
      status: 'ok',
      height: node.store.head.height,
      peers: node.peers().length,
      validators: node.genesis.validators.length,
    }),
  );

  app.get(
    '/api/v1/status',
    {
      schema: {
        summary: 'Chain head, consensus progress, mempool and peers of this node',
        tags: ['node'],
        response: {
          200: {
            type: 'object',
            properties: {
              chainId: { type: 'string' },
              shardId: { type: 'integer' },
              validatorIndex: { type: 'integer' },
              height: { type: 'integer' },
              headHash: { type: 'string' },
              stateRoot: { type: 'string' },
              timestampMs: { type: 'integer' },
              consensusSequence: { type: 'integer' },
              mempoolSize: { type: 'integer' },
              peers: { type: 'array', items: { type: 'integer' } },
            },
          },
        },
      },
    },
    async () => ({
      chainId: node.genesis.chainId,
      shardId: node.genesis.shardId,
      validatorIndex: node.index,
      ...headFields(node.store.committed),
      consensusSequence: node.lastAppliedSequence,
      mempoolSize: node.mempool.size,
      peers: node.peers(),
    }),
  );

  app.get(
    '/api/v1/network',
    {
      schema: {
        summary: 'Validators of the shard, their roles and addresses',
        tags: ['network'],
        response: {
          200: {
            type: 'object',
            properties: {
              shardId: { type: 'integer' },
              validators: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    index: { type: 'integer' },
                    publicKey: { type: 'string' },
                    address: { type: 'string' },
                    api: { type: 'string' },
                    role: { type: 'string' },
                    connected: { type: 'boolean' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async () => {
      const connected = new Set(node.peers());
      return {
        shardId: node.genesis.shardId,
        validators: node.genesis.validators.map((v) => ({
          ...v,
          role: 'verification',
          connected: v.index === node.index || connected.has(v.index),
        })),
      };
    },
  );

  app.get<{ Params: { height: string } }>(
    '/api/v1/blocks/:height',
    {
      schema: {
        summary: 'A block by height',
        tags: ['chain'],
        params: {
          type: 'object',
          properties: { height: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$' } },
          required: ['height'],
        },
        response: { 200: blockSchema, ...errors },
      },
    },
    async (request, reply) => {
      const height = Number(request.params.height);
      const block = await node.store.readBlock(height);
      if (block === undefined) return sendProblem(reply, 404, `no block at height ${height}`, 'NOT_FOUND');
      return blockJson(block);
    },
  );

  app.get<{ Params: { height: string } }>(
    '/api/v1/blocks/:height/transactions',
    {
      schema: {
        summary: 'The canonical bytes of every transaction of a block, in order: what a follower re-executes',
        tags: ['chain'],
        params: {
          type: 'object',
          properties: { height: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$' } },
          required: ['height'],
        },
        response: {
          200: {
            type: 'object',
            properties: {
              height: { type: 'integer' },
              hash: { type: 'string' },
              transactions: { type: 'array', items: { type: 'string' } },
            },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const height = Number(request.params.height);
      const block = await node.store.readBlock(height);
      if (block === undefined) return sendProblem(reply, 404, `no block at height ${height}`, 'NOT_FOUND');
      const transactions: string[] = [];
      for (const hash of block.txHashes) {
        const located = await node.store.readTransaction(hash);
        if (located === undefined)
          return sendProblem(reply, 404, `transaction ${toHex(hash)} missing`, 'NOT_FOUND');
        transactions.push(toHex(located.bytes));
      }
      return { height, hash: toHex(block.hash), transactions };
    },
  );

  app.get<{ Params: { hash: string } }>(
    '/api/v1/blocks/hash/:hash',
    {
      schema: {
        summary: 'A block by hash',
        tags: ['chain'],
        params: {
          type: 'object',
          properties: { hash: { type: 'string', pattern: HASH_PATTERN } },
          required: ['hash'],
        },
        response: { 200: blockSchema, ...errors },
      },
    },
    async (request, reply) => {
      const block = await node.store.readBlockByHash(fromHex(request.params.hash));
      if (block === undefined) return sendProblem(reply, 404, `no block ${request.params.hash}`, 'NOT_FOUND');
      return blockJson(block);
    },
  );

  app.get<{ Params: { hash: string } }>(
    '/api/v1/transactions/:hash',
    {
      schema: {
        summary: 'A committed transaction, its receipt and its Merkle proof against the block header',
        tags: ['chain'],
        params: {
          type: 'object',
          properties: { hash: { type: 'string', pattern: HASH_PATTERN } },
          required: ['hash'],
        },
        response: {
          200: {
            type: 'object',
            properties: {
              hash: { type: 'string' },
              height: { type: 'integer' },
              index: { type: 'integer' },
              bytes: { type: 'string' },
              ok: { type: 'boolean' },
              code: { type: 'string' },
              txRoot: { type: 'string' },
              proof: {
                type: 'object',
                properties: {
                  leafIndex: { type: 'integer' },
                  leafCount: { type: 'integer' },
                  siblings: { type: 'array', items: { type: 'string' } },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const hash = fromHex(request.params.hash);
      const located = await node.store.readTransaction(hash);
      const proven = await node.store.proveTransaction(hash);
      if (located === undefined || proven === undefined) {
        return sendProblem(reply, 404, `no committed transaction ${request.params.hash}`, 'NOT_FOUND');
      }
      const receipt = proven.block.receipts[located.index];
      return {
        hash: request.params.hash,
        height: located.height,
        index: located.index,
        bytes: toHex(located.bytes),
        ok: receipt?.ok ?? false,
        code: receipt?.code ?? '',
        txRoot: toHex(proven.block.header.txRoot),
        proof: {
          leafIndex: proven.proof.leafIndex,
          leafCount: proven.proof.leafCount,
          siblings: proven.proof.siblings.map(toHex),
        },
      };
    },
  );

  app.get<{ Params: { key: string } }>(
    '/api/v1/state/:key',
    {
      schema: {
        summary: 'A state value with its membership or non-membership proof against the head state root',
        tags: ['chain'],
        params: {
          type: 'object',
          properties: { key: { type: 'string', pattern: '^([0-9a-f]{2}){1,512}$' } },
          required: ['key'],
        },
        response: {
          200: {
            type: 'object',
            properties: {
              key: { type: 'string' },
              value: { type: 'string', nullable: true },
              stateRoot: { type: 'string' },
              height: { type: 'integer' },
              proof: {
                type: 'object',
                properties: {
                  siblings: { type: 'array', items: { type: 'string' } },
                  terminal: {
                    type: 'object',
                    properties: {
                      kind: { type: 'string' },
                      path: { type: 'string' },
                      valueHash: { type: 'string' },
                    },
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => stateAnswer(node.store.committed, request.params.key),
  );

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
      bodyLimit: 2 * 1024 * 1024,
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
      if (txs.length > 1 && !limiter.take(request.ip, Date.now(), txs.length - 1)) {
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

  app.get(
    '/api/v1/events',
    {
      schema: {
        summary: 'Server-sent events: one `block` event per new block (header fields and transaction hashes)',
        tags: ['chain'],
      },
    },
    (request, reply) => {
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      reply.raw.write(': connected\n\n');
      const onBlock = (block: StoredBlock) => {
        const { transactions, ...summary } = blockJson(block);
        const event = { ...summary, transactionHashes: transactions.map((t) => t.hash) };
        reply.raw.write(`event: block\ndata: ${JSON.stringify(event)}\n\n`);
      };
      node.on('block', onBlock);
      request.raw.on('close', () => node.off('block', onBlock));
    },
  );

  registerMarketRoutes(app, node);
  await app.register((await import('./portal.js')).portalPlugin);

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(node.metrics.registry.contentType);
    return node.metrics.registry.metrics();
  });

  return app;
}

const MAX_TRANSACTIONS_PER_REQUEST = 1000;

type SubmitOutcome =
  | { readonly hash: string; readonly status: 'pending' }
  | { readonly status: 409 | 422 | 503; readonly code: string; readonly detail: string };

/** Admits one hex-encoded transaction, mapping a refusal to its HTTP status and code. */
function submitOne(node: GridShardNode, hex: string): SubmitOutcome {
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
