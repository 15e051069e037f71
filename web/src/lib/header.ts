/**
 * Re-derives a block's hash from the header fields the API returns (docs/LEDGER.md, "Blocks"), so
 * a header, and the roots it carries, are only trusted once they hash to the block's own hash.
 */
import { Writer } from './codec.js';
import { bytesEqual, fromHex } from './hex.js';
import { sha256 } from './sha256.js';

export interface HeaderFields {
  readonly hash: string;
  readonly chainId: string;
  readonly shardId: number;
  readonly height: number;
  readonly epoch: number;
  readonly timestampMs: number;
  readonly previousHash: string;
  readonly txRoot: string;
  readonly txCount: number;
  readonly receiptsRoot: string;
  readonly stateRoot: string;
  readonly randomness: string;
  readonly evidence: string;
}

const HEADER_VERSION = 1;

export function encodeHeader(h: HeaderFields): Uint8Array {
  return new Writer()
    .u8(HEADER_VERSION)
    .string(h.chainId)
    .u32(h.shardId)
    .u64(h.height)
    .u64(h.epoch)
    .u64(h.timestampMs)
    .fixed(fromHex(h.previousHash, 'previousHash'), 32)
    .fixed(fromHex(h.txRoot, 'txRoot'), 32)
    .u32(h.txCount)
    .fixed(fromHex(h.receiptsRoot, 'receiptsRoot'), 32)
    .fixed(fromHex(h.stateRoot, 'stateRoot'), 32)
    .fixed(fromHex(h.randomness, 'randomness'), 32)
    .bytes(fromHex(h.evidence, 'evidence'))
    .finish();
}

/** True when the fields hash to the stated block hash; false for any malformed field. */
export function headerMatchesHash(h: HeaderFields): boolean {
  try {
    return bytesEqual(sha256(encodeHeader(h)), fromHex(h.hash, 'hash'));
  } catch {
    return false;
  }
}
