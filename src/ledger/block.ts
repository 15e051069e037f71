import { decodeExact, type Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import type { SignatureScheme } from '../crypto/scheme.js';
import { MAX_CHAIN_ID_LENGTH } from './transaction.js';

/**
 * A block header commits to everything about its block: the chain before it (previousHash), its
 * transactions in order (txRoot), their outcomes (receiptsRoot), the state after them (stateRoot),
 * the consensus round's random number and the evidence that a quorum decided it.
 */
export interface BlockHeader {
  readonly chainId: string;
  readonly shardId: number;
  readonly height: number;
  readonly epoch: number;
  /** Milliseconds since the Unix epoch, as agreed by consensus (never a local clock). */
  readonly timestampMs: number;
  readonly previousHash: Uint8Array;
  readonly txRoot: Uint8Array;
  readonly txCount: number;
  readonly receiptsRoot: Uint8Array;
  readonly stateRoot: Uint8Array;
  /** The round's common-coin value (32 bytes). */
  readonly randomness: Uint8Array;
  /** Canonical bytes of the consensus certificate; empty for genesis and generated chains. */
  readonly evidence: Uint8Array;
}

export const BLOCK_HEADER_VERSION = 1;
export const HASH_BYTES = 32;
export const MAX_EVIDENCE_LENGTH = 256 * 1024;
export const ZERO_HASH = new Uint8Array(HASH_BYTES);

export function encodeBlockHeader(header: BlockHeader): Uint8Array {
  return new Writer(256 + header.evidence.length)
    .u8(BLOCK_HEADER_VERSION)
    .string(header.chainId)
    .u32(header.shardId)
    .u64(header.height)
    .u64(header.epoch)
    .u64(header.timestampMs)
    .fixedBytes(header.previousHash, HASH_BYTES)
    .fixedBytes(header.txRoot, HASH_BYTES)
    .u32(header.txCount)
    .fixedBytes(header.receiptsRoot, HASH_BYTES)
    .fixedBytes(header.stateRoot, HASH_BYTES)
    .fixedBytes(header.randomness, HASH_BYTES)
    .bytes(header.evidence)
    .finish();
}

export function readBlockHeader(reader: Reader): BlockHeader {
  reader.version([BLOCK_HEADER_VERSION], 'block header');
  return {
    chainId: reader.string(MAX_CHAIN_ID_LENGTH),
    shardId: reader.u32(),
    height: reader.u64(),
    epoch: reader.u64(),
    timestampMs: reader.u64(),
    previousHash: reader.fixedBytes(HASH_BYTES),
    txRoot: reader.fixedBytes(HASH_BYTES),
    txCount: reader.u32(),
    receiptsRoot: reader.fixedBytes(HASH_BYTES),
    stateRoot: reader.fixedBytes(HASH_BYTES),
    randomness: reader.fixedBytes(HASH_BYTES),
    evidence: reader.bytesField(MAX_EVIDENCE_LENGTH),
  };
}

export function decodeBlockHeader(bytes: Uint8Array): BlockHeader {
  return decodeExact(bytes, readBlockHeader);
}

export function blockHash(scheme: SignatureScheme, header: BlockHeader): Uint8Array {
  return scheme.hash(encodeBlockHeader(header));
}

/**
 * The outcome of one transaction. A transaction that consensus ordered but the application refused
 * (a stale nonce, a rule broken) stays in the block with its error code and changes no state, so
 * every node reaches the same state from the same order.
 */
export interface Receipt {
  readonly ok: boolean;
  /** Empty when ok; otherwise the typed error's code, such as `BAD_NONCE`. */
  readonly code: string;
}

export function encodeReceipt(receipt: Receipt): Uint8Array {
  return new Writer(16).bool(receipt.ok).string(receipt.code).finish();
}

export function readReceipt(reader: Reader): Receipt {
  return { ok: reader.bool(), code: reader.string(64) };
}
