import {
  CREDIT_SCALE,
  type CreditWeights,
  checkWeights,
  DEFAULT_CREDIT_CARRY,
  DEFAULT_CREDIT_WEIGHTS,
} from '../sharding/index.js';
import { NodeError } from './errors.js';

/**
 * How a chain scores its validators (docs/ROLES.md): the weights of the credit formula, how much
 * credit carries from cycle to cycle, and the cycle length on a chain outside a sharded system
 * (a sharded chain scores by the system's cycles). Every field may be left out for its default.
 */
export interface CreditGenesisJson {
  readonly cycleMs?: number;
  readonly weights?: CreditWeights;
  readonly carry?: number;
}

/** A chain without a cycle clock, and no `credit.cycleMs`, scores credit per minute. */
export const DEFAULT_CREDIT_CYCLE_MS = 60_000;

export interface CreditRules {
  readonly cycleMs: number;
  readonly weights: CreditWeights;
  readonly carry: number;
}

const bad = (message: string) => new NodeError('BAD_GENESIS', `credit: ${message}`, {});

/** The section checked, with its defaults filled in; `shardingCycleMs` is the sharded system's cycle. */
export function creditRulesOf(section: unknown, shardingCycleMs: number | undefined): CreditRules {
  if (section === undefined)
    return {
      cycleMs: shardingCycleMs ?? DEFAULT_CREDIT_CYCLE_MS,
      weights: DEFAULT_CREDIT_WEIGHTS,
      carry: DEFAULT_CREDIT_CARRY,
    };
  if (typeof section !== 'object' || section === null || Array.isArray(section))
    throw bad('must be an object');
  const s = section as Record<string, unknown>;
  for (const key of Object.keys(s))
    if (!['cycleMs', 'weights', 'carry'].includes(key)) throw bad(`unknown field ${JSON.stringify(key)}`);
  if (s.cycleMs !== undefined) {
    if (
      !Number.isSafeInteger(s.cycleMs) ||
      (s.cycleMs as number) < 1000 ||
      (s.cycleMs as number) > 86_400_000
    )
      throw bad('cycleMs must be an integer from 1,000 to 86,400,000');
    if (shardingCycleMs !== undefined && s.cycleMs !== shardingCycleMs)
      throw bad(
        'cycleMs must be left out (or equal sharding.cycleMs) on a sharded chain: credit follows its cycles',
      );
  }
  let weights = DEFAULT_CREDIT_WEIGHTS;
  if (s.weights !== undefined) {
    if (typeof s.weights !== 'object' || s.weights === null) throw bad('weights must be an object');
    const w = s.weights as Record<string, unknown>;
    for (const key of Object.keys(w))
      if (!(key in DEFAULT_CREDIT_WEIGHTS)) throw bad(`unknown weight ${JSON.stringify(key)}`);
    weights = { ...DEFAULT_CREDIT_WEIGHTS, ...(w as Partial<CreditWeights>) };
    try {
      checkWeights(weights);
    } catch (error) {
      throw bad((error as Error).message);
    }
  }
  const carry = s.carry ?? DEFAULT_CREDIT_CARRY;
  if (!Number.isSafeInteger(carry) || (carry as number) < 0 || (carry as number) > CREDIT_SCALE)
    throw bad(`carry must be an integer from 0 to ${CREDIT_SCALE}`);
  return {
    cycleMs: (s.cycleMs as number | undefined) ?? shardingCycleMs ?? DEFAULT_CREDIT_CYCLE_MS,
    weights,
    carry: carry as number,
  };
}
