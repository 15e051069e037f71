import type { PowerFlowEngine } from './powerflow.js';
import type { Schedule, ScheduleEntry } from './schedule.js';

/**
 * Blocks of equal participants (same bus, same direction, same price): interchangeable to the
 * network and to the objective, so congestion management decides one curtailment per block and
 * shares it among the members by a fixed rule.
 */
export type CongestionObjective = 'welfare' | 'energy';

export interface Block {
  readonly bus: number;
  readonly busIndex: number;
  /** +1 for injections (sellers), -1 for withdrawals (buyers). */
  readonly direction: 1 | -1;
  readonly pricePerKwh: number;
  /** Schedule positions of the members, ordered by participant id. */
  readonly members: readonly number[];
  /** Scheduled magnitude of each member, watts. */
  readonly memberW: readonly number[];
  /** Scheduled magnitude of the block, watts: the most it can be curtailed. */
  readonly volumeW: number;
}

export function buildBlocks(
  engine: PowerFlowEngine,
  schedule: Schedule,
  interval: number,
  scheduledW: readonly number[],
): Block[] {
  const byKey = new Map<string, { bus: number; direction: 1 | -1; price: number; members: number[] }>();
  schedule.forEach((entry, position) => {
    if (entry.interval !== interval) return;
    const w = scheduledW[position]!;
    if (w === 0) return;
    const direction = w > 0 ? 1 : -1;
    const key = `${entry.bus}|${direction}|${entry.pricePerKwh}`;
    let group = byKey.get(key);
    if (group === undefined) {
      group = { bus: entry.bus, direction, price: entry.pricePerKwh, members: [] };
      byKey.set(key, group);
    }
    group.members.push(position);
  });
  const blocks = [...byKey.values()].map((group): Block => {
    const members = group.members.sort((a, b) =>
      compareIds(schedule[a]!.participantId, schedule[b]!.participantId),
    );
    const memberW = members.map((m) => Math.abs(scheduledW[m]!));
    return {
      bus: group.bus,
      busIndex: engine.net.indexOf.get(group.bus)!,
      direction: group.direction,
      pricePerKwh: group.price,
      members,
      memberW,
      volumeW: memberW.reduce((sum, w) => sum + w, 0),
    };
  });
  return blocks.sort((a, b) => a.bus - b.bus || a.direction - b.direction || a.pricePerKwh - b.pricePerKwh);
}

/**
 * Cost of curtailing 1 kW of a block. A tiny energy term breaks welfare ties towards curtailing
 * less; a tiny price term breaks energy ties towards the cheaper position.
 */
export function blockCost(block: Block, objective: CongestionObjective, maxPrice: number): number {
  return objective === 'welfare'
    ? block.pricePerKwh + 1e-6 * maxPrice
    : 1 + (1e-6 * block.pricePerKwh) / maxPrice;
}

export function maxPriceOf(blocks: readonly Block[]): number {
  return blocks.reduce((max, b) => Math.max(max, b.pricePerKwh), 1);
}

/** The objective value of curtailing `curtailW[k]` watts from block k. */
export function curtailmentCost(
  blocks: readonly Block[],
  curtailW: readonly number[],
  objective: CongestionObjective,
): number {
  const maxPrice = maxPriceOf(blocks);
  return blocks.reduce((sum, b, k) => sum + (blockCost(b, objective, maxPrice) * curtailW[k]!) / 1000, 0);
}

/**
 * Shares each block's curtailment among its members: pro rata to their scheduled volumes, in
 * whole watts, leftover watts one each to the largest remainders, ties to the lower participant
 * id. Writes the members' adjusted signed watts into `adjustedW` (indexed by schedule position).
 */
export function shareCurtailment(
  blocks: readonly Block[],
  curtailW: readonly number[],
  schedule: Schedule,
  adjustedW: number[],
): void {
  blocks.forEach((block, b) => {
    const shares = shareWatts(block.memberW, curtailW[b]!, block.volumeW, (x, y) =>
      compareIds(schedule[block.members[x]!]!.participantId, schedule[block.members[y]!]!.participantId),
    );
    block.members.forEach((position, k) => {
      const left = block.memberW[k]! - shares[k]!;
      // A buyer curtailed to nothing holds 0, not -0.
      adjustedW[position] = left === 0 ? 0 : block.direction * left;
    });
  });
}

/**
 * `total` watts shared pro rata to `weights` (which sum to `volume`), floors first, then one watt
 * each to the largest remainders, ties broken by `tie`. Exact: in plain numbers while every product
 * stays below 2^53, in big integers otherwise.
 */
function shareWatts(
  weights: readonly number[],
  total: number,
  volume: number,
  tie: (a: number, b: number) => number,
): number[] {
  if (total === 0) return weights.map(() => 0);
  if (total === volume) return weights.slice();
  const exact = weights.every((w) => w * total <= Number.MAX_SAFE_INTEGER);
  const shares: number[] = [];
  const remainders: (number | bigint)[] = [];
  for (const w of weights) {
    if (exact) {
      const product = w * total;
      const remainder = product % volume;
      shares.push((product - remainder) / volume);
      remainders.push(remainder);
    } else {
      const product = BigInt(w) * BigInt(total);
      shares.push(Number(product / BigInt(volume)));
      remainders.push(product % BigInt(volume));
    }
  }
  let left = total - shares.reduce((sum, s) => sum + s, 0);
  if (left > 0) {
    const byRemainder = weights
      .map((_, k) => k)
      .sort((a, b) => {
        const ra = remainders[a]!;
        const rb = remainders[b]!;
        if (ra !== rb) return ra > rb ? -1 : 1;
        return tie(a, b);
      });
    for (const k of byRemainder) {
      if (left === 0) break;
      shares[k]! += 1;
      left -= 1;
    }
  }
  return shares;
}

/**
 * The schedule entry as it leaves congestion management: untouched when its whole-watt volume did
 * not change, otherwise with `netKw` set from the adjusted watts. The final security check and
 * the per-interval verification both build injections from this, so they agree to the bit.
 */
export function adjustedEntry(entry: ScheduleEntry, adjustedW: number): ScheduleEntry {
  return adjustedW === Math.round(entry.netKw * 1000) ? entry : { ...entry, netKw: adjustedW / 1000 };
}

/** Participant ids compare by UTF-16 code units, the same on every machine and locale. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
