import type { KeyObject } from 'node:crypto';
import { Writer } from '../../codec/index.js';
import {
  ed25519PrivateKeyObject,
  ed25519PublicKeyObject,
  ed25519Sign,
  ed25519Verify,
  sha256,
} from '../../crypto/index.js';
import type { Committee, SharedChecks } from '../interface.js';
import { signingBytes } from './codec.js';
import { transactionsDigest } from './digests.js';
import type { PbftMessage, UnsignedPbftMessage } from './messages.js';

/**
 * The committee's public keys as prepared KeyObjects (importing a key costs more than a verify),
 * and this validator's own signing key. Checks are shared only when the validator was given a
 * `SharedChecks` (the simulator's validators of one run).
 */
export class Keyring {
  private readonly publicKeys: KeyObject[];
  private readonly privateKey: KeyObject;

  constructor(
    readonly committee: Committee,
    signingSeed: Uint8Array,
    private readonly shared?: SharedChecks,
  ) {
    this.publicKeys = committee.members.map((member) => ed25519PublicKeyObject(member.publicKey));
    this.privateKey = ed25519PrivateKeyObject(signingSeed);
  }

  get size(): number {
    return this.publicKeys.length;
  }

  sign<M extends PbftMessage>(unsigned: Omit<M, 'signature'>): M {
    const bytes = signingBytes(unsigned as UnsignedPbftMessage, this.committee.shardId, this.committee.epoch);
    return { ...unsigned, signature: ed25519Sign(this.privateKey, bytes) } as M;
  }

  /** False for an unknown sender or a signature that does not verify. */
  verify(message: PbftMessage): boolean {
    const key = this.publicKeys[message.from];
    if (key === undefined) return false;
    const { signature, ...body } = message;
    const bytes = signingBytes(body as UnsignedPbftMessage, this.committee.shardId, this.committee.epoch);
    if (this.shared === undefined) return ed25519Verify(key, bytes, signature);
    const publicKey = this.committee.members[message.from]!.publicKey;
    return this.shared.verified('ed25519', [publicKey, bytes, signature], () =>
      ed25519Verify(key, bytes, signature),
    );
  }
}

const BATCH_DOMAIN = new TextEncoder().encode('gridshard/pbft/batch');
const CHAIN_DOMAIN = new TextEncoder().encode('gridshard/pbft/chain');
const RANDOMNESS_DOMAIN = new TextEncoder().encode('gridshard/pbft/randomness');

/** The digest prepares and commits vote on: the batch's proposer and canonical transaction list. */
export function batchDigest(proposer: number, transactions: readonly Uint8Array[]): Uint8Array {
  return sha256(BATCH_DOMAIN, new Writer(8).varuint(proposer).finish(), transactionsDigest(transactions));
}

/** State digest before any batch: the start of the hash chain checkpoints agree on. */
export const GENESIS_STATE_DIGEST = sha256(CHAIN_DOMAIN);

export function chainDigest(previous: Uint8Array, batch: Uint8Array): Uint8Array {
  return sha256(CHAIN_DOMAIN, previous, batch);
}

/**
 * PBFT has no coin: a batch's randomness is a hash of its sequence and digest, the same at every
 * validator whatever view each saw it decided in.
 */
export function decisionRandomness(sequence: number, digest: Uint8Array): Uint8Array {
  return sha256(RANDOMNESS_DOMAIN, new Writer(8).u64(sequence).finish(), digest);
}
