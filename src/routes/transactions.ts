import type { RouteDeclaration } from './declare.js';
import { fields, problemSchema, retryLaterSchema, transactionHex } from './schema.js';

/** Transaction submission, one at a time or in batches, each admitted or refused on its own. */

const { string, integer } = fields;
const errors = { 400: problemSchema, 404: problemSchema, 429: retryLaterSchema } as const;

/** The most transactions one `POST /api/v1/txs` may carry. */
export const MAX_TRANSACTIONS_PER_REQUEST = 1000;

export const submit = {
  method: 'POST',
  path: '/api/v1/tx',
  summary: 'Submit a signed transaction (canonical bytes, hex)',
  tags: ['transactions'],
  auth: 'public',
  rateLimit: 'request',
  body: {
    type: 'object',
    properties: { tx: transactionHex },
    required: ['tx'],
    additionalProperties: false,
  },
  response: {
    202: { type: 'object', properties: { hash: string, status: string } },
    ...errors,
    409: problemSchema,
    422: problemSchema,
    503: retryLaterSchema,
  },
} as const satisfies RouteDeclaration;

/**
 * A gateway that relays many members' transactions sends them in one request; each is admitted
 * or refused on its own, exactly as if it had come alone, and takes a rate-limit token of its own.
 */
export const submitMany = {
  method: 'POST',
  path: '/api/v1/txs',
  summary: 'Submit up to 1,000 signed transactions (canonical bytes, hex), each on its own',
  tags: ['transactions'],
  auth: 'public',
  rateLimit: 'per-transaction',
  bodyLimit: 'batch',
  body: {
    type: 'object',
    properties: {
      txs: { type: 'array', minItems: 1, maxItems: MAX_TRANSACTIONS_PER_REQUEST, items: transactionHex },
    },
    required: ['txs'],
    additionalProperties: false,
  },
  response: {
    200: {
      type: 'object',
      properties: {
        accepted: integer,
        results: {
          type: 'array',
          items: {
            type: 'object',
            properties: { hash: string, status: string, code: string, detail: string },
          },
        },
      },
    },
    ...errors,
    413: problemSchema,
  },
} as const satisfies RouteDeclaration;
