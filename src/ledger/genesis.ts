import { decodeExact, type Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { compareBytes } from '../crypto/hash.js';
import { type SchemeId, type SignatureScheme, schemeById } from '../crypto/scheme.js';
import { type BlockHeader, ZERO_HASH } from './block.js';
import { LedgerError } from './errors.js';
import { merkleRoot } from './merkle.js';
import { SparseMerkleTree } from './sparse-merkle.js';
import { MAX_CHAIN_ID_LENGTH } from './transaction.js';

/**
 * What a chain is fixed to at birth. Its canonical bytes are the evidence of block 0, so the
 * genesis block's hash, and through it every later block, commits to the chain id, the shard and
 * the crypto scheme.
 */
export interface ChainParameters {
  readonly chainId: string;
  readonly shardId: number;
  readonly scheme: SchemeId;
  readonly genesisTimeMs: number;
  /**
   * The state before block 1, in strictly ascending key order (the contracts' genesis records,
   * such as the market's configuration). Part of block 0, so every replica starts identical.
   */
  readonly initialState?: readonly StateEntry[];
}

export interface StateEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export const MAX_INITIAL_STATE_ENTRIES = 100_000;

const GENESIS_VERSION = 1;

export function encodeChainParameters(params: ChainParameters): Uint8Array {
  return new Writer(96)
    .u8(GENESIS_VERSION)
    .string(params.chainId)
    .u32(params.shardId)
    .string(params.scheme)
    .u64(params.genesisTimeMs)
    .array(params.initialState ?? [], (w, entry) => w.bytes(entry.key).bytes(entry.value))
    .finish();
}

export function decodeChainParameters(bytes: Uint8Array): ChainParameters {
  return decodeExact(bytes, (reader: Reader) => {
    reader.version([GENESIS_VERSION], 'chain parameters');
    const chainId = reader.string(MAX_CHAIN_ID_LENGTH);
    const shardId = reader.u32();
    const scheme = schemeById(reader.string(32)).id;
    const genesisTimeMs = reader.u64();
    const initialState = reader.array(
      (r) => ({ key: r.bytesField(1024), value: r.bytesField(1024 * 1024) }),
      MAX_INITIAL_STATE_ENTRIES,
    );
    checkInitialState(initialState);
    return { chainId, shardId, scheme, genesisTimeMs, initialState };
  });
}

export function validateChainParameters(params: ChainParameters): void {
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(params.chainId)) {
    throw new LedgerError(
      'INVALID_PAYLOAD',
      'chain id must be 1-64 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit',
      { chainId: params.chainId },
    );
  }
  if (!Number.isInteger(params.shardId) || params.shardId < 0 || params.shardId > 0xffffffff) {
    throw new LedgerError('INVALID_PAYLOAD', 'shard id must be an integer 0..2^32-1', {});
  }
  if (!Number.isSafeInteger(params.genesisTimeMs) || params.genesisTimeMs < 0) {
    throw new LedgerError(
      'INVALID_PAYLOAD',
      'genesis time must be a non-negative integer of milliseconds',
      {},
    );
  }
  schemeById(params.scheme);
  checkInitialState(params.initialState ?? []);
}

function checkInitialState(entries: readonly StateEntry[]): void {
  for (let i = 1; i < entries.length; i++) {
    if (compareBytes(entries[i - 1]!.key, entries[i]!.key) >= 0) {
      throw new LedgerError('INVALID_PAYLOAD', 'initial state keys must be unique and in ascending order', {
        index: i,
      });
    }
  }
}

/** The state a chain starts from: its initial entries in a fresh authenticated tree. */
export function genesisState(scheme: SignatureScheme, params: ChainParameters): SparseMerkleTree {
  const tree = new SparseMerkleTree(scheme.hash);
  for (const { key, value } of params.initialState ?? []) tree.set(key, value);
  return tree;
}

export function genesisHeader(scheme: SignatureScheme, params: ChainParameters): BlockHeader {
  return {
    chainId: params.chainId,
    shardId: params.shardId,
    height: 0,
    epoch: 0,
    timestampMs: params.genesisTimeMs,
    previousHash: ZERO_HASH,
    txRoot: merkleRoot(scheme.hash, []),
    txCount: 0,
    receiptsRoot: merkleRoot(scheme.hash, []),
    stateRoot: genesisState(scheme, params).root(),
    randomness: ZERO_HASH,
    evidence: encodeChainParameters(params),
  };
}
