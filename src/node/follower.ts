import { existsSync } from 'node:fs';
import { verifyVertexProof } from '../consensus/dag/evidence.js';
import type { Committee } from '../consensus/interface.js';
import { verifyCommitProof } from '../consensus/pbft/evidence.js';
import { bytesEqual, fromHex, toHex } from '../crypto/hash.js';
import { ed25519Scheme } from '../crypto/scheme.js';
import type { Application } from '../ledger/application.js';
import { LedgerStore } from '../ledger/store.js';
import { decodeTransaction } from '../ledger/transaction.js';
import {
  type CommitStatement,
  decodeCommitProof,
  verifyCommitProof as verifyShardCommitProof,
} from '../sharding/index.js';
import {
  type BlockEvidence,
  batchEntries,
  decodeBlockEvidence,
  decodeBlockProof,
} from '../validator/evidence.js';
import type { ChainSource } from './chain-source.js';
import { committeeOfEpoch } from './epoch-committee.js';
import { NodeError } from './errors.js';
import {
  type ConsensusName,
  chainParametersOf,
  committeeOf,
  consensusOf,
  type GenesisFile,
} from './genesis-file.js';

export interface FollowResult {
  readonly height: number;
  readonly headHash: string;
  readonly blocksAdded: number;
  /** Batches whose quorum certificate was checked against the block's transactions. */
  readonly certifiedBatches: number;
  /** Blocks copied without a certificate check (old evidence that has no batch layout). */
  readonly uncertifiedBlocks: number;
  /**
   * The highest block held here that 2f + 1 of its epoch's committee signed as final (its commit
   * proof, checked); every block below it is final too, through the hash links. Null when the
   * source showed no proof for the newest blocks.
   */
  readonly finalHeight: number | null;
}

/** Below the head, how many blocks are asked for a commit proof (they complete a moment later). */
const FINAL_PROOF_LOOKBACK = 16;

/**
 * A common node: it takes no part in consensus, it copies the chain from a validator's API and
 * trusts nothing it copies. Each block is re-executed from genesis with the block's own time,
 * randomness and evidence; the header this produces must hash to the source's block hash, which
 * commits to the previous block, the transactions, their receipts and the state root. A block
 * that differs is not written (BLOCK_MISMATCH), so the local ledger ends at the last good block.
 *
 * Before a block is executed, every batch in it must come with a quorum proof of the committee of
 * the block's epoch (genesis's, or on a chain that hands over, the one the chain's own state
 * recorded for that epoch, as re-executed here), in the chain's protocol (the block's batch proofs, served beside it because they are
 * outside its hash): the proof must name the vertex or batch the block's evidence records, and the
 * batch rebuilt from the block's transactions and the evidence's layout must hash to the digest
 * that 2f + 1 validators signed (BAD_CERTIFICATE otherwise): the
 * vertex digest they voted for (DAG), or the batch digest they committed to at that sequence
 * (PBFT). So a source cannot invent, alter or drop a transaction of a certified batch. Under the
 * DAG this does not prove the order of the batches (that a leader's commit put them there); that
 * needs the DAG itself. PBFT commits name their sequence, so there the order is proven too.
 */
export async function followChain(options: {
  readonly genesis: GenesisFile;
  readonly dataDir: string;
  readonly source: ChainSource;
  readonly application: Application;
  readonly until?: number;
}): Promise<FollowResult> {
  const params = chainParametersOf(options.genesis);
  const store = existsSync(options.dataDir)
    ? await LedgerStore.open(options.dataDir, options.application)
    : await LedgerStore.create(options.dataDir, params, options.application);
  let added = 0;
  let certifiedBatches = 0;
  let uncertifiedBlocks = 0;
  const genesisCommittee = committeeOf(options.genesis);
  const consensus = consensusOf(options.genesis);
  try {
    const genesisAtSource = await options.source.block(0);
    if (genesisAtSource === null || genesisAtSource.hash !== toHex(await headHashAt(store, 0))) {
      throw new NodeError(
        'BAD_GENESIS',
        'the source serves another chain (block 0 differs from our genesis)',
        {},
      );
    }
    for (;;) {
      const height = store.head.height + 1;
      if (options.until !== undefined && height > options.until) break;
      const block = await options.source.block(height);
      if (block === null) break;
      const raw = await options.source.blockTransactions(height);
      if (raw === null || raw.hash !== block.hash) break;
      const rawBytes = raw.transactions.map((hex) => fromHex(hex));
      const batchProofs = raw.batchProofs === undefined ? undefined : fromHex(raw.batchProofs);
      const checked = checkCertificates(
        consensus,
        committeeOfBlock(store, genesisCommittee, height, Number(block.epoch)),
        height,
        fromHex(String(block.evidence)),
        rawBytes,
        batchProofs,
      );
      if (checked === null) uncertifiedBlocks++;
      else certifiedBatches += checked;
      const transactions = rawBytes.map((bytes) => decodeTransaction(bytes, ed25519Scheme));
      await store.append(transactions, {
        timestampMs: Number(block.timestampMs),
        epoch: Number(block.epoch),
        randomness: fromHex(String(block.randomness)),
        evidence: fromHex(String(block.evidence)),
        expectedHash: fromHex(String(block.hash)),
        ...(batchProofs === undefined ? {} : { batchProofs }),
      });
      added++;
    }
    return {
      height: store.head.height,
      headHash: toHex(store.head.hash),
      blocksAdded: added,
      certifiedBatches,
      uncertifiedBlocks,
      finalHeight: await provenFinalHeight(options.genesis, genesisCommittee, store, options.source),
    };
  } finally {
    await store.close();
  }
}

