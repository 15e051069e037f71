/**
 * The market's public records as the chain state holds them (src/market/store.ts key layout,
 * src/market/records.ts codecs), only those the role views read: a cycle's transition log, what
 * the security check made of each interval, and the deals of an interval with their adjustment
 * reasons. They are read through `GET /api/v1/state/:key`, the same route the State page proves.
 */
import { Reader, Writer } from './codec.js';
import { fromHex, toHex } from './hex.js';

export const CYCLE_STATES = [
  'open',
  'closed',
  'matched',
  'checked',
  'contracted',
  'settled',
  'cancelled',
] as const;
export const INTERVAL_OUTCOMES = ['secure', 'adjusted', 'rechecked', 'cancelled', 'gridPurchase'] as const;
const TRADING_MODES = ['direct', 'entrusted', 'gridPurchase'] as const;

const PREFIX = { deal: 0x0c, intervalOutcomes: 0x19, transitions: 0x1a } as const;

function stateKey(prefix: number, cycleId: string, interval?: number): string {
  const w = new Writer().u8(prefix).string(cycleId);
  if (interval !== undefined) w.u32(interval);
  return toHex(w.finish());
}

export const transitionsKey = (cycleId: string) => stateKey(PREFIX.transitions, cycleId);
export const outcomesKey = (cycleId: string) => stateKey(PREFIX.intervalOutcomes, cycleId);
export const dealsKey = (cycleId: string, interval: number) => stateKey(PREFIX.deal, cycleId, interval);

export interface Transition {
  readonly from: string;
  readonly to: string;
  readonly round: number;
  readonly atMs: number;
  readonly height: number;
  readonly code: string;
  readonly reason: string;
}

export interface IntervalOutcome {
  readonly interval: number;
  readonly outcome: string;
  readonly code: string;
  readonly reason: string;
}

export interface Deal {
  readonly round: number;
  readonly interval: number;
  readonly mode: string;
  readonly seller: string;
  readonly buyer: string;
  readonly matchedWh: number;
  readonly energyWh: number;
  readonly adjustmentReason: string;
  readonly sellerPricePerKwh: number;
  readonly buyerPricePerKwh: number;
  readonly feePerKwh: number;
}

function oneOf<T extends string>(r: Reader, values: readonly T[]): T {
  const tag = r.u8();
  const value = values[tag];
  if (value === undefined) throw new Error(`unknown tag ${tag}`);
  return value;
}

const text = (r: Reader, max: number) => r.string(max * 4);

/** A `versioned(1, list(...))` record: version byte, item count, items; nothing after. */
function versionedList<T>(hex: string, item: (r: Reader) => T, maxCount: number): T[] {
  const r = new Reader(fromHex(hex));
  if (r.u8() !== 1) throw new Error('unknown record version');
  const count = r.varuint();
  if (count > maxCount) throw new Error('list too long');
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(item(r));
  r.end();
  return out;
}

export const decodeTransitions = (hex: string): Transition[] =>
  versionedList(
    hex,
    (r) => ({
      from: oneOf(r, CYCLE_STATES),
      to: oneOf(r, CYCLE_STATES),
      round: r.varuint(),
      atMs: Number(r.u64()),
      height: Number(r.u64()),
      code: text(r, 48),
      reason: text(r, 200),
    }),
    100_000,
  );

export const decodeOutcomes = (hex: string): IntervalOutcome[] =>
  versionedList(
    hex,
    (r) => ({
      interval: r.varuint(),
      outcome: oneOf(r, INTERVAL_OUTCOMES),
      code: text(r, 48),
      reason: text(r, 200),
    }),
    96,
  );

export const decodeDeals = (hex: string): Deal[] =>
  versionedList(
    hex,
    (r) => {
      const round = r.varuint();
      const interval = r.varuint();
      const mode = oneOf(r, TRADING_MODES);
      const seller = toHex(r.fixed(32));
      r.varuint(); // project
      const buyer = toHex(r.fixed(32));
      const matchedWh = r.varuint();
      const energyWh = r.varuint();
      const adjustmentReason = text(r, 200);
      const sellerPricePerKwh = r.varuint();
      const buyerPricePerKwh = r.varuint();
      const feePerKwh = r.varuint();
      return {
        round,
        interval,
        mode,
        seller,
        buyer,
        matchedWh,
        energyWh,
        adjustmentReason,
        sellerPricePerKwh,
        buyerPricePerKwh,
        feePerKwh,
      };
    },
    10_000_000,
  );

/** Grid elements a security check named: `branch-thermal:6-7`, `voltage-low:18`, … (src/grid/security.ts). */
export interface Flags {
  readonly lines: Set<string>;
  readonly voltageLow: Set<number>;
  readonly voltageHigh: Set<number>;
  readonly substation: Set<number>;
  notConverged: boolean;
}

export const lineId = (from: number, to: number) => `${Math.min(from, to)}-${Math.max(from, to)}`;

export function emptyFlags(): Flags {
  return {
    lines: new Set(),
    voltageLow: new Set(),
    voltageHigh: new Set(),
    substation: new Set(),
    notConverged: false,
  };
}

/** Adds every element a reason text names to `flags`. */
export function readReason(reason: string, flags: Flags): Flags {
  for (const m of reason.matchAll(
    /branch-thermal:(\d+)-(\d+)|(voltage-low|voltage-high|substation-capacity):(\d+)|not-converged/g,
  )) {
    if (m[1] !== undefined) flags.lines.add(lineId(Number(m[1]), Number(m[2])));
    else if (m[3] === 'voltage-low') flags.voltageLow.add(Number(m[4]));
    else if (m[3] === 'voltage-high') flags.voltageHigh.add(Number(m[4]));
    else if (m[3] === 'substation-capacity') flags.substation.add(Number(m[4]));
    else flags.notConverged = true;
  }
  return flags;
}
