import { decodeExact, type Reader } from '../codec/reader.js';
import { varuintLength, Writer } from '../codec/writer.js';
import { type Receipt, readReceipt } from './block.js';

/**
 * How the ledger lays its records out in LevelDB. Every key starts with one ASCII letter naming
 * its kind; these letters are never reused for another kind.
 *
 *   M chain           → canonical chain parameters (block 0's evidence)
 *   M head            → height u64 ‖ block hash, the last complete block
 *   B height(u64 BE)  → block record: header bytes, transaction hashes, receipts
 *   H block hash      → height u64 (index by hash, derived and checked by verify)
 *   T tx hash         → height u64 ‖ index u32 ‖ transaction bytes
 *   S state key       → value (the state after the head block)
 *   F height(u64 BE)  → the block's commit proof (quorum signatures, src/sharding), when one is known
 *   Q height(u64 BE)  → the quorum proofs of the block's consensus batches (certificates, commits),
 *                       outside the block hash because validators hold different valid quorums
 */
export enum RecordKind {
  Meta = 0x4d,
  Block = 0x42,
  BlockByHash = 0x48,
  Transaction = 0x54,
  State = 0x53,
  CommitProof = 0x46,
  BatchProofs = 0x51,
}

export const META_CHAIN = metaKey('chain');
export const META_HEAD = metaKey('head');

function metaKey(name: string): Uint8Array {
  return new Uint8Array([RecordKind.Meta, ...new TextEncoder().encode(name)]);
}

function prefixed(kind: RecordKind, body: Uint8Array): Uint8Array {
  const key = new Uint8Array(1 + body.length);
  key[0] = kind;
  key.set(body, 1);
  return key;
}

export function heightBytes(height: number): Uint8Array {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(height));
  return new Uint8Array(bytes);
}

export const blockKey = (height: number) => prefixed(RecordKind.Block, heightBytes(height));
export const blockByHashKey = (hash: Uint8Array) => prefixed(RecordKind.BlockByHash, hash);
export const transactionKey = (hash: Uint8Array) => prefixed(RecordKind.Transaction, hash);
export const commitProofKey = (height: number) => prefixed(RecordKind.CommitProof, heightBytes(height));
export const batchProofsKey = (height: number) => prefixed(RecordKind.BatchProofs, heightBytes(height));
export const stateKey = (key: Uint8Array) => prefixed(RecordKind.State, key);

export interface HeadRecord {
  readonly height: number;
  readonly hash: Uint8Array;
}

export function encodeHead(head: HeadRecord): Uint8Array {
  return new Writer(48).u64(head.height).fixedBytes(head.hash, 32).finish();
}

export function decodeHead(bytes: Uint8Array): HeadRecord {
  return decodeExact(bytes, (r: Reader) => ({ height: r.u64(), hash: r.fixedBytes(32) }));
}

export interface BlockRecord {
  readonly headerBytes: Uint8Array;
  readonly txHashes: Uint8Array[];
  readonly receipts: Receipt[];
}

export const MAX_BLOCK_TRANSACTIONS = 100_000;

export function encodeBlockRecord(record: BlockRecord): Uint8Array {
  // Sized exactly, so the writer's buffer is the record and a block's tens of kilobytes are not copied.
  let length =
    varuintLength(record.headerBytes.length) +
    record.headerBytes.length +
    varuintLength(record.txHashes.length) +
    32 * record.txHashes.length +
    varuintLength(record.receipts.length);
  for (const receipt of record.receipts) {
    const code = receipt.code.length === 0 ? 0 : Buffer.byteLength(receipt.code, 'utf8');
    length += 1 + varuintLength(code) + code;
  }
  const writer = new Writer(length);
  writer.bytes(record.headerBytes);
  writer.varuint(record.txHashes.length);
  for (const hash of record.txHashes) writer.fixedBytes(hash, 32);
  writer.varuint(record.receipts.length);
  for (const receipt of record.receipts) writer.bool(receipt.ok).string(receipt.code);
  return writer.finish();
}

export function decodeBlockRecord(bytes: Uint8Array): BlockRecord {
  return decodeExact(bytes, (r: Reader) => ({
    headerBytes: r.bytesField(1024 * 1024),
    txHashes: r.array((x) => x.fixedBytes(32), MAX_BLOCK_TRANSACTIONS),
    receipts: r.array(readReceipt, MAX_BLOCK_TRANSACTIONS),
  }));
}

export interface TransactionRecord {
  readonly height: number;
  readonly index: number;
  readonly bytes: Uint8Array;
}

function transactionRecordLength(record: TransactionRecord): number {
  const length = record.bytes.length;
  return 12 + varuintLength(length) + length;
}

function writeTransactionRecord(writer: Writer, record: TransactionRecord): Writer {
  return writer.u64(record.height).u32(record.index).bytes(record.bytes);
}

export function encodeTransactionRecord(record: TransactionRecord): Uint8Array {
  // Sized exactly, so the writer's buffer is the record.
  return writeTransactionRecord(new Writer(transactionRecordLength(record)), record).finish();
}

/**
 * Each record as `encodeTransactionRecord` writes it, all in one buffer: a block's records cost
 * one allocation rather than one each. Every record returned is a view into that buffer.
 */
export function encodeTransactionRecords(records: readonly TransactionRecord[]): Uint8Array[] {
  let total = 0;
  for (const record of records) total += transactionRecordLength(record);
  const writer = new Writer(total);
  for (const record of records) writeTransactionRecord(writer, record);
  const all = writer.finish();
  const views: Uint8Array[] = [];
  let offset = 0;
  for (const record of records) {
    const end = offset + transactionRecordLength(record);
    views.push(all.subarray(offset, end));
    offset = end;
  }
  return views;
}

export function decodeTransactionRecord(bytes: Uint8Array): TransactionRecord {
  return decodeExact(bytes, (r: Reader) => ({
    height: r.u64(),
    index: r.u32(),
    bytes: r.bytesField(1024 * 1024),
  }));
}

export function encodeHeight(height: number): Uint8Array {
  return new Writer(8).u64(height).finish();
}

export function decodeHeight(bytes: Uint8Array): number {
  return decodeExact(bytes, (r: Reader) => r.u64());
}
