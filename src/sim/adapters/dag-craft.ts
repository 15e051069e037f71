import {
  coinLeader,
  coinName,
  combineCoinShares,
  createCoinShare,
  verifyCoinShare,
} from '../../consensus/coin/index.js';
import {
  type Certificate,
  type DagMessage,
  type DagValidatorInit,
  digestKey,
  type Header,
  headerDigest,
  headerSigningBytes,
  voteSigningBytes,
} from '../../consensus/dag/index.js';
import { signWithSeed } from './seed-signer.js';

/**
 * Message crafting for the DAG with a faulty validator's real keys: what a Byzantine author can
 * sign (any header, any vote, its coin shares) and what it can learn (a coin, once it holds f + 1
 * shares counting its own).
 */
export function signHeader(init: DagValidatorInit, header: Omit<Header, 'signature'>): Header {
  const unsigned: Header = { ...header, signature: new Uint8Array(64) };
  const digest = headerDigest(unsigned);
  return { ...header, signature: signWithSeed(init.signingSeed, headerSigningBytes(init.committee, digest)) };
}

export function signVote(
  init: DagValidatorInit,
  digest: Uint8Array,
): { voter: number; signature: Uint8Array } {
  return {
    voter: init.index,
    signature: signWithSeed(init.signingSeed, voteSigningBytes(init.committee, digest)),
  };
}

export function coinShareOf(init: DagValidatorInit, wave: number): Uint8Array {
  const name = coinName(init.committee.shardId, init.committee.epoch, wave);
  return createCoinShare(init.coinSecretShare, init.coinPublicKeys, init.index, name);
}

export function shareIsValid(
  init: DagValidatorInit,
  author: number,
  wave: number,
  share: Uint8Array,
): boolean {
  const name = coinName(init.committee.shardId, init.committee.epoch, wave);
  return verifyCoinShare(init.coinPublicKeys, author, name, share);
}

/**
 * The validator the coin puts in slot 0 of `wave`, from f + 1 shares (every member is drawn for
 * slot 0 when the committee has no newcomers, as in every simulator run but the churn one's).
 */
export function electedLeader(
  init: DagValidatorInit,
  wave: number,
  shares: readonly { index: number; share: Uint8Array }[],
): number {
  const name = coinName(init.committee.shardId, init.committee.epoch, wave);
  const value = combineCoinShares(init.coinPublicKeys, name, shares);
  return coinLeader(value, init.committee.members.length);
}

export function certificateKey(certificate: Certificate): string {
  return digestKey(headerDigest(certificate.header));
}

// Headers are immutable and the brain asks about the same ones for every message it routes.
const keys = new WeakMap<Header, string>();
const references = new WeakMap<Header, string[]>();

export function headerKey(header: Header): string {
  let key = keys.get(header);
  if (key === undefined) {
    key = digestKey(headerDigest(header));
    keys.set(header, key);
  }
  return key;
}

/** Digests a header refers to, strong and weak. */
export function referencedKeys(header: Header): string[] {
  let refs = references.get(header);
  if (refs === undefined) {
    refs = [...header.parents.map(digestKey), ...header.weakParents.map((w) => digestKey(w.digest))];
    references.set(header, refs);
  }
  return refs;
}

/** The header a DAG message carries: its own for a header, the certified one for a certificate. */
export function carriedHeader(message: DagMessage): Header | null {
  if (message.type === 'header') return message.header;
  if (message.type === 'certificate') return message.certificate.header;
  return null;
}
