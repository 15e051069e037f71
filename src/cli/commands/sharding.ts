import type { Command } from 'commander';
import { runShardingBench } from '../../bench/sharding.js';
import { runWanShardingBench } from '../../bench/wan/bench.js';
import { SimError } from '../../sim/errors.js';
import { action, EXIT_OK, printJson } from '../output.js';

function integer(value: string, flag: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max)
    throw new SimError('BAD_OPTIONS', `${flag} must be an integer in ${min} … ${max}, got "${value}"`, {
      flag,
      value,
    });
  return parsed;
}

function list(value: string, flag: string, parse: (item: string) => number): number[] {
  const items = value.split(',').map((item) => item.trim());
  if (items.length === 0 || items.some((item) => item === ''))
    throw new SimError('BAD_OPTIONS', `${flag} must be a comma-separated list, got "${value}"`, {
      flag,
      value,
    });
  return items.map(parse);
}

function ratio(value: string): number {
  const parsed = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(parsed >= 0 && parsed <= 1))
    throw new SimError('BAD_OPTIONS', `--cross-ratio values must be in 0 … 1, got "${value}"`, { value });
  return parsed;
}

function oneOf<T extends string>(value: string, flag: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new SimError('BAD_OPTIONS', `${flag} must be one of ${allowed.join(', ')}, got "${value}"`, {
      flag,
      value,
    });
  return value as T;
}

function gain(value: string): number {
  const parsed = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(parsed >= 1 && parsed <= 16))
    throw new SimError('BAD_OPTIONS', `--gain must be a number in 1 … 16, got "${value}"`, { value });
  return parsed;
}

interface ShardingFlags {
  model: string;
  totalNodes: string;
  shards?: string;
  crossRatio: string;
  trades: string;
  windowMs: string;
  repeats: string;
  rootNodes?: string;
  seedStart: string;
  nodesPerShard: string;
  durationMs: string;
  warmupMs: string;
  window: string;
  gain: string;
  copies: string;
  seed: string;
}

/** `bench sharding` only; the sharded simulator itself is `sim --sharded`. */
export function register(_program: Command): void {}

function runLocal(flags: ShardingFlags): Record<string, unknown> {
  const totalNodes = integer(flags.totalNodes, '--total-nodes', 1, 64);
  return runShardingBench({
    totalNodes,
    shards: list(flags.shards ?? '1,2,4', '--shards', (item) => integer(item, '--shards', 1, 16)),
    crossRatios: list(flags.crossRatio, '--cross-ratio', ratio),
    trades: integer(flags.trades, '--trades', 1, 100_000),
    windowMs: integer(flags.windowMs, '--window-ms', 1, 600_000),
    repeats: integer(flags.repeats, '--repeats', 1, 100),
    rootNodes: integer(flags.rootNodes ?? '4', '--root-nodes', 1, 32),
    seedStart: integer(flags.seedStart, '--seed-start', 0, 2 ** 31),
    onRun: (run) => process.stderr.write(`${JSON.stringify(run)}\n`),
  });
}

function runWan(flags: ShardingFlags): Record<string, unknown> {
  const nodesPerShard = integer(flags.nodesPerShard, '--nodes-per-shard', 4, 31);
  return runWanShardingBench({
    shards: list(flags.shards ?? '4,16,64', '--shards', (item) => integer(item, '--shards', 1, 256)),
    nodesPerShard,
    rootNodes: integer(flags.rootNodes ?? String(nodesPerShard), '--root-nodes', 4, 31),
    crossRatios: list(flags.crossRatio, '--cross-ratio', ratio),
    seed: integer(flags.seed, '--seed', 0, 2 ** 31),
    warmupMs: integer(flags.warmupMs, '--warmup-ms', 0, 60_000),
    durationMs: integer(flags.durationMs, '--duration-ms', 500, 120_000),
    windowPerShard: integer(flags.window, '--window', 10, 200_000),
    gain: gain(flags.gain),
    copies: oneOf(flags.copies, '--copies', ['as-built', 'before-savings', 'one'] as const),
    onRow: (row) => {
      const { load: _load, ...brief } = row;
      process.stderr.write(`${JSON.stringify(brief)}\n`);
    },
  });
}

export function registerBench(bench: Command): void {
  bench
    .command('sharding')
    .description(
      'sharded throughput: --model local (default) splits one total of validators into committees and measures the CPU time of the run on this machine; --model wan projects K committees onto a WAN (each node its own CPU, unit costs measured here, stated region delays) with a discrete-event model',
    )
    .option('--model <local|wan>', 'local: measured on this machine; wan: discrete-event projection', 'local')
    .option('--total-nodes <n>', 'local: validators over all zone shards', '16')
    .option(
      '--shards <list>',
      'shard counts (local: each dividing --total-nodes, default 1,2,4; wan: default 4,16,64)',
    )
    .option('--cross-ratio <list>', 'shares of cross-zone trades', '0,0.2')
    .option('--trades <n>', 'local: trades handed in per run', '200')
    .option('--window-ms <ms>', 'local: virtual window over which they are handed in', '1000')
    .option('--repeats <k>', 'local: runs per configuration (medians reported)', '3')
    .option('--root-nodes <n>', 'root committee size (local default 4; wan default --nodes-per-shard)')
    .option('--seed-start <x>', 'local: seed of the first repeat', '1')
    .option('--nodes-per-shard <n>', 'wan: validators per shard committee', '16')
    .option('--duration-ms <ms>', 'wan: simulated ms measured', '8000')
    .option('--warmup-ms <ms>', 'wan: simulated ms before measuring', '6000')
    .option('--window <n>', 'wan: most trades in flight per shard (the adaptive load stays below)', '50000')
    .option(
      '--copies <as-built|before-savings|one>',
      'wan: cross-shard and proof handling as the simulator does now, as it did before its savings, or one copy ordered per shard and proof',
      'as-built',
    )
    .option('--gain <g>', 'wan: trades in flight over what the closing rate × fastest latency needs', '3')
    .option('--seed <x>', 'wan: seed of the model', '1')
    .option('--json', 'print one JSON object')
    .action(
      action((flags: ShardingFlags) => {
        const model = oneOf(flags.model, '--model', ['local', 'wan'] as const);
        printJson(model === 'wan' ? runWan(flags) : runLocal(flags));
        return EXIT_OK;
      }),
    );
}
