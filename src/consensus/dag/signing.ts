import type { KeyObject } from 'node:crypto';
import {
  ed25519PrivateKeyObject,
  ed25519PublicKeyObject,
  ed25519Sign,
  ed25519Verify,
  sha256,
} from '../../crypto/index.js';
import type { Committee, SharedChecks } from '../interface.js';

/**
 * What validators sign: the purpose, the shard and epoch, then the header digest. Binding the
 * committee context means a signature from one shard or epoch is worthless in another.
 */
const encoder = new TextEncoder();
const HEADER_PURPOSE = encoder.encode('gridshard/dag/sign-header/v1');
const VOTE_PURPOSE = encoder.encode('gridshard/dag/sign-vote/v1');

function context(committee: Committee): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, committee.shardId);
  view.setUint32(4, committee.epoch);
  return out;
}

export function headerSigningBytes(committee: Committee, digest: Uint8Array): Uint8Array {
  return sha256(HEADER_PURPOSE, context(committee), digest);
}

export function voteSigningBytes(committee: Committee, digest: Uint8Array): Uint8Array {
  return sha256(VOTE_PURPOSE, context(committee), digest);
}

/**
 * Ed25519 keys of a committee, imported once, with a cache of verification results: a
 * certificate's votes are checked once per validator however often the certificate arrives.
 * The cache belongs to this object, so validators sharing a process still each pay for their
 * own checks, as they would on separate machines, unless they were given one `SharedChecks`
 * (the simulator's validators of one run), which then replaces the cache.
 */
export class Signatures {
  private readonly publicKeys: KeyObject[];
  private readonly checked = new Map<string, boolean>();

  constructor(
    readonly committee: Committee,
    private readonly signingKey: KeyObject,
    private readonly shared?: SharedChecks,
  ) {
    this.publicKeys = committee.members.map((m) => ed25519PublicKeyObject(m.publicKey));
  }

  static fromSeed(committee: Committee, seed: Uint8Array, shared?: SharedChecks): Signatures {
    return new Signatures(committee, ed25519PrivateKeyObject(seed), shared);
  }

  sign(bytes: Uint8Array): Uint8Array {
    return ed25519Sign(this.signingKey, bytes);
  }

  verify(signer: number, bytes: Uint8Array, signature: Uint8Array): boolean {
    const key = this.publicKeys[signer];
    if (key === undefined) return false;
    const member = this.committee.members[signer]!;
    if (this.shared !== undefined) {
      return this.shared.verified('ed25519', [member.publicKey, bytes, signature], () =>
        ed25519Verify(key, bytes, signature),
      );
    }
    const cacheKey = `${Buffer.from(member.publicKey).toString('hex')}${Buffer.from(bytes).toString('hex')}${Buffer.from(signature).toString('hex')}`;
    const cached = this.checked.get(cacheKey);
    if (cached !== undefined) return cached;
    const ok = ed25519Verify(key, bytes, signature);
    if (this.checked.size >= 20_000) this.checked.clear();
    this.checked.set(cacheKey, ok);
    return ok;
  }
}
