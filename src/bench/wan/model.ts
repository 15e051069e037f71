import { Prng } from '../../kit/prng.js';
import { round } from '../stats.js';
import { Clients, CYCLE_MS } from './clients.js';
import { Engine } from './engine.js';
import type { Tracked } from './entries.js';
import { Machines } from './machines.js';
import { RootChain } from './root-chain.js';
import { ShardChain } from './shard-chain.js';
import {
  COST_CATEGORIES,
  type CostCategory,
  type RoleLoad,
  type UnitCosts,
  type WanRow,
  type WanRunOptions,
} from './types.js';
import { Wan } from './wan.js';

/** From src/sim/sharded/shard-node.ts: masters move to the next in the draw after this long. */
const MASTER_TIMEOUT_MS = 600;

/** Weighted percentile of (value, weight) pairs. */
function percentile(samples: readonly [number, number][], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, w]) => sum + w, 0);
  let seen = 0;
  for (const [value, weight] of sorted) {
    seen += weight;
    if (seen >= q * total) return value;
  }
  return sorted[sorted.length - 1]![0];
}

/**
 * One seeded run of the projection: K shard committees and a root committee, every node its own
 * CPU and link, unit costs as given, WAN delays as stated. Deterministic for its options, seed
 * and costs (no clock is read).
 */
export function runWanModel(options: WanRunOptions, costs: UnitCosts): WanRow {
  const { shards: K, nodesPerShard: n, rootNodes } = options;
  const totalNodes = K * n + rootNodes;
  const rng = new Prng(options.seed);
  const engine = new Engine();
  const wan = new Wan(options.wan, totalNodes, rng.fork(1));
  const machines = new Machines(engine, wan, totalNodes);
  const windowStart = options.warmupMs;
  const windowEnd = options.warmupMs + options.durationMs;
  const inWindow = () => engine.now >= windowStart && engine.now < windowEnd;

  const latencies: [number, number][] = [];
  let finalCount = 0;
  let closedCount = 0;
  let proofs = 0;
  let copies = 0;
  let blocks = 0;
  let blocksTotal = 0;
  let proofsTotal = 0;
  const awaiting = new Map<string, Tracked[]>();

  const orders = new Map<number, number[]>();
  const drawRng = rng.fork(2);
  const drawOf = (cycle: number, shard: number): number[] => {
    const key = cycle * 65_536 + shard;
    let order = orders.get(key);
    if (order === undefined) {
      order = drawRng.shuffle(Array.from({ length: n }, (_, i) => i));
      orders.set(key, order);
    }
    return order;
  };
  const nextInDraw = (cycle: number, shard: number, node: number): number => {
    const order = drawOf(cycle, shard);
    return shard * n + order[(order.indexOf(node - shard * n) + 1) % n]!;
  };
  const masterOf = (cycle: number, shard: number): number => {
    const order = drawOf(cycle, shard);
    const turn = Math.max(0, Math.floor((engine.now - cycle * CYCLE_MS) / MASTER_TIMEOUT_MS));
    return shard * n + order[turn % n]!;
  };

  let clients: Clients | undefined;
  const root: RootChain = new RootChain(
    engine,
    machines,
    costs,
    K * n,
    rootNodes,
    n,
    {
      proofOrdered: (shard, height) => {
        proofsTotal++;
        if (inWindow()) proofs++;
        const key = `${shard}/${height}`;
        const items = awaiting.get(key);
        awaiting.delete(key);
        for (const item of items ?? []) {
          if (--item.finalLeft > 0) continue;
          if (!inWindow()) continue;
          finalCount += item.count;
          latencies.push([engine.now - item.bornMs, item.count]);
        }
      },
      copiesOrdered: (count) => {
        if (inWindow()) copies += count;
      },
    },
    options.copies,
  );
  const chains: ShardChain[] = [];
  for (let s = 0; s < K; s++)
    chains.push(
      new ShardChain(
        engine,
        machines,
        costs,
        s,
        s * n,
        n,
        {
          masterOf,
          nextInDraw,
          deliverShares: (master, shares) =>
            chains[Math.floor(master / n)]!.onShares(master % n, shares, chains),
          attest: (from, shard, height) => {
            for (let r = 0; r < rootNodes; r++)
              machines.send(from, K * n + r, costs.bytes.attestation, () =>
                root.onAttestation(r, shard, height),
              );
          },
          closed: (item) => {
            if (inWindow()) closedCount += item.count;
            clients?.closed(item);
          },
          awaitProof: (shard, height, item) => {
            const key = `${shard}/${height}`;
            const list = awaiting.get(key) ?? [];
            list.push(item);
            awaiting.set(key, list);
          },
          blockCut: () => {
            blocksTotal++;
            if (inWindow()) blocks++;
          },
        },
        options.copies,
      ),
    );
  clients = new Clients(engine, wan, rng.fork(3), chains, options.offered, options.crossRatio);

  machines.measure(windowStart, windowEnd);
  for (const chain of chains) chain.start();
  root.start();
  clients.start();
  engine.run(windowStart);
  const roundsBefore = chains.reduce((sum, c) => sum + c.committee.rounds, 0);
  engine.run(windowEnd);
  const roundsAfter = chains.reduce((sum, c) => sum + c.committee.rounds, 0);

  const seconds = options.durationMs / 1000;
  const shardNodes = Array.from({ length: K * n }, (_, i) => i);
  const rootIds = Array.from({ length: rootNodes }, (_, i) => K * n + i);
  const load = {
    shardValidator: roleLoad(machines, shardNodes, options.durationMs),
    rootValidator: roleLoad(machines, rootIds, options.durationMs),
  };
  const row = {
    shards: K,
    nodesPerShard: n,
    rootNodes,
    totalNodes,
    crossRatio: options.crossRatio,
    copies: options.copies,
    decisionCopiesPerShard: round(
      chains.reduce((sum, c) => sum + c.decisionsOrdered, 0) /
        Math.max(
          1,
          chains.reduce((sum, c) => sum + c.crossDecided, 0),
        ),
      1,
    ),
    committedTxPerSec: round(finalCount / seconds, 1),
    shardClosedTxPerSec: round(closedCount / seconds, 1),
    p50LatencyMs: round(percentile(latencies, 0.5), 0),
    p99LatencyMs: round(percentile(latencies, 0.99), 0),
    rootProofsPerSec: round(proofs / seconds, 1),
    rootProofCopiesPerSec: round(copies / seconds, 1),
    shardBlocksPerSec: round(blocks / seconds, 1),
    rootBacklogBlocks: blocksTotal - proofsTotal,
    shardRoundsPerSec: round((roundsAfter - roundsBefore) / K / seconds, 2),
    load,
    meanWindowPerShard: Math.round(clients.meanWindow()),
    simulatedMs: windowEnd,
    events: engine.events,
  };
  return { ...row, bottleneck: bottleneckOf(row) };
}

