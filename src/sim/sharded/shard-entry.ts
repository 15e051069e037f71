import {
  type CrossDecision,
  type CrossTrade,
  decodeDecision,
  decodeTrade,
  encodeDecision,
  encodeTrade,
  legOf,
} from '../../sharding/index.js';
import { tradeSignatureValid } from './client-keys.js';

const SIGNATURE_BYTES = 64;

/**
 * What a shard's chain orders: a cross-shard trade's prepare, a decision on one, or a trade whose
 * accounts all live in the shard. One tag byte, then the canonical encoding. A prepare or local
 * trade may carry its payer's signature (`client-keys.ts`), under tags of their own, with the 64
 * signature bytes after the trade.
 */
export type ShardEntry =
  | { readonly kind: 'prepare'; readonly trade: CrossTrade; readonly signature?: Uint8Array }
  | { readonly kind: 'decision'; readonly decision: CrossDecision }
  | { readonly kind: 'local'; readonly trade: CrossTrade; readonly signature?: Uint8Array };

const TAGS = { prepare: 1, decision: 2, local: 3 } as const;
const SIGNED_TAGS = { prepare: 4, local: 5 } as const;

export function encodeShardEntry(entry: ShardEntry): Uint8Array {
  if (entry.kind !== 'decision' && entry.signature !== undefined) {
    if (entry.signature.length !== SIGNATURE_BYTES) throw new RangeError('a trade signature is 64 bytes');
    const body = encodeTrade(entry.trade);
    const out = new Uint8Array(1 + body.length + SIGNATURE_BYTES);
    out[0] = SIGNED_TAGS[entry.kind];
    out.set(body, 1);
    out.set(entry.signature, 1 + body.length);
    return out;
  }
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
    case SIGNED_TAGS.prepare:
    case SIGNED_TAGS.local: {
      if (body.length <= SIGNATURE_BYTES) throw new RangeError('signed shard entry too short');
      const trade = decodeTrade(body.subarray(0, body.length - SIGNATURE_BYTES));
      const signature = body.slice(body.length - SIGNATURE_BYTES);
      return { kind: bytes[0] === SIGNED_TAGS.prepare ? 'prepare' : 'local', trade, signature };
    }
    default:
      throw new RangeError(`unknown shard entry tag ${bytes[0]}`);
  }
}

/**
 * The shard's `acceptsEntry`: well formed and about this shard, and a carried client signature
 * valid (required on every prepare and local trade when `requireSigned`). Deterministic and the
 * same at every validator, so a header holding anything else gets no honest vote; nothing is
 * remembered between calls, so each validator verifies each signature it meets.
 */
export function shardAccepts(shard: number, requireSigned = false): (bytes: Uint8Array) => boolean {
  return (bytes) => {
    try {
      const entry = decodeShardEntry(bytes);
      const trade = entry.kind === 'decision' ? entry.decision.trade : entry.trade;
      if (legOf(trade, shard) === undefined) return false;
      if (entry.kind === 'local' ? trade.legs.length !== 1 : trade.legs.length < 2) return false;
      if (entry.kind === 'decision') return true;
      if (entry.signature === undefined) return !requireSigned;
      return tradeSignatureValid(trade, entry.signature);
    } catch {
      return false;
    }
  };
}
