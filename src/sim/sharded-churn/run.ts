import { maxFaulty } from '../../consensus/interface.js';
import { committeeApplication } from '../../cross-zone/committee-application.js';
import {
  CYCLE_STATE_KEY,
  DIRECTORY_STATE_KEY,
  encodeCycleClock,
  encodeDirectory,
} from '../../cross-zone/directory.js';
import { ROOT_SHARD_ID, readShardHead, rootApplication } from '../../cross-zone/root-application.js';
import { readTradeRecord } from '../../cross-zone/state-book.js';
import { CROSS_PREPARE, crossZoneApplication } from '../../cross-zone/trade-application.js';
import { ed25519KeyPairFromSeed } from '../../crypto/ed25519.js';
import { toHex } from '../../crypto/hash.js';
import { ed25519Scheme } from '../../crypto/scheme.js';
import { EffectLoop } from '../../kit/effect-loop.js';
import { Prng } from '../../kit/prng.js';
import { ApplicationRouter } from '../../ledger/application.js';
import type { ExecutedBlock } from '../../ledger/chain-state.js';
import type { StateEntry } from '../../ledger/genesis.js';
import type { StoredBlock } from '../../ledger/store.js';
import { encodeTransaction, signTransaction } from '../../ledger/transaction.js';
import { type CrossRelayInit, CrossZoneRelay, RELAY_TICK_MS } from '../../node/cross-relay.js';
import { dkgApplication } from '../../roles/dkg-application.js';
import { rolesApplication } from '../../roles/evidence-application.js';
import { handoverApplication } from '../../roles/handover-application.js';
import { encodeTrade, tradeId } from '../../sharding/index.js';
import { EpochChain, epochChainSeeds } from '../churn/epoch-chain.js';
import { SimError } from '../errors.js';
import { CommitteeNetworks } from '../sharded/scope.js';
import { ByzantineRelay } from './byzantine-relay.js';
import { agreedState, Carriers } from './carriers.js';
import { shardedChurnReport } from './report.js';
import type { ShardedChurnOptions, ShardedChurnResult } from './types.js';
import { accountGenesisEntries, type ClientAccount, clientAccounts, planCrossTrades } from './workload.js';

export type { ShardedChurnOptions, ShardedChurnResult } from './types.js';

const CHAIN_ID = 'sim-sharded-churn';
const MAX_EVENTS = 8_000_000;
/** Followers apply the blocks they have not executed yet this often. */
const FOLLOW_MS = 50;
/** A client hands a prepare in again when its shard has no record of the trade this long after. */
const CLIENT_RESEND_MS = 2000;
const REPLAY_MS = 150;
/** Proofs and certificates are looked for this often. */
const CARRY_MS = 1000;
const CHECK_MS = 100;
const SCHEDULER_STREAM = 0x5c4a2;

/**
 * The sharded system under churn, with whole validators: K zone shards whose committees hand over
 * every cycle (each an `EpochChain`: the handover contract, the credit election, standby nodes
 * that join, equivocators suspended) and a root committee, each with its own scheduler (the fault
 * plan, the asynchronous one, twins or the colluding brain), Byzantine members and replays of old epochs' messages, in one
 * event loop. Cross-zone trades run the chains' own contracts (`cross.prepare`, `cross.decide`)
 * and the node's own relay (src/node/cross-relay.ts): votes signed in the committee of the moment,
 * masters drawn by the credit each committee was elected with, shares lost on the way. Every
 * chain records every zone shard's handovers from their certificates, and the root records the
 * shards' blocks from commit proofs checked against the committee of each block's epoch.
 */
export async function runShardedChurnSimulation(options: ShardedChurnOptions): Promise<ShardedChurnResult> {
  const n = options.nodesPerShard;
  const bad = (message: string) => new SimError('BAD_OPTIONS', message);
  if (!Number.isInteger(options.shards) || options.shards < 2 || options.shards > 8)
    throw bad(`--shards must be 2 … 8 with --churn, got ${options.shards}`);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw bad(`--nodes-per-shard must be 1 … 16, got ${n}`);
  if (!Number.isInteger(options.standby) || options.standby < 0 || options.standby > 8)
    throw bad(`--standby must be 0 … 8, got ${options.standby}`);
  if (
    !Number.isInteger(options.faultyPerShard) ||
    options.faultyPerShard < 0 ||
    options.faultyPerShard > maxFaulty(n)
  )
    throw bad(`--faulty-per-shard must be 0 … ${maxFaulty(n)} for ${n}, got ${options.faultyPerShard}`);
  const rootN = options.rootNodes ?? n;
  const rootF = options.rootFaulty ?? options.faultyPerShard;
  if (!Number.isInteger(rootN) || rootN < 1 || rootN > 16 || rootF < 0 || rootF > maxFaulty(rootN))
    throw bad(`a root committee of ${rootN} cannot have ${rootF} faulty`);
  if (!Number.isInteger(options.cycles) || options.cycles < 1 || options.cycles > 20)
    throw bad(`--cycles must be 1 … 20, got ${options.cycles}`);
  const trades = options.trades ?? 24;
  if (!Number.isInteger(trades) || trades < 0 || trades > 10_000)
    throw bad(`--trades must be 0 … 10000, got ${trades}`);
  return new ShardedChurnSimulation(options, rootN, rootF, trades).run();
}

