import { bytesEqual, fromHex } from '../crypto/hash.js';
import { ed25519Scheme } from '../crypto/scheme.js';
import { blockHash } from '../ledger/block.js';
import type { LedgerStore } from '../ledger/store.js';
import { decodeTransaction } from '../ledger/transaction.js';
import { decodeCommitProof, verifyCommitProof } from '../sharding/index.js';
import { decodeBlockEvidence } from '../validator/evidence.js';
import { headerFromJson } from './block-json.js';
import { committeeOfEpoch } from './epoch-committee.js';
import { checkCertificates } from './follower.js';
import { committeeOf, consensusOf, type GenesisFile } from './genesis-file.js';
import { chainNodesOf } from './genesis-handover.js';

/** Below a peer's head, how many blocks are looked at for one whose commit proof is collected. */
const PROOF_LOOKBACK = 16;

/**
 * Where an order stands: the last consensus sequence of an epoch (each epoch's core numbers its
 * batches from 0, so a sequence means nothing without its epoch).
 */
export interface OrderedPoint {
  readonly epoch: number;
  readonly sequence: number;
}

export interface CatchUpInit {
  readonly store: LedgerStore;
  readonly genesis: GenesisFile;
  /** This node's index among the chain's nodes: its own API is not asked. */
  readonly self: number;
  /** GETs a JSON answer from a peer's API path; undefined for a 404; rejects on any other failure. */
  readonly get: (api: string, path: string) => Promise<unknown>;
  /**
   * The last sequence this validator's consensus can replay from its own snapshot, and its epoch;
   * in a later epoch it can replay nothing.
   */
  readonly ordered: OrderedPoint;
  /** Copy only when a peer's final head is at least this many batches past `ordered`. */
  readonly minGapBatches: number;
  /** Peers not to ask (one that served a block not re-executing to its proven hash). */
  readonly skip?: ReadonlySet<number>;
  readonly log: { info(fields: object, message: string): void; warn(fields: object, message: string): void };
}

export interface CatchUpResult {
  /** Blocks copied into the ledger. */
  readonly copied: number;
  /** The last consensus sequence the ledger now holds, and its epoch. */
  readonly ordered: OrderedPoint;
}

/**
 * Brings a validator's ledger up to its peers' before its consensus starts, when its snapshot is
 * so old that the peers no longer retain the batches it would have to order again (they keep a
 * window, docs/CONSENSUS.md). Asks the peers in turn, trusting none of them:
 *
 * 1. the peer's newest block with a commit proof, checked against the committee of its epoch
 *    (genesis's, or on a chain that hands over, the one this ledger's state recorded for that
 *    epoch; a block of an epoch this ledger has not reached is passed over);
 * 2. the headers from there down to this ledger's head, each hashing to the previous one's
 *    `previousHash` and the top one to the block the proof signs, so every block is final before
 *    any is written;
 * 3. each block's transactions with its batch proofs, checked as a common node checks them, and
 *    re-executed to exactly the proven hash.
 *
 * Returns null when no peer is far enough ahead, or none could be read (consensus then catches up
 * as usual, if it can); else how far the ledger got: the blocks copied from the peer with the
 * highest proven head and, if it stopped answering, from the next. A block that does not
 * re-execute to its proven hash stops the copy with the blocks before it kept
 * (CatchUpStoreFailure, thrown): the caller reopens the store and tries again without that peer.
 */
export async function catchUpFromPeers(init: CatchUpInit): Promise<CatchUpResult | null> {
  const { genesis, store } = init;
  const startHeight = store.head.height;
  const unanswered: string[] = [];
  // Every peer's proven head first: the highest is copied, so a peer that shows an old one (true,
  // but stale) cannot hold the copy back; the others are the fallback, highest first.
  const heads: { index: number; api: string; height: number; hash: Uint8Array; ordered: OrderedPoint }[] = [];
  for (const peer of chainNodesOf(genesis)) {
    if (peer.index === init.self || init.skip?.has(peer.index)) continue;
    try {
      const head = await provenHead(init, peer.api);
      if (head !== null) heads.push({ index: peer.index, api: peer.api, ...head });
    } catch (error) {
      unanswered.push(`validator ${peer.index}: ${(error as Error).message}`);
    }
  }
  heads.sort((a, b) => b.height - a.height || a.index - b.index);
  for (const target of heads) {
    const own = store.head;
    if (target.height <= own.height || batchesPast(target.ordered, init.ordered) < init.minGapBatches) break;
    try {
      init.log.info(
        { peer: target.index, from: own.height + 1, to: target.height, ...target.ordered },
        'copying final blocks from a peer: this validator is behind what its peers retain',
      );
      const hashes = await linkedHashes(init, target.api, target.height, target.hash);
      for (let height = own.height + 1; height <= target.height; height++) {
        await copyBlock(init, target.api, height, hashes.get(height)!);
      }
      break;
    } catch (error) {
      if (isStoreFailure(error)) throw new CatchUpStoreFailure(target.index, error as Error);
      unanswered.push(`validator ${target.index}: ${(error as Error).message}`);
    }
  }
  // Peers starting at the same moment do not answer yet: that is the common case, not a warning.
  if (unanswered.length > 0 && store.head.height === startHeight)
    init.log.info({ peers: unanswered }, 'no peer gave final blocks to copy; consensus catches up by itself');
  if (store.head.height === startHeight) return null;
  return { copied: store.head.height - startHeight, ordered: orderedThroughOf(store) };
}

/** The epoch and consensus sequence of the ledger's head block. */
export function orderedThroughOf(store: Pick<LedgerStore, 'headBlockHeader'>): OrderedPoint {
  const header = store.headBlockHeader;
  return { epoch: header.epoch, sequence: decodeBlockEvidence(header.evidence).sequence };
}

