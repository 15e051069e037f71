import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_SHARD_ID } from '../cross-zone/root-application.js';
import { toHex } from '../crypto/hash.js';
import type { ScryptCost } from '../crypto/keystore.js';
import { ed25519Scheme } from '../crypto/scheme.js';
import type { GenesisFile, MarketConfigJson } from '../node/genesis-file.js';
import { chainNodesOf } from '../node/genesis-handover.js';
import type { ShardingGenesisJson } from '../node/genesis-sharding.js';
import { GridShardClient } from '../sdk/client.js';
import { createNetworkFiles } from './devnet.js';
import { Supervisor } from './supervisor.js';
import { TEST_NETWORK_CONNECTIONS_PER_CLIENT, TEST_NETWORK_KEEP_ALIVE_TIMEOUT_MS } from './test-network.js';

export interface ShardedLayout {
  readonly dir: string;
  readonly chainId: string;
  readonly shards: number;
  readonly nodesPerShard: number;
  readonly rootNodes: number;
  readonly host: string;
  /** Root validator i listens on base + i; zone shard k's validator i on base + rootNodes + k × nodesPerShard + i. */
  readonly p2pBasePort: number;
  readonly apiBasePort: number;
  readonly password: string;
  readonly genesisTimeMs: number;
  readonly cycleMs: number;
  readonly scryptCost?: ScryptCost;
  readonly passwordFile?: string;
  /** The opening cross-zone balances of the accounts homed in each zone shard. */
  readonly accounts: (shard: number) => ShardingGenesisJson['accounts'];
  /** The market (and its grid) the root chain runs: the member registry and the cross-zone market. */
  readonly rootMarket?: { readonly market: MarketConfigJson; readonly grid: unknown };
  /**
   * Each zone shard's committee is re-elected every cycle (the root's is not): the cycle, the key
   * phases, and how many standby nodes each zone shard has (ports after its validators').
   */
  readonly zoneHandover?: { readonly cycleMs: number; readonly keyPhaseMs: number; readonly standby: number };
}

/** One committee's folder (`shard-K` or `root`) and its genesis. */
export interface CommitteeFiles {
  readonly name: string;
  readonly dir: string;
  readonly genesis: GenesisFile;
}

/**
 * Creates a sharded system's files: a folder per zone shard and one for the root committee, each
 * laid out as `createNetworkFiles` lays out a network (genesis, and per validator its config and
 * encrypted keys), with its own coin keys. Every genesis lists every committee's keys and APIs
 * (the `sharding` section), so each chain's contracts check the others' certificates from
 * genesis alone; a zone shard's genesis also holds the opening balances of its own accounts.
 */
export function createShardedNetworkFiles(layout: ShardedLayout): CommitteeFiles[] {
  const standby = layout.zoneHandover?.standby ?? 0;
  const sizes = [...Array.from({ length: layout.shards }, () => layout.nodesPerShard), layout.rootNodes];
  const nodeCount = (c: number) => sizes[c]! + (c === layout.shards ? 0 : standby);
  const seeds = sizes.map((_, c) =>
    Array.from({ length: nodeCount(c) }, () => new Uint8Array(randomBytes(32))),
  );
  // The root committee takes the first ports, so the portal (on the root chain's market) sits at the base.
  const offsets = sizes.map((_, c) =>
    c === layout.shards ? 0 : layout.rootNodes + c * (layout.nodesPerShard + standby),
  );
  const nodes = (c: number) =>
    seeds[c]!.map((seed, i) => ({
      publicKey: toHex(ed25519Scheme.publicKeyFromSeed(seed)),
      api: `http://${layout.host}:${layout.apiBasePort + offsets[c]! + i}`,
    }));
  const base = {
    cycleMs: layout.cycleMs,
    shards: Array.from({ length: layout.shards }, (_, shardId) => ({
      shardId,
      validators: nodes(shardId).slice(0, layout.nodesPerShard),
      ...(standby === 0 ? {} : { standby: nodes(shardId).slice(layout.nodesPerShard) }),
    })),
    root: { validators: nodes(layout.shards) },
  };
  mkdirSync(layout.dir, { recursive: true });
  return sizes.map((size, c) => {
    const isRoot = c === layout.shards;
    const name = isRoot ? 'root' : `shard-${c}`;
    const dir = join(layout.dir, name);
    const accounts = isRoot ? undefined : layout.accounts(c);
    const genesis = createNetworkFiles({
      dir,
      chainId: layout.chainId,
      validators: size,
      host: layout.host,
      p2pBasePort: layout.p2pBasePort + offsets[c]!,
      apiBasePort: layout.apiBasePort + offsets[c]!,
      password: layout.password,
      genesisTimeMs: layout.genesisTimeMs,
      seeds: seeds[c]!,
      ...(isRoot && layout.rootMarket !== undefined ? layout.rootMarket : {}),
      shardId: isRoot ? ROOT_SHARD_ID : c,
      sharding: { ...base, ...(accounts === undefined ? {} : { accounts }) },
      ...(isRoot || layout.zoneHandover === undefined ? {} : { handover: layout.zoneHandover }),
      ...(layout.scryptCost === undefined ? {} : { scryptCost: layout.scryptCost }),
      ...(layout.passwordFile === undefined ? {} : { passwordFile: layout.passwordFile }),
    });
    return { name, dir, genesis };
  });
}

