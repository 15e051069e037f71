import { coinName, combineCoinShares, createCoinShare } from '../../consensus/coin/index.js';
import type { DagCore, DagValidatorInit } from '../../consensus/dag/index.js';
import { dagGenesis } from '../../consensus/dag/index.js';
import type { Committee, ConsensusCore, ConsensusEffect, ConsensusInput } from '../../consensus/interface.js';
import { maxFaulty, validitySize } from '../../consensus/interface.js';
import { sha256, toHex } from '../../crypto/index.js';
import { EffectLoop } from '../../kit/effect-loop.js';
import { Prng } from '../../kit/prng.js';
import {
  type Attestation,
  drawMasters,
  MasterDesk,
  type ShardDirectory,
  ShardLedger,
  tradeId,
  type VoteStatement,
} from '../../sharding/index.js';
import { dagAdapter } from '../adapters/dag.js';
import type { Brain, EquivocationMonitor } from '../adapters/types.js';
import { PuppetCore, type SimView } from '../adversary.js';
import { protocolConfigFor } from '../adversary-setup.js';
import { AsyncNetwork } from '../async-network.js';
import { BrainNetwork } from '../brain-network.js';
import { InvariantChecker } from '../checks.js';
import { SimError } from '../errors.js';
import { drawFaultPlan, type FaultPlan } from '../faults.js';
import { type Network, PlanNetwork } from '../network.js';
import { CheckMemo, withSharedChecks } from '../shared-checks.js';
import { ByzantineCore, strategyFor } from '../strategies.js';
import { randomTwinsScenario, TwinsNetwork } from '../twins.js';
import { ByzantineShardNode } from './byzantine-master.js';
import { signTrade } from './client-keys.js';
import { Courier } from './courier.js';
import { shardedReport } from './report.js';
import { RootNode, rootAccepts } from './root-node.js';
import { CommitteeNetworks, type CommitteeSpan, scopedCore } from './scope.js';
import { encodeShardEntry, shardAccepts } from './shard-entry.js';
import { ShardNode, type ShardNodeLinks } from './shard-node.js';
import type { CommitteeScheduler, ShardedOptions, ShardedResult } from './types.js';
import { CYCLE_MS, planTrades, shardAccounts } from './workload.js';

export type { ShardedOptions, ShardedResult } from './types.js';

/** The root committee's shard id: outside any zone's. */
export const ROOT_SHARD = 0xffff;
const CHAIN_ID = 'gridshard-sim-sharded';
const TX_WINDOW_MS = 2500;
/** The label of the stream each committee's scheduler is drawn from. */
const SCHEDULER_STREAM = 0x5c4ed;
/** The label of the stream that turns half the fault-plan committees with a faulty member into twins. */
const TWINS_STREAM = 0x7f1e5;
/** The longest delay of a message the colluding brain lets through (as in the consensus simulator). */
const BRAIN_DELAY_MAX_MS = 8;
const CHECK_EVERY_MS = 100;
/** A client sends its trade again if a shard of it has not ordered it by then. */
const CLIENT_RETRY_MS = 1500;
const MAX_EVENTS = 6_000_000;
/** Coin names of the cycle beacons, away from the root consensus's own waves. */
const BEACON_WAVE_BASE = 1 << 30;

type Shell = ShardNode | ByzantineShardNode | RootNode | null;

/**
 * A committee's scheduler: the fault plan, the asynchronous scheduler or, when the committee has
 * a faulty validator, the colluding brain, a third each; of the fault-plan committees with a
 * faulty validator, half run it as twins instead. Each draw has a stream of its own, so adding
 * twins left every other committee's draw as it was.
 */
function drawScheduler(rng: Prng, twinsRng: Prng, calm: boolean, faulty: number): CommitteeScheduler {
  if (calm) return 'fault-plan';
  const draw = rng.int(3);
  if (draw === 0) return 'async';
  if (draw === 1 && faulty > 0) return 'colluding';
  return faulty > 0 && twinsRng.int(2) === 0 ? 'twins' : 'fault-plan';
}

