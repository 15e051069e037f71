/**
 * How the priority pairing looks for a seller's next buyer, per offer group: its bid groups in runs
 * of equal crossing fee, lowest fee first. A small run is scanned group by group. A large one (with
 * a tariff by voltage level, hundreds of groups at one fee) is searched mostly in a "base": a set
 * of bid groups whose bids stand in one tree in priority order, so the run's first bid that can
 * absorb a seller's rest is one descent instead of a visit to each group.
 *
 * Runs of different offer groups are mostly the same set: with the fee depending on the voltage
 * levels and on whether the two points share a bus, a run is "every group at these levels" with
 * or without the few on the seller's own bus. Such runs share one base: each names the groups of
 * the base outside it, which a search passes over, and scans its few groups beyond the base. Which
 * runs share a base only decides how fast a search is: the base's first bid in the run, against
 * the scan of the rest, is exactly the bid the scan of all the run's groups finds.
 */

type Matrix<T> = readonly (readonly T[])[];

export interface BidRun {
  readonly fee: number;
  /** The bid groups it scans: all of its groups without a base, else those beyond the base. */
  readonly groups: Int32Array;
  /** The base holding its bids, or -1: the run is scanned group by group. */
  readonly base: number;
  /** Per bid group, 1 for a group of the base outside the run; null when the run is its base. */
  readonly outside: Uint8Array | null;
}

export interface BidRuns {
  /** Per offer group, its runs by fee. */
  readonly columns: readonly (readonly BidRun[])[];
  /** Per base, 1 for each bid group it holds. */
  readonly bases: readonly Uint8Array[];
}

/** Runs of at most this many groups are scanned. */
const SMALL_RUN = 16;
/** A run may scan up to an eighth of its groups beyond its base (and at most SMALL_RUN). */
const EXTRA_SHIFT = 3;
/** A run's base may hold up to a quarter of the run's size in groups outside it. */
const OUTSIDE_SHIFT = 2;
/** All bases together hold at most this many times the matrix's groups: every pair updates each. */
const BASE_BUDGET = 8;

// One match prices every interval with the same matrices: they are read once (as immutable).
const cache = new WeakMap<object, { allowed: unknown; runs: BidRuns }>();

/** The runs of every offer group of a square matrix; undefined without one. */
export function bidRuns(
  fees: Matrix<number> | undefined,
  allowed: Matrix<boolean> | undefined,
): BidRuns | undefined {
  const matrix = fees ?? allowed;
  if (matrix === undefined) return undefined;
  const cached = cache.get(matrix);
  if (cached !== undefined && cached.allowed === allowed) return cached.runs;
  const runs = buildRuns(matrix.length, fees, allowed);
  cache.set(matrix, { allowed, runs });
  return runs;
}

interface Draft {
  fee: number;
  groups: Int32Array;
  base: number;
}

function buildRuns(
  size: number,
  fees: Matrix<number> | undefined,
  allowed: Matrix<boolean> | undefined,
): BidRuns {
  const drafts: Draft[][] = [];
  for (let g = 0; g < size; g++) {
    const feeOf = (h: number) => (fees ? (fees[g]?.[h] ?? 0) : 0);
    const list: number[] = [];
    for (let h = 0; h < size; h++) if (!(allowed && allowed[g]?.[h] === false)) list.push(h);
    list.sort((a, b) => feeOf(a) - feeOf(b) || a - b);
    const column: Draft[] = [];
    for (let start = 0; start < list.length; ) {
      let end = start + 1;
      while (end < list.length && feeOf(list[end]!) === feeOf(list[start]!)) end++;
      column.push({ fee: feeOf(list[start]!), groups: Int32Array.from(list.slice(start, end)), base: -1 });
      start = end;
    }
    drafts.push(column);
  }

  // Largest runs first, so a base is the fullest set of its kind; a base never changes once made.
  const large = drafts.flat().filter((run) => run.groups.length > SMALL_RUN);
  large.sort((a, b) => b.groups.length - a.groups.length);
  const bases: Uint8Array[] = [];
  const baseSizes: number[] = [];
  let budget = BASE_BUDGET * size;
  for (const run of large) {
    const length = run.groups.length;
    let cost = Number.POSITIVE_INFINITY;
    for (let b = 0; b < bases.length; b++) {
      let shared = 0;
      for (const h of run.groups) shared += bases[b]![h]!;
      const extra = length - shared;
      const outside = baseSizes[b]! - shared;
      if (extra > SMALL_RUN || extra > length >> EXTRA_SHIFT || outside > length >> OUTSIDE_SHIFT) continue;
      if (extra + outside < cost) {
        cost = extra + outside;
        run.base = b;
      }
    }
    if (run.base < 0 && length <= budget) {
      const members = new Uint8Array(size);
      for (const h of run.groups) members[h] = 1;
      run.base = bases.length;
      bases.push(members);
      baseSizes.push(length);
      budget -= length;
    }
  }

  const columns = drafts.map((column) =>
    column.map((run): BidRun => {
      if (run.base < 0) return { fee: run.fee, groups: run.groups, base: -1, outside: null };
      const members = bases[run.base]!;
      const extra = run.groups.filter((h) => members[h] === 0);
      let shared = 0;
      for (const h of run.groups) shared += members[h]!;
      if (shared === baseSizes[run.base])
        return { fee: run.fee, groups: extra, base: run.base, outside: null };
      const outside = members.slice();
      for (const h of run.groups) outside[h] = 0;
      return { fee: run.fee, groups: extra, base: run.base, outside };
    }),
  );
  return { columns, bases };
}
