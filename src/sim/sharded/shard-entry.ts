import {
  type CrossDecision,
  type CrossTrade,
  decodeDecision,
  decodeTrade,
  encodeDecision,
  encodeTrade,
  legOf,
} from '../../sharding/index.js';

/**
 * What a shard's chain orders: a cross-shard trade's prepare, a decision on one, or a trade whose
 * accounts all live in the shard. One tag byte, then the canonical encoding.
 */
export type ShardEntry =
  | { readonly kind: 'prepare'; readonly trade: CrossTrade }
  | { readonly kind: 'decision'; readonly decision: CrossDecision }
  | { readonly kind: 'local'; readonly trade: CrossTrade };

const TAGS = { prepare: 1, decision: 2, local: 3 } as const;

export function encodeShardEntry(entry: ShardEntry): Uint8Array {
  const body = entry.kind === 'decision' ? encodeDecision(entry.decision) : encodeTrade(entry.trade);
  const out = new Uint8Array(body.length + 1);
  out[0] = TAGS[entry.kind];
  out.set(body, 1);
  return out;
}

/** Throws on anything malformed (CodecError, ShardingError); signatures are checked at execution. */
export function decodeShardEntry(bytes: Uint8Array): ShardEntry {
  const body = bytes.subarray(1);
  switch (bytes[0]) {
    case TAGS.prepare:
      return { kind: 'prepare', trade: decodeTrade(body) };
    case TAGS.decision:
      return { kind: 'decision', decision: decodeDecision(body) };
    case TAGS.local:
      return { kind: 'local', trade: decodeTrade(body) };
    default:
      throw new RangeError(`unknown shard entry tag ${bytes[0]}`);
  }
}

/**
 * The shard's `acceptsEntry`: well formed and about this shard. Deterministic and the same at
 * every validator, so a header holding anything else gets no honest vote.
 */
export function shardAccepts(shard: number): (bytes: Uint8Array) => boolean {
  return (bytes) => {
    try {
      const entry = decodeShardEntry(bytes);
      const trade = entry.kind === 'decision' ? entry.decision.trade : entry.trade;
      if (legOf(trade, shard) === undefined) return false;
      return entry.kind === 'local' ? trade.legs.length === 1 : trade.legs.length >= 2;
    } catch {
      return false;
    }
  };
}
