/**
 * The reveals of sealed quotations, kept by this browser until the reveal gate: the quotation and
 * its secret salt, sealed with AES-GCM under a key derived from the member's own signing seed, so
 * only whoever can unlock that key can open them, in localStorage next to the key vault. Losing an
 * entry before the reveal means the commitment lapses unrevealed: the page warns and offers a
 * backup file (still sealed).
 */
import { fromHex, own, toHex, utf8 } from './hex.js';
import type { Quotation } from './market-tx.js';
import { sha256 } from './sha256.js';
import type { KeyStorage } from './vault.js';

const STORAGE_KEY = 'gridshard.reveals.v1';

export interface SealedReveal {
  readonly version: 1;
  readonly member: string;
  readonly cycleId: string;
  readonly quoteId: string;
  /** The commitment sent on chain, hex: a reveal that no longer matches it is useless. */
  readonly commitment: string;
  readonly iv: string;
  readonly sealed: string;
}

export interface Reveal {
  readonly quote: Quotation;
  readonly salt: Uint8Array;
}

const entryId = (e: { member: string; cycleId: string; quoteId: string }) =>
  `${e.member}|${e.cycleId}|${e.quoteId}`;

async function aesKey(seed: Uint8Array) {
  const raw = sha256(new Uint8Array([...utf8('gridshard/reveal-store/v1|'), ...seed]));
  return globalThis.crypto.subtle.importKey('raw', own(raw), 'AES-GCM', false, ['encrypt', 'decrypt']);
}

function isEntry(e: unknown): e is SealedReveal {
  const x = e as SealedReveal | null;
  return (
    x?.version === 1 &&
    typeof x.member === 'string' &&
    typeof x.cycleId === 'string' &&
    typeof x.quoteId === 'string' &&
    typeof x.sealed === 'string'
  );
}

export function listReveals(storage: KeyStorage, member?: string): SealedReveal[] {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(STORAGE_KEY) ?? '[]');
    const all = Array.isArray(parsed) ? parsed.filter(isEntry) : [];
    return member === undefined ? all : all.filter((e) => e.member === member);
  } catch {
    return [];
  }
}

function write(storage: KeyStorage, entries: SealedReveal[]) {
  storage.setItem(STORAGE_KEY, JSON.stringify(entries));
}

export async function keepReveal(
  storage: KeyStorage,
  seed: Uint8Array,
  at: { member: string; cycleId: string; quoteId: string; commitment: Uint8Array },
  reveal: Reveal,
): Promise<SealedReveal> {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const plain = utf8(JSON.stringify({ quote: reveal.quote, salt: toHex(reveal.salt) }));
  const sealed = await globalThis.crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: own(utf8(entryId(at))) },
    await aesKey(seed),
    own(plain),
  );
  const entry: SealedReveal = {
    version: 1,
    member: at.member,
    cycleId: at.cycleId,
    quoteId: at.quoteId,
    commitment: toHex(at.commitment),
    iv: toHex(iv),
    sealed: toHex(new Uint8Array(sealed)),
  };
  write(storage, [...listReveals(storage).filter((e) => entryId(e) !== entryId(entry)), entry]);
  return entry;
}

/** The quotation and salt of an entry, or null when this seed does not open it. */
export async function openReveal(entry: SealedReveal, seed: Uint8Array): Promise<Reveal | null> {
  try {
    const plain = await globalThis.crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: own(fromHex(entry.iv)), additionalData: own(utf8(entryId(entry))) },
      await aesKey(seed),
      own(fromHex(entry.sealed)),
    );
    const parsed = JSON.parse(new TextDecoder().decode(plain)) as { quote: Quotation; salt: string };
    return { quote: parsed.quote, salt: fromHex(parsed.salt) };
  } catch {
    return null;
  }
}

export function dropReveal(
  storage: KeyStorage,
  at: { member: string; cycleId: string; quoteId: string },
): void {
  write(
    storage,
    listReveals(storage).filter((e) => entryId(e) !== entryId(at)),
  );
}

/** Merges the entries of a backup file; returns how many it held. */
export function restoreReveals(storage: KeyStorage, json: string): number {
  const parsed: unknown = JSON.parse(json);
  const incoming = Array.isArray(parsed) ? parsed.filter(isEntry) : [];
  const ids = new Set(incoming.map(entryId));
  write(storage, [...listReveals(storage).filter((e) => !ids.has(entryId(e))), ...incoming]);
  return incoming.length;
}