/**
 * One seeded run of the sharded system: K zone shards and a root committee, each running the
 * DAG consensus with its faulty validators and its own faulty network, in one event loop; trades
 * within and across zones; masters drawn per cycle from the root committee's coin; Byzantine
 * masters; cross-shard messages lost and replayed. Everything follows from the options and seed.
 */
export function runShardedSimulation(options: ShardedOptions): ShardedResult {
  const { shards, nodesPerShard: n, faultyPerShard: f } = options;
  if (!Number.isInteger(shards) || shards < 1 || shards > 16)
    throw new SimError('BAD_OPTIONS', `--shards must be 1 … 16, got ${shards}`);
  if (!Number.isInteger(n) || n < 1 || n > 32)
    throw new SimError('BAD_OPTIONS', `--nodes-per-shard must be 1 … 32, got ${n}`);
  if (!Number.isInteger(f) || f < 0 || f > maxFaulty(n))
    throw new SimError('BAD_OPTIONS', `--faulty-per-shard must be 0 … ${maxFaulty(n)} for ${n}, got ${f}`);
  const rootN = options.rootNodes ?? n;
  const rootF = options.rootFaulty ?? f;
  if (!Number.isInteger(rootN) || rootN < 1 || rootN > 32 || rootF < 0 || rootF > maxFaulty(rootN))
    throw new SimError('BAD_OPTIONS', `a root committee of ${rootN} cannot have ${rootF} faulty`);
  if (!(options.crossRatio >= 0 && options.crossRatio <= 1))
    throw new SimError('BAD_OPTIONS', `--cross-ratio must be 0 … 1, got ${options.crossRatio}`);
  const window = options.tradeWindowMs;
  if (window !== undefined && !(Number.isInteger(window) && window >= 1 && window <= 600_000))
    throw new SimError('BAD_OPTIONS', `the trade window must be 1 … 600000 ms, got ${window}`);
  if (options.byzantineMaster && f < 1)
    throw new SimError('BAD_OPTIONS', '--byzantine-master needs --faulty-per-shard of at least 1');
  return new ShardedSimulation(options, rootN, rootF).run();
}

class ShardedSimulation {
  private readonly rng: Prng;
  private readonly spans: CommitteeSpan[] = [];
  private readonly inits: DagValidatorInit[][] = [];
  private readonly honest: number[][] = [];
  private readonly faulty: number[][] = [];
  private readonly plans: FaultPlan[] = [];
  private readonly schedulers: CommitteeScheduler[] = [];
  /** The colluding brain of each committee that has one. */
  private readonly brains = new Map<number, Brain>();
  /** Second instances of the faulty identities of twins committees, in instance order after the identities. */
  private readonly twins: { identity: number }[] = [];
  /** When the last twins committee's partitions end (0: none). */
  private twinsEndMs = 0;
  /** Identities in the run (every committee's members); twins' instances are numbered from here. */
  private readonly identities: number;
  private readonly colludingAttacks: string[] = [];
  private readonly committees: Committee[] = [];
  private readonly directory: ShardDirectory;
  /** Each validator's own view of the directory (by run identity): see `ownDirectory`. */
  private readonly directories: ShardDirectory[] = [];
  private readonly cores: (ConsensusCore<unknown> | null)[] = [];
  private readonly shells: Shell[] = [];
  private readonly checkers: InvariantChecker[] = [];
  private readonly monitors: EquivocationMonitor[] = [];
  private readonly loop: EffectLoop<unknown, ConsensusInput<unknown>, ConsensusEffect<unknown>, unknown>;
  private readonly networks: CommitteeNetworks;
  private readonly courier: Courier;
  private readonly beacons = new Map<number, Uint8Array>();
  private readonly problems: string[] = [];
  private equivocationViolated = false;
  private restarts = 0;
  private readonly adapter = dagAdapter();

