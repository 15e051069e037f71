import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DemoLoad } from '../../devnet/demo-load.js';
import { DemoMarket, demoGrid, demoMarketConfig, loadOrCreateDemoKeys } from '../../devnet/demo-market.js';
import { createNetworkFiles } from '../../devnet/devnet.js';
import { ShardedNetwork } from '../../devnet/sharded-network.js';
import { Supervisor } from '../../devnet/supervisor.js';
import { gridToJson } from '../../grid/index.js';
import { NodeError } from '../../node/errors.js';
import { readGenesisFile } from '../../node/genesis-file.js';
import { chainNodesOf } from '../../node/genesis-handover.js';
import { GridShardClient } from '../../sdk/client.js';
import { CASE33_DEMO_ZONES } from '../../sharding/index.js';
import { action, EXIT_OK } from '../output.js';
import { runShardedDevnet } from './start-sharded.js';

const DEVNET_PASSWORD = 'gridshard-devnet-password';
/**
 * `--handover`: a committee serves a minute of block time, then the one its credit elects takes
 * over after generating its coin keys in three phases of 2 s; one standby node follows meanwhile.
 */
const DEVNET_HANDOVER = { cycleMs: 60_000, keyPhaseMs: 2_000, standby: 1 } as const;

export function register(program: Command): void {
  program
    .command('start')
    .description(
      'run the local sharded devnet: 4 zone shards × 4 validator processes and a root committee of 4, with the demo market and cross-zone trades (Ctrl-C stops)',
    )
    .option('--dir <dir>', 'devnet directory (kept between runs)', 'devnet')
    .option('--reset', 'delete the devnet directory and start a new chain')
    .option('--port <port>', 'API port of validator 0; validator i listens on port + i', '8080')
    .option('--p2p-port <port>', 'libp2p port of validator 0', '7100')
    .option('--no-load', 'do not run the demo market, cross-zone trades or load generator')
    .option('--single-chain', 'run one chain of 4 validators instead (the market and a key-value load on it)')
    .option(
      '--handover',
      're-elect the committee every minute from credit, with one standby node (each zone shard of the sharded devnet, or the single chain; a new devnet only)',
    )
    .option('--duration <seconds>', 'stop by itself after this many seconds (0 = run until Ctrl-C)', '0')
    .action(
      action(
        async (options: {
          dir: string;
          reset?: boolean;
          port: string;
          p2pPort: string;
          load: boolean;
          duration: string;
          singleChain?: boolean;
          handover?: boolean;
        }) => {
          const dir = resolve(options.dir);
          const port = Number(options.port);
          const p2pPort = Number(options.p2pPort);
          const duration = Number(options.duration);
          for (const [name, value] of [
            ['port', port],
            ['p2p-port', p2pPort],
          ] as const) {
            if (!Number.isInteger(value) || value < 1 || value > 65000) {
              throw new NodeError('BAD_CONFIG', `--${name} must be a port 1..65000`, {});
            }
          }
          if (!Number.isFinite(duration) || duration < 0)
            throw new NodeError('BAD_CONFIG', '--duration must be ≥ 0', {});
          if (options.singleChain !== true) {
            await runShardedDevnet({
              dir,
              reset: options.reset === true,
              port,
              p2pPort,
              load: options.load,
              durationS: duration,
              ...(options.handover === true ? { zoneHandover: DEVNET_HANDOVER } : {}),
            });
            return EXIT_OK;
          }
          if (options.reset && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
          if (ShardedNetwork.committeesIn(dir) !== null)
            throw new NodeError(
              'BAD_CONFIG',
              `${dir} holds a sharded devnet; --reset starts a single chain`,
              {},
            );
          const fresh = !existsSync(join(dir, 'genesis.json'));
          if (fresh) {
            mkdirSync(dir, { recursive: true });
            const demoKeys = loadOrCreateDemoKeys(join(dir, 'demo-keys.json'));
            createNetworkFiles({
              dir,
              chainId: 'gridshard-devnet',
              validators: 4,
              host: '127.0.0.1',
              p2pBasePort: p2pPort,
              apiBasePort: port,
              password: DEVNET_PASSWORD,
              genesisTimeMs: Date.now(),
              // A devnet's keys protect nothing; a cheaper scrypt lets four processes start fast.
              scryptCost: { n: 2 ** 14, r: 8, p: 1 },
              passwordFile: '../password',
              market: demoMarketConfig(demoKeys),
              grid: gridToJson(demoGrid()),
              // The 33-bus feeder's four zones; this devnet is the committee of zone 0 for now.
              zones: CASE33_DEMO_ZONES,
              ...(options.handover === true ? { handover: DEVNET_HANDOVER } : {}),
            });
            writeFileSync(join(dir, 'password'), DEVNET_PASSWORD, { mode: 0o600 });
          }
          const genesis = readGenesisFile(join(dir, 'genesis.json'));
          // Standby nodes run beside the validators: they follow the chain until elected.
          const apis = chainNodesOf(genesis).map((v) => v.api);
          if (!fresh && apis[0] !== `http://127.0.0.1:${port}` && options.port !== '8080') {
            console.log(`note: this devnet was created with its API at ${apis[0]}; --reset to change ports`);
          }
          const cli = [...process.execArgv, process.argv[1]!];
          const supervisor = new Supervisor(dir, apis, cli, { ...process.env, GRIDSHARD_LOG_LEVEL: 'info' });
          console.log(`${fresh ? 'created' : 'resuming'} devnet in ${dir} (chain ${genesis.chainId})`);
          supervisor.startAll();
          let load = null as DemoLoad | null;
          let market = null as DemoMarket | null;
          let ticker: NodeJS.Timeout | null = null;
          const stop = async () => {
            if (ticker !== null) clearInterval(ticker);
            await Promise.all([load?.stop(), market?.stop()]);
            console.log('stopping validators…');
            await supervisor.stopAll();
            console.log('stopped; `npm start` resumes this devnet, `npm start -- --reset` starts a new one');
          };
          try {
            await supervisor.waitHealthy(120_000);
          } catch (error) {
            await stop();
            throw new NodeError('BAD_CONFIG', (error as Error).message, {});
          }
          console.log('');
          console.log('GridShard devnet is running');
          chainNodesOf(genesis).forEach((v) => {
            const role = v.index < genesis.validators.length ? 'validator' : 'standby  ';
            console.log(
              `  ${role} ${v.index}: API ${v.api}   p2p ${v.address}   log ${join(dir, `validator-${v.index}`, 'node.log')}`,
            );
          });
          console.log(`  portal:     ${apis[0]}/   (every validator serves it; docs/USER-GUIDE.md)`);
          console.log(`  API docs:   ${apis[0]}/docs   (OpenAPI: ${apis[0]}/openapi.json)`);
          console.log(`  metrics:    ${apis[0]}/metrics`);
          console.log(`  events:     ${apis[0]}/api/v1/events`);
          console.log('  Ctrl-C stops everything cleanly.');
          console.log('');
          if (options.load) {
            load = new DemoLoad(genesis, apis, join(dir, 'demo-load.json'));
            load.start();
            if (genesis.market !== undefined) {
              const keys = loadOrCreateDemoKeys(join(dir, 'demo-keys.json'));
              market = new DemoMarket(genesis, apis, keys, join(dir, 'demo-market.json'), (line) =>
                console.log(line),
              );
              market.start();
            }
          }
          const clients = apis.map((api) => new GridShardClient(api, 2000));
          ticker = setInterval(async () => {
            const heights = await Promise.all(
              clients.map((c) =>
                c.status().then(
                  (s) => s.height,
                  () => -1,
                ),
              ),
            );
            const root = await clients[0]!.status().then(
              (s) => s.stateRoot.slice(0, 12),
              () => '?',
            );
            console.log(
              `heights ${heights.map((h) => (h < 0 ? 'down' : h)).join(' / ')}   state root ${root}…   ${load?.summary() ?? ''}   ${market?.summary() ?? ''}`,
            );
          }, 5000);
          await new Promise<void>((resolveRun) => {
            process.once('SIGINT', resolveRun);
            process.once('SIGTERM', resolveRun);
            if (duration > 0) setTimeout(resolveRun, duration * 1000);
          });
          await stop();
          return EXIT_OK;
        },
      ),
    );
}

export function registerBench(_bench: Command): void {}
