/**
 * What a member's own market actions need from the chain: the genesis market configuration (public
 * state key 0x01, src/market/records.ts `configCodec`), the sender's ledger nonce (its replay
 * window, the only nonce a market action has), the member's public registry entry, and submission with its
 * receipt. Everything goes through routes any client may use (docs/API.md).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { ApiError, api } from './api.js';
import { Reader, Writer } from './codec.js';
import { fromHex, toHex } from './hex.js';
import { marketPayload, type OwnAction, signedEnvelope } from './market-tx.js';
import type { Status } from './types.js';

export interface MarketRules {
  readonly marketId: string;
  readonly sealedBids: boolean;
  readonly priceFloorPerKwh: number;
  readonly priceCapPerKwh: number;
  readonly revealWindowMs: number;
  readonly stepGraceMs: number;
}

const u64n = (r: Reader) => Number(r.u64());
const bool = (r: Reader) => {
  const b = r.u8();
  if (b > 1) throw new Error('bad boolean');
  return b === 1;
};
function skipList(r: Reader, item: (r: Reader) => void) {
  const n = r.varuint();
  for (let i = 0; i < n; i++) item(r);
}

/** Reads the leading fields of the configuration record; versions 2 and 3 carry the deadlines. */
export function decodeMarketRules(bytes: Uint8Array): MarketRules {
  const r = new Reader(bytes);
  const version = r.u8();
  if (version < 1 || version > 3) throw new Error(`unknown market configuration version ${version}`);
  const marketId = r.string(256);
  const sealedBids = bool(r);
  r.u8(); // pricing rule
  r.varuint(); // resubmission rounds
  const priceFloorPerKwh = r.varuint();
  const priceCapPerKwh = r.varuint();
  for (let i = 0; i < 7; i++) r.varuint(); // benchmark … same-bus fee
  skipList(r, (x) => x.varuint() + x.varuint()); // retired fee levels
  skipList(r, (x) => x.varuint() + x.varuint()); // bus export limits
  skipList(r, (x) => x.fixed(32)); // operators
  if (version === 1) {
    return {
      marketId,
      sealedBids,
      priceFloorPerKwh,
      priceCapPerKwh,
      revealWindowMs: 1_800_000,
      stepGraceMs: 900_000,
    };
  }
  const revealWindowMs = u64n(r);
  const stepGraceMs = u64n(r);
  return { marketId, sealedBids, priceFloorPerKwh, priceCapPerKwh, revealWindowMs, stepGraceMs };
}

async function stateValue(keyHex: string, token?: string): Promise<string | null> {
  return (await api.get<{ value: string | null }>(`/api/v1/state/${keyHex}`, token)).value;
}

export async function marketRules(): Promise<MarketRules> {
  const value = await stateValue('01');
  if (value === null) throw new Error('this chain runs no market (no market configuration in its state)');
  return decodeMarketRules(fromHex(value));
}

const ledgerNonceKey = (sender: Uint8Array) => toHex(new Writer().string('nonce').bytes(sender).finish());

/** The lowest unused ledger nonce of `sender`: its window starts with that base (u64). */
export async function ledgerNonce(sender: Uint8Array): Promise<bigint> {
  const value = await stateValue(ledgerNonceKey(sender));
  return value === null ? 0n : new Reader(fromHex(value)).u64();
}

export interface PublicMember {
  readonly key: string;
  readonly role: string;
  readonly name: string;
  readonly status: string;
  readonly reason: string;
  readonly bus: number;
  readonly voltageKv: number;
  readonly maxLoadKw: number;
  readonly projects: {
    technology: string;
    capacityKw: number;
    ownMaxLoadKw: number;
    bus: number;
    voltageKv: number;
    absorbedLocally: boolean;
  }[];
  readonly approvedKw: number[];
  readonly registeredAtHeight: number;
}

/** The member's public registry entry, or null when the key has never registered. */
export async function memberOf(publicKey: string): Promise<PublicMember | null> {
  try {
    return await api.get<PublicMember>(`/api/v1/market/members/${publicKey}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

export interface Receipt {
  readonly hash: string;
  readonly height: number;
  readonly ok: boolean;
  readonly code: string;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Signs `action` with `seed` (in its ledger envelope), submits it and waits for its
 * receipt. A refusal by the market is a receipt with `ok: false` and the market's code.
 */
export async function sendAction(seed: Uint8Array, action: OwnAction, waitMs = 60_000): Promise<Receipt> {
  const status = await api.get<Status>('/api/v1/status');
  const sender = ed25519.getPublicKey(seed);
  const nonce = await ledgerNonce(sender);
  const tx = signedEnvelope(status.chainId, status.shardId, seed, nonce, marketPayload(action));
  const { hash } = await api.post<{ hash: string }>('/api/v1/tx', { tx: toHex(tx) });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const found = await api.get<Receipt>(`/api/v1/transactions/${hash}`);
      return { hash, height: found.height, ok: found.ok, code: found.code };
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
    if (Date.now() > deadline) throw new ApiError(0, 'TIMEOUT', `transaction ${hash} is not in a block yet`);
    await pause(400);
  }
}
