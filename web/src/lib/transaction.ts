/**
 * Reads a transaction envelope (docs/LEDGER.md, "Transactions") and checks its signature, and
 * decodes the payloads the portal knows how to show; others are shown as hex.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { Reader } from './codec.js';
import { concatBytes, toHex, utf8 } from './hex.js';

export interface Envelope {
  readonly chainId: string;
  readonly shardId: number;
  readonly type: string;
  readonly payload: Uint8Array;
  readonly sender: Uint8Array;
  readonly nonce: bigint;
  readonly signature: Uint8Array;
  /** The bytes the sender signed: domain tag then everything but the signature. */
  readonly signedBytes: Uint8Array;
}

const TX_VERSION = 1;
const SIGNING_DOMAIN = utf8('gridshard/tx/v1');

export function decodeEnvelope(bytes: Uint8Array): Envelope {
  const r = new Reader(bytes);
  if (r.u8() !== TX_VERSION) throw new Error('unknown transaction version');
  const chainId = r.string(64);
  const shardId = r.u32();
  const type = r.string(64);
  const payload = r.bytes(64 * 1024);
  const sender = r.bytes(65);
  const nonce = r.u64();
  const unsignedLength = r.position;
  const signature = r.bytes(65);
  r.end();
  return {
    chainId,
    shardId,
    type,
    payload,
    sender,
    nonce,
    signature,
    signedBytes: concatBytes(SIGNING_DOMAIN, bytes.slice(0, unsignedLength)),
  };
}

/** Ed25519 only: an `sm2-sm3` chain's transactions are shown but their signatures are not checked here. */
export function signatureValid(tx: Envelope): boolean {
  if (tx.sender.length !== 32 || tx.signature.length !== 64) return false;
  try {
    return ed25519.verify(tx.signature, tx.signedBytes, tx.sender);
  } catch {
    return false;
  }
}

export type DecodedPayload =
  | { readonly kind: 'kv.put'; readonly key: string; readonly value: string }
  | { readonly kind: 'raw'; readonly hex: string };

const asText = (b: Uint8Array) => {
  try {
    const s = new TextDecoder('utf-8', { fatal: true }).decode(b);
    return /^[\p{L}\p{N}\p{P}\p{Zs}]*$/u.test(s) ? s : `0x${toHex(b)}`;
  } catch {
    return `0x${toHex(b)}`;
  }
};

export function decodePayload(type: string, payload: Uint8Array): DecodedPayload {
  if (type === 'kv.put') {
    try {
      const r = new Reader(payload);
      const key = r.bytes(1024);
      const value = r.bytes(64 * 1024);
      r.end();
      return { kind: 'kv.put', key: asText(key), value: asText(value) };
    } catch {
      // falls through to hex: a malformed payload is still shown
    }
  }
  return { kind: 'raw', hex: toHex(payload) };
}
