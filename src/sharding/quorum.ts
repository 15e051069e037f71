import { CodecError, type Reader, type Writer } from '../codec/index.js';
import type { Committee } from '../consensus/interface.js';
import { quorumSize } from '../consensus/interface.js';
import { ED25519_SIGNATURE_LENGTH, ed25519Verify } from '../crypto/ed25519.js';
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
    if (!ed25519Verify(member.publicKey, message, signature))
      throw new ShardingError(code, `the signature of validator ${signer} does not verify`, { signer });
  }
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
