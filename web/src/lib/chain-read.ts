/** A state value read from the node with its proof checked against the block the node names. */
import { api } from './api.js';
import type { Block } from './types.js';
import { type Check, checkState, type StateAnswer } from './verify.js';

export interface ProvenValue {
  readonly value: string | null;
  readonly height: number;
  readonly check: Check;
}

/** `token`: a session, for records private to their parties and the regulator. */
export async function readProven(keyHex: string, token?: string): Promise<ProvenValue> {
  const answer = await api.get<StateAnswer>(`/api/v1/state/${keyHex}`, token);
  const block = await api.get<Block>(`/api/v1/blocks/${answer.height}`);
  return { value: answer.value, height: answer.height, check: checkState(answer, block) };
}