  constructor(
    private readonly options: ShardedOptions,
    rootN: number,
    rootF: number,
  ) {
    this.rng = new Prng(options.seed);
    const K = options.shards;
    const sizes = [...Array.from({ length: K }, () => options.nodesPerShard), rootN];
    const faultyCounts = [...Array.from({ length: K }, () => options.faultyPerShard), rootF];
    const schedulerStream = new Prng(options.seed).fork(SCHEDULER_STREAM);
    const twinsStream = new Prng(options.seed).fork(TWINS_STREAM);
    let offset = 0;
    sizes.forEach((size, c) => {
      this.spans.push({ offset, size });
      offset += size;
      // Drawn from a stream of its own, so every other draw of a seed stays as it was.
      const scheduler = drawScheduler(
        schedulerStream.fork(c),
        twinsStream.fork(c),
        options.calm === true,
        faultyCounts[c]!,
      );
      this.schedulers.push(scheduler);
      const genesisSeed = sha256(new TextEncoder().encode(`sharded/${options.seed}/${c}`));
      const shardId = c === K ? ROOT_SHARD : c;
      const config = scheduler === 'colluding' ? protocolConfigFor('colluding', 'dag') : undefined;
      const inits = withSharedChecks(
        dagGenesis(size, genesisSeed, { shardId, ...(config === undefined ? {} : { config }) }),
        options.shareChecks !== false,
      ) as DagValidatorInit[];
      this.inits.push(inits);
      this.committees.push(inits[0]!.committee);
      const order = this.rng.fork(100 + c).shuffle(Array.from({ length: size }, (_, i) => i));
      this.faulty.push(order.slice(0, faultyCounts[c]!).sort((a, b) => a - b));
      this.honest.push(order.slice(faultyCounts[c]!).sort((a, b) => a - b));
      const drawn = drawFaultPlan(this.rng.fork(200 + c), size, this.honest[c]!, false);
      // Under the asynchronous scheduler, the colluding brain and twins, what they do is the committee's fault.
      this.plans.push(
        options.calm || scheduler !== 'fault-plan'
          ? { ...drawn, partition: null, crash: null, dropProbability: 0 }
          : drawn,
      );
      this.checkers.push(new InvariantChecker(this.honest[c]!, size));
      this.monitors.push(this.adapter.equivocationMonitor());
    });
    this.identities = offset;
    const committees = this.committees;
    this.directory = {
      ...(options.shareChecks === false
        ? {}
        : { sharedChecks: options.certificateChecks ?? new CheckMemo() }),
      committee: (shard, epoch) => (epoch === 0 ? committees[shard === ROOT_SHARD ? K : shard] : undefined),
    };
    this.networks = new CommitteeNetworks(
      this.spans,
      this.plans.map((plan, c) => {
        const planNetwork = new PlanNetwork(plan, this.rng.fork(300 + c));
        const rng = schedulerStream.fork(100 + c);
        const scheduler = this.schedulers[c]!;
        if (scheduler === 'async') return this.asyncNetwork(c, rng);
        if (scheduler === 'colluding') return this.colludingNetwork(c, rng);
        if (scheduler === 'twins') return this.twinsNetwork(c, rng);
        return planNetwork;
      }),
    );
    // Forks in this order: forking draws from the run's stream, and seeds replay as before.
    const courierRng = this.rng.fork(400);
    const lossRate = this.rng.fork(401).pick([0, 0.05, 0.2]);
    this.courier = new Courier(courierRng, options.calm ? 0 : lossRate, (at, task) =>
      this.loop.schedule(at, task),
    );
    const accounts = shardAccounts(K, options.ampleFunds === true);
    const byzantineRng = this.rng.fork(500);
    for (let id = 0; id < offset; id++) this.directories.push(this.ownDirectory());
    for (let c = 0; c <= K; c++) {
      for (let i = 0; i < sizes[c]!; i++) {
        const isFaulty = this.faulty[c]!.includes(i);
        this.cores.push(this.createCore(c, i, isFaulty, byzantineRng));
        this.shells.push(this.createShell(c, i, isFaulty, accounts[c] ?? []));
      }
    }
    // A twin is the second instance of a faulty identity, after every identity's first: the same
    // keys, an honest core, and no shell (the first instance's shell is the identity's).
    for (const { identity } of this.twins) {
      const c = this.committeeOf(identity);
      this.cores.push(this.createCore(c, identity - this.spans[c]!.offset, true, byzantineRng));
      this.shells.push(null);
    }
    this.loop = new EffectLoop(
      this.cores.map((core, id) => scopedCore(core!, this.spans[this.committeeOf(id)]!)),
      {
        identities: offset,
        identityOf: [...Array.from({ length: offset }, (_, id) => id), ...this.twins.map((t) => t.identity)],
        network: this.networks,
        outgoing: (from, message) => {
          const c = this.committeeOf(from);
          const local = from - this.spans[c]!.offset;
          this.monitors[c]!.observe(message);
          if (this.honest[c]!.includes(local)) {
            const problem = this.monitors[c]!.signed(local, message);
            if (problem !== null) {
              this.equivocationViolated = true;
              if (this.problems.length < 10) this.problems.push(`equivocation in committee ${c}: ${problem}`);
            }
          }
          return message;
        },
        effect: (id, effect) => {
          if (effect.kind !== 'commit') return undefined;
          const c = this.committeeOf(id);
          const local = id - this.spans[c]!.offset;
          if (!this.honest[c]!.includes(local) && !(this.shells[id] instanceof ByzantineShardNode))
            return undefined;
          if (this.honest[c]!.includes(local)) this.checkers[c]!.commit(local, effect.batch, this.now);
          this.shells[id]?.onCommit(effect.batch);
          return undefined;
        },
      },
    );
  }

