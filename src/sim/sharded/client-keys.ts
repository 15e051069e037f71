import type { KeyObject } from 'node:crypto';
import {
  ed25519KeyPairFromSeed,
  ed25519PrivateKeyObject,
  ed25519PublicKeyObject,
  ed25519Sign,
  ed25519Verify,
} from '../../crypto/ed25519.js';
import { sha256 } from '../../crypto/index.js';
import { type CrossTrade, encodeTrade } from '../../sharding/index.js';

/**
 * The simulated clients' Ed25519 keys: each account's key follows from its name, so every
 * validator knows every account's public key as it would from the registry of members. Only the
 * parsed public keys are kept; no answer of a verification is, so every validator that checks a
 * signed entry pays for the check itself.
 */
const DOMAIN = new TextEncoder().encode('gridshard/sim-client-trade');
const publicKeys = new Map<string, KeyObject>();
const privateKeys = new Map<string, KeyObject>();

function seedOf(account: string): Uint8Array {
  return sha256(new TextEncoder().encode(`gridshard/sim-client/${account}`));
}

function publicKeyOf(account: string): KeyObject {
  let key = publicKeys.get(account);
  if (key === undefined) {
    key = ed25519PublicKeyObject(ed25519KeyPairFromSeed(seedOf(account)).publicKey);
    publicKeys.set(account, key);
  }
  return key;
}

/** The account that pays: the one entry giving money. A trade without exactly one has no signer. */
export function tradePayer(trade: CrossTrade): string | undefined {
  const payers = trade.legs.flatMap((leg) => leg.entries.filter((e) => e.money < 0n).map((e) => e.account));
  return payers.length === 1 ? payers[0] : undefined;
}

function signingBytes(trade: CrossTrade): Uint8Array {
  const body = encodeTrade(trade);
  const out = new Uint8Array(DOMAIN.length + body.length);
  out.set(DOMAIN);
  out.set(body, DOMAIN.length);
  return out;
}

/** The payer's signature over the trade (the client side). */
export function signTrade(trade: CrossTrade): Uint8Array {
  const payer = tradePayer(trade);
  if (payer === undefined) throw new RangeError('a signed trade needs exactly one paying account');
  let key = privateKeys.get(payer);
  if (key === undefined) {
    key = ed25519PrivateKeyObject(seedOf(payer));
    privateKeys.set(payer, key);
  }
  return ed25519Sign(key, signingBytes(trade));
}

/** The payer's signature over exactly this trade; false for anything else. */
export function tradeSignatureValid(trade: CrossTrade, signature: Uint8Array): boolean {
  const payer = tradePayer(trade);
  if (payer === undefined) return false;
  return ed25519Verify(publicKeyOf(payer), signingBytes(trade), signature);
}
