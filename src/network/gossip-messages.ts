import { decodeExact, MAX_CHAIN_ID_LENGTH, Writer } from '../codec/index.js';
import { NetworkError } from './errors.js';

/**
 * What travels on the gossip topics. Each message is the canonical encoding of one versioned
 * record, checked for size before it is parsed and decoded strictly (no trailing bytes, no unknown
 * version, the chain and shard of the topic), so anything else is refused as a whole.
 */

/** A validator's notice that it wrote a block: a hint to fetch it, never trusted as its content. */
export interface BlockAnnouncement {
  readonly chainId: string;
  readonly shardId: number;
  readonly height: number;
  readonly blockHash: Uint8Array;
  readonly stateRoot: Uint8Array;
  readonly txCount: number;
  readonly timestampMs: number;
}

const ANNOUNCEMENT_VERSION = 1;
const TX_GOSSIP_VERSION = 1;
/** Version, chain id (length + up to 64 bytes), shard, height, two hashes, count, time. */
export const MAX_ANNOUNCEMENT_BYTES = 1 + 1 + MAX_CHAIN_ID_LENGTH + 4 + 8 + 32 + 32 + 4 + 8;
/** The mempool's own limit for one transaction. */
export const MAX_GOSSIP_TX_BYTES = 70 * 1024;
const MAX_TX_MESSAGE_BYTES = 1 + 3 + MAX_GOSSIP_TX_BYTES;

export interface ChainShard {
  readonly chainId: string;
  readonly shardId: number;
}

function tooLarge(what: string, length: number, limit: number): NetworkError {
  return new NetworkError('MESSAGE_TOO_LARGE', `${what} of ${length} bytes exceeds ${limit}`, {
    length,
    limit,
  });
}

export function encodeBlockAnnouncement(a: BlockAnnouncement): Uint8Array {
  const w = new Writer(MAX_ANNOUNCEMENT_BYTES);
  w.u8(ANNOUNCEMENT_VERSION)
    .string(a.chainId)
    .u32(a.shardId)
    .u64(a.height)
    .fixedBytes(a.blockHash, 32)
    .fixedBytes(a.stateRoot, 32)
    .u32(a.txCount)
    .u64(a.timestampMs);
  const bytes = w.finish();
  if (bytes.length > MAX_ANNOUNCEMENT_BYTES)
    throw tooLarge('announcement', bytes.length, MAX_ANNOUNCEMENT_BYTES);
  return bytes;
}

/** Throws CodecError for malformed bytes, NetworkError for a size or a chain that does not fit. */
export function decodeBlockAnnouncement(bytes: Uint8Array, expected: ChainShard): BlockAnnouncement {
  if (bytes.length > MAX_ANNOUNCEMENT_BYTES)
    throw tooLarge('announcement', bytes.length, MAX_ANNOUNCEMENT_BYTES);
  const a = decodeExact(bytes, (r) => {
    r.version([ANNOUNCEMENT_VERSION], 'block announcement');
    return {
      chainId: r.string(MAX_CHAIN_ID_LENGTH),
      shardId: r.u32(),
      height: r.u64(),
      blockHash: r.fixedBytes(32),
      stateRoot: r.fixedBytes(32),
      txCount: r.u32(),
      timestampMs: r.u64(),
    };
  });
  if (a.chainId !== expected.chainId || a.shardId !== expected.shardId) {
    throw new NetworkError('BAD_MESSAGE', `announcement for ${a.chainId}/${a.shardId} on another topic`, {
      chainId: a.chainId,
      shardId: a.shardId,
    });
  }
  // Block 0 is genesis, which is never announced: every node has it from the start.
  if (a.height < 1) throw new NetworkError('BAD_MESSAGE', 'announcement of block 0', {});
  return a;
}

/** Wraps a signed transaction's canonical bytes; the transaction itself is checked by the mempool. */
export function encodeTxGossip(transaction: Uint8Array): Uint8Array {
  if (transaction.length > MAX_GOSSIP_TX_BYTES)
    throw tooLarge('transaction', transaction.length, MAX_GOSSIP_TX_BYTES);
  return new Writer(transaction.length + 8).u8(TX_GOSSIP_VERSION).bytes(transaction).finish();
}

export function decodeTxGossip(bytes: Uint8Array): Uint8Array {
  if (bytes.length > MAX_TX_MESSAGE_BYTES)
    throw tooLarge('transaction message', bytes.length, MAX_TX_MESSAGE_BYTES);
  const transaction = decodeExact(bytes, (r) => {
    r.version([TX_GOSSIP_VERSION], 'transaction message');
    return r.bytesField(MAX_GOSSIP_TX_BYTES);
  });
  if (transaction.length === 0) throw new NetworkError('BAD_MESSAGE', 'empty transaction', {});
  return transaction;
}