  private get now(): number {
    return this.loop.now;
  }

  /** The committee of an instance (a twin's is its identity's). */
  private committeeOf(id: number): number {
    return this.networks.committeeOf(id < this.identities ? id : this.twins[id - this.identities]!.identity);
  }

  /**
   * The consensus simulator's asynchronous scheduler over committee c: the adversary orders delivery,
   * starving the authors, receivers or message kinds it targets (coin shares, a wave's likely
   * supporters) until its release time, after which delivery is prompt again.
   */
  private asyncNetwork(c: number, rng: Prng): AsyncNetwork {
    const window = this.options.tradeWindowMs ?? TX_WINDOW_MS;
    return new AsyncNetwork(
      this.adapter,
      this.viewOf(c),
      rng.fork(2),
      window + rng.range(500, 3000),
      5,
      rng.range(100, 400),
    );
  }

  /**
   * The consensus simulator's colluding adversary over committee c: one brain drives the committee's
   * faulty validators and holds the messages its attacks need held (a stale parent, double votes,
   * steering the coin), until the end of the trade window and half a second more.
   */
  private colludingNetwork(c: number, rng: Prng): BrainNetwork {
    const endMs = (this.options.tradeWindowMs ?? TX_WINDOW_MS) + 500;
    const brain = this.adapter.brain({
      inits: this.inits[c]!.map((init, i) => ({ ...init, acceptsEntry: this.acceptsFor(c, i) })),
      view: this.viewOf(c),
      rng: rng.fork(1),
      create: (init) => this.adapter.create(init),
      attacks: this.colludingAttacks,
      activeUntilMs: endMs,
      maxDelayMs: BRAIN_DELAY_MAX_MS,
    });
    this.brains.set(c, brain);
    return new BrainNetwork(brain, rng.fork(2), endMs, BRAIN_DELAY_MAX_MS);
  }

