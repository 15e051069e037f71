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
  return writeEvidence({
    digest: headerDigest(header),
    author: header.author,
    round: header.round,
    parents: header.parents,
    weakParents: header.weakParents,
    coinShare: header.coinShare,
    votes,
  });
}

/**
 * What a block records of an ordered vertex: its evidence with no votes. A vertex's digest fixes
 * every byte of it, so every honest validator records the same bytes, whereas the votes are
 * whichever 2f + 1 its certificate happened to gather (a restarted or Byzantine author can form
 * two certificates of one header), and go into the proof kept beside the block.
 */
export function encodeVertexEvidence(header: Header): Uint8Array {
  return encodeCertificateEvidence({ header, votes: [] });
}

/**
 * Checks a certificate proof against the vertex evidence a block records and the batch rebuilt
 * from the block: the proof must verify (a quorum signed the digest of exactly these
 * transactions) and be that evidence once its votes are set aside. Throws DagError
 * BAD_CERTIFICATE naming what failed.
 */
export function verifyVertexProof(
  committee: Committee,
  evidence: Uint8Array,
  proof: Uint8Array,
  transactions: readonly Uint8Array[],
): CertificateEvidence {
  const certificate = verifyCertificateEvidence(committee, proof, transactions);
  const bare = { ...certificate, votes: [] };
  if (!Buffer.from(writeEvidence(bare)).equals(evidence)) {
    throw new DagError('BAD_CERTIFICATE', 'the certificate is for another vertex than the block records', {
      author: certificate.author,
      round: certificate.round,
    });
  }
  return certificate;
}

function writeEvidence(e: CertificateEvidence): Uint8Array {
  const w = new Writer(256 + e.parents.length * 33 + e.votes.length * 66);
  w.fixedBytes(e.digest, DIGEST_LENGTH);
  w.varuint(e.author).varuint(e.round);
  w.array(e.parents, (ww, d) => ww.fixedBytes(d, DIGEST_LENGTH));
  w.array(e.weakParents, writeParentRef);
  w.optional(e.coinShare, (ww, share) => ww.fixedBytes(share, COIN_SHARE_LENGTH));
  w.array(e.votes, (ww, v) => ww.varuint(v.voter).fixedBytes(v.signature, SIGNATURE_LENGTH));
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
