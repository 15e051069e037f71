/**
 * Every quotation of a round, as a regulator's session reads them: the round's quote list is
 * public (keys 0x09 count, 0x08 references: who quoted and under which id), each entry (0x07) is
 * private to its owner and regulators. The market clears only approved members' quotes, so each
 * quoting member's public registry entry is read too.
 */
import { api } from './api.js';
import { Reader, Writer } from './codec.js';
import { fromHex, toHex } from './hex.js';
import { decodeQuoteEntry, quoteEntryKey } from './quote-entry.js';
import type { RevealedQuote } from './supply-demand.js';

const countKey = (cycleId: string, round: number) =>
  toHex(new Writer().u8(0x09).string(cycleId).u32(round).finish());
const refKey = (cycleId: string, round: number, n: number) =>
  toHex(new Writer().u8(0x08).string(cycleId).u32(round).u32(n).finish());

/** Refuses a round with more references than a page should fetch one by one. */
export const MAX_QUOTES_READ = 2_000;

export interface RoundQuotes {
  readonly count: number;
  readonly quotes: RevealedQuote[];
}

async function value(keyHex: string, token?: string): Promise<Uint8Array | null> {
  const answer = await api.get<{ value: string | null }>(`/api/v1/state/${keyHex}`, token);
  return answer.value === null ? null : fromHex(answer.value);
}

export function decodeCount(bytes: Uint8Array): number {
  const r = new Reader(bytes);
  if (r.u8() !== 1) throw new Error('unknown counter version');
  const n = r.varuint();
  r.end();
  return n;
}

export function decodeQuoteRef(bytes: Uint8Array): { member: string; quoteId: string } {
  const r = new Reader(bytes);
  if (r.u8() !== 1) throw new Error('unknown quote reference version');
  const member = toHex(r.fixed(32));
  const quoteId = r.string(64 * 4);
  r.end();
  return { member, quoteId };
}

export async function readRoundQuotes(cycleId: string, round: number, token: string): Promise<RoundQuotes> {
  const countBytes = await value(countKey(cycleId, round));
  const count = countBytes === null ? 0 : decodeCount(countBytes);
  if (count > MAX_QUOTES_READ)
    throw new Error(`round ${round} has ${count} quotations, more than this page reads`);
  const refs = await Promise.all(
    Array.from({ length: count }, async (_, n) => {
      const bytes = await value(refKey(cycleId, round, n));
      if (bytes === null) throw new Error(`quote reference ${n} of round ${round} is missing`);
      return decodeQuoteRef(bytes);
    }),
  );
  const approved = new Map<string, Promise<boolean>>();
  const isApproved = (member: string) => {
    let found = approved.get(member);
    if (found === undefined) {
      found = api
        .get<{ status: string }>(`/api/v1/market/members/${member}`)
        .then((m) => m.status === 'approved');
      approved.set(member, found);
    }
    return found;
  };
  const quotes = await Promise.all(
    refs.map(async (ref) => {
      const bytes = await value(quoteEntryKey(cycleId, ref.member, ref.quoteId), token);
      const entry = bytes === null ? null : decodeQuoteEntry(bytes);
      return {
        quote: entry?.quote ?? null,
        withdrawn: entry?.withdrawn ?? false,
        approved: await isApproved(ref.member),
      };
    }),
  );
  return { count, quotes };
}