  /**
   * Twins over committee c: each faulty member runs as two honest instances with the same keys, and
   * a seeded scenario of partitions (1–3 phases of 100–800 ms) splits the committee's instances, so
   * the identity tells each side something else without any code written to lie. The scenario's
   * instances are the committee's indices, then its twins (size + j for its j-th faulty member).
   */
  private twinsNetwork(c: number, rng: Prng): Network {
    const { offset, size } = this.spans[c]!;
    const faulty = this.faulty[c]!;
    const localOf = new Map<number, number>();
    for (let i = 0; i < size; i++) localOf.set(offset + i, i);
    faulty.forEach((i, j) => {
      localOf.set(this.identities + this.twins.length, size + j);
      this.twins.push({ identity: offset + i });
    });
    const twins = new TwinsNetwork(randomTwinsScenario(rng.fork(1), size + faulty.length), rng.fork(2), 20);
    this.twinsEndMs = Math.max(this.twinsEndMs, twins.endMs);
    return {
      releaseAllAtMs: 0,
      route: (envelope, nowMs) =>
        twins.route({ ...envelope, from: localOf.get(envelope.from)!, to: localOf.get(envelope.to)! }, nowMs),
      release: () => [],
      drain: () => [],
    };
  }

  /** What an adversary of committee c sees: its members, by committee index. */
  private viewOf(c: number): SimView {
    const { offset, size } = this.spans[c]!;
    return {
      n: size,
      honest: this.honest[c]!,
      faulty: this.faulty[c]!,
      now: () => this.loop.now,
      core: (instance) => this.cores[offset + instance] ?? null,
    };
  }

  /**
   * With the run's shared memo, every validator checks certificates through it. Without it, each
   * validator gets a memo of its own: a signature it has verified once (a vote share resent to it
   * as master, the same certified vote in a second copy of a decision, a commit proof checked in a
   * header and again when ordered) is not verified again by it, as a node keeps its own cache of
   * checked signatures; nothing one validator verified spares another its check.
   */
  private ownDirectory(): ShardDirectory {
    if (this.options.shareChecks !== false) return this.directory;
    return { committee: this.directory.committee, sharedChecks: new CheckMemo() };
  }

  private acceptsFor(c: number, i: number): (bytes: Uint8Array) => boolean {
    return c === this.options.shards
      ? rootAccepts(CHAIN_ID, this.directories[this.spans[c]!.offset + i]!)
      : shardAccepts(c, this.options.signedTrades === true);
  }

  private createCore(c: number, i: number, isFaulty: boolean, rng: Prng, recovered?: Uint8Array) {
    const init = {
      ...this.inits[c]![i]!,
      acceptsEntry: this.acceptsFor(c, i),
      ...(recovered === undefined ? {} : { recovered }),
    };
    if (!isFaulty || this.schedulers[c] === 'twins') return this.adapter.create(init);
    const brain = this.brains.get(c);
    if (brain !== undefined) return new PuppetCore(i, brain);
    const j = this.faulty[c]!.indexOf(i);
    return new ByzantineCore(
      strategyFor(this.options.byzantine, this.options.seed + c, j),
      this.adapter,
      init,
      rng.fork(c * 64 + i),
    );
  }

  private createShell(
    c: number,
    i: number,
    isFaulty: boolean,
    accounts: ReturnType<typeof shardAccounts>[number],
  ): Shell {
    const K = this.options.shards;
    const id = this.spans[c]!.offset + i;
    if (c === K) {
      if (isFaulty) return null;
      return new RootNode(i, this.inits[c]![i]!.signingSeed, {
        chainId: CHAIN_ID,
        rootShard: ROOT_SHARD,
        directory: this.directories[id]!,
        propose: (entry) => this.feed(id, entry),
        attest: (attestation) => this.toRoot(attestation),
      });
    }
    const links = this.linksFor(id);
    const desk = new MasterDesk(this.directories[id]!);
    if (isFaulty)
      return new ByzantineShardNode(
        c,
        i,
        this.inits[c]![i]!.signingSeed,
        links,
        desk,
        this.rng.fork(600 + id),
      );
    // A commit vote of this very shard on a trade this validator's ledger locked (its own commit
    // verdict) or committed since is what it executed itself: of a decision carrying it, it checks
    // the other shards' votes only.
    const ownVote = (statement: VoteStatement) => {
      if (statement.shard !== c || statement.epoch !== 0 || statement.chainId !== CHAIN_ID) return false;
      const status = ledger.status(statement.tradeId);
      return statement.verdict.kind === 'commit' && (status === 'locked' || status === 'committed');
    };
    const ledger: ShardLedger = new ShardLedger(c, CHAIN_ID, 0, accounts, {
      ...this.directories[id]!,
      ownVote,
    });
    return new ShardNode(c, i, this.inits[c]![i]!.signingSeed, ledger, links, desk);
  }

