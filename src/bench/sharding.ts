import { availableParallelism, loadavg } from 'node:os';
import { SimError } from '../sim/errors.js';
import { runShardedSimulation, shardedRunOk } from '../sim/sharded/run.js';
import type { ShardedResult } from '../sim/sharded/types.js';
import { median, round } from './stats.js';

export interface ShardingBenchOptions {
  readonly totalNodes: number;
  readonly shards: readonly number[];
  readonly crossRatios: readonly number[];
  /** Trades handed in per run, over `windowMs` of virtual time. */
  readonly trades: number;
  readonly windowMs: number;
  readonly repeats: number;
  /** The root committee's size, the same in every configuration. */
  readonly rootNodes: number;
  readonly seedStart: number;
  /** Cores the figure is scaled to (default: os.availableParallelism()). */
  readonly cores?: number;
  /** Called after every run (progress). */
  readonly onRun?: (row: ShardingRun) => void;
}

export interface ShardingRun {
  readonly shards: number;
  readonly crossRatio: number;
  readonly seed: number;
  readonly ok: boolean;
  readonly committed: number;
  readonly loopCpuMs: number;
  readonly cpuMsPerCommittedTx: number;
  readonly p50LatencyMs: number;
  readonly p99LatencyMs: number;
  readonly virtualMs: number;
}

export interface ShardingRow {
  readonly shards: number;
  readonly nodesPerShard: number;
  readonly rootNodes: number;
  readonly crossRatio: number;
  readonly runs: number;
  readonly runsOk: number;
  readonly tradesPlanned: number;
  readonly committed: number;
  readonly cpuMsPerCommittedTx: number;
  readonly committedTxPerSec: number;
  /** Virtual (simulated-network) ms from a trade handed in to decided at every honest validator of all its shards. */
  readonly p50LatencyMs: number;
  readonly p99LatencyMs: number;
  readonly virtualRunMs: number;
}

function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function committedOf(result: ShardedResult): number {
  return result.localCommitted + result.crossShardCommitted;
}

/**
 * The same total of validators split into K committees, each validator verifying everything itself
 * (no shared signature memos), clients signing every trade, calm networks, no faulty validators;
 * a saturating load. The run is one thread, so its CPU time is the work of all validators together:
 * throughput on this machine is that work spread over its cores. Configurations run interleaved,
 * repeat by repeat, so that the machine's load falls on all alike; figures are medians.
 */
export function runShardingBench(options: ShardingBenchOptions): Record<string, unknown> {
  for (const k of options.shards)
    if (!Number.isInteger(k) || k < 1 || options.totalNodes % k !== 0)
      throw new SimError('BAD_OPTIONS', `--shards ${k} does not divide --total-nodes ${options.totalNodes}`, {
        shards: k,
      });
  const cores = options.cores ?? availableParallelism();
  const configs = options.shards.flatMap((shards) =>
    options.crossRatios.map((crossRatio) => ({ shards, crossRatio })),
  );
  // With one shard every trade is local whatever the ratio (the same plan, the same run), so it is
  // run once per repeat and its figures stand under every ratio.
  const toRun = configs.filter(
    ({ shards, crossRatio }) => shards > 1 || crossRatio === options.crossRatios[0],
  );
  const runs = new Map<string, { run: ShardingRun; planned: number }[]>();
  const keyOf = (shards: number, crossRatio: number) => `${shards}/${crossRatio}`;
  const loadBefore = loadavg()[0]!;
  for (let r = 0; r < options.repeats; r++) {
    const seed = options.seedStart + r;
    for (const { shards, crossRatio } of toRun) {
      const result = runShardedSimulation({
        shards,
        nodesPerShard: options.totalNodes / shards,
        faultyPerShard: 0,
        rootNodes: options.rootNodes,
        rootFaulty: 0,
        byzantine: 'all',
        byzantineMaster: false,
        crossRatio,
        trades: options.trades,
        tradeWindowMs: options.windowMs,
        seed,
        calm: true,
        shareChecks: false,
        signedTrades: true,
        ampleFunds: true,
        dropSettled: true,
        measure: true,
        livenessBoundMs: 120_000,
      });
      const measured = result.measured!;
      const committed = committedOf(result);
      const run: ShardingRun = {
        shards,
        crossRatio,
        seed,
        ok: shardedRunOk(result),
        committed,
        loopCpuMs: round(measured.loopCpuMs, 1),
        cpuMsPerCommittedTx: committed > 0 ? measured.loopCpuMs / committed : Number.NaN,
        p50LatencyMs: percentile(measured.closeLatenciesMs, 0.5),
        p99LatencyMs: percentile(measured.closeLatenciesMs, 0.99),
        virtualMs: result.virtualMs,
      };
      options.onRun?.(run);
      for (const ratio of shards === 1 ? options.crossRatios : [crossRatio]) {
        const list = runs.get(keyOf(shards, ratio)) ?? [];
        list.push({ run, planned: measured.tradesPlanned });
        runs.set(keyOf(shards, ratio), list);
      }
    }
  }
  const rows: ShardingRow[] = configs.map(({ shards, crossRatio }) => {
    const list = runs.get(keyOf(shards, crossRatio))!;
    const cpuPerTx = median(list.map((x) => x.run.cpuMsPerCommittedTx));
    return {
      shards,
      nodesPerShard: options.totalNodes / shards,
      rootNodes: options.rootNodes,
      crossRatio,
      runs: list.length,
      runsOk: list.filter((x) => x.run.ok).length,
      tradesPlanned: median(list.map((x) => x.planned)),
      committed: median(list.map((x) => x.run.committed)),
      cpuMsPerCommittedTx: round(cpuPerTx, 3),
      committedTxPerSec: round((cores * 1000) / cpuPerTx, 1),
      p50LatencyMs: median(list.map((x) => x.run.p50LatencyMs)),
      p99LatencyMs: median(list.map((x) => x.run.p99LatencyMs)),
      virtualRunMs: median(list.map((x) => x.run.virtualMs)),
    };
  });
  const base = options.shards[0]!;
  const ratios = options.crossRatios.map((crossRatio) => {
    const of = (k: number) => rows.find((row) => row.shards === k && row.crossRatio === crossRatio)!;
    const entry: Record<string, number> = { crossRatio };
    for (const k of options.shards.slice(1))
      entry[`${k}x${options.totalNodes / k}/${base}x${options.totalNodes / base}`] = round(
        of(k).committedTxPerSec / of(base).committedTxPerSec,
        2,
      );
    return entry;
  });
  return {
    formula: {
      cpuMsPerCommittedTx:
        'CPU ms (process.cpuUsage, user + system) of the whole run event loop / trades committed in all their shards',
      committedTxPerSec: `cores (${cores}, os.availableParallelism()) × 1000 / cpuMsPerCommittedTx`,
      latency:
        'p50LatencyMs, p99LatencyMs: virtual ms of the simulated network, trade handed in → decided at every validator of all its shards',
      conditions:
        'no faulty validators; calm networks (delays 1 … ≤60 ms, no partitions, crashes or drops); no shared signature memos; every trade signed by its payer and verified by acceptsEntry at each validator',
    },
    totalNodes: options.totalNodes,
    trades: options.trades,
    windowMs: options.windowMs,
    repeats: options.repeats,
    loadAverage1mBefore: round(loadBefore, 2),
    loadAverage1mAfter: round(loadavg()[0]!, 2),
    rows,
    ratios,
  };
}
