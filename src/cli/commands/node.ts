import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { runNetworkBenchmark } from '../../bench/network.js';
import { toHex } from '../../crypto/hash.js';
import { decryptKeystore, encryptKeystore, parseKeystore } from '../../crypto/keystore.js';
import { ed25519Scheme, SCHEME_IDS, type SchemeId } from '../../crypto/scheme.js';
import { createNetworkFiles } from '../../devnet/devnet.js';
import { loadHighs } from '../../grid/highs.js';
import { gridToJson } from '../../grid/json.js';
import { chainApplication } from '../../market/grid-plugins.js';
import { NodeError } from '../../node/errors.js';
import { followChain } from '../../node/follower.js';
import {
  assembleNetwork,
  openCoinShare,
  parseMembers,
  writeAssembledNetwork,
} from '../../node/genesis-assemble.js';
import { CONSENSUS_NAMES, type ConsensusName, readGenesisFile } from '../../node/genesis-file.js';
import { ChainWatcher, loadOrCreateNodeKey } from '../../node/watch.js';
import { GridShardClient } from '../../sdk/client.js';
import { action, EXIT_OK, printJson } from '../output.js';
import { runNode } from '../run-node.js';
import { loadGridFile } from './grid.js';
import { rootFinalityOfFollowed } from './inclusion.js';

function intOption(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new NodeError('BAD_CONFIG', `--${name} must be an integer ${min}..${max}, got "${raw}"`, {});
  }
  return value;
}

function password(env: NodeJS.ProcessEnv): string {
  const value = env.GRIDSHARD_PASSWORD;
  if (value === undefined || value.length < 8) {
    throw new NodeError(
      'BAD_CONFIG',
      'set GRIDSHARD_PASSWORD (8 characters or more) to encrypt the keys',
      {},
    );
  }
  return value;
}

