import { toHex } from '../crypto/hash.js';
import { type SignatureScheme, schemeById } from '../crypto/scheme.js';
import { isGridShardError } from '../errors.js';
import type { Application } from './application.js';
import { type BlockHeader, blockHash, decodeBlockHeader, encodeBlockHeader, encodeReceipt } from './block.js';
import { executeBlock } from './executor.js';
import { type ChainParameters, decodeChainParameters, genesisHeader, genesisState } from './genesis.js';
import { merkleRoot } from './merkle.js';
import type { SignedTransaction } from './signed-transaction.js';
import type { SparseMerkleTree } from './sparse-merkle.js';
import { openDatabase } from './store.js';
import {
  blockByHashKey,
  blockKey,
  decodeBlockRecord,
  decodeHead,
  decodeHeight,
  decodeTransactionRecord,
  META_CHAIN,
  META_HEAD,
  RecordKind,
  transactionKey,
} from './store-layout.js';
import { decodeTransaction } from './transaction.js';

export type ProblemKind =
  | 'storage'
  | 'meta'
  | 'block'
  | 'transaction'
  | 'index'
  | 'state'
  | 'commit-proof'
  | 'unknown-record';

/**
 * Checks a stored commit proof against its block; the message of what is wrong, or null. The
 * ledger stores proofs as bytes it does not read: the caller knows the committee (src/sharding).
 */
export type CommitProofCheck = (
  height: number,
  proof: Uint8Array,
  block: { readonly hash: Uint8Array; readonly stateRoot: Uint8Array },
) => string | null;

export interface VerifyProblem {
  readonly kind: ProblemKind;
  readonly height?: number;
  /** Hex of the LevelDB key of the record at fault. */
  readonly key?: string;
  readonly message: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly chainId: string | null;
  readonly scheme: string | null;
  /** Height of the last block that checked out entirely; -1 when not even genesis did. */
  readonly verifiedHeight: number;
  readonly blocks: number;
  readonly transactions: number;
  readonly signaturesChecked: number;
  readonly stateKeys: number;
  readonly stateRoot: string | null;
  /** In the order found: the first is the first bad block or record. */
  readonly problems: VerifyProblem[];
}

