import type { KeyObject } from 'node:crypto';
import { CodecError, type Reader, type Writer } from '../codec/index.js';
import type { Committee, SharedChecks } from '../consensus/interface.js';
import { quorumSize } from '../consensus/interface.js';
import { ED25519_SIGNATURE_LENGTH, ed25519PublicKeyObject, ed25519Verify } from '../crypto/ed25519.js';
import { ShardingError, type ShardingErrorCode } from './errors.js';

/** One committee member's signature over a statement. */
export interface MemberSignature {
  readonly signer: number;
  readonly signature: Uint8Array;
}

/** No committee is larger; it bounds what a decoder allocates for a hostile certificate. */
export const MAX_COMMITTEE_SIZE = 1024;

/**
 * Throws `code` unless `signatures` are valid signatures over `message` by at least a quorum
 * (2f + 1) of distinct members of `committee`, listed in increasing signer order. Every statement
 * a shard certifies for the outside world (a commit, a cross-shard vote) is checked this way, so
 * a checker needs the committee's public keys and nothing else.
 */
export function verifyQuorumSignatures(
  message: Uint8Array,
  signatures: readonly MemberSignature[],
  committee: Committee,
  code: ShardingErrorCode,
  checks?: SharedChecks,
): void {
  const needed = quorumSize(committee.members.length);
  if (signatures.length < needed)
    throw new ShardingError(
      code,
      `${signatures.length} signatures, a committee of ${committee.members.length} needs ${needed}`,
      { signatures: signatures.length, needed },
    );
  let previous = -1;
  for (const { signer, signature } of signatures) {
    if (signer <= previous)
      throw new ShardingError(code, 'signers must be distinct and in increasing order', { signer });
    previous = signer;
    const member = committee.members[signer];
    if (member === undefined || member.index !== signer)
      throw new ShardingError(code, `validator ${signer} is not in the committee`, { signer });
    if (!memberSigned(member.publicKey, message, signature, checks))
      throw new ShardingError(code, `the signature of validator ${signer} does not verify`, { signer });
  }
}

/** Committee keys are long-lived objects: each is parsed into a key object once. */
const keyObjects = new WeakMap<Uint8Array, KeyObject>();

/**
 * One member's signature check, through the process's shared memo when there is one (a simulator
 * runs many validators that check the same certificate; a node passes none).
 */
export function memberSigned(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  checks?: SharedChecks,
): boolean {
  let key = keyObjects.get(publicKey);
  if (key === undefined) {
    key = ed25519PublicKeyObject(publicKey);
    keyObjects.set(publicKey, key);
  }
  const keyObject = key;
  const check = () => ed25519Verify(keyObject, message, signature);
  return checks === undefined ? check() : checks.verified('ed25519', [publicKey, message, signature], check);
}

/** A quorum's signatures sorted by signer, ready for a certificate. */
export function sortedSignatures(signatures: Iterable<MemberSignature>): MemberSignature[] {
  return [...signatures]
    .sort((a, b) => a.signer - b.signer)
    .map(({ signer, signature }) => ({ signer, signature }));
}

export function writeSignatures(writer: Writer, signatures: readonly MemberSignature[]): void {
  writer.varuint(signatures.length);
  for (const { signer, signature } of signatures)
    writer.varuint(signer).fixedBytes(signature, ED25519_SIGNATURE_LENGTH);
}

/** Strict: at most MAX_COMMITTEE_SIZE signers, distinct and ascending (one encoding per certificate). */
export function readSignatures(reader: Reader, what: string): MemberSignature[] {
  const count = reader.varuint();
  if (count > MAX_COMMITTEE_SIZE)
    throw new CodecError('OUT_OF_RANGE', `${count} signatures exceed any committee`, { count });
  const signatures: MemberSignature[] = [];
  for (let i = 0; i < count; i++) {
    const signer = reader.varuint();
    if (i > 0 && signer <= signatures[i - 1]!.signer)
      throw new CodecError('NON_CANONICAL', `${what} signers must be distinct and ascending`, { signer });
    signatures.push({ signer, signature: reader.fixedBytes(ED25519_SIGNATURE_LENGTH) });
  }
  return signatures;
}