export function register(program: Command): void {
  const genesis = program.command('genesis').description('create the files a new network starts from');
  genesis
    .command('create')
    .description(
      'write genesis.json and, per validator, its config and encrypted keys (password from GRIDSHARD_PASSWORD)',
    )
    .requiredOption('--out <dir>', 'directory to create')
    .option('--validators <n>', 'committee size (n ≥ 3f + 1)', '4')
    .option('--chain-id <id>', 'chain id', 'gridshard-local')
    .option('--host <ip>', 'address the validators listen on', '127.0.0.1')
    .option(
      '--hosts <list>',
      'comma-separated IPv4 address per validator (separate machines), instead of --host',
    )
    .option('--p2p-port <port>', 'first validator’s libp2p port; the others follow', '7100')
    .option('--api-port <port>', 'first validator’s API port; the others follow', '8080')
    .option('--consensus <protocol>', `consensus protocol: ${CONSENSUS_NAMES.join(' | ')}`, 'dag')
    .option(
      '--grid <file>',
      'grid model (grid JSON or MATPOWER case) written into the chain state for the market’s security check',
    )
    .option('--json', 'print the genesis as JSON')
    .action(
      action((options: Record<string, string | boolean>) => {
        const out = String(options.out);
        if (existsSync(out)) throw new NodeError('BAD_CONFIG', `${out} already exists`, {});
        const consensus = String(options.consensus);
        if (!(CONSENSUS_NAMES as readonly string[]).includes(consensus)) {
          throw new NodeError(
            'BAD_CONFIG',
            `--consensus must be one of ${CONSENSUS_NAMES.join(', ')}, got "${consensus}"`,
            {},
          );
        }
        const validators = intOption('validators', String(options.validators), 1, 100);
        const hosts = options.hosts === undefined ? undefined : hostList(String(options.hosts), validators);
        const created = createNetworkFiles({
          dir: out,
          chainId: String(options.chainId),
          validators,
          host: String(options.host),
          ...(hosts === undefined ? {} : { hosts }),
          p2pBasePort: intOption('p2p-port', String(options.p2pPort), 1, 65000),
          apiBasePort: intOption('api-port', String(options.apiPort), 1, 65000),
          password: password(process.env),
          genesisTimeMs: Date.now(),
          consensus: consensus as ConsensusName,
          ...(options.grid === undefined ? {} : { grid: gridToJson(loadGridFile(String(options.grid))) }),
        });
        if (options.json) printJson(created);
        else console.log(`wrote ${out}/genesis.json and ${created.validators.length} validator folders`);
        return EXIT_OK;
      }),
    );

  genesis
    .command('assemble')
    .description(
      'build genesis.json from validators’ public keys (each made its own with `keys create`) and seal each one its coin share',
    )
    .requiredOption(
      '--members <file>',
      'JSON list of { publicKey, address, api }, one per validator, in index order',
    )
    .requiredOption('--out <dir>', 'directory to create')
    .option('--chain-id <id>', 'chain id', 'gridshard')
    .option('--json', 'print the genesis as JSON')
    .action(
      action((options: { members: string; out: string; chainId: string; json?: boolean }) => {
        if (existsSync(options.out)) throw new NodeError('BAD_CONFIG', `${options.out} already exists`, {});
        let raw: unknown;
        try {
          raw = JSON.parse(readFileSync(options.members, 'utf8'));
        } catch (error) {
          throw new NodeError(
            'BAD_CONFIG',
            `cannot read ${options.members}: ${(error as Error).message}`,
            {},
          );
        }
        const network = assembleNetwork(parseMembers(raw), options.chainId, Date.now());
        writeAssembledNetwork(options.out, network);
        if (options.json) printJson(network.genesis);
        else {
          console.log(
            `wrote ${options.out}/genesis.json and, per validator, config.json and coin-share.sealed.json`,
          );
        }
        return EXIT_OK;
      }),
    );

  const keys = program.command('keys').description('encrypted keystores');
  keys
    .command('create')
    .description('create a new key in an encrypted keystore file (password from GRIDSHARD_PASSWORD)')
    .requiredOption('--out <file>', 'keystore file to write')
    .option('--scheme <id>', `crypto scheme: ${SCHEME_IDS.join(' | ')}`, 'ed25519-sha256')
    .action(
      action((options: { out: string; scheme: string }) => {
        if (!(SCHEME_IDS as readonly string[]).includes(options.scheme)) {
          throw new NodeError('BAD_CONFIG', `--scheme must be one of ${SCHEME_IDS.join(', ')}`, {});
        }
        if (existsSync(options.out)) throw new NodeError('BAD_CONFIG', `${options.out} already exists`, {});
        const file = encryptKeystore(
          new Uint8Array(randomBytes(32)),
          options.scheme as SchemeId,
          password(process.env),
        );
        writeFileSync(options.out, JSON.stringify(file, null, 2), { mode: 0o600 });
        console.log(`${file.scheme} ${file.publicKey} → ${options.out}`);
        return EXIT_OK;
      }),
    );
  keys
    .command('open-share')
    .description(
      'open the coin share sealed to this validator’s key, check it against the genesis, keep it under the password',
    )
    .requiredOption('--keystore <file>', 'this validator’s keystore')
    .requiredOption('--sealed <file>', 'coin-share.sealed.json from the assembler')
    .requiredOption('--genesis <file>', 'the assembled genesis.json')
    .requiredOption('--out <file>', 'encrypted coin share to write (the config’s coinShare)')
    .action(
      action((options: { keystore: string; sealed: string; genesis: string; out: string }) => {
        if (existsSync(options.out)) throw new NodeError('BAD_CONFIG', `${options.out} already exists`, {});
        const secret = password(process.env);
        const readJson = (path: string): unknown => {
          try {
            return JSON.parse(readFileSync(path, 'utf8'));
          } catch (error) {
            throw new NodeError('BAD_CONFIG', `cannot read ${path}: ${(error as Error).message}`, {});
          }
        };
        const keystore = readJson(options.keystore);
        const { seed } = decryptKeystore(keystore, secret);
        const opened = openCoinShare(
          readGenesisFile(options.genesis),
          seed,
          parseKeystore(keystore).publicKey,
          readJson(options.sealed),
          secret,
        );
        writeFileSync(options.out, JSON.stringify(opened.file), { mode: 0o600 });
        console.log(`validator ${opened.index}: coin share checked against the genesis → ${options.out}`);
        return EXIT_OK;
      }),
    );
  keys
    .command('list')
    .description('list the keystores in a directory (public keys only; nothing is decrypted)')
    .argument('<dir>', 'directory to scan (recursively one level)')
    .option('--json', 'print JSON')
    .action(
      action((dir: string, options: { json?: boolean }) => {
        const found: { file: string; scheme: string; publicKey: string }[] = [];
        const scan = (folder: string, depth: number) => {
          for (const entry of readdirSync(folder, { withFileTypes: true })) {
            const path = join(folder, entry.name);
            if (entry.isDirectory() && depth < 1) scan(path, depth + 1);
            else if (entry.isFile() && entry.name.endsWith('.json')) {
              try {
                const file = parseKeystore(JSON.parse(readFileSync(path, 'utf8')));
                found.push({ file: path, scheme: file.scheme, publicKey: file.publicKey });
              } catch {
                // not a keystore
              }
            }
          }
        };
        scan(dir, 0);
        if (options.json) printJson(found);
        else for (const k of found) console.log(`${k.scheme}  ${k.publicKey}  ${k.file}`);
        return EXIT_OK;
      }),
    );

  const node = program.command('node').description('run a node');
  node
    .command('follow')
    .description(
      'common node: copy the chain from a validator’s API, re-executing every block to the same hash',
    )
    .requiredOption('--genesis <file>', 'the chain’s genesis.json')
    .requiredOption('--data <dir>', 'ledger directory (created on first run, resumed after)')
    .requiredOption('--from <url>', 'a validator’s API, e.g. http://127.0.0.1:8080')
    .option('--until <height>', 'stop at this height')
    .option(
      '--watch',
      'keep following: join the validators’ gossip as an observer and fetch each announced block (stops on SIGINT/SIGTERM)',
    )
    .option(
      '--node-key <file>',
      'the observer’s libp2p key (hex seed; created if missing)',
      '<data>.node-key',
    )
    .option('--poll <seconds>', 'with --watch: follow anyway after this long without an announcement', '30')
    .option(
      '--root-api <url>',
      'a zone shard: also check that the root chain proves this node’s blocks final (untrusted: only its proofs count)',
    )
    .option('--root-genesis <file>', 'with --root-api: the root chain’s genesis (its committee’s keys)')
    .option('--json', 'print the result as JSON')
    .action(
      action(
        async (options: {
          genesis: string;
          data: string;
          from: string;
          until?: string;
          watch?: boolean;
          nodeKey: string;
          poll: string;
          rootApi?: string;
          rootGenesis?: string;
          json?: boolean;
        }) => {
          if ((options.rootApi === undefined) !== (options.rootGenesis === undefined))
            throw new NodeError('BAD_CONFIG', '--root-api and --root-genesis go together', {});
          if (options.rootApi !== undefined && options.watch)
            throw new NodeError(
              'BAD_CONFIG',
              '--root-api checks one follow; it does not combine with --watch',
              {},
            );
          const genesis = readGenesisFile(options.genesis);
          const application = chainApplication(await loadHighs());
          if (options.watch) {
            if (options.until !== undefined)
              throw new NodeError('BAD_CONFIG', '--until and --watch exclude each other', {});
            const keyPath =
              options.nodeKey === '<data>.node-key'
                ? `${options.data.replace(/\/+$/, '')}.node-key`
                : options.nodeKey;
            const { seed, created } = loadOrCreateNodeKey(keyPath);
            const publicKey = toHex(ed25519Scheme.publicKeyFromSeed(seed));
            const listed = (genesis.observers ?? []).includes(publicKey);
            console.error(
              `observer key ${publicKey} (${created ? 'created in' : 'from'} ${keyPath})${listed ? '' : ': not in genesis observers, so validators will refuse the connection and only the poll runs'}`,
            );
            const watcher = await ChainWatcher.start({
              genesis,
              dataDir: options.data,
              source: new GridShardClient(options.from),
              application,
              nodeSeed: seed,
              pollMs: intOption('poll', options.poll, 1, 86_400) * 1000,
              onFollow: (result, trigger) => {
                if (result.blocksAdded === 0) return;
                if (options.json) console.log(JSON.stringify({ ...result, trigger }));
                else
                  console.log(
                    `+${result.blocksAdded} blocks (${trigger}); head ${result.height} ${result.headHash}; final ${result.finalHeight ?? 'unproven'}`,
                  );
              },
              log: { info() {}, warn: (fields, message) => console.error(message, JSON.stringify(fields)) },
            });
            await new Promise<void>((resolve) => {
              process.once('SIGINT', resolve);
              process.once('SIGTERM', resolve);
            });
            await watcher.stop();
            return EXIT_OK;
          }
          const source = new GridShardClient(options.from);
          const result = await followChain({
            genesis,
            dataDir: options.data,
            source,
            application,
            ...(options.until === undefined
              ? {}
              : { until: intOption('until', options.until, 0, Number.MAX_SAFE_INTEGER) }),
          });
          const rootFinal =
            options.rootApi === undefined || options.rootGenesis === undefined
              ? undefined
              : await rootFinalityOfFollowed({
                  root: new GridShardClient(options.rootApi),
                  source,
                  rootGenesis: readGenesisFile(options.rootGenesis),
                  genesis,
                  dataDir: options.data,
                  application,
                });
          if (options.json) printJson(rootFinal === undefined ? result : { ...result, rootFinal });
          else {
            console.log(
              `copied and re-executed ${result.blocksAdded} blocks; head ${result.height} ${result.headHash}; ${
                result.finalHeight === null
                  ? 'no commit proof seen'
                  : `final by the committee's commit proof up to ${result.finalHeight}`
              }`,
            );
            if (rootFinal !== undefined)
              console.log(
                `the root chain (block ${rootFinal.rootHeight}) proves shard ${rootFinal.shard} final up to ${rootFinal.height}${
                  rootFinal.held ? ', the block held here' : ', beyond this node’s head'
                }`,
              );
          }
          return EXIT_OK;
        },
      ),
    );
  node
    .command('start')
    .description('start a validator node with its API; stops cleanly on SIGINT/SIGTERM')
    .requiredOption('--config <file>', 'node config (JSON)')
    .option('--data-dir <dir>', 'override the data directory')
    .option('--api-port <port>', 'override the API port')
    .option('--log-level <level>', 'debug | info | warn | error')
    .action(
      action(async (options: { config: string; dataDir?: string; apiPort?: string; logLevel?: string }) => {
        const running = await runNode(
          options.config,
          {
            ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
            ...(options.apiPort === undefined
              ? {}
              : { apiPort: intOption('api-port', options.apiPort, 0, 65535) }),
            ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel as 'info' }),
          },
          process.env,
        );
        await new Promise<void>((resolve) => {
          const shutdown = () => {
            void running.stop().then(resolve);
          };
          process.once('SIGINT', shutdown);
          process.once('SIGTERM', shutdown);
        });
        return EXIT_OK;
      }),
    );
}

export function registerBench(bench: Command): void {
  bench
    .command('network')
    .description('4 validator processes on loopback; concurrent API clients submit signed transactions')
    .option('--json', 'print JSON (always JSON)')
    .option('--transactions <n>', 'transactions to submit', '5000')
    .option('--concurrency <n>', 'concurrent clients', '64')
    .option('--rate <tx-per-sec>', 'offered load in all (0: as fast as the API admits)', '0')
    .option('--batch <n>', 'transactions per request (1: /api/v1/tx, more: /api/v1/txs)', '1')
    .option('--p2p-port <port>', 'first libp2p port', '7600')
    .option('--api-port <port>', 'first API port', '8600')
    .action(
      action(
        async (options: {
          transactions: string;
          concurrency: string;
          rate: string;
          batch: string;
          p2pPort: string;
          apiPort: string;
        }) => {
          printJson(
            await runNetworkBenchmark({
              transactions: intOption('transactions', options.transactions, 1, 1_000_000),
              concurrency: intOption('concurrency', options.concurrency, 1, 1024),
              ratePerSec: intOption('rate', options.rate, 0, 1_000_000),
              batch: intOption('batch', options.batch, 1, 1000),
              p2pBasePort: intOption('p2p-port', options.p2pPort, 1, 65000),
              apiBasePort: intOption('api-port', options.apiPort, 1, 65000),
              cli: [...process.execArgv, process.argv[1]!],
            }),
          );
          return EXIT_OK;
        },
      ),
    );
}

/** One IPv4 address per validator (genesis names /ip4 multiaddrs), as many as there are validators. */
function hostList(value: string, validators: number): string[] {
  const hosts = value.split(',').map((h) => h.trim());
  if (hosts.length !== validators) {
    throw new NodeError(
      'BAD_CONFIG',
      `--hosts names ${hosts.length} addresses for ${validators} validators`,
      {},
    );
  }
  for (const host of hosts) {
    const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
    if (ipv4 === null || !ipv4.slice(1).every((octet) => Number(octet) <= 255)) {
      throw new NodeError('BAD_CONFIG', `--hosts: "${host}" is not an IPv4 address`, {});
    }
  }
  return hosts;
}
