/**
 * Commit proof check in the browser (docs/SHARDING.md, "Commit proofs"): a quorum (2f + 1) of the
 * committee signed, with Ed25519, the statement "this chain, shard and epoch, this height has this
 * block hash and this state root". Written from the documented encoding, not shared with the node,
 * so the browser checks the node rather than trusting it; its decoding is as strict as the node's
 * (one encoding per proof), and it refuses whatever the node's own verifier refuses.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { CodecError, Reader, Writer } from './codec.js';
import { type HeaderFields, headerMatchesHash } from './header.js';
import { fromHex, toHex } from './hex.js';

export interface CommitStatement {
  readonly chainId: string;
  readonly shardId: number;
  readonly epoch: number;
  readonly height: number;
  readonly blockHash: Uint8Array;
  readonly stateRoot: Uint8Array;
}

export interface CommitSignature {
  readonly signer: number;
  readonly signature: Uint8Array;
}

export interface CommitProof {
  readonly statement: CommitStatement;
  readonly signatures: readonly CommitSignature[];
}

export interface CommitteeKeys {
  readonly shardId: number;
  readonly epoch: number;
  readonly members: readonly { readonly index: number; readonly publicKey: Uint8Array }[];
}

const DOMAIN = 'gridshard/commit-statement';
const PROOF_VERSION = 1;
const HASH_LENGTH = 32;
const SIGNATURE_LENGTH = 64;
const MAX_CHAIN_ID_LENGTH = 64;
/** No committee is larger; a longer list is malformed before any signature is checked. */
const MAX_COMMITTEE_SIZE = 1024;

/** 2f + 1 of n = 3f + 1 + k: any two quorums share an honest validator. */
export const quorumSize = (size: number): number => size - Math.floor((size - 1) / 3);

function writeStatement(w: Writer, s: CommitStatement): Writer {
  return w
    .string(s.chainId)
    .u32(s.shardId)
    .u64(s.epoch)
    .u64(s.height)
    .fixed(s.blockHash, HASH_LENGTH)
    .fixed(s.stateRoot, HASH_LENGTH);
}

/** The exact bytes each validator signs: the domain tag, then the statement's fields. */
export function commitStatementBytes(statement: CommitStatement): Uint8Array {
  return writeStatement(new Writer().string(DOMAIN), statement).finish();
}

function safeU64(r: Reader): number {
  const value = r.u64();
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new CodecError('u64 above 2^53-1');
  return Number(value);
}

/** Decodes strictly (CodecError): known version, ascending distinct signers, no trailing bytes. */
export function decodeCommitProof(bytes: Uint8Array): CommitProof {
  const r = new Reader(bytes);
  if (r.u8() !== PROOF_VERSION) throw new CodecError('unknown commit proof version');
  const statement: CommitStatement = {
    chainId: r.string(MAX_CHAIN_ID_LENGTH),
    shardId: r.u32(),
    epoch: safeU64(r),
    height: safeU64(r),
    blockHash: r.fixed(HASH_LENGTH),
    stateRoot: r.fixed(HASH_LENGTH),
  };
  const count = r.varuint();
  if (count > MAX_COMMITTEE_SIZE) throw new CodecError(`${count} signatures exceed any committee`);
  const signatures: CommitSignature[] = [];
  for (let i = 0; i < count; i++) {
    const signer = r.varuint();
    if (i > 0 && signer <= signatures[i - 1]!.signer)
      throw new CodecError('commit proof signers must be distinct and ascending');
    signatures.push({ signer, signature: r.fixed(SIGNATURE_LENGTH) });
  }
  r.end();
  return { statement, signatures };
}

/**
 * RFC 8032 decoding (no non-canonical encodings, S below the group order) and no small-order
 * public key or R, as the node requires; a small-order R is refused here because noble's strict
 * mode only refuses a small-order key.
 */
