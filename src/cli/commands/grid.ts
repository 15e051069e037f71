import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type Command, Option } from 'commander';
import { runGridBench } from '../../bench/grid.js';
import { GridError, type GridErrorCode } from '../../grid/errors.js';
import {
  crossingFee,
  type Grid,
  gridFromJson,
  gridToJson,
  importMatpowerCase,
  resolveCongestion,
  runPowerFlow,
  scheduleFromJson,
  securityCheck,
  tariffFromJson,
  violationKey,
} from '../../grid/index.js';
import { action, EXIT_CHECK_FAILED, printJson } from '../output.js';

/** Reads a grid from a MATPOWER `.m` case or the project's JSON grid document. */
export function loadGridFile(path: string): Grid {
  const text = readInput(path, 'case file');
  if (path.endsWith('.json') || text.trimStart().startsWith('{')) return gridFromJson(parseJson(text, path));
  return importMatpowerCase(text, basename(path).replace(/\.m$/, '')).grid;
}

function readInput(path: string, what: string, code: GridErrorCode = 'GRID_INVALID'): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new GridError(code, `cannot read ${what} ${path}: ${(error as Error).message}`, { path });
  }
}

function parseJson(text: string, path: string, code: GridErrorCode = 'GRID_INVALID'): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new GridError(code, `${path} is not valid JSON: ${(error as Error).message}`, { path });
  }
}

