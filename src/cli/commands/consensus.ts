import type { Command } from 'commander';
import {
  ConsensusBenchError,
  DEFAULT_BENCH_OPTIONS,
  runConsensusBench,
  runConsensusCompare,
} from '../../bench/consensus/index.js';
import { action, printJson } from '../output.js';

export function register(_program: Command): void {}

interface BenchFlags {
  protocol: string;
  nodes: string;
  scenario: string;
  duration: string;
  repeats: string;
  latencyMs: string;
  leaderDelayMs: string;
  workers: string;
  inflightS: string;
  seed: string;
  heapEvery: string;
  compare?: boolean;
  all?: boolean;
  json?: boolean;
}

function num(name: string, value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) {
    throw new ConsensusBenchError('BAD_OPTION', `--${name} expects a number, got "${value}"`, {
      name,
      value,
    });
  }
  return parsed;
}

export function registerBench(bench: Command): void {
  const d = DEFAULT_BENCH_OPTIONS;
  bench
    .command('consensus')
    .description(
      'wall-clock consensus benchmark: n validators in one process, real timers, an in-memory network, ' +
        'Ed25519-signed transactions verified by every validator on worker threads',
    )
    .option('--protocol <name>', 'dag | pbft', 'dag')
    .option('--nodes <n>', 'validators', String(d.nodes))
    .option('--scenario <name>', 'normal | leader-delay | crash-one', 'normal')
    .option('--duration <seconds>', 'length of each run', String(d.durationS))
    .option('--repeats <k>', 'runs per figure; the medians are printed', String(d.repeats))
    .option('--latency-ms <ms>', 'one-way network latency', String(d.latencyMs))
    .option(
      '--leader-delay-ms <ms>',
      'extra delay on every message from/to the targeted validator',
      String(d.leaderDelayMs),
    )
    .option(
      '--inflight-s <seconds>',
      'client transactions kept in flight, in seconds of the verification bound',
      String(d.inflightS),
    )
    .option('--workers <k>', 'verification worker threads', String(d.workers))
    .option('--seed <s>', 'seed of keys, jitter and genesis', String(d.seed))
    .option(
      '--heap-every <seconds>',
      'also sample the heap (after a full collection) every this many seconds of the window; 0: off',
      String(d.heapEveryS),
    )
    .option('--compare', 'run dag and pbft under all three scenarios side by side')
    .option('--all', 'same as --compare')
    .option('--json', 'print JSON (the output is always one JSON object)')
    .action(
      action(async (flags: BenchFlags) => {
        const overrides = {
          nodes: num('nodes', flags.nodes),
          durationS: num('duration', flags.duration),
          repeats: num('repeats', flags.repeats),
          latencyMs: num('latency-ms', flags.latencyMs),
          leaderDelayMs: num('leader-delay-ms', flags.leaderDelayMs),
          workers: num('workers', flags.workers),
          inflightS: num('inflight-s', flags.inflightS),
          seed: num('seed', flags.seed),
          heapEveryS: num('heap-every', flags.heapEvery),
        };
        const result =
          flags.compare || flags.all
            ? await runConsensusCompare(overrides)
            : await runConsensusBench(flags.protocol, flags.scenario, overrides);
        printJson(result);
        return 0;
      }),
    );
}
