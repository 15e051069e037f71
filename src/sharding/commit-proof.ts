import { CodecError, decodeExact, MAX_CHAIN_ID_LENGTH, type Reader, Writer } from '../codec/index.js';
import type { Committee, SharedChecks } from '../consensus/interface.js';
import { ED25519_SIGNATURE_LENGTH } from '../crypto/ed25519.js';
import { bytesEqual } from '../crypto/hash.js';
import { ShardingError } from './errors.js';
import {
  MAX_COMMITTEE_SIZE,
  memberSigned,
  readSignatures,
  verifyQuorumSignatures,
  writeSignatures,
} from './quorum.js';

export { MAX_COMMITTEE_SIZE } from './quorum.js';

/**
 * What a shard's validators sign once a block is on their disk: this chain, this shard and epoch,
 * this height has this block hash and this state root. A quorum (2f + 1) of such signatures is a
 * proof of finality anyone holding the committee's public keys can check, without the shard's
 * consensus messages: the root committee orders these proofs, and a light client checks a record
 * through them (record → state root → block → proof). Batch certificates prove that a vertex was
 * available, not where it was ordered; two quorums of this statement for one height cannot both
 * exist unless more than f validators signed two different blocks, which the collector records.
 */
export interface CommitStatement {
  readonly chainId: string;
  readonly shardId: number;
  readonly epoch: number;
  readonly height: number;
  readonly blockHash: Uint8Array;
  readonly stateRoot: Uint8Array;
}

export interface Attestation {
  readonly statement: CommitStatement;
  /** Index of the signer in the committee of the statement's shard and epoch. */
  readonly signer: number;
  readonly signature: Uint8Array;
}

export interface CommitProof {
  readonly statement: CommitStatement;
  /** Signers in increasing index order, each once, at least a quorum of the committee. */
  readonly signatures: readonly { readonly signer: number; readonly signature: Uint8Array }[];
}

const DOMAIN = 'gridshard/commit-statement';
const PROOF_VERSION = 1;
const HASH_LENGTH = 32;

/** The exact bytes signed: a domain tag (so no other signed message can be replayed as one), then the fields. */
export function commitStatementBytes(statement: CommitStatement): Uint8Array {
  const writer = new Writer(128).string(DOMAIN);
  writeStatement(writer, statement);
  return writer.finish();
}

export function signCommitStatement(
  statement: CommitStatement,
  signer: number,
  sign: (message: Uint8Array) => Uint8Array,
): Attestation {
  return { statement, signer, signature: sign(commitStatementBytes(statement)) };
}

export function sameStatement(a: CommitStatement, b: CommitStatement): boolean {
  return (
    a.chainId === b.chainId &&
    a.shardId === b.shardId &&
    a.epoch === b.epoch &&
    a.height === b.height &&
    bytesEqual(a.blockHash, b.blockHash) &&
    bytesEqual(a.stateRoot, b.stateRoot)
  );
}

/** Throws BAD_ATTESTATION unless the signer is in the committee and signed exactly this statement. */
export function verifyAttestation(
  attestation: Attestation,
  committee: Committee,
  checks?: SharedChecks,
): void {
  checkCommittee(attestation.statement, committee, 'BAD_ATTESTATION');
  const member = committee.members[attestation.signer];
  if (member === undefined || member.index !== attestation.signer)
    throw new ShardingError('BAD_ATTESTATION', `validator ${attestation.signer} is not in the committee`, {
      signer: attestation.signer,
    });
  if (
    !memberSigned(
      member.publicKey,
      commitStatementBytes(attestation.statement),
      attestation.signature,
      checks,
    )
  )
    throw new ShardingError(
      'BAD_ATTESTATION',
      `the signature of validator ${attestation.signer} does not verify`,
      {
        signer: attestation.signer,
      },
    );
}

/**
 * Throws BAD_COMMIT_PROOF unless the proof carries valid signatures of at least a quorum of
 * distinct members of this committee, in increasing index order, over its statement.
 */