export function register(program: Command): void {
  const grid = program
    .command('grid')
    .description('distribution grid: case import, power flow, security check');

  grid
    .command('powerflow')
    .description('AC power flow of a MATPOWER case or grid JSON document')
    .argument('<case>', 'MATPOWER .m case file or grid .json document')
    .addOption(new Option('--method <method>', 'solver').choices(['auto', 'bfs', 'nr']).default('auto'))
    .option('--json', 'print one JSON object')
    .action(
      action((casePath: string, opts: { method: 'auto' | 'bfs' | 'nr'; json?: boolean }) => {
        const result = runPowerFlow(loadGridFile(casePath), { method: opts.method });
        if (opts.json) {
          printJson(result);
          return 0;
        }
        process.stdout.write(
          `${result.method} converged in ${result.iterations} iterations: load ${result.loadKw.toFixed(2)} kW, ` +
            `loss ${result.lossKw.toFixed(2)} kW / ${result.lossKvar.toFixed(2)} kvar, ` +
            `lowest voltage ${result.minVoltagePu.toFixed(4)} pu at bus ${result.minVoltageBus}\n`,
        );
        return 0;
      }),
    );

  grid
    .command('check')
    .description('security check of a schedule; --resolve adjusts volumes to remove every violation')
    .argument('<case>', 'MATPOWER .m case file or grid .json document')
    .requiredOption(
      '--schedule <file>',
      'schedule JSON: { "entries": [{ participantId, bus, interval, netKw, pricePerKwh }] }',
    )
    .option('--resolve', 'run congestion management when the check fails')
    .addOption(
      new Option('--objective <objective>', 'what congestion management minimises')
        .choices(['welfare', 'energy'])
        .default('welfare'),
    )
    .addOption(
      new Option('--method <method>', 'power flow solver').choices(['auto', 'bfs', 'nr']).default('auto'),
    )
    .addOption(
      new Option('--sensitivities <how>', 'how limits are linearised for --resolve')
        .choices(['auto', 'measured', 'lindistflow'])
        .default('auto'),
    )
    .option('--json', 'print one JSON object')
    .action(
      action(
        async (
          casePath: string,
          opts: {
            schedule: string;
            resolve?: boolean;
            objective: 'welfare' | 'energy';
            method: 'auto' | 'bfs' | 'nr';
            sensitivities: 'auto' | 'measured' | 'lindistflow';
            json?: boolean;
          },
        ) => {
          const gridModel = loadGridFile(casePath);
          const schedule = scheduleFromJson(
            parseJson(
              readInput(opts.schedule, 'schedule', 'SCHEDULE_INVALID'),
              opts.schedule,
              'SCHEDULE_INVALID',
            ),
          );
          if (!opts.resolve) {
            const report = securityCheck(gridModel, schedule, { method: opts.method });
            if (opts.json) printJson(report);
            else {
              process.stdout.write(report.secure ? 'secure: no violations\n' : 'insecure:\n');
              for (const v of report.violations)
                process.stdout.write(`  interval ${v.interval}: ${violationKey(v)}\n`);
            }
            return report.secure ? 0 : EXIT_CHECK_FAILED;
          }
          const result = await resolveCongestion(gridModel, schedule, {
            objective: opts.objective,
            method: opts.method,
            sensitivities: opts.sensitivities,
          });
          if (opts.json) {
            printJson({
              secure: result.after.secure,
              violations: result.before.violations,
              curtailedKw: result.curtailedKw,
              curtailedWelfare: result.curtailedWelfare,
              adjustments: result.adjustments,
              intervals: result.intervals,
              schedule: { entries: result.schedule },
              check: result.after,
            });
          } else {
            process.stdout.write(
              `${result.before.violations.length} violations removed by curtailing ` +
                `${result.curtailedKw.toFixed(3)} kW over ${result.adjustments.length} positions\n`,
            );
            for (const a of result.adjustments) {
              process.stdout.write(
                `  interval ${a.interval} ${a.participantId} at bus ${a.bus}: ${a.scheduledKw} -> ${a.adjustedKw} kW\n`,
              );
            }
          }
          return 0;
        },
      ),
    );

  grid
    .command('fee')
    .description('network crossing fee per kWh (integer money units) between two connection points')
    .requiredOption(
      '--tariff <file>',
      'tariff JSON: { "levels": [{ name, maxKv, tdPricePerKwh (integer money units) }], "levelsBetweenBuses"? }',
    )
    .requiredOption('--seller-kv <kv>', "seller's connection voltage, kV", Number)
    .requiredOption('--buyer-kv <kv>', "buyer's connection voltage, kV", Number)
    .option(
      '--seller-bus <bus>',
      "seller's bus (the same bus as the buyer's crosses no level between buses)",
      Number,
    )
    .option('--buyer-bus <bus>', "buyer's bus", Number)
    .option('--json', 'print one JSON object')
    .action(
      action(
        (opts: {
          tariff: string;
          sellerKv: number;
          buyerKv: number;
          sellerBus?: number;
          buyerBus?: number;
          json?: boolean;
        }) => {
          const tariff = tariffFromJson(
            parseJson(readInput(opts.tariff, 'tariff', 'TARIFF_INVALID'), opts.tariff, 'TARIFF_INVALID'),
          );
          const point = (kv: number, bus: number | undefined, who: string) => {
            if (bus !== undefined && (!Number.isSafeInteger(bus) || bus < 0)) {
              throw new GridError('TARIFF_INVALID', `--${who}-bus must be a non-negative integer`, { bus });
            }
            return bus === undefined ? { kv } : { kv, bus };
          };
          const fee = crossingFee(
            tariff,
            point(opts.sellerKv, opts.sellerBus, 'seller'),
            point(opts.buyerKv, opts.buyerBus, 'buyer'),
          );
          if (opts.json) printJson(fee);
          else
            process.stdout.write(
              `${fee.feePerKwh} per kWh (buyer ${fee.buyerLevel}, highest ${fee.highestLevel})\n`,
            );
          return 0;
        },
      ),
    );

  grid
    .command('export')
    .description('convert a MATPOWER case to the grid JSON document')
    .argument('<case>', 'MATPOWER .m case file')
    .action(
      action((casePath: string) => {
        printJson(gridToJson(loadGridFile(casePath)));
        return 0;
      }),
    );
}

export function registerBench(bench: Command): void {
  bench
    .command('grid')
    .description(
      'grid engine: power flow on the IEEE 33-bus feeder and on a synthetic 10,000-bus radial feeder, ' +
        'congestion management with 1,000 participants on the 33-bus feeder and with 10,000 on a ' +
        'synthetic 1,000-bus feeder, a 96-interval security check on the 141-bus feeder',
    )
    .option('--repeats <k>', 'measured runs per figure; medians are printed', '9')
    .option('--buses <n>', 'size of the synthetic radial feeder', '10000')
    .option('--participants <n>', 'participants in the congestion case', '1000')
    .option('--seed <s>', 'seed of the synthetic feeder and schedule', '1')
    .option('--json', 'print JSON (the output is always one JSON object)')
    .action(
      action(async (flags: { repeats: string; buses: string; participants: string; seed: string }) => {
        const repeats = Math.max(1, Number.parseInt(flags.repeats, 10));
        const buses = Number.parseInt(flags.buses, 10);
        const participants = Number.parseInt(flags.participants, 10);
        const seed = Number.parseInt(flags.seed, 10);
        printJson(await runGridBench({ repeats, buses, participants, seed }));
        return 0;
      }),
    );
}
