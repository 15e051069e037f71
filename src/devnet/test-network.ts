import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CreditGenesisJson } from '../node/genesis-credit.js';
import type { ConsensusName, GenesisFile, MarketConfigJson } from '../node/genesis-file.js';
import { chainNodesOf } from '../node/genesis-handover.js';
import { GridShardClient } from '../sdk/client.js';
import { createNetworkFiles, type NetworkLayout } from './devnet.js';
import { Supervisor } from './supervisor.js';

/**
 * Open API connections the kit's validators accept from one client address. Everything a test or
 * benchmark runs talks to the validators from one address (its clients, status polls, event
 * streams, followers), so the public default of 64 would cut off a client that merely runs 64
 * requests at once next to its own polling; the server closes such a connection unanswered and
 * the client sees "fetch failed" (docs/OPERATIONS.md).
 */
export const TEST_NETWORK_CONNECTIONS_PER_CLIENT = 512;

/**
 * How long the kit's validators keep an idle API connection. At the public 5 s, a validator whose
 * event loop is busy for a second can close a kept-alive connection just as the client sends its
 * next request on it, which the client also sees as "fetch failed"; with a minute, the client's
 * own idle timeout (taken from the server's keep-alive hint, less a margin) runs out first.
 */
export const TEST_NETWORK_KEEP_ALIVE_TIMEOUT_MS = 60_000;

export interface TestNetworkOptions {
  readonly chainId: string;
  readonly validators?: number;
  /** How to start the command line in a child process (node flags and script); see `sourceCli`. */
  readonly cli: readonly string[];
  readonly p2pBasePort: number;
  readonly apiBasePort: number;
  /** Folder the network's files go in; a new temporary folder when absent. */
  readonly dir?: string;
  readonly consensus?: ConsensusName;
  readonly market?: MarketConfigJson;
  readonly grid?: unknown;
  /** Per-validator addresses (see `NetworkLayout.hosts`). */
  readonly hosts?: readonly string[];
  /** The genesis credit section (weights, carry, cycle length). */
  readonly credit?: CreditGenesisJson;
  /** A command each validator is started through (see `SupervisorOptions.launcher`). */
  readonly launcher?: (index: number) => readonly string[];
  /** The validators' log level (default `warn`). */
  readonly logLevel?: string;
  /** More environment for the validators, over this process's own. */
  readonly env?: NodeJS.ProcessEnv;
  /** Open API connections each validator accepts from one client address. */
  readonly connectionsPerClient?: number;
  /** Request timeout of the clients in `clients` (default 10 s). */
  readonly clientTimeoutMs?: number;
  /** The committee is re-elected every cycle, with this many standby nodes (started with the validators). */
  readonly handover?: NetworkLayout['handover'];
}

/** The command line from the sources, through tsx: for tests, which run the sources. */
export function sourceCli(): string[] {
  return ['--import', 'tsx', fileURLToPath(new URL('../cli/main.ts', import.meta.url))];
}

/**
 * A local devnet of validator processes for tests and benchmarks: genesis, keys (at a cheap scrypt
 * cost) and configs in one folder, each validator started through the `Supervisor`, one SDK client
 * per validator, and teardown that stops the processes and removes the folder.
 */
export class TestNetwork {
  readonly dir: string;
  readonly genesis: GenesisFile;
  readonly apis: readonly string[];
  readonly supervisor: Supervisor;
  readonly clients: readonly GridShardClient[];
  private readonly ownsDir: boolean;

  constructor(options: TestNetworkOptions) {
    this.ownsDir = options.dir === undefined;
    this.dir = options.dir ?? mkdtempSync(join(tmpdir(), `gridshard-${options.chainId}-`));
    const password = 'test-password';
    this.genesis = createNetworkFiles({
      dir: this.dir,
      chainId: options.chainId,
      validators: options.validators ?? 4,
      host: '127.0.0.1',
      ...(options.hosts === undefined ? {} : { hosts: options.hosts }),
      p2pBasePort: options.p2pBasePort,
      apiBasePort: options.apiBasePort,
      password,
      genesisTimeMs: Date.now(),
      scryptCost: { n: 2 ** 10, r: 8, p: 1 },
      passwordFile: '../password',
      ...(options.consensus === undefined ? {} : { consensus: options.consensus }),
      ...(options.market === undefined ? {} : { market: options.market }),
      ...(options.grid === undefined ? {} : { grid: options.grid }),
      ...(options.credit === undefined ? {} : { credit: options.credit }),
      ...(options.handover === undefined ? {} : { handover: options.handover }),
    });
    writeFileSync(join(this.dir, 'password'), password, { mode: 0o600 });
    this.apis = chainNodesOf(this.genesis).map((v) => v.api);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GRIDSHARD_LOG_LEVEL: options.logLevel ?? 'warn',
      // Variables src/api/limits.ts reads (this layer does not import the API's).
      GRIDSHARD_API_CONNECTIONS_PER_CLIENT: String(
        options.connectionsPerClient ?? TEST_NETWORK_CONNECTIONS_PER_CLIENT,
      ),
      GRIDSHARD_API_KEEP_ALIVE_TIMEOUT_MS: String(TEST_NETWORK_KEEP_ALIVE_TIMEOUT_MS),
      ...options.env,
    };
    const launcher = options.launcher;
    this.supervisor = new Supervisor(
      this.dir,
      this.apis,
      options.cli,
      env,
      launcher === undefined ? {} : { launcher },
    );
    this.clients = this.apis.map((api) => new GridShardClient(api, options.clientTimeoutMs ?? 10_000));
  }

  /** Folder of validator `index`: its config, keys, ledger and node.log. */
  validatorDir(index: number): string {
    return join(this.dir, `validator-${index}`);
  }

  /** Starts every validator and waits until each one's API answers. */
  async start(healthyTimeoutMs: number): Promise<void> {
    this.supervisor.startAll();
    await this.supervisor.waitHealthy(healthyTimeoutMs);
  }

  /** The last lines of every validator's log, for a failed run's output. */
  logTails(lines = 15): string {
    return this.supervisor.nodes
      .map(({ index }) => {
        const log = join(this.validatorDir(index), 'node.log');
        if (!existsSync(log)) return `--- validator ${index}: no node.log`;
        const tail = readFileSync(log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
        return `--- validator ${index}, end of node.log\n${tail === '' ? '(empty)' : tail}`;
      })
      .join('\n');
  }

  /** Stops the validators (SIGTERM, then SIGKILL after `graceMs`). */
  stop(graceMs = 5000): Promise<void> {
    return this.supervisor.stopAll(graceMs);
  }

  /** Removes the network's folder, when the kit created it. */
  remove(): void {
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }
}
