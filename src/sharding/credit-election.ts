import { Writer } from '../codec/index.js';
import { sha256, toHex } from '../crypto/index.js';
import { CreditError } from './credit-errors.js';
import { drawMasters } from './masters.js';

const DOMAIN = 'gridshard/masters-credit/v1';

/** One shard's nodes by role: verification nodes run its consensus, standby common nodes wait. */
export interface ShardRoles {
  readonly verification: readonly number[];
  readonly standby: readonly number[];
}

export interface Election {
  readonly verification: number[];
  readonly standby: number[];
  /** Suspended verification nodes taken out, each with the standby that took its place (or none left). */
  readonly removed: readonly { readonly out: number; readonly in: number | null }[];
  /** The cycle's one replacement by credit, if a standby beat the worst verification node. */
  readonly replaced: { readonly out: number; readonly in: number } | null;
}

/**
 * The roles of the next cycle. Suspended nodes leave first: each suspended verification node's
 * place goes to the best standby, and suspended standbys are dropped. Then the verification node
 * with the lowest credit trades places with the standby with the highest, only if the standby's
 * credit is strictly higher: equal credit never churns the committee. A replacement takes the
 * place (the committee index) of the node it replaces, so the other members keep theirs. Between
 * equal credits the lower node index ranks higher. A node missing from `credit` has 0.
 */
export function electRoles(
  current: ShardRoles,
  credit: ReadonlyMap<number, number>,
  suspended: ReadonlySet<number>,
): Election {
  checkRoles(current);
  const score = (node: number) => creditOf(credit, node);
  // a ranks above b
  const above = (a: number, b: number) => score(a) > score(b) || (score(a) === score(b) && a < b);
  const standby = current.standby.filter((node) => !suspended.has(node));
  const bestStandby = (): number => {
    let best = 0;
    for (let i = 1; i < standby.length; i++) if (above(standby[i]!, standby[best]!)) best = i;
    return best;
  };
  const verification: number[] = [];
  const removed: { out: number; in: number | null }[] = [];
  for (const node of current.verification) {
    if (!suspended.has(node)) {
      verification.push(node);
      continue;
    }
    if (standby.length === 0) {
      removed.push({ out: node, in: null });
      continue;
    }
    const [taken] = standby.splice(bestStandby(), 1);
    verification.push(taken!);
    removed.push({ out: node, in: taken! });
  }
  let replaced: Election['replaced'] = null;
  if (verification.length > 0 && standby.length > 0) {
    let worst = 0;
    for (let i = 1; i < verification.length; i++)
      if (above(verification[worst]!, verification[i]!)) worst = i;
    const best = bestStandby();
    const out = verification[worst]!;
    const incoming = standby[best]!;
    if (score(incoming) > score(out)) {
      verification[worst] = incoming;
      standby[best] = out;
      replaced = { out, in: incoming };
    }
  }
  return { verification, standby, removed, replaced };
}

/**
 * The master order of one shard for one cycle weighted by credit: the first is the master, the
 * rest its replacements in turn. Draw k picks among the candidates not yet drawn with probability
 * credit / (their total credit), from a ticket hashed from the beacon, cycle, shard and k, so the
 * order is as unpredictable before the beacon as `drawMasters` and a node's chance of leading is
 * exactly its share of the credit (up to a bias below 2^-200 from reducing a 256-bit hash).
 * Nodes with no credit are never drawn, unless no candidate has any: then the draw is uniform.
 */
export function drawMastersByCredit(
  beacon: Uint8Array,
  cycle: number,
  shard: number,
  candidates: readonly number[],
  credit: ReadonlyMap<number, number>,
): number[] {
  checkNodes(candidates, new Set(), 'candidate');
  const pool = candidates
    .filter((node) => creditOf(credit, node) > 0)
    .sort((a, b) => a - b)
    .map((node) => ({ node, weight: BigInt(creditOf(credit, node)) }));
  if (pool.length === 0) return drawMasters(beacon, cycle, shard, candidates);
  let total = pool.reduce((sum, p) => sum + p.weight, 0n);
  const order: number[] = [];
  for (let draw = 0; pool.length > 0; draw++) {
    const hash = sha256(new Writer(96).string(DOMAIN).bytes(beacon).u64(cycle).u32(shard).u32(draw).finish());
    let ticket = BigInt(`0x${toHex(hash)}`) % total;
    let at = 0;
    while (ticket >= pool[at]!.weight) {
      ticket -= pool[at]!.weight;
      at++;
    }
    const [picked] = pool.splice(at, 1);
    order.push(picked!.node);
    total -= picked!.weight;
  }
  return order;
}

function creditOf(credit: ReadonlyMap<number, number>, node: number): number {
  const value = credit.get(node) ?? 0;
  if (!Number.isSafeInteger(value) || value < 0)
    throw new CreditError('BAD_CREDIT_WEIGHTS', `credit ${value} of node ${node} is not a whole number ≥ 0`, {
      node,
      value,
    });
  return value;
}

function checkRoles(roles: ShardRoles): void {
  const seen = new Set<number>();
  checkNodes(roles.verification, seen, 'verification node');
  checkNodes(roles.standby, seen, 'standby node');
}

function checkNodes(nodes: readonly number[], seen: Set<number>, what: string): void {
  for (const node of nodes) {
    if (!Number.isSafeInteger(node) || node < 0 || node > 0xffff_ffff)
      throw new CreditError('BAD_ROLES', `${what} ${node} is not a node index`, { node });
    if (seen.has(node)) throw new CreditError('BAD_ROLES', `node ${node} is named twice`, { node });
    seen.add(node);
  }
}
