/**
 * The market transaction's own signature (src/market/actions.ts, `signingBytes`): Ed25519 over
 * domain, version, chain id, sender, nonce and the action's bytes, which sit in the payload
 * between the 41-byte head (version, sender, nonce) and the 64-byte signature.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { Writer } from './codec.js';
import { concatBytes } from './hex.js';

const HEAD = 1 + 32 + 8;

export function marketSignatureValid(chainId: string, payload: Uint8Array): boolean {
  if (payload.length < HEAD + 1 + 64) return false;
  const sender = payload.slice(1, 33);
  const nonce = new DataView(payload.buffer, payload.byteOffset + 33, 8).getBigUint64(0);
  const action = payload.slice(HEAD, payload.length - 64);
  const signature = payload.slice(payload.length - 64);
  const signed = concatBytes(
    new Writer().string('gridshard/market-tx').u8(1).string(chainId).fixed(sender, 32).u64(nonce).finish(),
    action,
  );
  try {
    return ed25519.verify(signature, signed, sender);
  } catch {
    return false;
  }
}
