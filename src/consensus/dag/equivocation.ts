import { CodecError, decodeExact, Writer } from '../../codec/index.js';
import { ed25519PublicKeyObject, ed25519Verify } from '../../crypto/index.js';
import type { Committee } from '../interface.js';
import { headerDigest, readHeaderField, writeHeaderField } from './codec.js';
import { headerSigningBytes } from './signing.js';
import type { Header } from './types.js';

/**
 * Proof that a validator signed two different headers for one round: both headers, each with its
 * author's signature. Anyone holding the committee's public keys can check it without trusting
 * whoever reports it, which is what lets a later cycle suspend the author. The epoch names the
 * committee the signatures bind (a header's signing bytes carry it), so a proof stays checkable
 * after that committee handed over, and `author` is an index in that committee.
 */
export interface EquivocationProof {
  readonly epoch: number;
  readonly author: number;
  readonly round: number;
  readonly first: Header;
  readonly second: Header;
}

/** Version 1 named no epoch: it was always the genesis committee's (epoch 0). */
const VERSION_WITHOUT_EPOCH = 1;
const VERSION = 2;

export function encodeEquivocationProof(proof: EquivocationProof): Uint8Array {
  const w = new Writer(512);
  w.u8(VERSION).varuint(proof.epoch).varuint(proof.author).varuint(proof.round);
  writeHeaderField(w, proof.first);
  writeHeaderField(w, proof.second);
  return w.finish();
}

export function decodeEquivocationProof(bytes: Uint8Array): EquivocationProof {
  return decodeExact(bytes, (r) => {
    const version = r.u8();
    if (version !== VERSION && version !== VERSION_WITHOUT_EPOCH)
      throw new CodecError('UNKNOWN_VERSION', `unknown equivocation proof version ${version}`, { version });
    const epoch = version === VERSION ? r.varuint() : 0;
    return {
      epoch,
      author: r.varuint(),
      round: r.varuint(),
      first: readHeaderField(r),
      second: readHeaderField(r),
    };
  });
}

/**
 * True when the proof names this committee's epoch, both headers name its author and round,
 * differ, and carry valid signatures.
 */
export function verifyEquivocationProof(committee: Committee, proof: EquivocationProof): boolean {
  if (proof.epoch !== committee.epoch) return false;
  const member = committee.members[proof.author];
  if (member === undefined) return false;
  const { first, second } = proof;
  if (first.author !== proof.author || second.author !== proof.author) return false;
  if (first.round !== proof.round || second.round !== proof.round) return false;
  const firstDigest = headerDigest(first);
  const secondDigest = headerDigest(second);
  if (Buffer.from(firstDigest).equals(secondDigest)) return false;
  const key = ed25519PublicKeyObject(member.publicKey);
  return (
    ed25519Verify(key, headerSigningBytes(committee, firstDigest), first.signature) &&
    ed25519Verify(key, headerSigningBytes(committee, secondDigest), second.signature)
  );
}
