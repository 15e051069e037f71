import './polyfills.js';
import { generateKeyPairFromSeed, publicKeyFromRaw } from '@libp2p/crypto/keys';
import type { PeerId, PrivateKey } from '@libp2p/interface';
import { peerIdFromPublicKey } from '@libp2p/peer-id';

/**
 * A validator's libp2p identity is its consensus key: the Noise handshake then proves to every
 * peer that the other end holds the Ed25519 key named in genesis, so only the committee can
 * open consensus streams, with no second key to distribute.
 */
export async function libp2pPrivateKey(signingSeed: Uint8Array): Promise<PrivateKey> {
  return generateKeyPairFromSeed('Ed25519', signingSeed);
}

export function peerIdOf(ed25519PublicKey: Uint8Array): PeerId {
  return peerIdFromPublicKey(publicKeyFromRaw(ed25519PublicKey));
}
