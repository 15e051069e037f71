/**
 * The operations monitor's alert rules, pure: every input carries the time it was taken, so tests
 * replay any history with their own clock. The portal polls each validator's status and feeds the
 * readings here (ops-monitor.ts); what comes out is what the banner says.
 */

/** The shard id genesis gives the root chain of a sharded system. */
export const ROOT_SHARD_ID = 0xffffffff;

export interface AlertRules {
  /** A chain that has not advanced for this long while transactions wait is stalled. */
  readonly stallMs: number;
  /** A validator more than this many blocks below the highest one of its shard is behind. */
  readonly behindBlocks: number;
  /** A validator whose status could not be read for this long is unreachable. */
  readonly unreachableMs: number;
}

export const DEFAULT_RULES: AlertRules = { stallMs: 30_000, behindBlocks: 10, unreachableMs: 10_000 };

/** One status answer of one validator, and when it was read. */
export interface StatusReading {
  readonly atMs: number;
  readonly height: number;
  readonly mempoolSize: number;
  readonly peers: number;
}

/** What the monitor knows of one validator after its polls. */
export interface NodeTrack {
  readonly shardId: number;
  readonly index: number;
  /** The validators of its shard, itself included. */
  readonly committee: number;
  readonly last: StatusReading | null;
  /** When the polls started failing (after the last answer); null while it answers. */
  readonly failingSinceMs: number | null;
}

/** Records one poll of a validator: an answer, or a failure at `atMs`. */
export function recordPoll(track: NodeTrack, result: StatusReading | { failedAtMs: number }): NodeTrack {
  if ('failedAtMs' in result) {
    return { ...track, failingSinceMs: track.failingSinceMs ?? result.failedAtMs };
  }
  return { ...track, last: result, failingSinceMs: null };
}

/** How far one chain (a shard, or the root chain) has come, from the readings of its validators. */
export interface ChainTrack {
  readonly height: number;
  /** When `height` was first seen. */
  readonly advancedAtMs: number;
  /** Since when transactions have been waiting without a break; null when none wait. */
  readonly waitingSinceMs: number | null;
  readonly waiting: number;
}

/**
 * One sample of a chain: its highest height and the largest mempool among the validators that
 * answered at `atMs`. Samples arrive in time order.
 */
export function trackChain(
  track: ChainTrack | null,
  sample: { readonly atMs: number; readonly height: number; readonly waiting: number },
): ChainTrack {
  const advanced = track === null || sample.height > track.height;
  const height = advanced ? sample.height : track.height;
  const advancedAtMs = advanced ? sample.atMs : track.advancedAtMs;
  const waitingSinceMs = sample.waiting === 0 ? null : (track?.waitingSinceMs ?? sample.atMs);
  return { height, advancedAtMs, waitingSinceMs, waiting: sample.waiting };
}

/** The chain sample of one poll round: the validators of `shardId` that answered at that round. */
export function chainSample(
  nodes: readonly NodeTrack[],
  shardId: number,
  atMs: number,
): { atMs: number; height: number; waiting: number } | null {
  const answered = nodes.filter((n) => n.shardId === shardId && n.failingSinceMs === null && n.last !== null);
  if (answered.length === 0) return null;
  return {
    atMs,
    height: Math.max(...answered.map((n) => n.last!.height)),
    waiting: Math.max(...answered.map((n) => n.last!.mempoolSize)),
  };
}

/** The highest height each chain's answering validators report: what "behind" is measured from. */
export function highestHeights(nodes: readonly NodeTrack[]): Map<number, number> {
  const best = new Map<number, number>();
  for (const n of nodes) {
    if (n.failingSinceMs !== null || n.last === null) continue;
    best.set(n.shardId, Math.max(best.get(n.shardId) ?? 0, n.last.height));
  }
  return best;
}

export type Alert =
  | { readonly kind: 'stalled'; readonly shardId: number; readonly seconds: number; readonly waiting: number }
  | {
      readonly kind: 'unreachable';
      readonly shardId: number;
      readonly index: number;
      readonly seconds: number;
    }
  | { readonly kind: 'behind'; readonly shardId: number; readonly index: number; readonly blocks: number }
  | { readonly kind: 'isolated'; readonly shardId: number; readonly index: number }
  | { readonly kind: 'disconnected'; readonly shardId: number; readonly index: number }
  | { readonly kind: 'suspended'; readonly shardId: number; readonly index: number; readonly round: number };

export interface AlertInput {
  readonly nowMs: number;
  readonly nodes: readonly NodeTrack[];
  readonly chains: ReadonlyMap<number, ChainTrack>;
  /** The answering validator's shard and the validators it reports as not connected to it. */
  readonly disconnected?: { readonly shardId: number; readonly indices: readonly number[] };
  /** Members the answering chain holds suspended, with the round of the proven equivocation. */
  readonly suspended?: {
    readonly shardId: number;
    readonly members: readonly { readonly index: number; readonly round: number }[];
  };
}

/**
 * The alerts, in a stable order: stalled chains first, then per validator (shard, then index)
 * unreachable, behind, isolated (answers but has no peer) and disconnected from the answering node;
 * last, the members the answering chain suspended for a proven equivocation.
 */
export function alerts(input: AlertInput, rules: AlertRules = DEFAULT_RULES): Alert[] {
  const { nowMs } = input;
  const out: Alert[] = [];
  const shardIds = [...input.chains.keys()].sort((a, b) => a - b);
  for (const shardId of shardIds) {
    const chain = input.chains.get(shardId)!;
    if (chain.waitingSinceMs === null) continue;
    // The clock starts when both hold: no new block, and transactions waiting.
    const since = Math.max(chain.advancedAtMs, chain.waitingSinceMs);
    if (nowMs - since > rules.stallMs) {
      out.push({
        kind: 'stalled',
        shardId,
        seconds: Math.floor((nowMs - since) / 1000),
        waiting: chain.waiting,
      });
    }
  }
  const best = highestHeights(input.nodes);
  const nodes = [...input.nodes].sort((a, b) => a.shardId - b.shardId || a.index - b.index);
  const down = new Set(input.disconnected?.indices ?? []);
  for (const n of nodes) {
    const { shardId, index } = n;
    if (n.failingSinceMs !== null) {
      if (nowMs - n.failingSinceMs >= rules.unreachableMs) {
        out.push({
          kind: 'unreachable',
          shardId,
          index,
          seconds: Math.floor((nowMs - n.failingSinceMs) / 1000),
        });
      }
    } else if (n.last !== null) {
      const blocks = (best.get(shardId) ?? n.last.height) - n.last.height;
      if (blocks > rules.behindBlocks) out.push({ kind: 'behind', shardId, index, blocks });
      if (n.committee > 1 && n.last.peers === 0) out.push({ kind: 'isolated', shardId, index });
    }
    if (input.disconnected?.shardId === shardId && down.has(index)) {
      out.push({ kind: 'disconnected', shardId, index });
    }
  }
  // A validator the answering node names that the monitor does not poll is still reported.
  const polled = new Set(nodes.filter((n) => n.shardId === input.disconnected?.shardId).map((n) => n.index));
  for (const index of [...down].sort((a, b) => a - b)) {
    if (!polled.has(index)) out.push({ kind: 'disconnected', shardId: input.disconnected!.shardId, index });
  }
  const suspended = input.suspended;
  if (suspended !== undefined)
    for (const m of [...suspended.members].sort((a, b) => a.index - b.index))
      out.push({ kind: 'suspended', shardId: suspended.shardId, index: m.index, round: m.round });
  return out;
}
