import type { RouteDeclaration } from './declare.js';
import { fields, HEX_32, HEX_BYTES, problemSchema, retryLaterSchema } from './schema.js';

/** The sharded system: this chain's place in it, the masters of the cycle, cross-zone trades and balances. */

const { string, integer, boolean } = fields;
const readErrors = { 400: problemSchema, 404: problemSchema, 429: retryLaterSchema } as const;
/** A vote share or a trade is a few hundred bytes; 16 KiB of hex is far above either. */
const MAX_MESSAGE_HEX = 16_384;

export const sharding = {
  method: 'GET',
  path: '/api/v1/sharding',
  summary:
    'This chain in the sharded system: its shard (or the root), every shard’s committee, the masters of the current cycle and, on the root chain, the last shard block it holds of each shard',
  tags: ['sharding'],
  auth: 'public',
  rateLimit: 'request',
  response: {
    200: {
      type: 'object',
      properties: {
        chainId: string,
        shardId: integer,
        role: string,
        cycle: integer,
        cycleMs: integer,
        shards: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              shardId: integer,
              validators: { type: 'array', items: string },
              epoch: integer,
              masters: { type: 'array', items: integer },
              rootHeight: integer,
              rootBlockHash: string,
            },
          },
        },
        root: { type: 'object', properties: { validators: { type: 'array', items: string } } },
      },
    },
    404: problemSchema,
    429: retryLaterSchema,
  },
} as const satisfies RouteDeclaration;

export const crossShare = {
  method: 'POST',
  path: '/api/v1/cross/shares',
  summary:
    'A validator’s signed vote on a cross-zone trade’s prepare, for this node acting as master: certified at 2f + 1 equal shares, decided once the votes settle the trade',
  tags: ['sharding'],
  auth: 'public',
  rateLimit: 'request',
  body: {
    type: 'object',
    properties: {
      trade: { type: 'string', pattern: HEX_BYTES, maxLength: MAX_MESSAGE_HEX },
      share: { type: 'string', pattern: HEX_BYTES, maxLength: MAX_MESSAGE_HEX },
    },
    required: ['trade', 'share'],
    additionalProperties: false,
  },
  response: {
    202: { type: 'object', properties: { accepted: boolean } },
    400: problemSchema,
    404: problemSchema,
    429: retryLaterSchema,
  },
} as const satisfies RouteDeclaration;

export const crossTrade = {
  method: 'GET',
  path: '/api/v1/cross/trades/{id}',
  summary: 'Where a cross-zone trade stands in this shard (committed state): its verdict and status',
  tags: ['sharding'],
  auth: 'public',
  rateLimit: 'request',
  params: {
    type: 'object',
    properties: { id: { type: 'string', pattern: HEX_32 } },
    required: ['id'],
  },
  response: {
    200: {
      type: 'object',
      properties: { tradeId: string, shardId: integer, status: string, verdict: string },
    },
    ...readErrors,
  },
} as const satisfies RouteDeclaration;

export const crossAccount = {
  method: 'GET',
  path: '/api/v1/cross/accounts/{account}',
  summary:
    'A cross-zone account homed in this shard (committed state): money (minor units) and energy (Wh), with what open trades hold of them',
  tags: ['sharding'],
  auth: 'public',
  rateLimit: 'request',
  params: {
    type: 'object',
    properties: { account: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z._-]+$' } },
    required: ['account'],
  },
  response: {
    200: {
      type: 'object',
      properties: {
        account: string,
        money: string,
        energy: string,
        lockedMoney: string,
        lockedEnergy: string,
      },
    },
    ...readErrors,
  },
} as const satisfies RouteDeclaration;