function roleLoad(machines: Machines, nodes: readonly number[], windowMs: number): RoleLoad {
  const busy = nodes.map((i) => machines.cpuBusyMs[i]! / windowMs);
  const link = nodes.map((i) => machines.linkBusyMs[i]! / windowMs);
  const byCategory = COST_CATEGORIES.map((_, c) =>
    nodes.reduce((sum, i) => sum + machines.spentUs[i * COST_CATEGORIES.length + c]!, 0),
  );
  const total = byCategory.reduce((a, b) => a + b, 0);
  const cpuShare = Object.fromEntries(
    COST_CATEGORIES.map((category, c) => [category, total > 0 ? round(byCategory[c]! / total, 3) : 0]),
  ) as Record<CostCategory, number>;
  return {
    cpuMean: round(busy.reduce((a, b) => a + b, 0) / Math.max(1, busy.length), 3),
    cpuMax: round(Math.max(0, ...busy), 3),
    linkMean: round(link.reduce((a, b) => a + b, 0) / Math.max(1, link.length), 3),
    cpuShare,
  };
}

function topCategory(load: RoleLoad): string {
  const [name, share] = Object.entries(load.cpuShare).sort((a, b) => b[1] - a[1])[0]!;
  return `${name} ${Math.round(share * 100)} %`;
}

/** What held the run back, read from its loads: the first resource found saturated. */
export function bottleneckOf(row: Omit<WanRow, 'bottleneck'>): string {
  const { shardValidator: shard, rootValidator: root } = row.load;
  const rootBehind = row.shardBlocksPerSec > 0 && row.rootProofsPerSec < 0.9 * row.shardBlocksPerSec;
  if (root.cpuMean > 0.9 || rootBehind)
    return `root committee: CPU ${Math.round(root.cpuMean * 100)} % busy (${topCategory(root)}), ${row.rootProofsPerSec} proofs ordered/s for ${row.shardBlocksPerSec} shard blocks/s, ${row.rootProofCopiesPerSec} proof copies/s`;
  if (shard.cpuMean > 0.7)
    return `shard validators' CPU: mean ${Math.round(shard.cpuMean * 100)} %, busiest ${Math.round(shard.cpuMax * 100)} % (${topCategory(shard)})`;
  if (shard.cpuMax > 0.9)
    return `the busiest shard validators' CPU (${Math.round(shard.cpuMax * 100)} %; mean ${Math.round(shard.cpuMean * 100)} %, ${topCategory(shard)}): the masters of the moment check the vote shares`;
  if (shard.linkMean > 0.8 || root.linkMean > 0.8) return 'egress bandwidth';
  return 'none saturated: WAN round trips bound the rounds (raise the window)';
}
