import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type Command, Option } from 'commander';
import { GridError } from '../../grid/errors.js';
import { type Grid, gridFromJson, gridToJson, importMatpowerCase, runPowerFlow } from '../../grid/index.js';
import { action, printJson } from '../output.js';

/** Reads a grid from a MATPOWER `.m` case or the project's JSON grid document. */
export function loadGridFile(path: string): Grid {
  const text = readInput(path, 'case file');
  if (path.endsWith('.json') || text.trimStart().startsWith('{')) return gridFromJson(parseJson(text, path));
  return importMatpowerCase(text, basename(path).replace(/\.m$/, '')).grid;
}

function readInput(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new GridError('GRID_INVALID', `cannot read ${what} ${path}: ${(error as Error).message}`, { path });
  }
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new GridError('GRID_INVALID', `${path} is not valid JSON: ${(error as Error).message}`, { path });
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

export function registerBench(_bench: Command): void {}