export function verifyCommitProof(proof: CommitProof, committee: Committee, checks?: SharedChecks): void {
  checkCommittee(proof.statement, committee, 'BAD_COMMIT_PROOF');
  verifyQuorumSignatures(
    commitStatementBytes(proof.statement),
    proof.signatures,
    committee,
    'BAD_COMMIT_PROOF',
    checks,
  );
}

function checkCommittee(
  statement: CommitStatement,
  committee: Committee,
  code: 'BAD_ATTESTATION' | 'BAD_COMMIT_PROOF',
) {
  if (statement.shardId !== committee.shardId || statement.epoch !== committee.epoch)
    throw new ShardingError(
      code,
      `signed for shard ${statement.shardId} epoch ${statement.epoch}, checked against the committee of shard ${committee.shardId} epoch ${committee.epoch}`,
      { shardId: statement.shardId, epoch: statement.epoch },
    );
}

function writeStatement(writer: Writer, statement: CommitStatement): void {
  writer
    .string(statement.chainId)
    .u32(statement.shardId)
    .u64(statement.epoch)
    .u64(statement.height)
    .fixedBytes(statement.blockHash, HASH_LENGTH)
    .fixedBytes(statement.stateRoot, HASH_LENGTH);
}

function readStatement(reader: Reader): CommitStatement {
  return {
    chainId: reader.string(MAX_CHAIN_ID_LENGTH),
    shardId: reader.u32(),
    epoch: reader.u64(),
    height: reader.u64(),
    blockHash: reader.fixedBytes(HASH_LENGTH),
    stateRoot: reader.fixedBytes(HASH_LENGTH),
  };
}

/** Canonical bytes of a proof; signers must already be in increasing order. */
export function encodeCommitProof(proof: CommitProof): Uint8Array {
  const writer = new Writer(128 + proof.signatures.length * 66).u8(PROOF_VERSION);
  writeStatement(writer, proof.statement);
  writeSignatures(writer, proof.signatures);
  return writer.finish();
}

/** Decodes a proof's bytes strictly (CodecError on anything malformed); the signatures are not checked here. */
export function decodeCommitProof(bytes: Uint8Array): CommitProof {
  return decodeExact(bytes, (reader) => {
    reader.version([PROOF_VERSION], 'commit proof');
    const statement = readStatement(reader);
    const signatures = readSignatures(reader, 'commit proof');
    return { statement, signatures };
  });
}

const ATTESTATION_VERSION = 1;
/** Version, statement (chain id up to 64 bytes, shard, epoch, height, two hashes), signer, signature. */
export const MAX_ATTESTATION_BYTES =
  1 + 1 + MAX_CHAIN_ID_LENGTH + 4 + 8 + 8 + 32 + 32 + 5 + ED25519_SIGNATURE_LENGTH;

/** One validator's signed statement as it travels between nodes. */
export function encodeAttestation(attestation: Attestation): Uint8Array {
  const writer = new Writer(MAX_ATTESTATION_BYTES).u8(ATTESTATION_VERSION);
  writeStatement(writer, attestation.statement);
  return writer
    .varuint(attestation.signer)
    .fixedBytes(attestation.signature, ED25519_SIGNATURE_LENGTH)
    .finish();
}

/** Decodes strictly (CodecError); the signature is checked by `verifyAttestation`. */
export function decodeAttestation(bytes: Uint8Array): Attestation {
  if (bytes.length > MAX_ATTESTATION_BYTES)
    throw new CodecError(
      'OUT_OF_RANGE',
      `attestation of ${bytes.length} bytes exceeds ${MAX_ATTESTATION_BYTES}`,
      {
        length: bytes.length,
      },
    );
  return decodeExact(bytes, (reader) => {
    reader.version([ATTESTATION_VERSION], 'attestation');
    const statement = readStatement(reader);
    const signer = reader.varuint();
    if (signer >= MAX_COMMITTEE_SIZE)
      throw new CodecError('OUT_OF_RANGE', `signer ${signer} exceeds any committee`, { signer });
    return { statement, signer, signature: reader.fixedBytes(ED25519_SIGNATURE_LENGTH) };
  });
}
