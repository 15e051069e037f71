import { SimError } from '../errors.js';
import { dagAdapter } from './dag.js';
import { pbftAdapter } from './pbft.js';
import type { ProtocolAdapter } from './types.js';

export const PROTOCOL_NAMES = ['dag', 'pbft'] as const;
export type ProtocolName = (typeof PROTOCOL_NAMES)[number];

/** The adapter of a protocol; `config` overrides protocol settings (DAG) where an adversary needs it. */
export function adapterFor(name: string, config?: Record<string, unknown>): ProtocolAdapter<unknown> {
  switch (name) {
    case 'dag':
      return dagAdapter(config) as ProtocolAdapter<unknown>;
    case 'pbft':
      return pbftAdapter() as ProtocolAdapter<unknown>;
    default:
      throw new SimError('UNKNOWN_PROTOCOL', `unknown protocol "${name}" (expected dag or pbft)`, { name });
  }
}

export { dagAdapter } from './dag.js';
export { pbftAdapter } from './pbft.js';
export type { ProtocolAdapter } from './types.js';