/**
 * The batch certificates prove what each batch holds, not (under the DAG) that a leader's commit
 * put the batches in this order; a commit proof does: 2f + 1 validators signed this block's hash
 * and state root, and the hash commits to every block before it. The newest block held here that
 * has one is looked for; a proof that does not verify, or names another block or state than the
 * one re-executed here, is refused (BAD_COMMIT_PROOF). Nothing is written either way.
 */
async function provenFinalHeight(
  genesis: GenesisFile,
  genesisCommittee: Committee,
  store: LedgerStore,
  source: ChainSource,
): Promise<number | null> {
  if (source.commitProof === undefined) return null;
  const head = store.head.height;
  for (let height = head; height > Math.max(0, head - FINAL_PROOF_LOOKBACK); height--) {
    const answer = await source.commitProof(height);
    if (answer === null) continue;
    const bad = (message: string) =>
      new NodeError('BAD_COMMIT_PROOF', `block ${height}: ${message}`, { height });
    const held = await store.readBlock(height);
    if (held === undefined) throw bad('not in the local ledger');
    let statement: CommitStatement;
    try {
      const proof = decodeCommitProof(fromHex(answer.proof));
      verifyShardCommitProof(proof, committeeOfBlock(store, genesisCommittee, height, held.header.epoch));
      statement = proof.statement;
    } catch (error) {
      throw bad((error as Error).message);
    }
    if (
      statement.chainId !== genesis.chainId ||
      statement.shardId !== genesis.shardId ||
      statement.height !== height
    )
      throw bad(
        `the proof is for ${statement.chainId} shard ${statement.shardId} height ${statement.height}`,
      );
    if (
      !bytesEqual(statement.blockHash, held.hash) ||
      !bytesEqual(statement.stateRoot, held.header.stateRoot)
    )
      throw bad('the committee signed another block than the one re-executed here');
    return height;
  }
  return null;
}

/** The committee of a block's epoch; a block naming an epoch the chain never reached is refused. */
function committeeOfBlock(store: LedgerStore, genesis: Committee, height: number, epoch: number): Committee {
  const committee = committeeOfEpoch(store, genesis, epoch);
  if (committee !== null) return committee;
  throw new NodeError(
    'BAD_CERTIFICATE',
    `block ${height} names epoch ${epoch}, which the chain has not handed over to`,
    { height, epoch },
  );
}

async function headHashAt(store: LedgerStore, height: number): Promise<Uint8Array> {
  const block = await store.readBlock(height);
  if (block === undefined) throw new NodeError('NOT_FOUND', `no block ${height} in the local ledger`, {});
  return block.hash;
}

/**
 * Checks every batch certificate of a block against its transactions; returns how many batches
 * were checked, or null for evidence without batch layouts (written before they existed).
 */
export function checkCertificates(
  consensus: ConsensusName,
  committee: Committee,
  height: number,
  evidenceBytes: Uint8Array,
  transactions: readonly Uint8Array[],
  batchProofs: Uint8Array | undefined,
): number | null {
  let evidence: BlockEvidence;
  try {
    evidence = decodeBlockEvidence(evidenceBytes);
  } catch (error) {
    throw new NodeError(
      'BAD_CERTIFICATE',
      `block ${height}: evidence is malformed: ${(error as Error).message}`,
      {
        height,
      },
    );
  }
  if (evidence.batches.some((b) => b.layout === undefined)) return null;
  const entries = batchEntries(evidence, transactions);
  if (entries === null) {
    throw new NodeError(
      'BAD_CERTIFICATE',
      `block ${height}: evidence does not account for its transactions`,
      {
        height,
      },
    );
  }
  let proofs: Uint8Array[];
  try {
    if (batchProofs === undefined) throw new Error('the source sent none');
    proofs = decodeBlockProof(batchProofs);
    if (proofs.length !== evidence.batches.length)
      throw new Error(`${proofs.length} proofs for ${evidence.batches.length} batches`);
  } catch (error) {
    throw new NodeError('BAD_CERTIFICATE', `block ${height}: batch proofs: ${(error as Error).message}`, {
      height,
    });
  }
  evidence.batches.forEach((batch, i) => {
    try {
      if (consensus === 'pbft') {
        // A PBFT batch's round is its sequence in PBFT's own order, which the commits sign.
        verifyCommitProof(committee, batch.certificate, proofs[i]!, {
          sequence: batch.round,
          proposer: batch.proposer,
          transactions: entries[i]!,
        });
        return;
      }
      const certificate = verifyVertexProof(committee, batch.certificate, proofs[i]!, entries[i]!);
      if (certificate.author !== batch.proposer || certificate.round !== batch.round) {
        throw new Error(`it names validator ${certificate.author} in round ${certificate.round}`);
      }
    } catch (error) {
      throw new NodeError(
        'BAD_CERTIFICATE',
        `block ${height}, batch ${batch.sequence}: ${(error as Error).message}`,
        { height, sequence: batch.sequence },
      );
    }
  });
  return evidence.batches.length;
}
