import { isGridShardError } from '../errors.js';

/** Exit codes shared by every command: 0 success, 1 a check found a problem, 2 bad input or usage. */
export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/**
 * A reader that stops early (`gridshard ... | head`) closes stdout; the next write fails with
 * EPIPE. Nothing more can be shown to anyone, so the process ends quietly instead of printing a
 * stack trace. Any other stdout error is still a crash.
 */
export function exitQuietlyOnClosedStdout(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE')
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK);
    throw error;
  });
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
}

/** bigint and byte arrays have no JSON form of their own: decimal strings and hex. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return value;
}

/**
 * Wraps a command's action: a typed GridShard error becomes a one-line message (or JSON with
 * --json) and exit code 2; anything else is a bug and keeps its stack trace.
 */
export function action<Args extends unknown[]>(
  run: (...args: Args) => Promise<number | undefined> | number | undefined,
): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    try {
      const code = await run(...args);
      process.exitCode = code ?? EXIT_OK;
    } catch (error) {
      if (isGridShardError(error)) {
        const wantsJson = process.argv.includes('--json');
        if (wantsJson) printJson({ error: error.toJSON() });
        else process.stderr.write(`gridshard: ${error.code}: ${error.message}\n`);
        process.exitCode = EXIT_BAD_INPUT;
        return;
      }
      throw error;
    }
  };
}