function describe(error: unknown): string {
  return isGridShardError(error) ? `${error.code}: ${error.message}` : String(error);
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/**
 * Checks everything a ledger directory holds, trusting nothing in it: it replays the chain from
 * genesis through the application, recomputes every hash, Merkle root and state root, checks
 * every signature, checks each derived index against the chain and accounts for every record in
 * the database. Like `git fsck`, it reports rather than repairs.
 */
export async function verifyLedger(
  dir: string,
  application: Application,
  options: { maxProblems?: number; checkCommitProof?: CommitProofCheck } = {},
): Promise<VerifyReport> {
  const maxProblems = options.maxProblems ?? 20;
  const problems: VerifyProblem[] = [];
  const report = (problem: VerifyProblem) => {
    if (problems.length < maxProblems) problems.push(problem);
  };
  let params: ChainParameters | null = null;
  let scheme: SignatureScheme | null = null;
  let verifiedHeight = -1;
  let blocks = 0;
  let transactions = 0;
  let signaturesChecked = 0;
  let state: SparseMerkleTree | null = null;

  const db = openDatabase(dir, false);
  try {
    await db.open();
  } catch (error) {
    report({ kind: 'storage', message: `cannot open the database: ${describe(error)}` });
    return finish();
  }
  try {
    const chainBytes = await db.get(META_CHAIN);
    if (chainBytes === undefined) {
      report({ kind: 'meta', key: toHex(META_CHAIN), message: 'chain parameters record is missing' });
      return finish();
    }
    try {
      params = decodeChainParameters(chainBytes);
      scheme = schemeById(params.scheme);
    } catch (error) {
      report({
        kind: 'meta',
        key: toHex(META_CHAIN),
        message: `chain parameters do not decode: ${describe(error)}`,
      });
      return finish();
    }
    state = genesisState(scheme, params);
    const expectedBlockHashes = new Set<string>();
    const blockAt = new Map<number, { hash: Uint8Array; stateRoot: Uint8Array }>();
    const expectedTransactions = new Set<string>();
    const firstPositions = new Map<string, { height: number; index: number }>();
    let previous: { header: BlockHeader; hash: Uint8Array } | null = null;

    for (let height = 0; ; height++) {
      const key = blockKey(height);
      const bytes = await db.get(key);
      if (bytes === undefined) break;
      const problemsBefore = problems.length;
      const bad = (message: string, kind: ProblemKind = 'block', atKey: Uint8Array = key) =>
        report({ kind, height, key: toHex(atKey), message });
      let header: BlockHeader;
      let record: ReturnType<typeof decodeBlockRecord>;
      try {
        record = decodeBlockRecord(bytes);
        header = decodeBlockHeader(record.headerBytes);
      } catch (error) {
        bad(`block ${height} does not decode: ${describe(error)}`);
        break;
      }
      const hash = blockHash(scheme, header);
      expectedBlockHashes.add(toHex(hash));
      blockAt.set(height, { hash, stateRoot: header.stateRoot });
      if (header.height !== height) bad(`block stored at height ${height} says height ${header.height}`);
      if (header.chainId !== params.chainId || header.shardId !== params.shardId) {
        bad(`block ${height} names chain ${header.chainId} shard ${header.shardId}`);
      }
      if (height === 0) {
        if (!same(encodeBlockHeader(header), encodeBlockHeader(genesisHeader(scheme, params)))) {
          bad('genesis block does not match the chain parameters');
        }
      } else if (previous !== null) {
        if (!same(header.previousHash, previous.hash))
          bad(`block ${height} does not link to block ${height - 1}`);
        if (header.timestampMs < previous.header.timestampMs) bad(`block ${height} is older than its parent`);
      }
      if (record.txHashes.length !== header.txCount || record.receipts.length !== header.txCount) {
        bad(
          `block ${height} lists ${record.txHashes.length} transactions and ${record.receipts.length} receipts, header says ${header.txCount}`,
        );
      }
      if (!same(merkleRoot(scheme.hash, record.txHashes), header.txRoot)) {
        bad(`block ${height}: transaction Merkle root does not match the header`);
      }
      const txs: SignedTransaction[] = [];
      for (const [index, txHash] of record.txHashes.entries()) {
        const txKey = transactionKey(txHash);
        expectedTransactions.add(toHex(txHash));
        const stored = await db.get(txKey);
        if (stored === undefined) {
          bad(`transaction ${toHex(txHash)} of block ${height} is missing`, 'transaction', txKey);
          continue;
        }
        try {
          const located = decodeTransactionRecord(stored);
          const first = firstPositions.get(toHex(txHash));
          if (first === undefined) firstPositions.set(toHex(txHash), { height, index });
          const expected = first ?? { height, index };
          if (located.height !== expected.height || located.index !== expected.index) {
            bad(
              `transaction ${toHex(txHash)} is indexed at ${located.height}/${located.index}, the chain first has it at ${expected.height}/${expected.index}`,
              'index',
              txKey,
            );
          }
          if (!same(scheme.hash(located.bytes), txHash)) {
            bad(`transaction ${toHex(txHash)}: stored bytes do not hash to it`, 'transaction', txKey);
            continue;
          }
          const tx = decodeTransaction(located.bytes, scheme);
          txs.push({ tx, bytes: located.bytes, hash: txHash, signatureChecked: false });
        } catch (error) {
          bad(`transaction ${toHex(txHash)} of block ${height}: ${describe(error)}`, 'transaction', txKey);
        }
      }
      transactions += record.txHashes.length;
      if (height > 0 && txs.length === record.txHashes.length) {
        const execution = executeBlock(state, {
          scheme,
          application,
          chainId: params.chainId,
          shardId: params.shardId,
          height,
          timestampMs: header.timestampMs,
          randomness: header.randomness,
          transactions: txs,
          // Replay checks every signature again: one that fails must carry its refusal receipt.
          verifySignatures: true,
        });
        signaturesChecked += txs.length;
        if (!same(execution.receiptsRoot, header.receiptsRoot))
          bad(`block ${height}: receipts root does not match replay`);
        else if (!same(merkleRoot(scheme.hash, record.receipts.map(encodeReceipt)), header.receiptsRoot)) {
          bad(`block ${height}: stored receipts do not match the header`);
        }
        if (!same(execution.stateRoot, header.stateRoot))
          bad(`block ${height}: state root does not match replay`);
      } else if (height === 0 && !same(state.root(), header.stateRoot)) {
        bad('genesis state root does not match the initial state');
      }
      const byHash = await db.get(blockByHashKey(hash));
      if (byHash === undefined || decodeHeight(byHash) !== height) {
        bad(`hash index of block ${height} is missing or wrong`, 'index', blockByHashKey(hash));
      }
      blocks++;
      if (problems.length > problemsBefore) break;
      verifiedHeight = height;
      previous = { header, hash };
    }

    const headBytes = await db.get(META_HEAD);
    try {
      if (headBytes === undefined) throw new Error('missing');
      const head = decodeHead(headBytes);
      if (previous === null || head.height !== previous.header.height || !same(head.hash, previous.hash)) {
        report({
          kind: 'meta',
          key: toHex(META_HEAD),
          message: `head record (height ${head.height}) is not the last stored block`,
        });
      }
    } catch (error) {
      report({ kind: 'meta', key: toHex(META_HEAD), message: `head record is bad: ${describe(error)}` });
    }

    let stateKeys = 0;
    for await (const [key, value] of db.iterator()) {
      const kind = key[0];
      const body = key.subarray(1);
      if (kind === RecordKind.State) {
        stateKeys++;
        const replayed = state.get(body);
        if (replayed === undefined || !same(replayed, value)) {
          report({
            kind: 'state',
            key: toHex(key),
            message: 'stored state record differs from the replayed state',
          });
        }
      } else if (kind === RecordKind.Block) {
        if (body.length !== 8 || Buffer.from(body).readBigUInt64BE() > BigInt(verifiedHeight + 1)) {
          report({ kind: 'unknown-record', key: toHex(key), message: 'block record beyond the chain' });
        }
      } else if (kind === RecordKind.BlockByHash) {
        if (!expectedBlockHashes.has(toHex(body))) {
          report({
            kind: 'index',
            key: toHex(key),
            message: 'hash index entry for a block not in the chain',
          });
        }
      } else if (kind === RecordKind.Transaction) {
        if (!expectedTransactions.has(toHex(body))) {
          report({ kind: 'transaction', key: toHex(key), message: 'transaction record not in any block' });
        }
      } else if (kind === RecordKind.CommitProof) {
        const block =
          body.length === 8 ? blockAt.get(Number(Buffer.from(body).readBigUInt64BE())) : undefined;
        if (block === undefined) {
          report({
            kind: 'commit-proof',
            key: toHex(key),
            message: 'commit proof for a block not in the chain',
          });
        } else {
          const problem = options.checkCommitProof?.(
            Number(Buffer.from(body).readBigUInt64BE()),
            value,
            block,
          );
          if (problem !== null && problem !== undefined)
            report({ kind: 'commit-proof', key: toHex(key), message: problem });
        }
      } else if (kind === RecordKind.BatchProofs) {
        // Checked against the committee by whoever reads them (the follower, the credit audit);
        // here only that they belong to a block of the chain.
        if (body.length !== 8 || !blockAt.has(Number(Buffer.from(body).readBigUInt64BE()))) {
          report({
            kind: 'unknown-record',
            key: toHex(key),
            message: 'batch proofs for a block not in the chain',
          });
        }
      } else if (!(same(key, META_CHAIN) || same(key, META_HEAD))) {
        report({ kind: 'unknown-record', key: toHex(key), message: 'record of unknown kind' });
      }
    }
    if (stateKeys !== state.size) {
      report({
        kind: 'state',
        message: `store holds ${stateKeys} state records, replay gives ${state.size}`,
      });
    }
  } catch (error) {
    report({ kind: 'storage', message: `read failed: ${describe(error)}` });
  } finally {
    await db.close();
  }
  return finish();

  function finish(): VerifyReport {
    return {
      ok: problems.length === 0,
      chainId: params?.chainId ?? null,
      scheme: params?.scheme ?? null,
      verifiedHeight,
      blocks,
      transactions,
      signaturesChecked,
      stateKeys: state?.size ?? 0,
      stateRoot: state === null ? null : toHex(state.root()),
      problems,
    };
  }
}
