import { digestKey } from './codec.js';
import type { DagStore } from './store.js';
import type { Header, ParentRef } from './types.js';

/**
 * How a reference to an older vertex stands at this validator:
 * - `present`: below the window (claimed round < gcRound, never ordered or counted by anyone),
 *   or in the DAG with exactly the claimed round;
 * - `missing`: not known yet, to be fetched;
 * - `invalid`: the reference lies about a vertex known here (a different round, a vertex already
 *   collected although the claim is inside the window, or a vertex refused before).
 *
 * A digest known only as collected never counts: every collected vertex had a round below gcRound
 * when it was collected, and gcRound only grows, so a claim at or above gcRound about it is false.
 * Counting such digests let a vertex reach "2f + 1 parents" with only 2f real ones, and quorum
 * intersection, on which the commit rule rests, broke.
 */
export type ParentVerdict = 'present' | 'missing' | 'invalid';

export function parentVerdict(
  store: DagStore,
  refused: ReadonlyMap<string, number>,
  gcRound: number,
  key: string,
  claimedRound: number,
): ParentVerdict {
  if (claimedRound < gcRound) return 'present';
  if (refused.has(key)) return 'invalid';
  const certificate = store.get(key);
  if (certificate !== undefined) return certificate.header.round === claimedRound ? 'present' : 'invalid';
  return store.collected.has(key) ? 'invalid' : 'missing';
}

/** Strong parents (round - 1) and weak ones, each with the round the header claims. */
export function parentRefs(header: Header): ParentRef[] {
  return [...header.parents.map((digest) => ({ round: header.round - 1, digest })), ...header.weakParents];
}

/** The worst verdict over every reference of `header`, and the digests still missing. */
export function headerParents(
  store: DagStore,
  refused: ReadonlyMap<string, number>,
  gcRound: number,
  header: Header,
): { verdict: ParentVerdict; missing: Map<string, number> } {
  const missing = new Map<string, number>();
  for (const ref of parentRefs(header)) {
    const key = digestKey(ref.digest);
    const verdict = parentVerdict(store, refused, gcRound, key, ref.round);
    if (verdict === 'invalid') return { verdict, missing };
    if (verdict === 'missing') missing.set(key, ref.round);
  }
  return { verdict: missing.size > 0 ? 'missing' : 'present', missing };
}

/**
 * With every strong parent inside the window present: they must be 2f + 1 vertices of distinct
 * authors, all of round r - 1 (the verdicts checked the rounds). Parents below the window cannot
 * be checked and are taken as claimed; such a vertex sits at gcRound, below every leader and
 * supporter the commit rule still looks at.
 */
export function strongParentsSound(
  store: DagStore,
  header: Header,
  gcRound: number,
  quorum: number,
): boolean {
  if (header.round === 1) return header.parents.length === 0;
  if (header.round - 1 < gcRound) return header.parents.length >= quorum;
  const authors = new Set<number>();
  for (const parent of header.parents) {
    const certificate = store.get(digestKey(parent));
    if (certificate === undefined || certificate.header.round !== header.round - 1) return false;
    authors.add(certificate.header.author);
  }
  return authors.size === header.parents.length && authors.size >= quorum;
}