/** How many batches `target` holds that a core standing at `ordered` cannot order again by itself. */
function batchesPast(target: OrderedPoint, ordered: OrderedPoint): number {
  if (target.epoch < ordered.epoch) return 0;
  return target.epoch === ordered.epoch ? target.sequence - ordered.sequence : target.sequence + 1;
}

/**
 * A peer's block did not re-execute to its proven hash: the store must be reopened (its memory ran
 * ahead of its disk), and that peer passed over in the next attempt.
 */
export class CatchUpStoreFailure extends Error {
  constructor(
    readonly peer: number,
    cause: Error,
  ) {
    super(`validator ${peer} served a block that does not re-execute to its proven hash: ${cause.message}`, {
      cause,
    });
  }
}

function isStoreFailure(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'BLOCK_MISMATCH' || code === 'STORE_CLOSED';
}

async function fetchJson(init: CatchUpInit, api: string, path: string): Promise<unknown> {
  const answer = await init.get(api, path);
  if (answer === undefined) throw new Error(`${path}: not found`);
  return answer;
}

/**
 * The peer's newest block whose commit proof it holds, checked against the committee of the
 * block's epoch as this ledger recorded it; null if none is near its head. A block of an epoch
 * this ledger has not reached is passed over: its committee is not known here yet.
 */
async function provenHead(
  init: CatchUpInit,
  api: string,
): Promise<{ height: number; hash: Uint8Array; ordered: OrderedPoint } | null> {
  const status = (await fetchJson(init, api, '/api/v1/status')) as { height?: unknown };
  if (typeof status.height !== 'number' || !Number.isSafeInteger(status.height) || status.height < 0)
    throw new Error('the status names no height');
  const genesisCommittee = committeeOf(init.genesis);
  for (let height = status.height; height > Math.max(0, status.height - PROOF_LOOKBACK); height--) {
    const answer = (await init.get(api, `/api/v1/blocks/${height}/commit-proof`)) as
      | { proof?: unknown }
      | undefined;
    if (answer === undefined) continue;
    if (typeof answer.proof !== 'string') throw new Error('a commit proof that is not hex');
    const header = headerFromJson(await fetchJson(init, api, `/api/v1/blocks/${height}`));
    const committee = committeeOfEpoch(init.store, genesisCommittee, header.epoch);
    if (committee === null) continue;
    const proof = decodeCommitProof(fromHex(answer.proof));
    verifyCommitProof(proof, committee);
    const { statement } = proof;
    if (statement.chainId !== init.genesis.chainId || statement.height !== height)
      throw new Error(`the proof is for ${statement.chainId} height ${statement.height}`);
    if (!bytesEqual(blockHash(ed25519Scheme, header), statement.blockHash))
      throw new Error(`block ${height} is not the block the committee signed`);
    return {
      height,
      hash: statement.blockHash,
      ordered: { epoch: header.epoch, sequence: decodeBlockEvidence(header.evidence).sequence },
    };
  }
  return null;
}

/** Every header from `top` down to the ledger's head, linked by hash: height → hash. */
async function linkedHashes(
  init: CatchUpInit,
  api: string,
  top: number,
  topHash: Uint8Array,
): Promise<Map<number, Uint8Array>> {
  const hashes = new Map<number, Uint8Array>();
  let expected = topHash;
  const own = init.store.head;
  for (let height = top; height > own.height; height--) {
    const header = headerFromJson(await fetchJson(init, api, `/api/v1/blocks/${height}`));
    const hash = blockHash(ed25519Scheme, header);
    if (header.height !== height || !bytesEqual(hash, expected))
      throw new Error(`block ${height} does not link to the proven block above it`);
    hashes.set(height, hash);
    expected = header.previousHash;
  }
  if (!bytesEqual(expected, own.hash))
    throw new Error(`the peer's chain does not continue this ledger's block ${own.height}`);
  return hashes;
}

async function copyBlock(init: CatchUpInit, api: string, height: number, hash: Uint8Array): Promise<void> {
  const header = headerFromJson(await fetchJson(init, api, `/api/v1/blocks/${height}`));
  if (!bytesEqual(blockHash(ed25519Scheme, header), hash)) throw new Error(`block ${height} changed`);
  const raw = (await fetchJson(init, api, `/api/v1/blocks/${height}/transactions`)) as {
    transactions?: unknown;
    batchProofs?: unknown;
  };
  if (!Array.isArray(raw.transactions) || !raw.transactions.every((t) => typeof t === 'string'))
    throw new Error(`block ${height}: no transactions list`);
  if (raw.batchProofs !== undefined && typeof raw.batchProofs !== 'string')
    throw new Error(`block ${height}: batch proofs that are not hex`);
  const bytes = (raw.transactions as string[]).map(fromHex);
  const batchProofs = raw.batchProofs === undefined ? undefined : fromHex(raw.batchProofs);
  // The blocks before this one are written, so a handover among them has recorded its committee.
  const committee = committeeOfEpoch(init.store, committeeOf(init.genesis), header.epoch);
  if (committee === null) throw new Error(`block ${height} names epoch ${header.epoch}, not handed over to`);
  checkCertificates(consensusOf(init.genesis), committee, height, header.evidence, bytes, batchProofs);
  await init.store.append(
    bytes.map((b) => decodeTransaction(b, ed25519Scheme)),
    {
      timestampMs: header.timestampMs,
      epoch: header.epoch,
      randomness: header.randomness,
      evidence: header.evidence,
      expectedHash: hash,
      ...(batchProofs === undefined ? {} : { batchProofs }),
    },
  );
  if (!bytesEqual(init.store.head.hash, hash)) throw new Error(`block ${height} was not written as proven`);
}