  private linksFor(id: number): ShardNodeLinks {
    return {
      chainId: CHAIN_ID,
      shardSize: this.options.nodesPerShard,
      now: () => this.now,
      schedule: (at, task) => this.loop.schedule(at, task),
      mastersOf: (cycle, shard) => this.mastersOf(cycle, shard),
      cycleStartMs: (cycle) => cycle * CYCLE_MS,
      sendShare: (shard, index, trade, share, signature) => {
        const to = this.spans[shard]!.offset + index;
        this.courier.send(this.now, true, () => {
          const shell = this.shells[to];
          if (shell instanceof ShardNode) shell.onShare(trade, share, signature);
          else if (shell instanceof ByzantineShardNode) shell.onShare(trade, share);
        });
      },
      submit: (shard, index, entry) => {
        const to = this.spans[shard]!.offset + index;
        this.courier.send(this.now, true, () => this.feed(to, entry));
      },
      propose: (entry) => this.feed(id, entry),
      attest: (attestation) => this.toRoot(attestation),
      ...(this.options.measure ? { closed: (id: Uint8Array) => this.closedAt(id) } : {}),
    };
  }

  /** Open measured trades by id: when first handed in, and closures still to come. */
  private readonly watched = new Map<string, { atMs: number; remaining: number }>();
  private readonly latencies: number[] = [];

  private closedAt(id: Uint8Array): void {
    const key = toHex(id);
    const watch = this.watched.get(key);
    if (watch === undefined) return;
    if (--watch.remaining > 0) return;
    this.latencies.push(this.now - watch.atMs);
    this.watched.delete(key);
  }

  /** An attestation to every root validator. */
  private toRoot(attestation: Attestation): void {
    const root = this.spans[this.options.shards]!;
    for (let r = 0; r < root.size; r++) {
      const to = root.offset + r;
      this.courier.send(this.now, false, () => {
        const shell = this.shells[to];
        if (shell instanceof RootNode) shell.onAttestation(attestation);
      });
    }
  }

  /** Hands an entry to a validator's core to propose (a down validator loses it). */
  private feed(id: number, entry: Uint8Array): void {
    if (this.cores[id] === null) return;
    const shell = this.shells[id];
    if (this.options.dropSettled && shell instanceof ShardNode && shell.redundant(entry)) return;
    this.loop.feed(id, { kind: 'transactions', transactions: [entry] });
  }

  /**
   * The cycle's beacon: the root committee's coin for a name fixed by the cycle, opened from f + 1
   * honest shares as the root validators would release them at the cycle boundary.
   */
  private beacon(cycle: number): Uint8Array {
    let value = this.beacons.get(cycle);
    if (value === undefined) {
      const K = this.options.shards;
      const inits = this.inits[K]!;
      const keys = inits[0]!.coinPublicKeys;
      const name = coinName(ROOT_SHARD, 0, BEACON_WAVE_BASE + cycle);
      const shares = this.honest[K]!.slice(0, validitySize(inits.length)).map((index) => ({
        index,
        share: createCoinShare(inits[index]!.coinSecretShare, keys, index, name),
      }));
      value = combineCoinShares(keys, name, shares);
      this.beacons.set(cycle, value);
    }
    return value;
  }

  private readonly masterCache = new Map<string, number[]>();

