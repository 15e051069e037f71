/**
 * The JSON Schema fragments the route declarations share, and the small part of JSON Schema's
 * meaning that TypeScript can see (`Infer`), so a handler's parameters and body and a client's
 * arguments are typed from the same schema the server validates with.
 */

/** A JSON Schema as the declarations write it (plain data; Fastify's Ajv compiles it). */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** The TypeScript type of the values a schema accepts: strings, integers, booleans, arrays, objects. */
export type Infer<S> = S extends { readonly nullable: true } ? InferType<S> | null : InferType<S>;

type InferType<S> = S extends { readonly type: 'string' }
  ? string
  : S extends { readonly type: 'integer' | 'number' }
    ? number
    : S extends { readonly type: 'boolean' }
      ? boolean
      : S extends { readonly type: 'array'; readonly items: infer I }
        ? Infer<I>[]
        : S extends { readonly type: 'object'; readonly properties: infer P }
          ? InferObject<P, S extends { readonly required: readonly (infer K)[] } ? K : never>
          : unknown;

type InferObject<P, Required> = Flatten<
  { -readonly [K in keyof P & Required]: Infer<P[K]> } & {
    -readonly [K in Exclude<keyof P, Required>]?: Infer<P[K]>;
  }
>;
type Flatten<T> = { [K in keyof T]: T[K] };

export const HEX_BYTES = '^([0-9a-f]{2})+$';
/** A SHA-256 or SM3 digest, or an Ed25519 public key: 32 bytes in lower-case hex. */
export const HEX_32 = '^[0-9a-f]{64}$';
/** The largest signed transaction the routes accept, in hex characters. */
export const MAX_TRANSACTION_HEX = 150_000;

const string = { type: 'string' } as const;
const integer = { type: 'integer' } as const;
const boolean = { type: 'boolean' } as const;
const strings = { type: 'array', items: string } as const;

/** RFC 9457 problem details: every error answer of every route has this shape. */
export const problemSchema = {
  type: 'object',
  properties: { type: string, title: string, status: integer, detail: string, code: string },
  required: ['type', 'title', 'status', 'detail'],
} as const;

/**
 * A refusal that asks the client to come back: a rate limit (429) or a busy node (503). The
 * `headers` keyword is not validated; the OpenAPI document lists it as the answer's headers.
 */
export const retryLaterSchema = {
  ...problemSchema,
  headers: {
    'Retry-After': {
      type: 'integer',
      minimum: 1,
      maximum: 30,
      description: 'Seconds to wait before sending the same request again',
    },
  },
} as const;

/** An answer whose fields the route does not pin down (market records, served as they are stored). */
export const anyObject = { type: 'object', additionalProperties: true } as const;

/** A signed transaction's canonical bytes, hex. */
export const transactionHex = { type: 'string', pattern: HEX_BYTES, maxLength: MAX_TRANSACTION_HEX } as const;

export const heightParams = {
  type: 'object',
  properties: { height: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$' } },
  required: ['height'],
} as const;

export const hashParams = {
  type: 'object',
  properties: { hash: { type: 'string', pattern: HEX_32 } },
  required: ['hash'],
} as const;

/** A state key of 1 … 512 bytes, hex. */
export const stateKeyParams = {
  type: 'object',
  properties: { key: { type: 'string', pattern: '^([0-9a-f]{2}){1,512}$' } },
  required: ['key'],
} as const;

const cycleId = { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' } as const;
const memberKey = { type: 'string', pattern: HEX_32 } as const;

export const cycleParams = {
  type: 'object',
  properties: { cycleId },
  required: ['cycleId'],
} as const;

export const memberParams = {
  type: 'object',
  properties: { key: memberKey },
  required: ['key'],
} as const;

export const memberOfCycleParams = {
  type: 'object',
  properties: { cycleId, key: memberKey },
  required: ['cycleId', 'key'],
} as const;

export const blockSchema = {
  type: 'object',
  properties: {
    height: integer,
    hash: string,
    chainId: string,
    shardId: integer,
    epoch: integer,
    timestampMs: integer,
    previousHash: string,
    txRoot: string,
    txCount: integer,
    receiptsRoot: string,
    stateRoot: string,
    randomness: string,
    evidence: string,
    transactions: {
      type: 'array',
      items: { type: 'object', properties: { hash: string, ok: boolean, code: string } },
    },
  },
} as const;

export const stateProofSchema = {
  type: 'object',
  properties: {
    siblings: strings,
    terminal: { type: 'object', properties: { kind: string, path: string, valueHash: string } },
  },
} as const;

export const fields = { string, integer, boolean, strings } as const;
