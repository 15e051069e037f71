import type { Command } from 'commander';
import { runShardingBench } from '../../bench/sharding.js';
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

/** `bench sharding` only; the sharded simulator itself is `sim --sharded`. */
export function register(_program: Command): void {}

export function registerBench(bench: Command): void {
  bench
    .command('sharding')
    .description(
      'committed trades per second of one total of validators split into 1, 2, 4 … committees, each validator verifying everything itself (CPU time of the run, scaled to the cores)',
    )
    .option('--total-nodes <n>', 'validators over all zone shards', '16')
    .option('--shards <list>', 'shard counts, each dividing --total-nodes', '1,2,4')
    .option('--cross-ratio <list>', 'shares of cross-zone trades', '0,0.2')
    .option('--trades <n>', 'trades handed in per run', '200')
    .option('--window-ms <ms>', 'virtual window over which they are handed in', '1000')
    .option('--repeats <k>', 'runs per configuration (medians reported)', '3')
    .option('--root-nodes <n>', 'root committee size, the same in every configuration', '4')
    .option('--seed-start <x>', 'seed of the first repeat', '1')
    .option('--json', 'print one JSON object')
    .action(
      action(
        (flags: {
          totalNodes: string;
          shards: string;
          crossRatio: string;
          trades: string;
          windowMs: string;
          repeats: string;
          rootNodes: string;
          seedStart: string;
        }) => {
          const totalNodes = integer(flags.totalNodes, '--total-nodes', 1, 64);
          const report = runShardingBench({
            totalNodes,
            shards: list(flags.shards, '--shards', (item) => integer(item, '--shards', 1, 16)),
            crossRatios: list(flags.crossRatio, '--cross-ratio', ratio),
            trades: integer(flags.trades, '--trades', 1, 100_000),
            windowMs: integer(flags.windowMs, '--window-ms', 1, 600_000),
            repeats: integer(flags.repeats, '--repeats', 1, 100),
            rootNodes: integer(flags.rootNodes, '--root-nodes', 1, 32),
            seedStart: integer(flags.seedStart, '--seed-start', 0, 2 ** 31),
            onRun: (run) => process.stderr.write(`${JSON.stringify(run)}\n`),
          });
          printJson(report);
          return EXIT_OK;
        },
      ),
    );
}
