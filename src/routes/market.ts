import type { RouteDeclaration } from './declare.js';
import {
  anyObject,
  cycleParams,
  fields,
  HEX_32,
  memberOfCycleParams,
  memberParams,
  problemSchema,
  retryLaterSchema,
} from './schema.js';

/**
 * The market's public information release (cycles, the public registry), sessions for private
 * reads, and a member's own contracts and statements behind a session.
 */

const { string, integer } = fields;

const SESSION_DOMAIN = 'gridshard/session/v1';
const CHALLENGE_NONCE_BYTES = 16;
const CHALLENGE_EXPIRY_BYTES = 8;
const CHALLENGE_MAC_BYTES = 32;
/** Hex length of a challenge: nonce, 8-byte expiry, MAC (HMAC-SHA256). */
export const CHALLENGE_HEX_LENGTH =
  (CHALLENGE_NONCE_BYTES + CHALLENGE_EXPIRY_BYTES + CHALLENGE_MAC_BYTES) * 2;

/** What a member signs to open a session: the chain and the challenge, under a domain of their own. */
export function sessionSigningBytes(chainId: string, challenge: string): Uint8Array {
  return new TextEncoder().encode(`${SESSION_DOMAIN}|${chainId}|${challenge}`);
}

export const authChallenge = {
  method: 'POST',
  path: '/api/v1/auth/challenge',
  summary: 'A single-use challenge to sign for a session (private reads), valid from this address only',
  tags: ['auth'],
  auth: 'public',
  rateLimit: 'auth',
  response: {
    200: { type: 'object', properties: { challenge: string, expiresAtMs: integer } },
    429: retryLaterSchema,
  },
} as const satisfies RouteDeclaration;

export const authSession = {
  method: 'POST',
  path: '/api/v1/auth/session',
  summary: 'Exchange a signed challenge for a bearer token bound to the member’s key',
  description: `The signature is Ed25519 over the UTF-8 bytes of \`${SESSION_DOMAIN}|<chainId>|<challenge>\`.`,
  tags: ['auth'],
  auth: 'public',
  rateLimit: 'auth',
  body: {
    type: 'object',
    properties: {
      publicKey: { type: 'string', pattern: HEX_32 },
      challenge: { type: 'string', pattern: `^[0-9a-f]{${CHALLENGE_HEX_LENGTH}}$` },
      signature: { type: 'string', pattern: '^[0-9a-f]{128}$' },
    },
    required: ['publicKey', 'challenge', 'signature'],
    additionalProperties: false,
  },
  response: {
    200: {
      type: 'object',
      properties: { token: string, expiresAtMs: integer, role: string, status: string },
    },
    400: problemSchema,
    401: problemSchema,
    429: retryLaterSchema,
  },
} as const satisfies RouteDeclaration;

const privateErrors = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
} as const;

/** A member's own record of one cycle: readable by a session of that member or of a regulator. */
function memberRecordOfCycle<Path extends string>(path: Path, summary: string) {
  return {
    method: 'GET',
    path,
    summary,
    tags: ['market'],
    auth: 'owner-or-regulator',
    rateLimit: 'request',
    params: memberOfCycleParams,
    response: { 200: anyObject, ...privateErrors },
  } as const satisfies RouteDeclaration;
}

export const statement = memberRecordOfCycle(
  '/api/v1/market/cycles/{cycleId}/statements/{key}',
  'A member’s settlement statement for a cycle (private: the member itself or a regulator)',
);

export const contracts = memberRecordOfCycle(
  '/api/v1/market/cycles/{cycleId}/contracts/{key}',
  'The tripartite contracts of a cycle in which the member is a party (private: the member or a regulator)',
);

export const awaiting = memberRecordOfCycle(
  '/api/v1/market/cycles/{cycleId}/awaiting/{key}',
  'The contracts of a contracted cycle that still wait for the member’s signature, with the roles to sign and the deadline (private: the member or a regulator)',
);

export const cycle = {
  method: 'GET',
  path: '/api/v1/market/cycles/{cycleId}',
  summary: 'A trading cycle: its state and the public summary of every interval and round',
  tags: ['market'],
  auth: 'public',
  rateLimit: 'request',
  params: cycleParams,
  response: { 200: anyObject, 400: problemSchema, 404: problemSchema },
} as const satisfies RouteDeclaration;

export const member = {
  method: 'GET',
  path: '/api/v1/market/members/{key}',
  summary: 'The public registry entry of a member (role, status, connection point, approved capacity)',
  tags: ['market'],
  auth: 'public',
  rateLimit: 'request',
  params: memberParams,
  response: { 200: anyObject, 400: problemSchema, 404: problemSchema },
} as const satisfies RouteDeclaration;
