import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { register } from '../../src/cli/commands/grid.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Runs one `gridshard grid ...` command in process and returns its exit code and standard output. */
async function run(args: string[]): Promise<{ code: number; out: string }> {
  const program = new Command('gridshard').exitOverride();
  register(program);
  const write = process.stdout.write.bind(process.stdout);
  const argv = process.argv;
  let out = '';
  // Commands write strings; the test runner's own messages on stdout are bytes and pass through.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    if (typeof chunk !== 'string') return write(chunk, ...rest);
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  // The shared action wrapper looks for --json in process.argv to format errors.
  process.argv = ['node', 'gridshard', ...args];
  const before = process.exitCode;
  try {
    await program.parseAsync(['node', 'gridshard', ...args]);
  } finally {
    process.stdout.write = write;
    process.argv = argv;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = before;
  return { code, out };
}

describe('grid command line', () => {
  it('grid powerflow prints the contract fields for the 33-bus feeder', async () => {
    const { code, out } = await run(['grid', 'powerflow', fixture('ieee33.json'), '--json']);
    assert.equal(code, 0);
    const result = JSON.parse(out);
    for (const key of [
      'buses',
      'iterations',
      'converged',
      'loadKw',
      'lossKw',
      'lossKvar',
      'minVoltagePu',
      'minVoltageBus',
    ]) {
      assert.ok(key in result, key);
    }
    assert.equal(result.minVoltageBus, 18);
    assert.ok(Math.abs(result.lossKw - 202.68) / 202.68 < 0.0005);
  });

  it('grid powerflow reads MATPOWER files and reports bad ones with exit code 2', async () => {
    const ok = await run(['grid', 'powerflow', fixture('feeder5.m'), '--method', 'nr', '--json']);
    assert.equal(ok.code, 0);
    assert.equal(JSON.parse(ok.out).method, 'nr');
    const dir = mkdtempSync(join(tmpdir(), 'gridshard-grid-'));
    const bad = join(dir, 'bad.m');
    writeFileSync(bad, "mpc.version = '2';\nmpc.baseMVA = 1;\nwhile true\n");
    const failed = await run(['grid', 'powerflow', bad, '--json']);
    assert.equal(failed.code, 2);
    assert.equal(JSON.parse(failed.out).error.code, 'CASE_UNSUPPORTED');
  });

  it('grid powerflow --method nr converges on the 141-bus feeder', async () => {
    const { code, out } = await run([
      'grid',
      'powerflow',
      fixture('case141.json'),
      '--method',
      'nr',
      '--json',
    ]);
    assert.equal(code, 0);
    const result = JSON.parse(out);
    assert.equal(result.method, 'nr');
    assert.equal(result.converged, true);
    assert.ok(Math.abs(result.lossKw - 632.696) < 0.001, `${result.lossKw}`);
  });

  it('grid fee prints the integer fee of the one rule, and refuses a tariff in yuan', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridshard-fee-'));
    const tariffPath = join(dir, 'tariff.json');
    writeFileSync(
      tariffPath,
      JSON.stringify({
        levels: [
          { name: '10 kV', maxKv: 10, tdPricePerKwh: 60 },
          { name: '35 kV', maxKv: 35, tdPricePerKwh: 40 },
        ],
        levelsBetweenBuses: 1,
      }),
    );
    const base = ['grid', 'fee', '--tariff', tariffPath, '--seller-kv', '10', '--buyer-kv', '10'];
    const apart = await run([...base, '--seller-bus', '1', '--buyer-bus', '2', '--json']);
    assert.equal(apart.code, 0);
    assert.equal(JSON.parse(apart.out).feePerKwh, 20);
    const together = await run([...base, '--seller-bus', '1', '--buyer-bus', '1', '--json']);
    assert.equal(JSON.parse(together.out).feePerKwh, 0);
    writeFileSync(tariffPath, JSON.stringify({ levels: [{ maxKv: 10, tdPricePerKwh: 0.06 }] }));
    const yuan = await run([...base, '--json']);
    assert.equal(yuan.code, 2);
    assert.equal(JSON.parse(yuan.out).error.code, 'TARIFF_INVALID');
  });

  it('grid check fails an overloaded schedule and --resolve adjusts it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridshard-grid-'));
    const grid = JSON.parse((await import('node:fs')).readFileSync(fixture('ieee33.json'), 'utf8'));
    for (const b of grid.branches) if (b.from === 6 && b.to === 7) b.rateKva = 1500;
    const casePath = join(dir, 'rated.json');
    writeFileSync(casePath, JSON.stringify(grid));
    const schedulePath = join(dir, 'schedule.json');
    writeFileSync(
      schedulePath,
      JSON.stringify({
        entries: [{ participantId: 'pv', bus: 18, interval: 0, netKw: 3000, pricePerKwh: 40 }],
      }),
    );
    const check = await run(['grid', 'check', casePath, '--schedule', schedulePath, '--json']);
    assert.equal(check.code, 1);
    assert.equal(JSON.parse(check.out).violations[0].kind, 'branch-thermal');
    const resolved = await run([
      'grid',
      'check',
      casePath,
      '--schedule',
      schedulePath,
      '--resolve',
      '--json',
    ]);
    assert.equal(resolved.code, 0);
    const body = JSON.parse(resolved.out);
    assert.equal(body.secure, true);
    assert.ok(body.schedule.entries[0].netKw < 3000);
  });
});
