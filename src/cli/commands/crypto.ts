import type { Command } from 'commander';
import { runCryptoBenchmark } from '../../bench/crypto.js';
import { action, EXIT_OK, printJson } from '../output.js';
import { integerOption } from './ledger.js';

export function register(_program: Command): void {}

export function registerBench(bench: Command): void {
  bench
    .command('crypto')
    .description(
      'cost per operation: threshold coin share create / verify / combine, ristretto255, SM2 and Ed25519',
    )
    .option('--json', 'print JSON (always JSON; kept for symmetry)')
    .option('--repeats <n>', 'batches per figure (the median is quoted)', '5')
    .option('--batch <n>', 'operations per batch', '100')
    .action(
      action((options: { repeats: string; batch: string }) => {
        printJson(
          runCryptoBenchmark({
            repeats: integerOption('repeats', options.repeats, 1, 1000),
            batch: integerOption('batch', options.batch, 1, 100_000),
          }),
        );
        return EXIT_OK;
      }),
    );
}