export const cycleMasters = {
  method: 'GET',
  path: '/api/v1/cycles/{cycle}/masters',
  summary:
    'The master order of every zone shard for one cycle: the first is the cycle’s master, the rest replace it in turn when it does not deliver. Each draw picks a member of the shard’s latest committee with probability its share of the credit the committee was elected with (`credit`, aligned with `masters`; null for a genesis committee, drawn uniformly). Drawn from the root chain’s common coin (beacon `root-coin`: the first root block at or after the start of the cycle before), or from a public hash of the chain id while the root chain cannot give one yet (beacon `public`); `beaconHeight` names the root block once this node has resolved it',
  tags: ['sharding'],
  auth: 'public',
  rateLimit: 'request',
  params: {
    type: 'object',
    properties: { cycle: { type: 'string', pattern: '^(0|[1-9][0-9]{0,11})$' } },
    required: ['cycle'],
  },
  response: {
    200: {
      type: 'object',
      properties: {
        cycle: integer,
        startsAtMs: integer,
        beacon: { type: 'string', enum: ['root-coin', 'public'] },
        beaconHeight: integer,
        shards: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              shardId: integer,
              /** The epoch of the shard's committee the masters are drawn from (its latest this chain knows). */
              epoch: integer,
              masters: { type: 'array', items: integer },
              apis: { type: 'array', items: string },
              /** Each master's credit (0 … 10,000) as its committee's election certified it; null: drawn uniformly. */
              credit: { type: 'array', items: integer, nullable: true },
            },
          },
        },
      },
    },
    ...readErrors,
  },
} as const satisfies RouteDeclaration;

const tally = {
  type: 'object',
  properties: {
    votes: integer,
    missedVotes: integer,
    certified: integer,
    committed: integer,
    coinShares: integer,
    missedRounds: integer,
    equivocated: boolean,
  },
} as const;

export const roles = {
  method: 'GET',
  path: '/api/v1/roles',
  summary:
    'This chain’s nodes with their role and credit: the running credit, the score of the last audited cycle and the counts behind it, all computed from the certificates the chain records (anyone can recompute them with `gridshard credit`)',
  tags: ['sharding'],
  auth: 'public',
  rateLimit: 'request',
  response: {
    200: {
      type: 'object',
      properties: {
        chainId: string,
        shardId: integer,
        cycleMs: integer,
        /** Cycles closed on the chain, and how many of them this node has audited (it catches up). */
        closedCycles: integer,
        auditedCycles: integer,
        weights: {
          type: 'object',
          properties: {
            vote: integer,
            certified: integer,
            committed: integer,
            coinShare: integer,
            missedRound: integer,
            missedVote: integer,
          },
        },
        carry: integer,
        creditScale: integer,
        lastCycle: {
          type: 'object',
          nullable: true,
          properties: {
            cycle: integer,
            fromHeight: integer,
            toHeight: integer,
            firstRound: integer,
            lastRound: integer,
            vertices: integer,
            scored: boolean,
          },
        },
        /** The newest key-generation session of the coin (`roles.dkg.*`), from the chain's state; null before the first. */
        keyGeneration: {
          type: 'object',
          nullable: true,
          properties: {
            session: string,
            phase: { type: 'string', enum: ['deal', 'complain', 'justify', 'closed'] },
            members: integer,
            threshold: integer,
            openedAtMs: integer,
            dealUntilMs: integer,
            complainUntilMs: integer,
            justifyUntilMs: integer,
            dealt: { type: 'array', items: integer },
            complaints: {
              type: 'array',
              items: {
                type: 'object',
                properties: { dealer: integer, complainer: integer, answered: boolean },
              },
            },
            qualified: { type: 'array', nullable: true, items: integer },
            failure: { type: 'string', nullable: true },
          },
        },
        /**
         * On a chain whose committee hands over (the cycles above are then its epochs): the epoch,
         * its committee (node indices in committee order), the elected committee while it
         * generates its keys, and the newest election.
         */
        handover: {
          type: 'object',
          properties: {
            epoch: integer,
            keyPhaseMs: integer,
            committee: { type: 'array', items: integer },
            pending: {
              type: 'object',
              nullable: true,
              properties: { nextEpoch: integer, members: { type: 'array', items: integer } },
            },
            lastElection: {
              type: 'object',
              nullable: true,
              properties: {
                epoch: integer,
                dueHeight: integer,
                elected: { type: 'array', items: integer },
                replaced: { type: 'object', nullable: true, properties: { out: integer, in: integer } },
                removed: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: { out: integer, in: { type: 'integer', nullable: true } },
                  },
                },
              },
            },
          },
        },
        nodes: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              index: integer,
              publicKey: string,
              role: string,
              credit: integer,
              cycleScore: { type: 'integer', nullable: true },
              evidence: { ...tally, nullable: true },
              suspended: boolean,
              /** The proof that suspended it (`roles.equivocation`), as the chain's state holds it. */
              suspension: {
                type: 'object',
                nullable: true,
                properties: { round: integer, height: integer, proof: string },
              },
            },
          },
        },
      },
    },
    ...readErrors,
  },
} as const satisfies RouteDeclaration;
