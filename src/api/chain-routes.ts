import type { FastifyInstance } from 'fastify';
import { fromHex, toHex } from '../crypto/hash.js';
import type { StoredBlock } from '../ledger/store.js';
import { headFields, stateAnswer, stateProofAnswer } from './committed-reads.js';
import type { ApiNode } from './interface.js';
import { type PrivateReadGate, visibilityOf } from './privacy.js';
import { problemSchema, sendProblem } from './problem.js';

const HASH_PATTERN = '^[0-9a-f]{64}$';

export function blockJson(block: StoredBlock) {
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

/** The SSE `block` event: header fields and the hashes of the block's transactions. */
export function blockEvent(block: StoredBlock): string {
  const { transactions, ...summary } = blockJson(block);
  const event = { ...summary, transactionHashes: transactions.map((t) => t.hash) };
  return `event: block\ndata: ${JSON.stringify(event)}\n\n`;
}

/** Node status and the chain itself: blocks, transactions and state, each with its proof. */
export function registerChainRoutes(app: FastifyInstance, node: ApiNode, gate: PrivateReadGate): void {
  const errors = { 400: problemSchema, 404: problemSchema, 429: problemSchema } as const;

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

  const stateKeyParams = {
    type: 'object',
    properties: { key: { type: 'string', pattern: '^([0-9a-f]{2}){1,512}$' } },
    required: ['key'],
  } as const;
  const proofSchema = {
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
  } as const;

  app.get<{ Params: { key: string } }>(
    '/api/v1/state/:key',
    {
      schema: {
        summary: 'A state value with its membership or non-membership proof against the head state root',
        description:
          'Keys of members’ private market records (statements, balances, contract and deal terms, quotes, ' +
          'meter readings) answer only to a session of a party or an approved regulator; their proof alone ' +
          'is public at /api/v1/state/{key}/proof.',
        tags: ['chain'],
        security: [{}, { bearer: [] }],
        params: stateKeyParams,
        response: {
          200: {
            type: 'object',
            properties: {
              key: { type: 'string' },
              value: { type: 'string', nullable: true },
              stateRoot: { type: 'string' },
              height: { type: 'integer' },
              proof: proofSchema,
            },
          },
          ...errors,
          401: problemSchema,
          403: problemSchema,
        },
      },
    },
    async (request, reply) => {
      // One view for the decision and the answer, so both concern the same block.
      const view = node.store.committed;
      const visibility = visibilityOf(
        fromHex(request.params.key),
        view.getState(fromHex(request.params.key)),
      );
      if (visibility.kind === 'private') {
        const denied = gate.check(request.headers.authorization, visibility.readers);
        if (denied !== null) return sendProblem(reply, denied.status, denied.detail, denied.code);
      }
      return stateAnswer(view, request.params.key);
    },
  );

  app.get<{ Params: { key: string } }>(
    '/api/v1/state/:key/proof',
    {
      schema: {
        summary:
          'The membership or non-membership proof of a state key, without its value (public for every key)',
        tags: ['chain'],
        params: stateKeyParams,
        response: {
          200: {
            type: 'object',
            properties: {
              key: { type: 'string' },
              stateRoot: { type: 'string' },
              height: { type: 'integer' },
              proof: proofSchema,
            },
          },
          ...errors,
        },
      },
    },
    async (request) => stateProofAnswer(node.store.committed, request.params.key),
  );
}