class ShardedChurnSimulation {
  private readonly rng: Prng;
  private readonly genesisSeed: Uint8Array;
  private readonly cycleMs: number;
  private readonly windowMs: number;
  private readonly zones: EpochChain[] = [];
  private readonly root: EpochChain;
  private readonly chains: EpochChain[];
  private readonly loop;
  private readonly accounts: ClientAccount[][];
  /** Every transaction of an agreed block (and every one handed in), by hash: what a relay reads. */
  private readonly transactions = new Map<string, Uint8Array>();
  /** Per zone shard, per node: its relay while it is up (faulty nodes have none: silent masters). */
  private readonly relays: (CrossZoneRelay | null)[][] = [];
  private readonly carriers: Carriers;
  /** Per zone shard: what its Byzantine validators send in the cross-zone protocol. */
  private readonly byzantine: ByzantineRelay[] = [];
  private readonly courierRng: Prng;
  private readonly lossRate: number;
  private crossLost = 0;
  private inflight: Promise<unknown>[] = [];
  private readonly clientNonces = new Map<string, bigint>();

  constructor(
    private readonly options: ShardedChurnOptions,
    rootN: number,
    rootF: number,
    private readonly tradeCount: number,
  ) {
    this.rng = new Prng(options.seed);
    const dkg = options.keys === 'dkg';
    this.cycleMs = options.cycleMs ?? (dkg ? 5000 : 3000);
    this.windowMs = options.cycles * this.cycleMs;
    this.genesisSeed = new Uint8Array(32);
    new DataView(this.genesisSeed.buffer).setUint32(0, options.seed >>> 0);
    new DataView(this.genesisSeed.buffer).setUint32(4, 0x5c);
    const K = options.shards;
    const n = options.nodesPerShard;
    this.accounts = clientAccounts(K, this.genesisSeed);
    const zoneLabel = (k: number) => `gridshard/sharded-churn/${k}`;
    // Every chain's genesis lists every zone shard's genesis committee, and the cycle clock.
    const directory: StateEntry = {
      key: DIRECTORY_STATE_KEY,
      value: encodeDirectory(
        Array.from({ length: K }, (_, shardId) => ({
          shardId,
          publicKeys: epochChainSeeds(zoneLabel(shardId), this.genesisSeed, n).map(
            (seed) => ed25519KeyPairFromSeed(seed).publicKey,
          ),
        })),
      ),
    };
    const clock: StateEntry = { key: CYCLE_STATE_KEY, value: encodeCycleClock(0, this.cycleMs) };
    const committeeContract = options.committeeContract ?? committeeApplication;
    const zoneApplication = new ApplicationRouter([
      options.crossZoneContract ?? crossZoneApplication,
      committeeContract,
      rolesApplication,
      dkgApplication,
      handoverApplication,
    ]);
    const common = {
      chainId: CHAIN_ID,
      genesisSeed: this.genesisSeed,
      byzantine: options.byzantine,
      ...(options.adversary === undefined ? {} : { adversary: options.adversary }),
      cycleMs: this.cycleMs,
      windowMs: this.windowMs,
      ...(options.calm === undefined ? {} : { calm: options.calm }),
    };
    let offset = 0;
    for (let k = 0; k < K; k++) {
      const zone = new EpochChain({
        ...common,
        shardId: k,
        label: zoneLabel(k),
        seed: options.seed + k,
        nodes: n,
        standby: options.standby,
        faulty: options.faultyPerShard,
        cycles: options.cycles,
        dkg,
        offset,
        rng: this.rng.fork(10 + k),
        schedulerRng: new Prng(options.seed).fork(SCHEDULER_STREAM + k),
        application: zoneApplication,
        genesisState: [directory, clock, ...accountGenesisEntries(this.accounts[k]!)],
        onAgreedBlock: (block) => {
          this.agreed(block);
          this.byzantine[k]?.onBlock(block);
        },
        onWritten: (node, block) => this.zoneWritten(k, node, block),
      });
      offset += zone.total;
      this.zones.push(zone);
    }
    this.root = new EpochChain({
      ...common,
      shardId: ROOT_SHARD_ID,
      label: 'gridshard/sharded-churn/root',
      seed: options.seed + K,
      nodes: rootN,
      standby: 0,
      faulty: rootF,
      cycles: 0,
      dkg: false,
      offset,
      rng: this.rng.fork(9),
      schedulerRng: new Prng(options.seed).fork(SCHEDULER_STREAM + 0xff),
      application: new ApplicationRouter([rootApplication, committeeContract, rolesApplication]),
      genesisState: [directory, clock],
      onAgreedBlock: (block) => this.agreed(block),
    });
    this.chains = [...this.zones, this.root];
    const spans = this.chains.map((chain) => ({ offset: chain.offset, size: chain.total }));
    const networks = new CommitteeNetworks(
      spans,
      this.chains.map((chain) => chain.network),
    );
    // Twins, if any, are the instances after every chain's nodes, chain by chain.
    const identities = offset + this.root.total;
    const identityOf = Array.from({ length: identities }, (_, id) => id);
    const twinOwners: { chain: EpochChain; j: number }[] = [];
    for (const chain of this.chains) {
      chain.placeTwins(identities + twinOwners.length);
      chain.twinIdentities().forEach((identity, j) => {
        identityOf.push(identity);
        twinOwners.push({ chain, j });
      });
    }
    const chainOf = (id: number) =>
      id < identities ? this.chains[networks.committeeOf(id)]! : twinOwners[id - identities]!.chain;
    this.loop = new EffectLoop(
      [
        ...this.chains.flatMap((chain) => chain.runners()),
        ...this.chains.flatMap((chain) => chain.twinRunners()),
      ],
      {
        identities,
        identityOf,
        network: networks,
        outgoing: (from, message): unknown => {
          chainOf(from).sample(message);
          return message;
        },
        effect: (id, effect) => {
          if (id >= identities) {
            const { chain, j } = twinOwners[id - identities]!;
            return chain.twinEffect(j, effect);
          }
          const chain = chainOf(id);
          return chain.effect(id - chain.offset, effect);
        },
      },
    );
    for (const chain of this.chains) chain.attach(this.loop);
    this.courierRng = this.rng.fork(20);
    this.lossRate = options.calm ? 0 : this.rng.fork(21).pick([0, 0.05, 0.2]);
    this.carriers = new Carriers(
      CHAIN_ID,
      this.zones,
      this.root,
      this.genesisSeed,
      this.rng.fork(22),
      () => this.loop.now,
    );
    const byzantineRng = this.rng.fork(23);
    const adversaryRng = this.rng.fork(24);
    this.zones.forEach((zone, k) => {
      this.relays.push(zone.keys.map((_, node) => (zone.isFaulty(node) ? null : this.relayFor(k, node))));
      this.byzantine.push(
        new ByzantineRelay(
          k,
          zone,
          K,
          zone.total,
          byzantineRng.fork(k),
          {
            post: (shard, node, trade, share) =>
              this.post(`sim:${shard}:${node}`, { trade: toHex(encodeTrade(trade)), share: toHex(share) }),
            handIn: (shard, bytes) => this.handIn(shard, bytes, adversaryRng),
            lockedAt: (shard, id) => {
              const last = this.zones[shard]!.canonical.at(-1);
              if (last === undefined) return false;
              return (
                readTradeRecord({ get: (key) => last.block.view.getState(key) }, id)?.status === 'locked'
              );
            },
          },
          options.stalkOpenTrades === true,
        ),
      );
    });
  }

