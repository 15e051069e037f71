import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { register as registerMarket } from '../../src/cli/commands/market.js';
import { gridToJson, syntheticRadialFeeder } from '../../src/grid/index.js';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/**
 * Runs the command line in a child process. With `closeAfterFirstChunk` the reading end of stdout
 * is closed as soon as anything arrives, as `| head -1` does.
 */
function gridshard(
  args: string[],
  closeAfterFirstChunk = false,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (closeAfterFirstChunk) child.stdout.destroy();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('command line output', () => {
  it('ends quietly when the reader closes stdout early', async () => {
    // A 3,000-bus feeder's report is megabytes of JSON: far more than a pipe holds, so the
    // writer is still writing when the pipe closes.
    const dir = mkdtempSync(join(tmpdir(), 'gridshard-cli-'));
    const feeder = join(dir, 'feeder.json');
    writeFileSync(feeder, JSON.stringify(gridToJson(syntheticRadialFeeder(3000, 1))));
    const { code, stdout, stderr } = await gridshard(['grid', 'powerflow', feeder, '--json'], true);
    assert.ok(stdout.length > 0);
    assert.equal(stderr, '', 'no stack trace');
    assert.equal(code, 0);
  });

  it('market clear names a number too large for a double instead of printing null', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridshard-cli-'));
    const orders = join(dir, 'orders.json');
    writeFileSync(
      orders,
      '{"orders":[{"id":"a","side":"sell","price":3,"quantity":5},{"id":"b","side":"buy","price":1e400,"quantity":5}]}',
    );
    const program = new Command('gridshard').exitOverride();
    registerMarket(program);
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      if (typeof chunk !== 'string') return write(chunk, ...rest);
      errors.push(chunk);
      return true;
    }) as typeof process.stderr.write;
    const before = process.exitCode;
    try {
      await program.parseAsync(['node', 'gridshard', 'market', 'clear', orders]);
    } finally {
      process.stderr.write = write;
    }
    const code = process.exitCode;
    process.exitCode = before;
    assert.equal(code, 2);
    const message = errors.join('');
    assert.match(message, /BAD_INPUT: .*orders\[1\]\.price is not a finite number/);
    assert.doesNotMatch(message, /null/);
  });
});