  private mastersOf(cycle: number, shard: number): number[] {
    const key = `${cycle}/${shard}`;
    let order = this.masterCache.get(key);
    if (order === undefined) {
      order = drawMasters(
        this.beacon(cycle),
        cycle,
        shard,
        Array.from({ length: this.options.nodesPerShard }, (_, i) => i),
      );
      const faulty = this.faulty[shard]![0];
      if (this.options.byzantineMaster && faulty !== undefined && cycle % this.options.shards === shard)
        order = [faulty, ...order.filter((i) => i !== faulty)];
      this.masterCache.set(key, order);
    }
    return order;
  }

  run(): ShardedResult {
    const K = this.options.shards;
    const planned = planTrades(
      this.rng.fork(700),
      CHAIN_ID,
      K,
      this.options.trades ?? 40,
      this.options.crossRatio,
      this.options.tradeWindowMs ?? TX_WINDOW_MS,
    );
    const clientRng = this.rng.fork(701);
    for (const { atMs, trade } of planned) {
      const kind = trade.legs.length > 1 ? 'prepare' : 'local';
      const bytes = encodeShardEntry(
        this.options.signedTrades ? { kind, trade, signature: signTrade(trade) } : { kind, trade },
      );
      const id = tradeId(trade);
      if (this.options.measure) {
        const remaining = trade.legs.reduce((sum, leg) => sum + this.honest[leg.shard]!.length, 0);
        this.watched.set(toHex(id), { atMs, remaining });
      }
      // A client hands the entry to f + 1 validators of each shard of the trade (one is honest), and
      // again, to others, while a shard has not ordered it (its validator may have been down).
      const send = () => {
        const unseen = trade.legs.filter((leg) =>
          this.honestShardNodes(leg.shard).some((node) => node.ledger.status(id) === undefined),
        );
        if (unseen.length === 0) return;
        for (const leg of unseen) {
          const order = clientRng.shuffle(Array.from({ length: this.options.nodesPerShard }, (_, i) => i));
          for (const index of order.slice(0, this.options.faultyPerShard + 1))
            this.feed(this.spans[leg.shard]!.offset + index, bytes);
        }
        this.loop.schedule(this.now + CLIENT_RETRY_MS, send);
      };
      this.loop.schedule(atMs, send);
    }
    let faultsEnd = Math.max(
      this.options.tradeWindowMs ?? TX_WINDOW_MS,
      this.networks.releaseAllAtMs,
      this.twinsEndMs,
    );
    this.plans.forEach((plan, c) => {
      faultsEnd = Math.max(faultsEnd, plan.partition?.healMs ?? 0);
      if (plan.crash === null) return;
      const id = this.spans[c]!.offset + plan.crash.node;
      this.loop.schedule(plan.crash.atMs, () => this.crash(id));
      this.loop.schedule(plan.crash.restartMs, () => this.restart(id));
      faultsEnd = Math.max(faultsEnd, plan.crash.restartMs);
    });
    this.loop.armReleases();
    for (const shell of this.shells) if (shell instanceof ShardNode) shell.start();
    for (let id = 0; id < this.cores.length; id++) this.loop.feed(id, { kind: 'start' });

    const deadline = faultsEnd + (this.options.livenessBoundMs ?? 30_000);
    let done = false;
    let targets: number[] | null = null;
    const check = () => {
      if (this.now >= faultsEnd) {
        if (targets === null && this.tradesSettled(planned.map((p) => p.trade)))
          targets = this.shardHeights();
        if (targets !== null && this.rootCaughtUp(targets)) done = true;
      }
      if (!done) this.loop.schedule(this.now + CHECK_EVERY_MS, check);
    };
    this.loop.schedule(CHECK_EVERY_MS, check);
    let events = 0;
    const cpuBefore = process.cpuUsage();
    while (!done && events < MAX_EVENTS && this.loop.step(deadline)) events++;
    const cpu = process.cpuUsage(cpuBefore);
    const result = this.report(planned, done);
    if (!this.options.measure) return result;
    const measured = {
      loopCpuMs: (cpu.user + cpu.system) / 1000,
      closeLatenciesMs: this.latencies,
      tradesPlanned: planned.length,
    };
    return { ...result, measured };
  }