export interface ShardedNetworkOptions {
  readonly dir: string;
  readonly cli: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly clientTimeoutMs?: number;
  /** Per committee folder (`shard-K`, `root`): how its nodes are started (test-only faults). */
  readonly launchers?: Readonly<Record<string, (index: number) => readonly string[]>>;
}

/**
 * A sharded system's processes: one supervisor per committee (zone shards, then the root), each
 * validator its own `gridshard node start`, with an SDK client per validator.
 */
export class ShardedNetwork {
  readonly committees: CommitteeFiles[];
  readonly supervisors: Supervisor[];
  readonly clients: GridShardClient[][];

  constructor(committees: readonly CommitteeFiles[], options: ShardedNetworkOptions) {
    this.committees = [...committees];
    // Every process of the system calls the others' APIs from one address (followers, relays,
    // pullers, master beacons, clients), and each validator's API limits connections per client
    // address; at the public defaults (64, kept alive 5 s) those calls fail as "fetch failed" once
    // a validator is busy or a burst of shares goes out. The same bounds as the kit's single-chain
    // network, unless the caller sets them.
    const env: NodeJS.ProcessEnv = {
      GRIDSHARD_API_CONNECTIONS_PER_CLIENT: String(TEST_NETWORK_CONNECTIONS_PER_CLIENT),
      GRIDSHARD_API_KEEP_ALIVE_TIMEOUT_MS: String(TEST_NETWORK_KEEP_ALIVE_TIMEOUT_MS),
      ...options.env,
    };
    // Every node of each chain: its validators, then (a zone shard that hands over) its standby nodes.
    this.supervisors = committees.map(
      (c) =>
        new Supervisor(
          c.dir,
          chainNodesOf(c.genesis).map((v) => v.api),
          options.cli,
          env,
          options.launchers?.[c.name] === undefined ? {} : { launcher: options.launchers[c.name]! },
        ),
    );
    this.clients = committees.map((c) =>
      chainNodesOf(c.genesis).map((v) => new GridShardClient(v.api, options.clientTimeoutMs ?? 10_000)),
    );
  }

  /** Reads the committees a previous `createShardedNetworkFiles` wrote into `dir`, or null if none. */
  static committeesIn(dir: string): CommitteeFiles[] | null {
    const names: string[] = [];
    for (let k = 0; existsSync(join(dir, `shard-${k}`, 'genesis.json')); k++) names.push(`shard-${k}`);
    if (names.length === 0 || !existsSync(join(dir, 'root', 'genesis.json'))) return null;
    names.push('root');
    return names.map((name) => ({
      name,
      dir: join(dir, name),
      genesis: JSON.parse(readFileSync(join(dir, name, 'genesis.json'), 'utf8')) as GenesisFile,
    }));
  }

  get shardCount(): number {
    return this.committees.length - 1;
  }

  get root(): { supervisor: Supervisor; clients: GridShardClient[] } {
    return { supervisor: this.supervisors.at(-1)!, clients: this.clients.at(-1)! };
  }

  async start(healthyTimeoutMs: number): Promise<void> {
    // One process first: what it compiles or loads on first start (tsx's transform cache, when
    // run from the sources) is then ready for the nineteen others, which would otherwise all do
    // the same work at once on a machine with far fewer cores.
    const first = this.supervisors[0]!;
    first.start(0);
    await waitUntil(
      () =>
        first.nodes[0]!.process === null ||
        this.clients[0]![0]!.health().then(
          () => true,
          () => false,
        ),
      healthyTimeoutMs,
    );
    for (const supervisor of this.supervisors)
      for (const node of supervisor.nodes) if (node.process === null) supervisor.start(node.index);
    await Promise.all(this.supervisors.map((s) => s.waitHealthy(healthyTimeoutMs)));
  }

  logTails(lines = 10): string {
    return this.committees
      .flatMap((c) =>
        chainNodesOf(c.genesis).map(({ index }) => {
          const log = join(c.dir, `validator-${index}`, 'node.log');
          if (!existsSync(log)) return `--- ${c.name} validator ${index}: no node.log`;
          const tail = readFileSync(log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
          return `--- ${c.name} validator ${index}\n${tail === '' ? '(empty)' : tail}`;
        }),
      )
      .join('\n');
  }

  stop(graceMs = 5000): Promise<void> {
    return Promise.all(this.supervisors.map((s) => s.stopAll(graceMs))).then(() => undefined);
  }
}

/** Writes the password file the configs name (`passwordFile: '../password'` inside each committee folder). */
export function writeCommitteePasswords(committees: readonly CommitteeFiles[], password: string): void {
  for (const c of committees) writeFileSync(join(c.dir, 'password'), password, { mode: 0o600 });
}

async function waitUntil(ready: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
}
