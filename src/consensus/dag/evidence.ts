import { decodeExact, type Reader, Writer } from '../../codec/index.js';
import { ed25519PublicKeyObject, ed25519Verify } from '../../crypto/index.js';
import { COIN_SHARE_LENGTH } from '../coin/index.js';
import { type Committee, quorumSize } from '../interface.js';
import { DIGEST_LENGTH, headerDigest, readParentRef, SIGNATURE_LENGTH, writeParentRef } from './codec.js';
import { DagError } from './errors.js';
import { voteSigningBytes } from './signing.js';
import type { Certificate, Header, ParentRef, VoteSignature } from './types.js';

/**
 * The proof carried by a committed batch: its vertex's header without the transactions (those
 * are the batch itself) and the 2f + 1 votes on its digest. Anyone holding the committee's keys
 * and the batch can check, without the DAG, that a quorum certified exactly these transactions
 * from this author in this round. The digest comes first so that a reader can name the vertex
 * without decoding the rest.
 */
export interface CertificateEvidence {
  readonly digest: Uint8Array;
  readonly author: number;
  readonly round: number;
  readonly parents: readonly Uint8Array[];
  readonly weakParents: readonly ParentRef[];
  readonly coinShare: Uint8Array | null;
  readonly votes: readonly VoteSignature[];
}

const MAX_PARENTS = 4096;
const MAX_VOTES = 4096;

export function encodeCertificateEvidence(certificate: Certificate): Uint8Array {
  const { header, votes } = certificate;
  const w = new Writer(256 + header.parents.length * 33 + votes.length * 66);
  w.fixedBytes(headerDigest(header), DIGEST_LENGTH);
  w.varuint(header.author).varuint(header.round);
  w.array(header.parents, (ww, d) => ww.fixedBytes(d, DIGEST_LENGTH));
  w.array(header.weakParents, writeParentRef);
  w.optional(header.coinShare, (ww, share) => ww.fixedBytes(share, COIN_SHARE_LENGTH));
  w.array(votes, (ww, v) => ww.varuint(v.voter).fixedBytes(v.signature, SIGNATURE_LENGTH));
  return w.finish();
}

export function decodeCertificateEvidence(bytes: Uint8Array): CertificateEvidence {
  return decodeExact(bytes, (r: Reader) => ({
    digest: r.fixedBytes(DIGEST_LENGTH),
    author: r.varuint(),
    round: r.varuint(),
    parents: r.array((rr) => rr.fixedBytes(DIGEST_LENGTH), MAX_PARENTS),
    weakParents: r.array(readParentRef, MAX_PARENTS),
    coinShare: r.optional((rr) => rr.fixedBytes(COIN_SHARE_LENGTH)),
    votes: r.array((rr) => ({ voter: rr.varuint(), signature: rr.fixedBytes(SIGNATURE_LENGTH) }), MAX_VOTES),
  }));
}

/**
 * Checks that `transactions` are the batch a quorum of `committee` certified: the header rebuilt
 * from the evidence and these transactions must hash to the digest, and at least 2f + 1 distinct
 * members must have signed their vote on it. Throws DagError BAD_CERTIFICATE naming what failed.
 */
export function verifyCertificateEvidence(
  committee: Committee,
  evidence: Uint8Array,
  transactions: readonly Uint8Array[],
): CertificateEvidence {
  let decoded: CertificateEvidence;
  try {
    decoded = decodeCertificateEvidence(evidence);
  } catch (error) {
    throw new DagError(
      'BAD_CERTIFICATE',
      `certificate evidence is malformed: ${(error as Error).message}`,
      {},
    );
  }
  const header: Header = {
    author: decoded.author,
    round: decoded.round,
    parents: decoded.parents,
    weakParents: decoded.weakParents,
    transactions,
    coinShare: decoded.coinShare,
    signature: new Uint8Array(SIGNATURE_LENGTH),
  };
  if (!Buffer.from(headerDigest(header)).equals(decoded.digest)) {
    throw new DagError('BAD_CERTIFICATE', 'the transactions are not the ones the certificate covers', {
      author: decoded.author,
      round: decoded.round,
    });
  }
  const needed = quorumSize(committee.members.length);
  const signed = voteSigningBytes(committee, decoded.digest);
  const voters = new Set<number>();
  for (const vote of decoded.votes) {
    const member = committee.members[vote.voter];
    if (member === undefined || voters.has(vote.voter)) continue;
    if (!ed25519Verify(publicKeyOf(member.publicKey), signed, vote.signature)) {
      throw new DagError('BAD_CERTIFICATE', `the vote of validator ${vote.voter} does not verify`, {
        voter: vote.voter,
      });
    }
    voters.add(vote.voter);
  }
  if (voters.size < needed) {
    throw new DagError('BAD_CERTIFICATE', `${voters.size} valid votes; a certificate needs ${needed}`, {
      votes: voters.size,
      needed,
    });
  }
  return decoded;
}

// A follower checks thousands of votes by the same few keys; importing a key costs about as much
// as a verification, so each is imported once.
const keyObjects = new Map<string, ReturnType<typeof ed25519PublicKeyObject>>();
function publicKeyOf(publicKey: Uint8Array) {
  const id = Buffer.from(publicKey).toString('hex');
  let key = keyObjects.get(id);
  if (key === undefined) {
    if (keyObjects.size >= 1024) keyObjects.clear();
    key = ed25519PublicKeyObject(publicKey);
    keyObjects.set(id, key);
  }
  return key;
}
