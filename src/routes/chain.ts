import type { RouteDeclaration } from './declare.js';
import {
  blockSchema,
  fields,
  hashParams,
  heightParams,
  problemSchema,
  retryLaterSchema,
  stateKeyParams,
  stateProofSchema,
} from './schema.js';

/** Node status and the chain itself: blocks, transactions and state, each with its proof. */

const { string, integer, boolean, strings } = fields;
/** The refusals every read by parameter may answer. */
const readErrors = { 400: problemSchema, 404: problemSchema, 429: retryLaterSchema } as const;

export const health = {
  method: 'GET',
  path: '/api/v1/health',
  summary: 'Liveness and the node’s view of the chain',
  tags: ['node'],
  auth: 'public',
  rateLimit: 'request',
  response: {
    200: {
      type: 'object',
      properties: { status: string, height: integer, peers: integer, validators: integer },
    },
  },
} as const satisfies RouteDeclaration;

/**
 * The commit-latency histogram of this node since it started: transactions admitted here, from
 * admission to the block that holds them. Cumulative, so a reader that keeps two answers gets the
 * figures of the time between them from the differences.
 */
const commitLatency = {
  type: 'object',
  properties: {
    count: integer,
    sumSeconds: { type: 'number' },
    buckets: {
      type: 'array',
      items: { type: 'object', properties: { leSeconds: { type: 'number' }, count: integer } },
    },
  },
} as const;

export const status = {
  method: 'GET',
  path: '/api/v1/status',
  summary: 'Chain head, consensus progress, mempool, peers and commit latency of this node',
  description:
    'Readable from any origin, so a portal served by one validator shows the height, peers and mempool of the others.',
  tags: ['node'],
  auth: 'public',
  rateLimit: 'request',
  crossOrigin: true,
  response: {
    200: {
      type: 'object',
      properties: {
        chainId: string,
        shardId: integer,
        validatorIndex: integer,
        height: integer,
        headHash: string,
        stateRoot: string,
        timestampMs: integer,
        /** The epoch of the committee that orders after the head (0 while the genesis committee does). */
        epoch: integer,
        consensusSequence: integer,
        mempoolSize: integer,
        peers: { type: 'array', items: integer },
        commitLatency,
      },
    },
  },
} as const satisfies RouteDeclaration;

export const network = {
  method: 'GET',
  path: '/api/v1/network',
  summary: 'Validators of the shard, their roles and addresses',
  tags: ['network'],
  auth: 'public',
  rateLimit: 'request',
  response: {
    200: {
      type: 'object',
      properties: {
        shardId: integer,
        validators: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              index: integer,
              publicKey: string,
              address: string,
              api: string,
              role: string,
              connected: boolean,
            },
          },
        },
      },
    },
  },
} as const satisfies RouteDeclaration;

export const zones = {
  method: 'GET',
  path: '/api/v1/zones',
  summary:
    'The grid zones the system is sharded by (each zone’s shard and buses) and the shard this node serves; an empty list when the genesis declares none',
  tags: ['network'],
  auth: 'public',
  rateLimit: 'request',
  response: {
    200: {
      type: 'object',
      properties: {
        shardId: integer,
        zones: {
          type: 'array',
          items: {
            type: 'object',
            properties: { shardId: integer, name: string, buses: { type: 'array', items: integer } },
          },
        },
      },
    },
  },
} as const satisfies RouteDeclaration;

export const block = {
  method: 'GET',
  path: '/api/v1/blocks/{height}',
  summary: 'A block by height',
  tags: ['chain'],
  auth: 'public',
  rateLimit: 'request',
  params: heightParams,
  response: { 200: blockSchema, ...readErrors },
} as const satisfies RouteDeclaration;

export const blockTransactions = {
  method: 'GET',
  path: '/api/v1/blocks/{height}/transactions',
  summary:
    'The canonical bytes of every transaction of a block, in order, and the quorum proofs of its consensus batches (kept outside the block hash): what a follower checks and re-executes',
  tags: ['chain'],
  auth: 'public',
  rateLimit: 'request',
  params: heightParams,
  response: {
    200: {
      type: 'object',
      properties: { height: integer, hash: string, transactions: strings, batchProofs: string },
    },
    ...readErrors,
  },
} as const satisfies RouteDeclaration;

export const commitProof = {
  method: 'GET',
  path: '/api/v1/blocks/{height}/commit-proof',
  summary:
    'The quorum of committee signatures over (chain, shard, epoch, height, block hash, state root) that makes a block final for anyone holding the committee’s keys; 404 until this node has collected it',
  tags: ['chain'],
  auth: 'public',
  rateLimit: 'request',
  params: heightParams,
  response: {
    200: {
      type: 'object',
      properties: {
        height: integer,
        shardId: integer,
        epoch: integer,
        blockHash: string,
        stateRoot: string,
        signers: { type: 'array', items: integer },
        proof: string,
      },
    },
    ...readErrors,
  },
} as const satisfies RouteDeclaration;

export const blockByHash = {
  method: 'GET',
  path: '/api/v1/blocks/hash/{hash}',
  summary: 'A block by hash',
  tags: ['chain'],
  auth: 'public',
  rateLimit: 'request',
  params: hashParams,
  response: { 200: blockSchema, ...readErrors },
} as const satisfies RouteDeclaration;

export const transaction = {
  method: 'GET',
  path: '/api/v1/transactions/{hash}',
  summary: 'A committed transaction, its receipt and its Merkle proof against the block header',
  tags: ['chain'],
  auth: 'public',
  rateLimit: 'request',
  params: hashParams,
  response: {
    200: {
      type: 'object',
      properties: {
        hash: string,
        height: integer,
        index: integer,
        bytes: string,
        ok: boolean,
        code: string,
        txRoot: string,
        proof: {
          type: 'object',
          properties: { leafIndex: integer, leafCount: integer, siblings: strings },
        },
      },
    },
    ...readErrors,
  },
} as const satisfies RouteDeclaration;

export const state = {
  method: 'GET',
  path: '/api/v1/state/{key}',
  summary: 'A state value with its membership or non-membership proof against the head state root',
  description:
    'Keys of members’ private market records (statements, balances, contract and deal terms, quotes, ' +
    'meter readings) answer only to a session of a party or an approved regulator; their proof alone ' +
    'is public at /api/v1/state/{key}/proof.',
  tags: ['chain'],
  auth: 'private-keys',
  rateLimit: 'request',
  params: stateKeyParams,
  response: {
    200: {
      type: 'object',
      properties: {
        key: string,
        value: { type: 'string', nullable: true },
        stateRoot: string,
        height: integer,
        proof: stateProofSchema,
      },
    },
    ...readErrors,
    401: problemSchema,
    403: problemSchema,
  },
} as const satisfies RouteDeclaration;

export const stateProof = {
  method: 'GET',
  path: '/api/v1/state/{key}/proof',
  summary: 'The membership or non-membership proof of a state key, without its value (public for every key)',
  tags: ['chain'],
  auth: 'public',
  rateLimit: 'request',
  params: stateKeyParams,
  response: {
    200: {
      type: 'object',
      properties: { key: string, stateRoot: string, height: integer, proof: stateProofSchema },
    },
    ...readErrors,
  },
} as const satisfies RouteDeclaration;

export const events = {
  method: 'GET',
  path: '/api/v1/events',
  summary: 'Server-sent events: one `block` event per new block (header fields and transaction hashes)',
  tags: ['chain'],
  auth: 'public',
  rateLimit: 'request',
  response: { 429: retryLaterSchema, 503: problemSchema },
} as const satisfies RouteDeclaration;