  private crash(id: number): void {
    const core = this.cores[id];
    if (core === null || core === undefined) return;
    this.recovered.set(id, core.snapshot());
    this.cores[id] = null;
    const shell = this.shells[id];
    if (shell !== null && shell !== undefined) shell.alive = false;
    this.loop.stop(id);
  }

  private readonly recovered = new Map<number, Uint8Array>();

  private restart(id: number): void {
    const snapshot = this.recovered.get(id);
    if (snapshot === undefined || this.cores[id] !== null) return;
    const c = this.committeeOf(id);
    const local = id - this.spans[c]!.offset;
    const core = this.createCore(c, local, false, this.rng, snapshot);
    this.cores[id] = core;
    const shell = this.shells[id];
    if (shell !== null && shell !== undefined) shell.alive = true;
    this.restarts++;
    this.loop.replace(id, scopedCore(core, this.spans[c]!));
    this.loop.feed(id, { kind: 'start' });
  }

  private honestShardNodes(shard: number): ShardNode[] {
    return this.honest[shard]!.map((i) => this.shells[this.spans[shard]!.offset + i] as ShardNode);
  }

  private honestRootNodes(): RootNode[] {
    const K = this.options.shards;
    return this.honest[K]!.map((i) => this.shells[this.spans[K]!.offset + i] as RootNode);
  }

  /** Every trade closed in every shard of it, at every honest validator. */
  private tradesSettled(trades: readonly { legs: readonly { shard: number }[] }[]): boolean {
    for (const trade of trades as Parameters<typeof tradeId>[0][]) {
      const id = tradeId(trade);
      for (const leg of trade.legs)
        for (const node of this.honestShardNodes(leg.shard)) {
          const status = node.ledger.status(id);
          if (status === undefined || status === 'locked') return false;
        }
    }
    return true;
  }

  private shardHeights(): number[] {
    return Array.from({ length: this.options.shards }, (_, s) =>
      Math.min(...this.honestShardNodes(s).map((node) => node.chain.length)),
    );
  }

  private rootCaughtUp(targets: readonly number[]): boolean {
    return this.honestRootNodes().every((root) =>
      targets.every((height, s) => root.ledger.finalHeight(s) >= height),
    );
  }

  private twinsProven(): number {
    let proven = 0;
    this.schedulers.forEach((scheduler, c) => {
      if (scheduler !== 'twins') return;
      const { offset } = this.spans[c]!;
      const faulty = new Set(this.faulty[c]!);
      const caught = this.honest[c]!.some((i) => {
        const core = this.cores[offset + i] as DagCore | null;
        return core?.equivocations().some((proof) => faulty.has(proof.author)) === true;
      });
      if (caught) proven++;
    });
    return proven;
  }

  private report(planned: readonly { trade: Parameters<typeof tradeId>[0] }[], live: boolean): ShardedResult {
    return shardedReport(
      {
        options: this.options,
        chainId: CHAIN_ID,
        rootShard: ROOT_SHARD,
        rootCommittee: this.committees[this.options.shards]!,
        directory: this.directory,
        shells: this.shells,
        checkers: this.checkers,
        problems: this.problems,
        equivocationViolated: this.equivocationViolated,
        crossMessagesLost: this.courier.lost,
        nowMs: this.now,
        restarts: this.restarts,
        schedulers: this.schedulers,
        colludingAttacks: this.colludingAttacks.length,
        twinsProven: this.twinsProven(),
        heldMessages: [...this.networks.held],
        shardNodes: (shard: number) => this.honestShardNodes(shard),
        rootNodes: () => this.honestRootNodes(),
        shardHeights: () => this.shardHeights(),
      },
      planned,
      live,
    );
  }
}

export { shardedRunOk } from './report.js';
