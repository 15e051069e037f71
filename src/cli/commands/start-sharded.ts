import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fromHex, toHex } from '../../crypto/hash.js';
import { ed25519Scheme } from '../../crypto/scheme.js';
import {
  CrossZoneDemo,
  DEMO_OPENING,
  type DemoMember,
  type SentTrade,
} from '../../devnet/cross-zone-demo.js';
import {
  DEMO_PARTICIPANT_BUSES,
  DemoMarket,
  demoGrid,
  demoMarketConfig,
  loadOrCreateDemoKeys,
} from '../../devnet/demo-market.js';
import {
  createShardedNetworkFiles,
  ShardedNetwork,
  writeCommitteePasswords,
} from '../../devnet/sharded-network.js';
import { gridToJson } from '../../grid/index.js';
import { Prng } from '../../kit/prng.js';
import { NodeError } from '../../node/errors.js';
import { CASE33_DEMO_ZONES, ZoneMap } from '../../sharding/index.js';

const DEVNET_PASSWORD = 'gridshard-devnet-password';
const CHAIN_ID = 'gridshard-devnet';
export const SHARDED_DEVNET = { shards: 4, nodesPerShard: 4, rootNodes: 4, cycleMs: 60_000 } as const;
/** A cross-zone trade every this often while the demo runs. */
const CROSS_TRADE_EVERY_MS = 4000;

export interface ShardedStartOptions {
  readonly dir: string;
  readonly reset: boolean;
  readonly port: number;
  readonly p2pPort: number;
  readonly load: boolean;
  readonly durationS: number;
  /** Each zone shard's committee is re-elected every cycle (a new devnet only; the root's is fixed). */
  readonly zoneHandover?: { readonly cycleMs: number; readonly keyPhaseMs: number; readonly standby: number };
}

/** The demo participants as cross-zone members: each homed in the zone of its bus on the 33-bus feeder. */
function demoZoneMembers(participants: readonly string[]): DemoMember[] {
  const grid = demoGrid();
  const zones = ZoneMap.create(CASE33_DEMO_ZONES, {
    buses: grid.buses.map((b) => b.id),
    branches: grid.branches,
  });
  return participants.map((seedHex, i) => {
    const seed = fromHex(seedHex);
    return {
      shard: zones.homeShard(DEMO_PARTICIPANT_BUSES[i]!),
      seed,
      account: toHex(ed25519Scheme.publicKeyFromSeed(seed)),
    };
  });
}

/**
 * The sharded devnet of `npm start`: four zone shards of the 33-bus feeder with four validator
 * processes each and a root committee of four, which runs the market (member registry, the
 * trading cycle, the portal) and records every zone shard's blocks from their commit proofs.
 * The demo members' cross-zone accounts are homed in the zones of their buses, and a cross-zone
 * trade between two of them runs every few seconds through both zones' consensus.
 */
