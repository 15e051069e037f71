/**
 * Market transactions written and signed in the browser: the actions a member sends itself
 * (register, the quotation actions, and accepting its contracts) in the canonical layout of src/market/actions.ts, the
 * sealed-bid commitment of src/market/commitment.ts, and the ledger envelope of
 * src/ledger/transaction.ts that carries them; the envelope's signature and nonce are the
 * action's only ones. test/web/market-tx.test.ts checks every byte against the node's own
 * encoders.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { Writer } from './codec.js';
import { concatBytes, utf8 } from './hex.js';
import { ACTION_TYPES } from './market-action.js';
import { sha256 } from './sha256.js';

export const MEMBER_ROLES = [
  'generator',
  'user',
  'gridEnterprise',
  'tradingCenter',
  'regulator',
  'operator',
] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];
const TRADING_MODES = ['direct', 'entrusted', 'gridPurchase'] as const;
export type TradingMode = (typeof TRADING_MODES)[number];

export interface Project {
  readonly technology: string;
  readonly capacityKw: number;
  readonly ownMaxLoadKw: number;
  readonly bus: number;
  readonly voltageKv: number;
  readonly absorbedLocally: boolean;
}

export interface Step {
  readonly pricePerKwh: number;
  readonly energyWh: number;
}

export interface Quotation {
  readonly side: 'buy' | 'sell';
  readonly mode: TradingMode;
  readonly project: number;
  readonly curves: readonly { readonly interval: number; readonly steps: readonly Step[] }[];
}

export type OwnAction =
  | {
      readonly type: 'register';
      readonly role: MemberRole;
      readonly name: string;
      readonly bus: number;
      readonly voltageKv: number;
      readonly maxLoadKw: number;
      readonly projects: readonly Project[];
    }
  | {
      readonly type: 'commitQuote';
      readonly cycleId: string;
      readonly quoteId: string;
      readonly commitment: Uint8Array;
    }
  | {
      readonly type: 'submitQuote';
      readonly cycleId: string;
      readonly quoteId: string;
      readonly quote: Quotation;
    }
  | {
      readonly type: 'amendQuote';
      readonly cycleId: string;
      readonly quoteId: string;
      readonly commitment: Uint8Array | null;
      readonly quote: Quotation | null;
    }
  | { readonly type: 'withdrawQuote'; readonly cycleId: string; readonly quoteId: string }
  | { readonly type: 'acceptContracts'; readonly cycleId: string; readonly contractIds: readonly string[] }
  | { readonly type: 'advanceCycle'; readonly cycleId: string }
  | {
      readonly type: 'revealQuote';
      readonly cycleId: string;
      readonly quoteId: string;
      readonly quote: Quotation;
      readonly salt: Uint8Array;
    };

const tag = (type: OwnAction['type']) => ACTION_TYPES.indexOf(type);

function writeQuotation(w: Writer, q: Quotation): void {
  w.u8(q.side === 'buy' ? 0 : 1)
    .u8(TRADING_MODES.indexOf(q.mode))
    .varuint(q.project)
    .varuint(q.curves.length);
  for (const curve of q.curves) {
    w.varuint(curve.interval).varuint(curve.steps.length);
    for (const s of curve.steps) w.varuint(s.pricePerKwh).varuint(s.energyWh);
  }
}

function writeProject(w: Writer, p: Project): void {
  w.string(p.technology).varuint(p.capacityKw).varuint(p.ownMaxLoadKw).varuint(p.bus).varuint(p.voltageKv);
  w.u8(p.absorbedLocally ? 1 : 0);
}

export function encodeAction(action: OwnAction): Uint8Array {
  const w = new Writer().u8(tag(action.type));
  switch (action.type) {
    case 'register':
      w.u8(MEMBER_ROLES.indexOf(action.role)).string(action.name).varuint(action.bus);
      w.varuint(action.voltageKv).varuint(action.maxLoadKw).varuint(action.projects.length);
      for (const p of action.projects) writeProject(w, p);
      w.u8(0); // meterKey: always absent, the grid enterprise binds meters
      break;
    case 'commitQuote':
      w.string(action.cycleId).string(action.quoteId).fixed(action.commitment, 32);
      break;
    case 'submitQuote':
      w.string(action.cycleId).string(action.quoteId);
      writeQuotation(w, action.quote);
      break;
    case 'amendQuote':
      w.string(action.cycleId).string(action.quoteId);
      if (action.commitment === null) w.u8(0);
      else w.u8(1).fixed(action.commitment, 32);
      if (action.quote === null) w.u8(0);
      else {
        w.u8(1);
        writeQuotation(w, action.quote);
      }
      break;
    case 'withdrawQuote':
      w.string(action.cycleId).string(action.quoteId);
      break;
    case 'advanceCycle':
      w.string(action.cycleId);
      break;
    case 'acceptContracts':
      w.string(action.cycleId).varuint(action.contractIds.length);
      for (const id of action.contractIds) w.string(id);
      break;
    case 'revealQuote':
      w.string(action.cycleId).string(action.quoteId);
      writeQuotation(w, action.quote);
      w.fixed(action.salt, 32);
      break;
  }
  return w.finish();
}

/** SHA-256 over domain, member, cycle, quote id, the quotation's bytes and the 32-byte salt. */
export function quoteCommitment(
  member: Uint8Array,
  cycleId: string,
  quoteId: string,
  quote: Quotation,
  salt: Uint8Array,
): Uint8Array {
  const w = new Writer().string('gridshard/market-quote-commitment').fixed(member, 32);
  w.string(cycleId).string(quoteId);
  writeQuotation(w, quote);
  w.fixed(salt, 32);
  return sha256(w.finish());
}

/** The payload version of src/market/actions.ts (`MARKET_PAYLOAD_VERSION`). */
export const MARKET_PAYLOAD_VERSION = 2;

/** The payload of a `market` transaction: the version byte, then the action. */
export function marketPayload(action: OwnAction): Uint8Array {
  return concatBytes(Uint8Array.of(MARKET_PAYLOAD_VERSION), encodeAction(action));
}

const ENVELOPE_DOMAIN = utf8('gridshard/tx/v1');

/** The ledger envelope of type `market`: its signature and nonce are the action's only ones. */
export function signedEnvelope(
  chainId: string,
  shardId: number,
  seed: Uint8Array,
  nonce: bigint,
  payload: Uint8Array,
): Uint8Array {
  const sender = ed25519.getPublicKey(seed);
  const unsigned = new Writer()
    .u8(1)
    .string(chainId)
    .u32(shardId)
    .string('market')
    .bytes(payload)
    .bytes(sender)
    .u64(nonce)
    .finish();
  const signature = ed25519.sign(concatBytes(ENVELOPE_DOMAIN, unsigned), seed);
  return concatBytes(unsigned, new Writer().bytes(signature).finish());
}
