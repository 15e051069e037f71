import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_BENCH, LARGE_CYCLE, runMarketBench } from '../../bench/market.js';
import { MarketError } from '../../market/errors.js';
import { clearPlainOrders, parseOrderFile } from '../../market/order-book.js';
import { simulateMarket } from '../../market/simulate.js';
import { action, EXIT_CHECK_FAILED, printJson } from '../output.js';

function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new MarketError('BAD_INPUT', `cannot read ${path}: ${(error as Error).message}`, { path });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MarketError('BAD_INPUT', `${path} is not valid JSON: ${(error as Error).message}`, { path });
  }
  refuseNonFinite(value, path, '');
  return value;
}

/**
 * JSON.parse turns a number too large for a double (1e400) into Infinity, which later prints as
 * null; refuse it here, naming where it is, before any check sees a value that was never written.
 */
function refuseNonFinite(value: unknown, path: string, at: string): void {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return;
    const field = at.replace(/^.*[.[]/, '').replace(/]$/, '');
    throw new MarketError(
      'BAD_INPUT',
      `${path}: ${at || 'the document'} is not a finite number (it is too large for a 64-bit float)`,
      { path, at, field },
    );
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      refuseNonFinite(item, path, `${at}[${index}]`);
    });
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value))
      refuseNonFinite(item, path, at === '' ? key : `${at}.${key}`);
  }
}

/** Parses an integer option within bounds, or refuses with a typed error naming the option. */
function intOption(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new MarketError('BAD_INPUT', `--${name} must be an integer from ${min} to ${max}, got "${raw}"`, {
      field: name,
    });
  }
  return value;
}

export function register(program: Command): void {
  const market = program.command('market').description('power-market smart contracts: clearing, simulation');

  market
    .command('clear')
    .description('clear one interval of orders with the uniform-price double auction')
    .argument('<orders>', 'JSON file {"orders":[{"id","side":"buy"|"sell","price","quantity"}]}')
    .option('--pay-as-bid', 'price each pair at the midpoint of its own bid and offer')
    .option('--json', 'print JSON (the only output format)')
    .action(
      action((path: string, options: { payAsBid?: boolean }) => {
        const orders = parseOrderFile(readJsonFile(path));
        printJson(clearPlainOrders(orders, options.payAsBid ? 'payAsBid' : 'uniform'));
        return 0;
      }),
    );

  market
    .command('simulate')
    .description('run a whole trading cycle on the in-memory state and check its invariants')
    .option('--participants <n>', 'generators and users', '50')
    .option('--intervals <n>', 'intervals in the cycle (1-96)', '24')
    .option('--seed <n>', 'seed of the generated market', '1')
    .option('--open-bids', 'open quotations instead of sealed commit/reveal')
    .option('--pay-as-bid', 'pay-as-bid pricing instead of uniform price')
    .option('--json', 'print JSON (the only output format)')
    .action(
      action(
        (options: {
          participants?: string;
          intervals?: string;
          seed?: string;
          openBids?: boolean;
          payAsBid?: boolean;
        }) => {
          const report = simulateMarket({
            participants: intOption('participants', options.participants, 50, 1, 100_000),
            intervals: intOption('intervals', options.intervals, 24, 1, 96),
            seed: intOption('seed', options.seed, 1, 0, Number.MAX_SAFE_INTEGER),
            sealedBids: !options.openBids,
            pricing: options.payAsBid ? 'payAsBid' : 'uniform',
          });
          printJson(report);
          const healthy = report.moneyConserved && report.energyBalanced && report.capacityRespected;
          return healthy ? 0 : EXIT_CHECK_FAILED;
        },
      ),
    );
}

export function registerBench(bench: Command): void {
  bench
    .command('market')
    .description('clear100kOrdersMs (50,000 bids + 50,000 offers) and cycle1000x24Ms (whole cycle)')
    .option('--repeats <n>', 'repeats of the clearing benchmark', String(DEFAULT_BENCH.repeats))
    .option('--cycle-repeats <n>', 'repeats of the whole-cycle benchmark', String(DEFAULT_BENCH.cycleRepeats))
    .option('--participants <n>', 'participants in the cycle benchmark', String(DEFAULT_BENCH.participants))
    .option('--intervals <n>', 'intervals in the cycle benchmark', String(DEFAULT_BENCH.intervals))
    .option(
      '--large',
      'also cycle10000x96Ms: one cycle of 10,000 participants × 96 intervals of 15 minutes, in a process of its own with an 8 GiB heap',
    )
    .option('--large-participants <n>', 'participants in the large cycle (10000)')
    .option('--large-intervals <n>', 'intervals in the large cycle (96)')
    .option('--json', 'print JSON (the only output format)')
    .action(
      action(
        (options: {
          repeats?: string;
          cycleRepeats?: string;
          participants?: string;
          intervals?: string;
          large?: boolean;
          largeParticipants?: string;
          largeIntervals?: string;
        }) => {
          printJson(
            runMarketBench({
              ...DEFAULT_BENCH,
              large: options.large === true,
              largeParticipants: intOption(
                'large-participants',
                options.largeParticipants,
                LARGE_CYCLE.participants,
                1,
                100_000,
              ),
              largeIntervals: intOption(
                'large-intervals',
                options.largeIntervals,
                LARGE_CYCLE.intervals,
                1,
                96,
              ),
              intervals: intOption('intervals', options.intervals, DEFAULT_BENCH.intervals, 1, 96),
              repeats: intOption('repeats', options.repeats, DEFAULT_BENCH.repeats, 1, 100),
              cycleRepeats: intOption(
                'cycle-repeats',
                options.cycleRepeats,
                DEFAULT_BENCH.cycleRepeats,
                1,
                20,
              ),
              participants: intOption(
                'participants',
                options.participants,
                DEFAULT_BENCH.participants,
                1,
                100_000,
              ),
            }),
          );
          return 0;
        },
      ),
    );
}