  private relayFor(shard: number, node: number): CrossZoneRelay {
    const zone = this.zones[shard]!;
    const K = this.options.shards;
    const n = this.options.nodesPerShard;
    const member = (k: number, i: number) => ({
      publicKey: toHex(this.zones[k]!.keys[i]!),
      api: `sim:${k}:${i}`,
    });
    // The relay reads its genesis for the chain id, the cycle clock and where each shard's nodes
    // are; a sharded genesis file holds more, which it does not read.
    const genesis = {
      chainId: CHAIN_ID,
      shardId: shard,
      genesisTimeMs: 0,
      sharding: {
        cycleMs: this.cycleMs,
        shards: Array.from({ length: K }, (_, k) => ({
          shardId: k,
          validators: Array.from({ length: n }, (_, i) => member(k, i)),
          standby: Array.from({ length: this.options.standby }, (_, j) => member(k, n + j)),
        })),
        root: { validators: this.root.keys.map((key) => ({ publicKey: toHex(key), api: 'sim:root' })) },
      },
    } as unknown as CrossRelayInit['genesis'];
    const chainState = zone.chains[node]!;
    return new CrossZoneRelay({
      genesis,
      signingSeed: zone.seeds[node]!,
      store: {
        get head() {
          return { height: chainState.executedHeader.height };
        },
        getState: (key) => chainState.view().getState(key),
        readBlock: async (height) => zone.canonical[height - 1]?.block as StoredBlock | undefined,
        readTransaction: async (hash) => {
          const bytes = this.transactions.get(toHex(hash));
          return bytes === undefined ? undefined : { bytes };
        },
      },
      submit: (bytes) => {
        this.transactions.set(toHex(ed25519Scheme.hash(bytes)), bytes);
        zone.feed(node, [bytes]);
      },
      post: async (api, _path, body) => this.post(api, body as { trade: string; share: string }),
      now: () => this.loop.now,
      log: { warn: () => {} },
    });
  }

