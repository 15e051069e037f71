/**
 * A member's own quote entry in the chain state (key 0x07, src/market/store.ts; codec
 * `quoteEntryRecord` in src/market/records.ts), private to the member: read with its session.
 */
import { api } from './api.js';
import { Reader, Writer } from './codec.js';
import { fromHex, toHex } from './hex.js';
import type { Quotation } from './market-tx.js';

export interface QuoteEntry {
  readonly round: number;
  readonly commitment: string | null;
  readonly quote: Quotation | null;
  readonly withdrawn: boolean;
}

const MODES = ['direct', 'entrusted', 'gridPurchase'] as const;

function flag(r: Reader): boolean {
  const b = r.u8();
  if (b > 1) throw new Error('bad flag');
  return b === 1;
}

function readQuotation(r: Reader): Quotation {
  const side = r.u8() === 0 ? 'buy' : 'sell';
  const mode = MODES[r.u8()];
  if (mode === undefined) throw new Error('unknown trading mode');
  const project = r.varuint();
  const curves = Array.from({ length: r.varuint() }, () => ({
    interval: r.varuint(),
    steps: Array.from({ length: r.varuint() }, () => ({ pricePerKwh: r.varuint(), energyWh: r.varuint() })),
  }));
  return { side, mode, project, curves };
}

export function decodeQuoteEntry(bytes: Uint8Array): QuoteEntry {
  const r = new Reader(bytes);
  if (r.u8() !== 1) throw new Error('unknown quote entry version');
  const round = r.varuint();
  const commitment = flag(r) ? toHex(r.fixed(32)) : null;
  const quote = flag(r) ? readQuotation(r) : null;
  const withdrawn = flag(r);
  r.end();
  return { round, commitment, quote, withdrawn };
}

export const quoteEntryKey = (cycleId: string, member: string, quoteId: string) =>
  toHex(new Writer().u8(0x07).string(cycleId).fixed(fromHex(member), 32).string(quoteId).finish());

/** The entry, or null when the chain holds none (never committed, or refused). */
export async function readQuoteEntry(
  token: string,
  cycleId: string,
  member: string,
  quoteId: string,
): Promise<QuoteEntry | null> {
  const answer = await api.get<{ value: string | null }>(
    `/api/v1/state/${quoteEntryKey(cycleId, member, quoteId)}`,
    token,
  );
  return answer.value === null ? null : decodeQuoteEntry(fromHex(answer.value));
}

export type QuoteStatus = 'unknown' | 'sealed' | 'open' | 'revealed' | 'withdrawn';

export function quoteStatus(entry: QuoteEntry | null): QuoteStatus {
  if (entry === null) return 'unknown';
  if (entry.withdrawn) return 'withdrawn';
  if (entry.commitment !== null && entry.quote === null) return 'sealed';
  return entry.commitment !== null ? 'revealed' : 'open';
}
