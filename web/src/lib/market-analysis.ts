/**
 * The figures of a cycle's analysis, per interval, from what the node serves: the public release
 * (clearing price, volume, participants per interval and round; the security check's outcome per
 * interval) and, for a regulator's session, the private records the API's privacy gate lets it
 * read: the deals of each interval (contracted energy, the security check's cuts, crossing fees)
 * and the parties' meter readings. The market has no zones yet: one row per interval.
 */
import { Reader, Writer } from './codec.js';
import { fromHex, toHex } from './hex.js';
import type { Deal, IntervalOutcome } from './market-state.js';
import type { Cell, Table } from './table-csv.js';
import type { CycleAnswer, IntervalSummary } from './types.js';

/** One participant's readings for a cycle (key 0x11: cycle, participant; private to it). */
export const meterKey = (cycleId: string, participant: string) =>
  toHex(new Writer().u8(0x11).string(cycleId).fixed(fromHex(participant), 32).finish());

/** `meterListRecord`: version 1, then per interval an optional reading in Wh. */
export function decodeMeters(hex: string): (number | null)[] {
  const r = new Reader(fromHex(hex));
  if (r.u8() !== 1) throw new Error('unknown meter record version');
  const count = r.varuint();
  if (count > 96) throw new Error('meter list too long');
  const out: (number | null)[] = [];
  for (let i = 0; i < count; i++) {
    const present = r.u8();
    if (present > 1) throw new Error('bad flag');
    out.push(present === 1 ? r.varuint() : null);
  }
  r.end();
  return out;
}

/** What a payment for `energyWh` at `perKwh` comes to: whole money units, rounded down, as settlement does. */
export function moneyFor(perKwh: number, energyWh: number): bigint {
  return (BigInt(perKwh) * BigInt(energyWh)) / 1000n;
}

/** The summary of the latest round that has one for `interval` (rounds re-match what failed). */
export function latestSummary(cycle: CycleAnswer, interval: number): IntervalSummary | undefined {
  let found: IntervalSummary | undefined;
  for (const s of cycle.summaries)
    if (s.interval === interval && (found === undefined || s.round > found.round)) found = s;
  return found;
}

export const PUBLIC_COLUMNS = [
  'interval',
  'round',
  'clearing_price_per_kwh',
  'volume_wh',
  'participants',
  'check_outcome',
] as const;

/** Prices and volumes: the public release, readable by anyone. */
export function publicTable(cycle: CycleAnswer, outcomes: readonly IntervalOutcome[]): Table {
  const rows: Cell[][] = [];
  for (let i = 0; i < cycle.intervals; i++) {
    const s = latestSummary(cycle, i);
    rows.push([
      i,
      s?.round ?? null,
      s?.clearingPricePerKwh ?? null,
      s?.volumeWh ?? null,
      s?.participants ?? null,
      outcomes.find((o) => o.interval === i)?.outcome ?? null,
    ]);
  }
  return { columns: PUBLIC_COLUMNS, rows };
}

export const PRIVATE_COLUMNS = [
  'interval',
  'deals',
  'matched_wh',
  'contracted_wh',
  'congestion_cut_wh',
  'crossing_fees',
  'metered_supply_wh',
  'supply_deviation_wh',
  'metered_demand_wh',
  'demand_deviation_wh',
] as const;

/**
 * Contracts, congestion and deviations per interval. Crossing fees are those the deals' contracted
 * energy carries (`moneyFor` per deal). Deviation is metered minus contracted energy of the
 * interval's sellers (supply) and buyers (demand), summed over the parties that have a reading;
 * null when none has.
 */
export function privateTable(
  intervals: number,
  dealsByInterval: readonly (readonly Deal[])[],
  meters: ReadonlyMap<string, readonly (number | null)[]>,
): Table {
  const rows: Cell[][] = [];
  for (let i = 0; i < intervals; i++) {
    const deals = dealsByInterval[i] ?? [];
    let matched = 0;
    let contracted = 0;
    let fees = 0n;
    const sold = new Map<string, number>();
    const bought = new Map<string, number>();
    for (const d of deals) {
      matched += d.matchedWh;
      contracted += d.energyWh;
      fees += moneyFor(d.feePerKwh, d.energyWh);
      sold.set(d.seller, (sold.get(d.seller) ?? 0) + d.energyWh);
      bought.set(d.buyer, (bought.get(d.buyer) ?? 0) + d.energyWh);
    }
    const side = (parties: Map<string, number>): [number | null, number | null] => {
      let metered = 0;
      let deviation = 0;
      let any = false;
      for (const [party, wh] of parties) {
        const reading = meters.get(party)?.[i];
        if (reading === undefined || reading === null) continue;
        any = true;
        metered += reading;
        deviation += reading - wh;
      }
      return any ? [metered, deviation] : [null, null];
    };
    rows.push([
      i,
      deals.length,
      matched,
      contracted,
      matched - contracted,
      fees.toString(),
      ...side(sold),
      ...side(bought),
    ]);
  }
  return { columns: PRIVATE_COLUMNS, rows };
}