  /** A vote share on its way to another validator: lost, or delivered after a short delay. */
  private post(api: string, body: { trade: string; share: string }): void {
    const [, shard, node] = api.split(':').map(Number);
    if (this.courierRng.chance(this.lossRate)) {
      this.crossLost++;
      return;
    }
    this.loop.schedule(this.loop.now + 1 + this.courierRng.int(20), () => {
      const relay = this.relays[shard!]?.[node!];
      if (relay === null || relay === undefined || this.zones[shard!]!.nodes[node!] === null) return;
      try {
        relay.receiveShare(body.trade, body.share);
      } catch {
        // A share that does not decode is refused at the route: nothing to do.
      }
    });
  }

  private agreed(block: ExecutedBlock): void {
    for (const tx of block.transactions) this.transactions.set(toHex(tx.hash), tx.bytes);
  }

  private zoneWritten(shard: number, node: number, block: ExecutedBlock): void {
    this.carriers.attest(shard, node, block);
    const relay = this.relays[shard]?.[node];
    if (relay !== null && relay !== undefined) this.track(relay.blockWritten(block as StoredBlock));
  }

  private track(work: Promise<unknown>): void {
    this.inflight.push(work);
  }

  /** Lets the relays' reads (already resolved) finish before virtual time moves on. */
  private async settle(): Promise<void> {
    while (this.inflight.length > 0) {
      const batch = this.inflight;
      this.inflight = [];
      await Promise.all(batch);
    }
  }

  private every(periodMs: number, untilMs: number, task: () => void): void {
    const tick = (): void => {
      task();
      if (this.loop.now + periodMs <= untilMs) this.loop.schedule(this.loop.now + periodMs, tick);
    };
    this.loop.schedule(periodMs, tick);
  }

