/**
 * Reads the payload of a `market` transaction (src/market/actions.ts): a version byte, then the
 * action as a tag byte and its fields. The sender, nonce and signature are the envelope's. Actions made of plain fields are decoded in
 * full; for those carrying quotations, projects or meter batches the leading fields (cycle and
 * quote ids) are shown and the rest stays hex, which keeps the portal free of the market's codecs.
 */
import { Reader } from './codec.js';
import { fromHex, toHex } from './hex.js';

/** The tag byte is the position in this list (append only, as in src/market/actions.ts). */
export const ACTION_TYPES = [
  'register',
  'audit',
  'suspend',
  'exit',
  'openCycle',
  'closeGate',
  'commitQuote',
  'submitQuote',
  'amendQuote',
  'withdrawQuote',
  'revealQuote',
  'match',
  'openRound',
  'check',
  'contract',
  'meterReadings',
  'settle',
  'auditBatch',
  'advanceCycle',
  'bindMeter',
  'acceptContracts',
  'consent',
] as const;

const ROLES = ['generator', 'user', 'gridEnterprise', 'tradingCenter', 'regulator', 'operator'] as const;

export type FieldValue =
  | { readonly kind: 'text'; readonly value: string }
  | { readonly kind: 'key'; readonly value: string }
  | { readonly kind: 'time'; readonly ms: number };

export interface MarketAction {
  readonly type: string;
  readonly cycleId: string | null;
  readonly fields: readonly (readonly [string, FieldValue])[];
  /** False when fields after those shown were left undecoded. */
  readonly complete: boolean;
}

const txt = (value: string | number | boolean): FieldValue => ({ kind: 'text', value: String(value) });
const key = (bytes: Uint8Array): FieldValue => ({ kind: 'key', value: toHex(bytes) });
const time = (ms: bigint): FieldValue => ({ kind: 'time', ms: Number(ms) });

function bool(r: Reader): boolean {
  const b = r.u8();
  if (b > 1) throw new Error('bad boolean');
  return b === 1;
}

const text = (r: Reader, max: number) => r.string(max * 4);

type Fields = [string, FieldValue][];

/** Reads the action's fields; returns whether every field was read. */
function readFields(type: string, r: Reader, out: Fields): boolean {
  const cycle = () => out.push(['cycleId', txt(text(r, 64))]);
  switch (type) {
    case 'register': {
      const role = ROLES[r.u8()];
      if (role === undefined) throw new Error('unknown role');
      out.push(['role', txt(role)], ['name', txt(text(r, 64))], ['bus', txt(r.varuint())]);
      out.push(['voltageKv', txt(r.varuint())], ['maxLoadKw', txt(r.varuint())]);
      return false;
    }
    case 'audit':
      out.push(['member', key(r.fixed(32))], ['approve', txt(bool(r))], ['note', txt(text(r, 200))]);
      return true;
    case 'suspend':
      out.push(['member', key(r.fixed(32))], ['reason', txt(text(r, 200))]);
      return true;
    case 'exit':
      return true;
    case 'openCycle':
      cycle();
      out.push(['intervals', txt(r.varuint())], ['intervalMs', txt(Number(r.u64()))]);
      out.push(['deliveryStartMs', time(r.u64())], ['gateClosureMs', time(r.u64())]);
      out.push(['gridEnterprise', key(r.fixed(32))]);
      return true;
    case 'closeGate':
    case 'match':
    case 'check':
    case 'contract':
    case 'settle':
    case 'advanceCycle':
      cycle();
      return true;
    case 'commitQuote':
      cycle();
      out.push(['quoteId', txt(text(r, 64))], ['commitment', key(r.fixed(32))]);
      return true;
    case 'withdrawQuote':
      cycle();
      out.push(['quoteId', txt(text(r, 64))]);
      return true;
    case 'openRound':
      cycle();
      out.push(['gateClosureMs', time(r.u64())]);
      return true;
    case 'submitQuote':
    case 'amendQuote':
    case 'revealQuote':
      cycle();
      out.push(['quoteId', txt(text(r, 64))]);
      return false;
    case 'meterReadings':
    case 'acceptContracts':
      cycle();
      return false;
    case 'bindMeter': {
      out.push(['member', key(r.fixed(32))]);
      const present = bool(r);
      out.push(['meterKey', present ? key(r.fixed(32)) : txt('—')]);
      return true;
    }
    case 'consent':
      out.push(['standing', txt(bool(r))]);
      return true;
    default:
      return false;
  }
}

/** The payload version of src/market/actions.ts; version 1 carried its own signature and is not read. */
const PAYLOAD_VERSION = 2;

/** Decodes a market payload; throws when it is not one. */
export function decodeMarketAction(payload: Uint8Array): MarketAction {
  const r = new Reader(payload);
  if (r.u8() !== PAYLOAD_VERSION) throw new Error('unknown market payload version');
  const type = ACTION_TYPES[r.u8()];
  if (type === undefined) throw new Error('unknown market action');
  const fields: Fields = [];
  const complete = readFields(type, r, fields);
  if (complete) r.end();
  const cycleField = fields.find(([name]) => name === 'cycleId');
  const cycleId = cycleField !== undefined && cycleField[1].kind === 'text' ? cycleField[1].value : null;
  return { type, cycleId, fields, complete };
}

export const decodeMarketHex = (hex: string) => decodeMarketAction(fromHex(hex));