function signatureVerifies(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== SIGNATURE_LENGTH) return false;
  try {
    if (ed25519.Point.fromBytes(signature.subarray(0, 32), false).isSmallOrder()) return false;
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

export type CommitFailure =
  | { readonly reason: 'header' }
  | { readonly reason: 'malformed'; readonly detail: string }
  | { readonly reason: 'otherBlock' }
  | { readonly reason: 'otherCommittee'; readonly shardId: number; readonly epoch: number }
  | { readonly reason: 'belowQuorum'; readonly count: number; readonly needed: number }
  | { readonly reason: 'order'; readonly signer: number }
  | { readonly reason: 'outsider'; readonly signer: number }
  | { readonly reason: 'signature'; readonly signer: number }
  /** The block is of another chain or shard than the pinned genesis file's. */
  | { readonly reason: 'otherGenesis'; readonly chainId: string; readonly shardId: number };

export type CommitCheck =
  | {
      readonly ok: true;
      readonly signers: readonly number[];
      readonly quorum: number;
      readonly size: number;
    }
  | ({ readonly ok: false } & CommitFailure);

/**
 * The node's rule (src/sharding verifyCommitProof): the committee's shard and epoch, at least a
 * quorum of signatures, signers ascending and each once, every signer a member whose key verifies
 * its signature over this exact statement.
 */
export function verifyCommitProof(proof: CommitProof, committee: CommitteeKeys): CommitCheck {
  const { statement, signatures } = proof;
  if (statement.shardId !== committee.shardId || statement.epoch !== committee.epoch)
    return { ok: false, reason: 'otherCommittee', shardId: statement.shardId, epoch: statement.epoch };
  const size = committee.members.length;
  const quorum = quorumSize(size);
  if (signatures.length < quorum)
    return { ok: false, reason: 'belowQuorum', count: signatures.length, needed: quorum };
  const message = commitStatementBytes(statement);
  let previous = -1;
  for (const { signer, signature } of signatures) {
    if (signer <= previous) return { ok: false, reason: 'order', signer };
    previous = signer;
    const member = committee.members[signer];
    if (member === undefined || member.index !== signer) return { ok: false, reason: 'outsider', signer };
    if (!signatureVerifies(member.publicKey, message, signature))
      return { ok: false, reason: 'signature', signer };
  }
  return { ok: true, signers: signatures.map((s) => s.signer), quorum, size };
}

/**
 * Everything the block page shows as final: the header re-hashes to its hash, the proof decodes,
 * its statement names this block (chain, shard, epoch, height, hash, state root of the header),
 * and a quorum of the committee signed it.
 */
export function checkCommitProof(
  proofHex: string,
  header: HeaderFields,
  committee: CommitteeKeys,
): CommitCheck {
  if (!headerMatchesHash(header)) return { ok: false, reason: 'header' };
  let proof: CommitProof;
  try {
    proof = decodeCommitProof(fromHex(proofHex, 'proof'));
  } catch (error) {
    return { ok: false, reason: 'malformed', detail: error instanceof Error ? error.message : String(error) };
  }
  const s = proof.statement;
  const names =
    s.chainId === header.chainId &&
    s.shardId === header.shardId &&
    s.epoch === header.epoch &&
    s.height === header.height &&
    toHex(s.blockHash) === header.hash &&
    toHex(s.stateRoot) === header.stateRoot;
  if (!names) return { ok: false, reason: 'otherBlock' };
  return verifyCommitProof(proof, committee);
}

/**
 * The committee as the node's network answer lists it: the genesis validators, who sign every
 * block of epoch 0 (the chain's only epoch so far). A key that is not hex of 32 bytes is kept as
 * empty bytes, so that validator's signatures fail rather than the whole answer.
 */
export function committeeFromNetwork(network: {
  readonly shardId: number;
  readonly validators: readonly { readonly index: number; readonly publicKey: string }[];
}): CommitteeKeys {
  return {
    shardId: network.shardId,
    epoch: 0,
    members: network.validators.map((v) => {
      let publicKey: Uint8Array;
      try {
        publicKey = fromHex(v.publicKey, 'publicKey');
      } catch {
        publicKey = new Uint8Array(0);
      }
      return { index: v.index, publicKey };
    }),
  };
}
