import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { NodeError } from './errors.js';

/**
 * A node's own settings. Precedence, lowest first: the config file, then GRIDSHARD_* environment
 * variables, then command-line flags. Relative paths are relative to the config file.
 */
export interface NodeConfig {
  readonly genesis: string;
  readonly dataDir: string;
  /** Index in genesis for a validator; absent for a common node that only follows the chain. */
  readonly validatorIndex?: number;
  readonly listen: readonly string[];
  readonly apiHost: string;
  readonly apiPort: number;
  readonly keystore: string;
  readonly coinShare: string;
  /** File holding the keystore password; GRIDSHARD_PASSWORD overrides it. */
  readonly passwordFile?: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /**
   * Shortest time between two of this validator's DAG rounds. Rounds are paced by the network
   * and by this floor: a higher floor batches more transactions per vertex and spends less CPU on
   * idle rounds (signatures, coin shares), a lower one shortens latency on an idle network.
   */
  readonly roundIntervalMs?: number;
  /**
   * At start, a DAG validator whose snapshot is at least this many batches behind its peers'
   * final head copies their blocks before its consensus starts (src/node/catch-up.ts), since
   * peers keep only a window of batches to serve. Default DEFAULT_CATCH_UP_AFTER_BATCHES.
   */
  readonly catchUpAfterBatches?: number;
  /**
   * How many ordered batches a DAG validator keeps to serve peers' state sync (the consensus
   * default when absent, docs/CONSENSUS.md). Fewer costs memory less and sends a validator that
   * was cut off longer to the block copy sooner.
   */
  readonly retainedBatches?: number;
}

/**
 * Any gap: what peers retain is bounded in bytes as well as in batches, and under load, with
 * large batches, it can be a few seconds' worth; copying final blocks is safe at any distance.
 */
export const DEFAULT_CATCH_UP_AFTER_BATCHES = 1;

/** A state sync answer carries up to 512 batches; a window below that would serve part of one. */
export const MIN_RETAINED_BATCHES = 512;

export interface ConfigOverrides {
  readonly dataDir?: string;
  readonly apiPort?: number;
  readonly apiHost?: string;
  readonly listen?: readonly string[];
  readonly logLevel?: NodeConfig['logLevel'];
}

function bad(message: string): NodeError {
  return new NodeError('BAD_CONFIG', `config: ${message}`, {});
}

function port(value: unknown, name: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535)
    throw bad(`${name} must be a port 0..65535`);
  return n;
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export function loadNodeConfig(
  path: string,
  env: NodeJS.ProcessEnv,
  overrides: ConfigOverrides = {},
): NodeConfig {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw bad(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('must be a JSON object');
  const known = new Set([
    'genesis',
    'dataDir',
    'validatorIndex',
    'listen',
    'api',
    'keystore',
    'coinShare',
    'passwordFile',
    'logLevel',
    'roundIntervalMs',
    'catchUpAfterBatches',
    'retainedBatches',
  ]);
  for (const key of Object.keys(raw)) if (!known.has(key)) throw bad(`unknown field "${key}"`);
  const base = dirname(resolve(path));
  const at = (p: unknown, name: string): string => {
    if (typeof p !== 'string' || p.length === 0) throw bad(`${name} must be a path`);
    return isAbsolute(p) ? p : resolve(base, p);
  };
  const api = (raw.api ?? {}) as Record<string, unknown>;
  const listenRaw = overrides.listen ?? env.GRIDSHARD_LISTEN?.split(',') ?? raw.listen ?? [];
  if (!Array.isArray(listenRaw) || !listenRaw.every((a) => typeof a === 'string' && a.startsWith('/'))) {
    throw bad('listen must be a list of multiaddrs');
  }
  const validatorIndex = raw.validatorIndex;
  if (validatorIndex !== undefined && (!Number.isInteger(validatorIndex) || (validatorIndex as number) < 0)) {
    throw bad('validatorIndex must be a non-negative integer');
  }
  const logLevel = overrides.logLevel ?? env.GRIDSHARD_LOG_LEVEL ?? raw.logLevel ?? 'info';
  if (!(LOG_LEVELS as readonly unknown[]).includes(logLevel))
    throw bad(`logLevel must be one of ${LOG_LEVELS.join(', ')}`);
  const roundIntervalMs = env.GRIDSHARD_ROUND_INTERVAL_MS ?? raw.roundIntervalMs;
  const roundInterval = typeof roundIntervalMs === 'string' ? Number(roundIntervalMs) : roundIntervalMs;
  if (
    roundInterval !== undefined &&
    (typeof roundInterval !== 'number' ||
      !Number.isInteger(roundInterval) ||
      roundInterval < 1 ||
      roundInterval > 10_000)
  ) {
    throw bad('roundIntervalMs must be an integer 1..10000');
  }
  const catchUpRaw = env.GRIDSHARD_CATCH_UP_AFTER_BATCHES ?? raw.catchUpAfterBatches;
  const catchUp = typeof catchUpRaw === 'string' ? Number(catchUpRaw) : catchUpRaw;
  if (catchUp !== undefined && (typeof catchUp !== 'number' || !Number.isSafeInteger(catchUp) || catchUp < 1))
    throw bad('catchUpAfterBatches must be a whole number ≥ 1');
  const retainedRaw = env.GRIDSHARD_RETAINED_BATCHES ?? raw.retainedBatches;
  const retained = typeof retainedRaw === 'string' ? Number(retainedRaw) : retainedRaw;
  if (
    retained !== undefined &&
    (typeof retained !== 'number' || !Number.isSafeInteger(retained) || retained < MIN_RETAINED_BATCHES)
  )
    throw bad(`retainedBatches must be a whole number ≥ ${MIN_RETAINED_BATCHES}`);
  return {
    genesis: at(raw.genesis, 'genesis'),
    dataDir: overrides.dataDir ?? env.GRIDSHARD_DATA_DIR ?? at(raw.dataDir ?? '.', 'dataDir'),
    ...(validatorIndex === undefined ? {} : { validatorIndex: validatorIndex as number }),
    listen: listenRaw as string[],
    apiHost:
      overrides.apiHost ?? env.GRIDSHARD_API_HOST ?? (typeof api.host === 'string' ? api.host : '127.0.0.1'),
    apiPort: port(overrides.apiPort ?? env.GRIDSHARD_API_PORT ?? api.port ?? 8080, 'api.port'),
    keystore: at(raw.keystore ?? 'keystore.json', 'keystore'),
    coinShare: at(raw.coinShare ?? 'coin-share.json', 'coinShare'),
    ...(raw.passwordFile === undefined ? {} : { passwordFile: at(raw.passwordFile, 'passwordFile') }),
    logLevel: logLevel as NodeConfig['logLevel'],
    ...(roundInterval === undefined ? {} : { roundIntervalMs: roundInterval }),
    ...(catchUp === undefined ? {} : { catchUpAfterBatches: catchUp }),
    ...(retained === undefined ? {} : { retainedBatches: retained }),
  };
}

export function readPassword(config: NodeConfig, env: NodeJS.ProcessEnv): string {
  if (env.GRIDSHARD_PASSWORD !== undefined) return env.GRIDSHARD_PASSWORD;
  if (config.passwordFile !== undefined) {
    try {
      return readFileSync(config.passwordFile, 'utf8').trimEnd();
    } catch (error) {
      throw bad(`cannot read the password file: ${(error as Error).message}`);
    }
  }
  throw bad('no keystore password: set GRIDSHARD_PASSWORD or passwordFile');
}
