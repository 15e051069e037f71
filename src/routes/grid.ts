import type { RouteDeclaration } from './declare.js';
import { fields, HEX_32, problemSchema, retryLaterSchema } from './schema.js';

/**
 * The grid behind the market's security check: the AC power flow of a checked interval, with
 * the figures the check judged (line loadings, bus voltages, substation) and the limits broken.
 */

const { string, integer, boolean } = fields;
const number = { type: 'number' } as const;
const maybeNumber = { type: 'number', nullable: true } as const;

const flowSchema = {
  type: 'object',
  properties: {
    converged: boolean,
    lines: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          branch: integer,
          from: integer,
          to: integer,
          inService: boolean,
          flowKva: number,
          rateKva: number,
          loadingPct: maybeNumber,
        },
        required: ['branch', 'from', 'to', 'inService', 'flowKva', 'rateKva', 'loadingPct'],
      },
    },
    buses: {
      type: 'array',
      items: {
        type: 'object',
        properties: { bus: integer, vmPu: maybeNumber, vMinPu: number, vMaxPu: number },
        required: ['bus', 'vmPu', 'vMinPu', 'vMaxPu'],
      },
    },
    substationKva: maybeNumber,
    substationCapacityKva: number,
    lossKw: maybeNumber,
    violations: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          kind: string,
          /** The short name the adjustment reasons use, e.g. `branch-thermal:6-7`. */
          key: string,
          from: integer,
          to: integer,
          bus: integer,
          flowKva: number,
          limitKva: number,
          vmPu: number,
          limitPu: number,
          message: string,
        },
        required: ['kind', 'key'],
      },
    },
  },
  required: ['converged', 'lines', 'buses', 'substationKva', 'substationCapacityKva', 'lossKw', 'violations'],
} as const;

export const powerFlowParams = {
  type: 'object',
  properties: {
    cycleId: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
    interval: { type: 'string', pattern: '^(0|[1-9][0-9]{0,3})$' },
    key: { type: 'string', pattern: HEX_32 },
  },
  required: ['cycleId', 'interval', 'key'],
} as const;

export const powerFlow = {
  method: 'GET',
  path: '/api/v1/market/cycles/{cycleId}/intervals/{interval}/power-flow/{key}',
  summary:
    'The AC power flow behind an interval’s security check: line loadings, bus voltages and the limits broken, as matched and after the check (private: the cycle’s grid enterprise, named by `key`, or a regulator)',
  description:
    'Recomputed from committed state with the grid engine the check runs: the grid model under `grid/model`, the interval’s deals at their sellers’ connection buses. 404 when the cycle, the interval or its check is unknown, when the check ran no power flow (a missed check), or when the chain holds no grid model; 422 when the recorded deals do not fit the grid model (a bus it lacks); 403 when `key` is not the cycle’s grid enterprise.',
  tags: ['grid'],
  auth: 'owner-or-regulator',
  rateLimit: 'request',
  params: powerFlowParams,
  response: {
    200: {
      type: 'object',
      properties: {
        cycleId: string,
        interval: integer,
        gridEnterprise: string,
        height: integer,
        outcome: {
          type: 'object',
          properties: { outcome: string, code: string, reason: string },
          required: ['outcome', 'code', 'reason'],
        },
        adjustments: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              seller: string,
              buyer: string,
              matchedWh: integer,
              energyWh: integer,
              reason: string,
            },
            required: ['seller', 'buyer', 'matchedWh', 'energyWh', 'reason'],
          },
        },
        asMatched: flowSchema,
        afterCheck: flowSchema,
      },
      required: [
        'cycleId',
        'interval',
        'gridEnterprise',
        'height',
        'outcome',
        'adjustments',
        'asMatched',
        'afterCheck',
      ],
    },
    400: problemSchema,
    401: problemSchema,
    403: problemSchema,
    404: problemSchema,
    422: problemSchema,
    429: retryLaterSchema,
  },
} as const satisfies RouteDeclaration;
