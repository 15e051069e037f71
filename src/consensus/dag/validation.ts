import { type CoinPublicKeys, coinName, verifyCoinShare } from '../coin/index.js';
import { DIGEST_LENGTH, digestKey, headerDigest, SIGNATURE_LENGTH } from './codec.js';
import type { DagContext } from './context.js';
import { headerSigningBytes, voteSigningBytes } from './signing.js';
import type { Certificate, Header } from './types.js';
import { isCoinRound, waveOfCoinRound } from './waves.js';

/**
 * The checks of a header that need nothing but the committee and the configuration: shape,
 * bounds, the coin share's presence in coin rounds, distinct references. Signatures and parents
 * are checked by the callers, which know what they are about to do with the header.
 */
export function headerIsWellFormed(ctx: DagContext, header: Header, checkEntries = true): boolean {
  if (!Number.isInteger(header.author) || header.author < 0 || header.author >= ctx.size) return false;
  if (!Number.isSafeInteger(header.round) || header.round < 1) return false;
  if (header.signature.length !== SIGNATURE_LENGTH) return false;
  if (header.round === 1) {
    if (header.parents.length !== 0 || header.weakParents.length !== 0) return false;
  } else if (header.parents.length < ctx.quorum || header.parents.length > ctx.size) {
    return false;
  }
  if (header.weakParents.length > ctx.size * ctx.config.gcDepthRounds) return false;
  if ((header.coinShare !== null) !== isCoinRound(header.round)) return false;
  if (header.transactions.length > ctx.config.maxBatchTransactions) return false;
  if (checkEntries && !entriesAcceptable(ctx, header)) return false;
  if (header.weakParents.some((w) => w.round >= header.round - 1)) return false;
  const all = [...header.parents, ...header.weakParents.map((w) => w.digest)];
  if (all.some((d) => d.length !== DIGEST_LENGTH)) return false;
  return new Set(all.map(digestKey)).size === all.length;
}

/** Every batch entry is one the layer above can read (no check when it gave none). */
export function entriesAcceptable(ctx: DagContext, header: Header): boolean {
  return ctx.acceptsEntry === undefined || header.transactions.every(ctx.acceptsEntry);
}

/** The author's signature over a header of that digest. */
export function headerSignedByAuthor(ctx: DagContext, header: Header, digest: Uint8Array): boolean {
  return ctx.signatures.verify(header.author, headerSigningBytes(ctx.committee, digest), header.signature);
}

/** 2f + 1 valid votes of distinct members on a well-formed, author-signed header. */
export function certificateIsValid(ctx: DagContext, certificate: Certificate): boolean {
  const header = certificate.header;
  if (!headerIsWellFormed(ctx, header)) return false;
  if (certificate.votes.length < ctx.quorum || certificate.votes.length > ctx.size) return false;
  const digest = headerDigest(header);
  const voteBytes = voteSigningBytes(ctx.committee, digest);
  const voters = new Set<number>();
  for (const vote of certificate.votes) {
    if (voters.has(vote.voter)) return false;
    voters.add(vote.voter);
    if (!ctx.signatures.verify(vote.voter, voteBytes, vote.signature)) return false;
  }
  return headerSignedByAuthor(ctx, header, digest);
}

/** The proof of a coin share carried by a header of a coin round. */
export function coinShareValid(
  ctx: DagContext,
  coinKeys: CoinPublicKeys,
  author: number,
  round: number,
  share: Uint8Array,
): boolean {
  const name = coinName(ctx.committee.shardId, ctx.committee.epoch, waveOfCoinRound(round));
  return verifyCoinShare(coinKeys, author, name, share);
}
