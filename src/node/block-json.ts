import { fromHex } from '../crypto/hash.js';
import type { BlockHeader } from '../ledger/block.js';

/**
 * A block header from the JSON a node's API serves (`GET /api/v1/blocks/{height}`), every field
 * checked for its type; throws naming the first bad one. Hash it to check it against a proof: the
 * answer itself is trusted for nothing.
 */
export function headerFromJson(json: unknown): BlockHeader {
  const j = json as Record<string, unknown>;
  const hex = (name: string) => {
    const value = j[name];
    if (typeof value !== 'string' || !/^([0-9a-f]{2})*$/.test(value)) throw new Error(`${name} is not hex`);
    return fromHex(value);
  };
  const whole = (name: string) => {
    const value = j[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
      throw new Error(`${name} is not a whole number`);
    return value;
  };
  if (typeof j.chainId !== 'string') throw new Error('chainId is not a string');
  return {
    chainId: j.chainId,
    shardId: whole('shardId'),
    height: whole('height'),
    epoch: whole('epoch'),
    timestampMs: whole('timestampMs'),
    previousHash: hex('previousHash'),
    txRoot: hex('txRoot'),
    txCount: whole('txCount'),
    receiptsRoot: hex('receiptsRoot'),
    stateRoot: hex('stateRoot'),
    randomness: hex('randomness'),
    evidence: hex('evidence'),
  };
}
