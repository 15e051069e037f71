import { loadavg } from 'node:os';
import { SimError } from '../../sim/errors.js';
import { round } from '../stats.js';
import { measureUnitCosts } from './costs.js';
import { runWanModel } from './model.js';
import type { Copies, UnitCosts, WanModel, WanRow } from './types.js';
import { DEFAULT_WAN } from './wan.js';

export interface WanBenchOptions {
  readonly shards: readonly number[];
  readonly nodesPerShard: number;
  readonly rootNodes: number;
  readonly crossRatios: readonly number[];
  readonly seed: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly windowPerShard: number;
  /** The adaptive load's gain: trades in flight over what the closing rate × fastest latency needs. */
  readonly gain: number;
  readonly copies: Copies;
  readonly wan?: WanModel;
  /** Fixed unit costs (tests); measured on this machine when absent. */
  readonly costs?: UnitCosts;
  readonly repeats?: number;
  readonly onRow?: (row: WanRow) => void;
}

export const WAN_LIMITS = {
  shards: [1, 256],
  nodesPerShard: [4, 31],
  rootNodes: [1, 31],
  durationMs: [500, 120_000],
  warmupMs: [0, 60_000],
  windowPerShard: [10, 200_000],
} as const;

function check(value: number, name: keyof typeof WAN_LIMITS, flag: string): void {
  const [min, max] = WAN_LIMITS[name];
  if (!Number.isInteger(value) || value < min || value > max)
    throw new SimError('BAD_OPTIONS', `${flag} must be an integer in ${min} … ${max}, got ${value}`, {
      flag,
      value,
    });
}

/**
 * The sharded system projected onto a WAN: unit costs measured here (or given), then one seeded
 * discrete-event run per shard count and cross-shard ratio. See docs/SHARDING.md, "WAN projection".
 */
export function runWanShardingBench(options: WanBenchOptions): Record<string, unknown> {
  for (const k of options.shards) check(k, 'shards', '--shards');
  check(options.nodesPerShard, 'nodesPerShard', '--nodes-per-shard');
  check(options.rootNodes, 'rootNodes', '--root-nodes');
  check(options.durationMs, 'durationMs', '--duration-ms');
  check(options.warmupMs, 'warmupMs', '--warmup-ms');
  check(options.windowPerShard, 'windowPerShard', '--window');
  if (!(options.gain >= 1 && options.gain <= 16))
    throw new SimError('BAD_OPTIONS', `--gain must be in 1 … 16, got ${options.gain}`, {
      value: options.gain,
    });
  for (const r of options.crossRatios)
    if (!(r >= 0 && r <= 1))
      throw new SimError('BAD_OPTIONS', `--cross-ratio values must be in 0 … 1, got ${r}`, { value: r });
  const wan = options.wan ?? DEFAULT_WAN;
  const loadBefore = loadavg()[0]!;
  const costs =
    options.costs ?? measureUnitCosts(options.nodesPerShard, options.rootNodes, options.repeats ?? 5);
  const rows: WanRow[] = [];
  for (const crossRatio of options.crossRatios)
    for (const shards of options.shards) {
      const base = {
        shards,
        nodesPerShard: options.nodesPerShard,
        rootNodes: options.rootNodes,
        crossRatio,
        copies: options.copies,
        seed: options.seed,
        warmupMs: options.warmupMs,
        durationMs: options.durationMs,
        wan,
      };
      const row = runWanModel(
        {
          ...base,
          offered: { kind: 'adaptive', maxPerShard: options.windowPerShard, gain: options.gain },
        },
        costs,
      );
      options.onRow?.(row);
      rows.push(row);
    }
  return {
    model: 'wan',
    unitCosts: {
      source: options.costs === undefined ? 'measured in this run' : 'given',
      ...roundCosts(costs),
    },
    assumptions: {
      wan: {
        regions: wan.regions,
        rttMs: wan.rttMs,
        oneWay: `RTT/2 × (1 + ${wan.jitter} × u), u uniform in [0, 1), drawn per message`,
        placement: 'node i in region i mod regions (every committee spans every region)',
        bandwidthMbpsEgressPerNode: wan.bandwidthMbps,
        source:
          'rounded averages of a published AWS inter-region ping table (2017); 2 ms within a region (assumed)',
      },
      nodes: 'one CPU per node (tasks first come, first served), one egress link per node',
      load: `adaptive closed loop per shard: trades in flight (handed in, not yet closed at every validator of their shards) start at 20 and are set every 500 ms to ${options.gain} × (closing rate over the last second × fastest closing latency), local and cross-shard apart, at most ${options.windowPerShard}`,
      committed:
        'a trade counts once the root chain orders the commit proof of the block that closed it (in each of its shards)',
      latency: 'handed in → that proof ordered (the last of its shards), at that load',
      window: `${options.warmupMs} ms warm-up, then ${options.durationMs} ms measured`,
      seed: options.seed,
    },
    loadAverage1mBefore: round(loadBefore, 2),
    loadAverage1mAfter: round(loadavg()[0]!, 2),
    rows,
  };
}

function roundCosts(costs: UnitCosts): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(costs))
    out[key] = typeof value === 'number' ? round(value, 2) : value;
  return out;
}
