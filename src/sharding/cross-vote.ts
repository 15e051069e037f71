import { decodeExact, MAX_CHAIN_ID_LENGTH, type Reader, Writer } from '../codec/index.js';
import type { Committee, SharedChecks } from '../consensus/interface.js';
import { ED25519_SIGNATURE_LENGTH } from '../crypto/ed25519.js';
import { ShardingError } from './errors.js';
import {
  type MemberSignature,
  memberSigned,
  readSignatures,
  verifyQuorumSignatures,
  writeSignatures,
} from './quorum.js';

/** Why a shard refused to lock its part of a trade. */
export const ABORT_REASONS = [
  'insufficient-funds',
  'unknown-account',
  /** A trade of a cycle the shard has left, or one not yet open. */
  'wrong-cycle',
  /** The shard learnt the trade's abort before it saw the prepare. */
  'decided-elsewhere',
] as const;
export type AbortReason = (typeof ABORT_REASONS)[number];

export type VoteVerdict =
  | { readonly kind: 'commit' }
  | { readonly kind: 'abort'; readonly reason: AbortReason };

/**
 * What a shard's validators sign after executing a trade's prepare in their shard's order: this
 * chain, this trade (its id binds session, cycle, shard set and amounts), this shard and epoch,
 * this verdict. Every honest validator executes the same order, so each signs the same verdict;
 * 2f + 1 signatures make a certified vote that a master carries but cannot forge, and no two
 * certified votes of one shard for one trade can differ unless more than f of its validators
 * signed both.
 */
export interface VoteStatement {
  readonly chainId: string;
  readonly tradeId: Uint8Array;
  readonly shard: number;
  readonly epoch: number;
  readonly verdict: VoteVerdict;
}

/** One validator's signature on a vote statement, as it travels to the masters. */
export interface VoteShare {
  readonly statement: VoteStatement;
  readonly signer: number;
  readonly signature: Uint8Array;
}

export interface CertifiedVote {
  readonly statement: VoteStatement;
  readonly signatures: readonly MemberSignature[];
}

const DOMAIN = 'gridshard/cross-vote';
const VERSION = 1;

export function voteStatementBytes(statement: VoteStatement): Uint8Array {
  const writer = new Writer(128).string(DOMAIN);
  writeStatement(writer, statement);
  return writer.finish();
}

export function signVote(
  statement: VoteStatement,
  signer: number,
  sign: (message: Uint8Array) => Uint8Array,
): VoteShare {
  return { statement, signer, signature: sign(voteStatementBytes(statement)) };
}

function checkCommittee(statement: VoteStatement, committee: Committee): void {
  if (statement.shard !== committee.shardId || statement.epoch !== committee.epoch)
    throw new ShardingError(
      'BAD_VOTE',
      `a vote of shard ${statement.shard} epoch ${statement.epoch} checked against shard ${committee.shardId} epoch ${committee.epoch}`,
      { shard: statement.shard, epoch: statement.epoch },
    );
}

/** Throws BAD_VOTE unless the signer is a member of the shard's committee and signed this statement. */
export function verifyVoteShare(share: VoteShare, committee: Committee, checks?: SharedChecks): void {
  checkCommittee(share.statement, committee);
  const member = committee.members[share.signer];
  if (member === undefined || member.index !== share.signer)
    throw new ShardingError('BAD_VOTE', `validator ${share.signer} is not in the committee`, {
      signer: share.signer,
    });
  if (!memberSigned(member.publicKey, voteStatementBytes(share.statement), share.signature, checks))
    throw new ShardingError('BAD_VOTE', `the vote signature of validator ${share.signer} does not verify`, {
      signer: share.signer,
    });
}

/** Throws BAD_VOTE unless a quorum of the shard's committee signed the statement. */
export function verifyCertifiedVote(vote: CertifiedVote, committee: Committee, checks?: SharedChecks): void {
  checkCommittee(vote.statement, committee);
  verifyQuorumSignatures(voteStatementBytes(vote.statement), vote.signatures, committee, 'BAD_VOTE', checks);
}

function writeStatement(writer: Writer, statement: VoteStatement): void {
  writer
    .string(statement.chainId)
    .fixedBytes(statement.tradeId, 32)
    .u32(statement.shard)
    .u64(statement.epoch);
  if (statement.verdict.kind === 'commit') writer.u8(0);
  else writer.u8(1 + ABORT_REASONS.indexOf(statement.verdict.reason));
}

function readStatement(reader: Reader): VoteStatement {
  const chainId = reader.string(MAX_CHAIN_ID_LENGTH);
  const tradeId = reader.fixedBytes(32);
  const shard = reader.u32();
  const epoch = reader.u64();
  const code = reader.u8();
  const reason = ABORT_REASONS[code - 1];
  if (code !== 0 && reason === undefined)
    throw new ShardingError('BAD_VOTE', `unknown vote verdict ${code}`, { code });
  const verdict: VoteVerdict = code === 0 ? { kind: 'commit' } : { kind: 'abort', reason: reason! };
  return { chainId, tradeId, shard, epoch, verdict };
}

export function writeCertifiedVote(writer: Writer, vote: CertifiedVote): void {
  writeStatement(writer, vote.statement);
  writeSignatures(writer, vote.signatures);
}

export function readCertifiedVote(reader: Reader): CertifiedVote {
  const statement = readStatement(reader);
  return { statement, signatures: readSignatures(reader, 'vote') };
}

export function encodeVoteShare(share: VoteShare): Uint8Array {
  const writer = new Writer(200).u8(VERSION);
  writeStatement(writer, share.statement);
  return writer.varuint(share.signer).fixedBytes(share.signature, ED25519_SIGNATURE_LENGTH).finish();
}

/** Strict (CodecError or BAD_VOTE on malformed bytes); the signature is checked by verifyVoteShare. */
export function decodeVoteShare(bytes: Uint8Array): VoteShare {
  return decodeExact(bytes, (reader) => {
    reader.version([VERSION], 'vote share');
    const statement = readStatement(reader);
    return { statement, signer: reader.varuint(), signature: reader.fixedBytes(ED25519_SIGNATURE_LENGTH) };
  });
}