export async function runShardedDevnet(options: ShardedStartOptions): Promise<void> {
  const dir = resolve(options.dir);
  if (options.reset && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  if (existsSync(join(dir, 'genesis.json')))
    throw new NodeError('BAD_CONFIG', `${dir} holds a single-chain devnet; --reset starts a sharded one`, {});
  mkdirSync(dir, { recursive: true });
  const keys = loadOrCreateDemoKeys(join(dir, 'demo-keys.json'));
  const members = demoZoneMembers(keys.participants);
  let committees = ShardedNetwork.committeesIn(dir);
  const fresh = committees === null;
  if (committees === null) {
    committees = createShardedNetworkFiles({
      dir,
      chainId: CHAIN_ID,
      ...SHARDED_DEVNET,
      host: '127.0.0.1',
      p2pBasePort: options.p2pPort,
      apiBasePort: options.port,
      password: DEVNET_PASSWORD,
      genesisTimeMs: Date.now(),
      // A devnet's keys protect nothing; a cheaper scrypt lets twenty processes start fast.
      scryptCost: { n: 2 ** 14, r: 8, p: 1 },
      passwordFile: '../password',
      accounts: (shard) =>
        members
          .filter((m) => m.shard === shard)
          .map((m) => ({
            account: m.account,
            money: String(DEMO_OPENING.money),
            energy: String(DEMO_OPENING.energy),
          })),
      rootMarket: { market: demoMarketConfig(keys), grid: gridToJson(demoGrid()) },
      ...(options.zoneHandover === undefined ? {} : { zoneHandover: options.zoneHandover }),
    });
    writeCommitteePasswords(committees, DEVNET_PASSWORD);
  }
  const network = new ShardedNetwork(committees, {
    dir,
    cli: [...process.execArgv, process.argv[1]!],
    env: { ...process.env, GRIDSHARD_LOG_LEVEL: 'info' },
    clientTimeoutMs: 5000,
  });
  const rootGenesis = committees.at(-1)!.genesis;
  const rootApis = rootGenesis.validators.map((v) => v.api);
  console.log(`${fresh ? 'created' : 'resuming'} sharded devnet in ${dir} (chain ${CHAIN_ID})`);
  if (!fresh && options.zoneHandover !== undefined && committees[0]!.genesis.handover === undefined)
    console.log(
      'note: this devnet was created without --handover; --reset starts one whose zone shards hand over',
    );
  let market: DemoMarket | null = null;
  let ticker: NodeJS.Timeout | null = null;
  let running = true;
  const stop = async () => {
    running = false;
    if (ticker !== null) clearInterval(ticker);
    await market?.stop();
    console.log('stopping validators…');
    await network.stop();
    console.log('stopped; `npm start` resumes this devnet, `npm start -- --reset` starts a new one');
  };
  try {
    await network.start(240_000);
  } catch (error) {
    await stop();
    throw new NodeError('BAD_CONFIG', (error as Error).message, {});
  }
  console.log('');
  console.log('GridShard sharded devnet is running');
  for (const c of committees) {
    const first = c.genesis.validators[0]!;
    const last = c.genesis.validators.at(-1)!;
    const standby = c.genesis.handover?.standby ?? [];
    console.log(
      `  ${c.name.padEnd(8)} ${c.genesis.validators.length} validators, APIs ${first.api} … ${last.api}${standby.length === 0 ? '' : `; standby ${standby.map((n) => n.api).join(', ')} (re-elected every ${c.genesis.handover!.cycleMs / 1000} s)`}`,
    );
  }
  console.log(`  portal:   ${rootApis[0]}/   (the root chain's market; docs/USER-GUIDE.md)`);
  console.log(
    `  shards:   ${rootApis[0]}/api/v1/sharding   (heights on the root chain, masters of the cycle)`,
  );
  console.log(`  API docs: ${rootApis[0]}/docs`);
  console.log('  Ctrl-C stops everything cleanly.');
  console.log('');
  const demo = new CrossZoneDemo(CHAIN_ID, network.clients.slice(0, -1), members, new Prng(Date.now() >>> 0));
  const open: SentTrade[] = [];
  let committed = 0;
  let aborted = 0;
  if (options.load) {
    market = new DemoMarket(rootGenesis, rootApis, keys, join(dir, 'demo-market.json'), (line) =>
      console.log(line),
    );
    market.start();
    await demo.syncNonces().catch(() => undefined);
    void (async () => {
      while (running) {
        const cycle = Math.floor((Date.now() - rootGenesis.genesisTimeMs) / SHARDED_DEVNET.cycleMs);
        await demo.send(cycle).then(
          (sent) => open.push(sent),
          () => undefined,
        );
        await new Promise((r) => setTimeout(r, CROSS_TRADE_EVERY_MS));
      }
    })();
  }
  ticker = setInterval(async () => {
    for (const trade of [...open]) {
      const leg = trade.trade.legs[0]!;
      const status = await network.clients[leg.shard]![0]!.crossTrade(trade.id).catch(() => null);
      if (status?.status === 'committed' || status?.status === 'aborted') {
        open.splice(open.indexOf(trade), 1);
        if (status.status === 'committed') committed++;
        else aborted++;
      } else await demo.resendMissing(trade).catch(() => undefined);
    }
    const view = await network.root.clients[0]!.sharding().catch(() => null);
    const heights = await Promise.all(
      network.clients.map((clients) =>
        clients[0]!.status().then(
          (s) => String(s.height),
          () => 'down',
        ),
      ),
    );
    const rooted = view?.shards.map((s) => s.rootHeight ?? 0).join('/') ?? '?';
    console.log(
      `heights shards ${heights.slice(0, -1).join('/')} root ${heights.at(-1)}   on root ${rooted}   cross-zone: ${committed} committed, ${aborted} aborted, ${open.length} open   ${market?.summary() ?? ''}`,
    );
  }, 5000);
  await new Promise<void>((resolveRun) => {
    process.once('SIGINT', resolveRun);
    process.once('SIGTERM', resolveRun);
    if (options.durationS > 0) setTimeout(resolveRun, options.durationS * 1000);
  });
  await stop();
}
