import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import { action, EXIT_CHECK_FAILED, EXIT_OK, printJson } from '../output.js';

/** Every benchmark, each in its own process (so one's heap and threads do not skew another's). */
const SUITES: readonly (readonly string[])[] = [
  ['ledger'],
  ['crypto'],
  ['grid'],
  ['market'],
  ['sim'],
  ['consensus', '--compare'],
  ['network'],
];

export function register(_program: Command): void {}

export function registerBench(bench: Command): void {
  bench
    .command('all')
    .description('run every benchmark one after another and print one JSON object of all figures')
    .option('--json', 'print JSON (always JSON)')
    .option('--skip <names>', 'comma-separated suites to leave out, e.g. network,consensus', '')
    .action(
      action((options: { skip: string }) => {
        const skip = new Set(options.skip.split(',').filter(Boolean));
        const results: Record<string, unknown> = {};
        let failed = false;
        for (const suite of SUITES) {
          if (skip.has(suite[0]!)) continue;
          const run = spawnSync(
            process.execPath,
            [...process.execArgv, process.argv[1]!, 'bench', ...suite, '--json'],
            {
              encoding: 'utf8',
              maxBuffer: 64 * 1024 * 1024,
              stdio: ['ignore', 'pipe', 'inherit'],
            },
          );
          try {
            results[suite[0]!] = JSON.parse(run.stdout);
          } catch {
            failed = true;
            results[suite[0]!] = { error: `exit ${run.status}`, output: run.stdout.slice(-2000) };
          }
        }
        printJson(results);
        return failed ? EXIT_CHECK_FAILED : EXIT_OK;
      }),
    );
}