  async run(): Promise<ShardedChurnResult> {
    const planned = planCrossTrades(
      this.rng.fork(30),
      CHAIN_ID,
      this.accounts,
      this.tradeCount,
      this.windowMs,
      this.cycleMs,
    );
    const clientRng = this.rng.fork(31);
    const sent = planned.map((p) => ({
      planned: p,
      bytes: new Map<number, Uint8Array>(),
      sentAtMs: new Map<number, number>(),
    }));
    for (const entry of sent)
      this.loop.schedule(entry.planned.atMs, () => {
        for (const [shard, payer] of entry.planned.payers) {
          const nonce = this.clientNonces.get(payer.account) ?? 0n;
          this.clientNonces.set(payer.account, nonce + 1n);
          const bytes = encodeTransaction(
            signTransaction(payer.signer, {
              chainId: CHAIN_ID,
              shardId: shard,
              type: CROSS_PREPARE,
              payload: encodeTrade(entry.planned.trade),
              nonce,
            }),
          );
          entry.bytes.set(shard, bytes);
          this.handIn(shard, bytes, clientRng);
          entry.sentAtMs.set(shard, this.loop.now);
        }
      });
    const resendClients = () => {
      for (const entry of sent) {
        const id = toHex(tradeId(entry.planned.trade));
        for (const [shard, bytes] of entry.bytes) {
          if (this.loop.now - entry.sentAtMs.get(shard)! < CLIENT_RESEND_MS) continue;
          if (readTradeRecord(agreedState(this.zones[shard]!), id) !== undefined) continue;
          entry.sentAtMs.set(shard, this.loop.now);
          this.handIn(shard, bytes, clientRng);
        }
      }
    };
    let faultsEnd = this.windowMs;
    this.chains.forEach((chain, c) => {
      faultsEnd = Math.max(faultsEnd, chain.faultsEndMs());
      const crash = chain.plan.crash;
      if (crash === null) return;
      this.loop.schedule(crash.atMs, () => this.crash(c, crash.node));
      this.loop.schedule(crash.restartMs, () => this.restart(c, crash.node));
      faultsEnd = Math.max(faultsEnd, crash.restartMs);
    });
    const deadline =
      faultsEnd + this.options.cycles * this.cycleMs + (this.options.livenessBoundMs ?? 30_000);
    this.every(FOLLOW_MS, deadline, () => {
      for (const chain of this.chains) chain.followAll();
    });
    this.every(1000, deadline, resendClients);
    this.every(REPLAY_MS, deadline, () => {
      for (const chain of this.chains) chain.replay();
    });
    this.every(CARRY_MS, deadline, () => this.carriers.carry());
    this.every(RELAY_TICK_MS, deadline, () => {
      for (const relays of this.relays) for (const relay of relays) relay?.tick();
    });
    let done = false;
    let targets: number[] | null = null;
    this.every(CHECK_MS, deadline, () => {
      if (done || this.loop.now < this.windowMs || !this.handedOver()) return;
      if (targets === null && this.tradesDecided(planned.map((p) => p.trade)))
        targets = this.zones.map((zone) => zone.canonical.length);
      if (targets !== null && this.rootFinalOver(targets)) done = true;
    });
    this.loop.armReleases();
    for (const chain of this.chains) chain.start();
    let events = 0;
    while (!done && events < MAX_EVENTS && this.loop.step(deadline)) {
      events++;
      if (this.inflight.length > 0) await this.settle();
    }
    return shardedChurnReport(
      {
        options: this.options,
        zones: this.zones,
        root: this.root,
        planned,
        genesisAccounts: this.accounts,
        forgedCertificates: this.carriers.forged,
        byzantineShares: this.byzantine.reduce((sum, relay) => sum + relay.sent, 0),
        leakedKeyDecisions: this.byzantine.reduce((sum, relay) => sum + relay.leakedKeyDecisions, 0),
        crossMessagesLost: this.crossLost,
        virtualMs: this.loop.now,
      },
      done,
    );
  }

  /** Every zone shard in its last epoch, with every honest node of every chain there. */
  private handedOver(): boolean {
    return (
      this.zones.every((zone) => zone.reachedEpoch() >= this.options.cycles) &&
      this.chains.every((chain) => chain.laggingNodes().length === 0)
    );
  }

  private tradesDecided(trades: readonly Parameters<typeof tradeId>[0][]): boolean {
    for (const trade of trades) {
      const id = toHex(tradeId(trade));
      for (const leg of trade.legs) {
        const status = readTradeRecord(agreedState(this.zones[leg.shard]!), id)?.status;
        if (status === undefined || status === 'locked') return false;
      }
    }
    return true;
  }

  private rootFinalOver(targets: readonly number[]): boolean {
    return targets.every((height, shard) => this.rootHead(shard) >= height);
  }

  private rootHead(shard: number): number {
    return readShardHead(agreedState(this.root), shard)?.height ?? 0;
  }

  private handIn(shard: number, bytes: Uint8Array, rng: Prng): void {
    this.transactions.set(toHex(ed25519Scheme.hash(bytes)), bytes);
    const members = this.zones[shard]!.liveHonestMembers();
    if (members.length > 0) this.zones[shard]!.feed(rng.pick(members), [bytes]);
  }

  private crash(c: number, node: number): void {
    this.chains[c]!.crash(node);
    if (c < this.zones.length && this.relays[c]![node] !== null) this.relays[c]![node] = null;
  }

  /** A restarted validator's relay starts again from its chain: it votes again on what its shard holds locked. */
  private restart(c: number, node: number): void {
    const chain = this.chains[c]!;
    chain.restart(node);
    if (c >= this.zones.length || chain.isFaulty(node)) return;
    const relay = this.relayFor(c, node);
    this.relays[c]![node] = relay;
    this.track(relay.resume());
  }
}
