import { dealCoinKeys } from '../../consensus/coin/index.js';
import type { DagCore } from '../../consensus/dag/index.js';
import { dagProtocol } from '../../consensus/dag/index.js';
import type { DagValidatorInit } from '../../consensus/dag/types.js';
import { type Committee, type ConsensusCore, validitySize } from '../../consensus/interface.js';
import { ed25519KeyPairFromSeed } from '../../crypto/ed25519.js';
import { sha256, toHex } from '../../crypto/hash.js';
import { ed25519Scheme, type Signer } from '../../crypto/scheme.js';
import type { EffectLoop, LoopCore, OtherEffect } from '../../kit/effect-loop.js';
import type { Prng } from '../../kit/prng.js';
import type { ApplicationRouter } from '../../ledger/application.js';
import { type ChainState, type ExecutedBlock, genesisChain } from '../../ledger/chain-state.js';
import type { StateEntry } from '../../ledger/genesis.js';
import type { ReadableState } from '../../ledger/state-interface.js';
import { encodeTransaction, signTransaction } from '../../ledger/transaction.js';
import { committeeGenesisEntry, newcomersOf, readCommittee } from '../../roles/committee-state.js';
import {
  complaintPayloads,
  type DkgMemberKey,
  dealingPayload,
  justificationPayloads,
  memberSecretShare,
} from '../../roles/dkg-member.js';
import { dkgOutcome } from '../../roles/dkg-outcome.js';
import {
  currentDkgSession,
  DKG_COMPLAIN,
  DKG_DEAL,
  DKG_JUSTIFY,
  DkgPhase,
  readDealing,
} from '../../roles/dkg-records.js';
import { electedCredit, electNext, type HandoverElection } from '../../roles/election.js';
import { EquivocationReporter } from '../../roles/equivocation-reporter.js';
import { keySuspensionKey } from '../../roles/evidence-application.js';
import {
  handoverCycleEntry,
  handoverDueMs,
  handoverVoteKey,
  ROLES_HANDOVER,
  readCoinSession,
  signHandoverVote,
} from '../../roles/handover.js';
import { CREDIT_SCALE } from '../../sharding/credit.js';
import {
  type EpochCoreRequest,
  type EpochMessage,
  EpochValidator,
  type EpochValidatorEffect,
  type EpochValidatorInput,
} from '../../validator/epochs.js';
import { adapterFor } from '../adapters/index.js';
import type { ProtocolAdapter } from '../adapters/types.js';
import { PuppetCore, type SimView } from '../adversary.js';
import { AsyncNetwork } from '../async-network.js';
import { drawFaultPlan, type FaultPlan, faultsEndMs } from '../faults.js';
import { type Network, PlanNetwork } from '../network.js';
import { admitAndPropose } from '../proposing.js';
import { ByzantineCore, type Strategy, strategyFor } from '../strategies.js';
import { TwinsNetwork, twinsScenarioOver } from '../twins.js';
import { EpochBrains } from './epoch-brains.js';
import { epochSafetyProblems } from './epoch-checks.js';
import type { ChurnAdversary, EpochScheduler } from './types.js';

const encoder = new TextEncoder();
/** A member sends its handover vote again this long after the last copy while the chain lacks it. */
const VOTE_RESEND_MS = 2000;
/** A key-generation step not yet on the chain this long after it was sent goes again. */
const STEP_RESEND_MS = 1000;
/** Each phase of a committee's key generation, in block time (the shortest the contract allows). */
export const KEY_PHASE_MS = 1000;
const MAX_REPLAY_SAMPLES = 256;
/** A member still in an epoch the chain left this long ago gives it up and follows the blocks. */
const RESYNC_AFTER_MS = 2000;

/** The consensus seeds of a chain's nodes (members of its genesis committee first, then standby nodes). */
export function epochChainSeeds(label: string, genesisSeed: Uint8Array, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => sha256(encoder.encode(`${label}/node/${i}`), genesisSeed));
}

export type ChurnInput =
  | EpochValidatorInput<unknown>
  | { readonly kind: 'transactions'; readonly transactions: readonly Uint8Array[] }
  | { readonly kind: 'follow'; readonly block: ExecutedBlock };

export type ChurnLoop = EffectLoop<EpochMessage<unknown>, ChurnInput, EpochValidatorEffect<unknown>, unknown>;

export interface EpochChainInit {
  readonly chainId: string;
  readonly shardId: number;
  /** Names the chain's keys: `<label>/node/<i>`, `<label>/coin/<epoch>`. */
  readonly label: string;
  readonly genesisSeed: Uint8Array;
  /** The run's seed: which strategy each Byzantine member plays is drawn from it. */
  readonly seed: number;
  readonly nodes: number;
  readonly standby: number;
  readonly faulty: number;
  readonly byzantine: Strategy | 'all';
  /** Handovers to make (members stop voting once the chain is in this epoch); 0: the committee never hands over. */
  readonly cycles: number;
  readonly cycleMs: number;
  /** Each new committee generates its coin keys on the chain (else a seeded dealer deals them). */
  readonly dkg: boolean;
  /** The first run identity of this chain's nodes (node i is `offset + i`). */
  readonly offset: number;
  /** The chain's random stream: faults, Byzantine members, replays. */
  readonly rng: Prng;
  /** The stream the scheduler is drawn from (kept apart from the chain's). */
  readonly schedulerRng: Prng;
  /** The chain's scheduler; absent, drawn from `schedulerRng` as `adversary` says. */
  readonly scheduler?: EpochScheduler;
  readonly adversary?: ChurnAdversary;
  /** No partition, loss or crash (delays stay). */
  readonly calm?: boolean;
  /** Client transactions are handed in over [0, windowMs). */
  readonly windowMs: number;
  readonly application: ApplicationRouter;
  /** Genesis entries besides the committee and the handover cycle. */
  readonly genesisState?: readonly StateEntry[];
  /** Called once per height, when the first honest node writes it. */
  readonly onAgreedBlock?: (block: ExecutedBlock) => void;
  /** Called for every block an honest node writes (node: its index in this chain). */
  readonly onWritten?: (node: number, block: ExecutedBlock) => void;
}

/**
 * One chain of whole validators whose committee hands over every cycle, inside a run's effect
 * loop: the `EpochValidator`s of its members and standby nodes, the members' handover votes for
 * the committee the chain's credit elects (election.ts), their key-generation steps, equivocation
 * reports, standby nodes that follow the agreed blocks, members that resync when they fall behind
 * an epoch, and its Byzantine members: their consensus strategies, votes for another committee and
 * replays of old epochs' messages (as they were and re-tagged with a newer epoch). Node i of the
 * chain is run identity `offset + i`.
 */
export class EpochChain {
  readonly total: number;
  readonly offset: number;
  readonly seeds: Uint8Array[];
  readonly keys: Uint8Array[];
  readonly faultyNodes: number[];
  readonly strategies: Strategy[];
  readonly genesisCommittee: Committee;
  readonly plan: FaultPlan;
  readonly scheduler: EpochScheduler;
  readonly network: Network;
  readonly chains: ChainState[];
  readonly nodes: (EpochValidator<unknown> | null)[];
  /** The agreed chain: the first honest copy of each height, its proof and when it was first written. */
  readonly canonical: { block: ExecutedBlock; proof: Uint8Array; atMs: number }[] = [];
  /** Every epoch's committee, as the chain recorded it (the scheduler names authors through them). */
  readonly committeesByEpoch = new Map<number, Committee>();
  /** Per epoch from 1: the election its predecessor's members vote for. */
  readonly elections = new Map<number, HandoverElection & { height: number }>();
  readonly epochStartMs = new Map<number, number>();
  readonly firstCommit = new Map<number, { atMs: number; round: number }>();
  /** Node → when an honest core first held a proof of its equivocation. */
  readonly firstProofMs = new Map<number, number>();
  /** Node → the block time of the block that suspended it. */
  readonly suspendedAtMs = new Map<number, number>();
  /** Key-generation sessions an honest member took part in. */
  readonly keySessionIds = new Set<string>();
  readonly problems: string[] = [];
  divergences = 0;
  byzantineVotes = 0;
  replayed = 0;
  resyncs = 0;
  private loopRef: ChurnLoop | null = null;
  private readonly addressOfKey = new Map<string, number>();
  private readonly durable: { snapshot?: Uint8Array; log: Uint8Array[] }[];
  private readonly deals = new Map<number, ReturnType<typeof dealCoinKeys>>();
  private readonly adapter = adapterFor('dag');
  private readonly byzantineRng: Prng;
  private credit = new Map<number, number>();
  private readonly votes = new Map<string, { bytes: Uint8Array; sentAtMs: number }>();
  private readonly voteNonces: bigint[];
  private readonly voteSigners: Signer[];
  private readonly samples: EpochMessage<unknown>[] = [];
  /** Epoch → the height of the block that began it, as the first honest node executed it. */
  private readonly boundaryHeight = new Map<number, number>();
  /** Key-generation steps sent (by payload), with when: resent while the chain lacks them. */
  private readonly steps = new Map<string, { bytes: Uint8Array; sentAtMs: number }>();
  /** Per honest node: what its core proves of equivocation goes to the chain (reset on restart). */
  private readonly reporters: (EquivocationReporter | null)[] = [];
  /** Under twins: the second instance of each Byzantine member, in `faultyNodes` order. */
  private readonly twins: { node: number; validator: EpochValidator<unknown>; log: Uint8Array[] }[] = [];
  /** The loop instance of the first twin (the run places every chain's twins after all identities). */
  private twinBase = -1;
  private twinsEndMs = 0;
  /** Under the colluding brain: the brain of each epoch whose committee holds a Byzantine member. */
  private brains: EpochBrains | null = null;
  /** The attacks the brains carried out. */
  readonly colludingAttacks: string[] = [];

  constructor(private readonly init: EpochChainInit) {
    this.total = init.nodes + init.standby;
    this.offset = init.offset;
    const rng = init.rng;
    this.seeds = epochChainSeeds(init.label, init.genesisSeed, this.total);
    this.keys = this.seeds.map((seed) => ed25519KeyPairFromSeed(seed).publicKey);
    this.keys.forEach((key, i) => {
      this.addressOfKey.set(toHex(key), i);
    });
    const order = rng.shuffle(Array.from({ length: init.nodes }, (_, i) => i));
    this.faultyNodes = order.slice(0, init.faulty).sort((a, b) => a - b);
    const schedulerRng = init.schedulerRng;
    this.scheduler = init.scheduler ?? drawScheduler(init.adversary, schedulerRng, this.faultyNodes.length);
    // Twins run the honest code on both instances, and the brain plays the faulty members: no strategy.
    this.strategies =
      this.scheduler === 'twins' || this.scheduler === 'colluding'
        ? []
        : this.faultyNodes.map((_, j) => strategyFor(init.byzantine, init.seed, j));
    this.byzantineRng = rng.fork(3);
    this.voteSigners = this.seeds.map((seed) =>
      ed25519Scheme.signer(sha256(encoder.encode('gridshard/churn/vote'), seed)),
    );
    this.voteNonces = this.seeds.map(() => 0n);
    const genesis: Committee = (this.genesisCommittee = {
      shardId: init.shardId,
      epoch: 0,
      members: this.keys.slice(0, init.nodes).map((publicKey, index) => ({ index, publicKey })),
    });
    const entries: StateEntry[] = [committeeGenesisEntry(genesis), ...(init.genesisState ?? [])];
    if (init.cycles > 0)
      entries.push(
        handoverCycleEntry({
          startMs: 0,
          cycleMs: init.cycleMs,
          keyPhaseMs: init.dkg ? KEY_PHASE_MS : 0,
        }),
      );
    entries.sort((a, b) => Buffer.compare(a.key, b.key));
    const newChain = () =>
      genesisChain(
        {
          chainId: init.chainId,
          shardId: init.shardId,
          scheme: 'ed25519-sha256',
          genesisTimeMs: 0,
          initialState: entries,
        },
        init.application,
      );
    this.chains = this.keys.map(newChain);
    this.durable = this.keys.map(() => ({ log: [] }));
    this.committeesByEpoch.set(0, genesis);
    const honest = this.honestNodes();
    const drawn = drawFaultPlan(rng.fork(2), this.total, honest, false);
    // Under twins the partitions of the twins scenario are the chain's faults; under the brain, what it holds.
    this.plan =
      init.calm || this.scheduler === 'twins' || this.scheduler === 'colluding'
        ? { ...drawn, partition: null, crash: null, dropProbability: 0, txWindowMs: init.windowMs }
        : { ...drawn, txWindowMs: init.windowMs };
    if (this.scheduler === 'colluding')
      this.brains = new EpochBrains(
        this.adapter,
        schedulerRng.fork(5),
        () => this.loop.now,
        init.windowMs + 500,
        this.colludingAttacks,
      );
    this.nodes = this.keys.map((_, node) => this.startNode(node));
    if (this.scheduler === 'twins')
      for (const node of this.faultyNodes) this.twins.push(this.startTwin(node, newChain()));
    this.network =
      this.scheduler === 'async'
        ? new AsyncNetwork(
            this.epochAdapter(),
            this.adversaryView(),
            schedulerRng.fork(1),
            init.windowMs + schedulerRng.range(500, 3000),
            5,
            schedulerRng.range(100, 400),
          )
        : this.scheduler === 'twins'
          ? this.twinsNetwork(schedulerRng)
          : (this.brains ?? new PlanNetwork(this.plan, rng.fork(1)));
  }

  /** The run's loop, once built around every chain's runners. */
  attach(loop: ChurnLoop): void {
    this.loopRef = loop;
  }

  private get loop(): ChurnLoop {
    if (this.loopRef === null) throw new Error('the chain is not attached to a loop yet');
    return this.loopRef;
  }

  /** When the last fault is over: the fault plan's, the asynchronous scheduler's or the twins' partitions. */
  faultsEndMs(): number {
    return Math.max(faultsEndMs(this.plan), this.network.releaseAllAtMs, this.twinsEndMs);
  }

  /**
   * Twins: a seeded scenario over the chain's instances (nodes by index, then the twins) splits
   * them from the start to a little past the client window. The loop numbers instances run-wide,
   * so each envelope's ends are read back to the chain's own numbering first.
   */
  private twinsNetwork(rng: Prng): Network {
    const instances = this.total + this.twins.length;
    const twins = new TwinsNetwork(
      twinsScenarioOver(rng.fork(3), instances, this.init.windowMs),
      rng.fork(4),
      20,
    );
    this.twinsEndMs = twins.endMs;
    const local = (instance: number): number =>
      this.twinBase >= 0 && instance >= this.twinBase && instance < this.twinBase + this.twins.length
        ? this.total + instance - this.twinBase
        : instance - this.offset;
    return {
      releaseAllAtMs: 0,
      route: (envelope, nowMs) =>
        twins.route({ ...envelope, from: local(envelope.from), to: local(envelope.to) }, nowMs),
      release: () => [],
      drain: () => [],
    };
  }

  /** The identity each twin runs (run-wide), in twin order: the loop's `identityOf` for them. */
  twinIdentities(): number[] {
    return this.twins.map((twin) => this.offset + twin.node);
  }

  /** Where the run placed this chain's twins: twin j is loop instance `base + j`. */
  placeTwins(base: number): void {
    this.twinBase = base;
  }

  /** The runners of this chain's twins, in twin order, for the run's loop. */
  twinRunners(): LoopCore<ChurnInput, EpochValidatorEffect<unknown>>[] {
    return this.twins.map((twin) => ({
      // A twin is fed nothing but what the network brings it: no client work, no blocks to follow.
      handle: (input, nowMs) =>
        input.kind === 'transactions' || input.kind === 'follow' ? [] : twin.validator.handle(input, nowMs),
    }));
  }

  /** The loop's effect hook for twin `j`: it keeps its own log; what it writes is a faulty node's. */
  twinEffect(j: number, effect: OtherEffect<EpochValidatorEffect<unknown>>): ChurnInput[] | undefined {
    switch (effect.kind) {
      case 'persist-signed':
        this.twins[j]!.log.push(...effect.records);
        return [{ kind: 'signed-durable', ticket: effect.ticket }];
      case 'ordered':
        return undefined;
      case 'write-block':
        return [{ kind: 'block-durable', height: effect.block.header.height }];
    }
  }

  /** The second instance of Byzantine member `node`: the same keys and the honest code, on a chain of its own. */
  private startTwin(
    node: number,
    chain: ChainState,
  ): { node: number; validator: EpochValidator<unknown>; log: Uint8Array[] } {
    return { node, validator: new EpochValidator<unknown>(this.validatorInit(node, chain)), log: [] };
  }

  /** What a validator of node `node` runs on: its keys, the chain's addresses, its cores. */
  private validatorInit(node: number, chain: ChainState) {
    return {
      chain,
      publicKey: this.keys[node]!,
      addressOf: (key: Uint8Array) => {
        const local = this.addressOfKey.get(toHex(key));
        return local === undefined ? undefined : this.offset + local;
      },
      committeeOf: readCommittee,
      createCore: (request: EpochCoreRequest) => this.createCore(node, request),
    };
  }

  honestNodes(): number[] {
    return Array.from({ length: this.total }, (_, i) => i).filter((i) => !this.faultyNodes.includes(i));
  }

  isFaulty(node: number): boolean {
    return this.faultyNodes.includes(node);
  }

  /** The runners of this chain's nodes, in node order, for the run's loop. */
  runners(): LoopCore<ChurnInput, EpochValidatorEffect<unknown>>[] {
    return this.nodes.map((_, node) => this.runnerOf(node));
  }

  /** Feeds `start` to every node and twin. */
  start(): void {
    for (let node = 0; node < this.total; node++) this.loop.feed(this.offset + node, { kind: 'start' });
    if (this.twins.length > 0 && this.twinBase < 0) throw new Error('the run placed no twins for this chain');
    this.twins.forEach((_, j) => {
      this.loop.feed(this.twinBase + j, { kind: 'start' });
    });
  }

  /** Hands transactions to node `node` (of this chain) now. */
  feed(node: number, transactions: readonly Uint8Array[]): void {
    this.loop.schedule(this.loop.now, () =>
      this.loop.feed(this.offset + node, { kind: 'transactions', transactions }),
    );
  }

  /**
   * The protocol adapter as the asynchronous scheduler sees messages of any epoch: it reads the
   * message inside and names its author by node, through the committee of the message's epoch.
   */
  private epochAdapter(): ProtocolAdapter<unknown> {
    const inner = this.adapter;
    const committees = this.committeesByEpoch;
    const addressOf = this.addressOfKey;
    return {
      ...inner,
      classify: (message) => {
        const { epoch, message: body } = message as EpochMessage<unknown>;
        const info = inner.classify(body);
        const member = info === null ? undefined : committees.get(epoch)?.members[info.author];
        const author = member === undefined ? undefined : addressOf.get(toHex(member.publicKey));
        return info === null || author === undefined ? null : { ...info, author };
      },
    };
  }

  /** What the scheduler sees: every node by index, the honest ones, and each one's current core. */
  private adversaryView(): SimView {
    return {
      n: this.total,
      honest: this.honestNodes(),
      faulty: this.faultyNodes,
      now: () => this.loop.now,
      core: (node) => this.nodes[node]?.core ?? null,
    };
  }

  /** Honest nodes whose chain has not reached the newest epoch an honest node is in. */
  laggingNodes(): number[] {
    const epoch = this.reachedEpoch();
    const lagging: number[] = [];
    this.nodes.forEach((node, id) => {
      if (node === null || this.isFaulty(id)) return;
      if (node.epoch < epoch) lagging.push(id);
    });
    return lagging;
  }

  reachedEpoch(): number {
    let epoch = 0;
    this.nodes.forEach((node, id) => {
      if (node !== null && !this.isFaulty(id)) epoch = Math.max(epoch, node.epoch);
    });
    return epoch;
  }

  private coinDeal(committee: Committee): ReturnType<typeof dealCoinKeys> {
    let deal = this.deals.get(committee.epoch);
    if (deal === undefined) {
      const size = committee.members.length;
      deal = dealCoinKeys(
        size,
        validitySize(size),
        sha256(encoder.encode(`${this.init.label}/coin/${committee.epoch}`), this.init.genesisSeed),
      );
      this.deals.set(committee.epoch, deal);
    }
    return deal;
  }

  private startNode(node: number): EpochValidator<unknown> {
    const durable = this.durable[node]!;
    const validator = new EpochValidator<unknown>({
      ...this.validatorInit(node, this.chains[node]!),
      ...(durable.snapshot === undefined ? {} : { recovered: durable.snapshot }),
      ...(durable.log.length === 0 ? {} : { signedLog: durable.log }),
    });
    this.reporters[node] = this.isFaulty(node) ? null : this.reporterFor(node, validator);
    return validator;
  }

  private reporterFor(node: number, validator: EpochValidator<unknown>): EquivocationReporter {
    return new EquivocationReporter({
      chainId: this.init.chainId,
      shardId: this.init.shardId,
      signingSeed: this.seeds[node]!,
      proofs: () =>
        validator.cores.flatMap(({ committee, core }) => {
          const proofs = (core as DagCore).equivocations();
          for (const proof of proofs) {
            const author = this.nodeOfIndex(committee, proof.author);
            if (author !== undefined && !this.firstProofMs.has(author))
              this.firstProofMs.set(author, this.loop.now);
          }
          return proofs;
        }),
      state: () => {
        const view = this.chains[node]!.view();
        return { get: (key) => view.getState(key) };
      },
      submit: (bytes) => this.feed(node, [bytes]),
      now: () => this.loop.now,
      warn: () => {},
    });
  }

  /** The node (of this chain) that is member `index` of `committee`. */
  nodeOfIndex(committee: Committee, index: number): number | undefined {
    const member = committee.members[index];
    return member === undefined ? undefined : this.addressOfKey.get(toHex(member.publicKey));
  }

  /** The node (of this chain) holding `key`. */
  nodeOfKey(key: Uint8Array): number | undefined {
    return this.addressOfKey.get(toHex(key));
  }

  /**
   * The epoch's coin keys: generated on the chain by the committee itself when the state records
   * the session (every epoch after genesis with key generation), else dealt from the run's seed.
   */
  private coinKeys(node: number, request: EpochCoreRequest) {
    const session = readCoinSession(request.state, request.committee.epoch);
    if (session === null) {
      const deal = this.coinDeal(request.committee);
      return { secretShare: deal.secretShares[request.index]!, publicKeys: deal.publicKeys };
    }
    const key: DkgMemberKey = { chainId: this.init.chainId, member: request.index, seed: this.seeds[node]! };
    return {
      secretShare: memberSecretShare(request.state, session, key),
      publicKeys: dkgOutcome(request.state, session).publicKeys,
    };
  }

  private coreInit(node: number, request: EpochCoreRequest): DagValidatorInit {
    const coin = this.coinKeys(node, request);
    return {
      committee: request.committee,
      index: request.index,
      signingSeed: this.seeds[node]!,
      coinSecretShare: coin.secretShare,
      coinPublicKeys: coin.publicKeys,
      acceptsEntry: request.acceptsEntry,
      newcomers: newcomersOf(request.state, request.committee),
      ...(request.recovered === undefined ? {} : { recovered: request.recovered }),
      ...(request.signedLog === undefined ? {} : { signedLog: request.signedLog }),
    };
  }

  private createCore(node: number, request: EpochCoreRequest): ConsensusCore<unknown> {
    const j = this.faultyNodes.indexOf(node);
    if (j >= 0 && this.brains !== null)
      return new PuppetCore(request.index, this.brains.brainFor(this.brainSetup(request)));
    const init = this.coreInit(node, request);
    if (j < 0 || this.scheduler === 'twins') return dagProtocol.create(init) as ConsensusCore<unknown>;
    return new ByzantineCore(
      this.strategies[j]!,
      this.adapter,
      init,
      this.byzantineRng.fork(node * 1000 + request.committee.epoch),
    );
  }

  /**
   * What the brain of a committee needs: every member's init (the brain runs the faulty ones'
   * cores from them), which members are faulty, and each member's core of that epoch to look at.
   */
  private brainSetup(request: EpochCoreRequest) {
    const committee = request.committee;
    const nodes = committee.members.map((member) => this.addressOfKey.get(toHex(member.publicKey))!);
    return {
      committee,
      nodes,
      inits: nodes.map((node, index) => this.coreInit(node, { ...request, index })),
      faulty: nodes.flatMap((node, index) => (this.isFaulty(node) ? [index] : [])),
      core: (index: number) =>
        this.nodes[nodes[index]!]?.cores.find((entry) => entry.committee.epoch === committee.epoch)?.core ??
        null,
    };
  }

  private runnerOf(node: number): LoopCore<ChurnInput, EpochValidatorEffect<unknown>> {
    return {
      handle: (input, nowMs) => {
        const validator = this.nodes[node]!;
        if (input.kind === 'follow') {
          try {
            return validator.follow(input.block, nowMs);
          } catch (error) {
            this.problem(
              `node ${node} could not follow block ${input.block.header.height}: ${(error as Error).message}`,
            );
            return [];
          }
        }
        if (input.kind !== 'transactions') return validator.handle(input, nowMs);
        return admitAndPropose(validator, input.transactions, nowMs);
      },
    };
  }

  /** The loop's effect hook for node `node` of this chain. */
  effect(node: number, effect: OtherEffect<EpochValidatorEffect<unknown>>): ChurnInput[] | undefined {
    switch (effect.kind) {
      case 'persist-signed':
        this.durable[node]!.log.push(...effect.records);
        return [{ kind: 'signed-durable', ticket: effect.ticket }];
      case 'ordered': {
        if (this.isFaulty(node) || !effect.batch.endsCommit) return undefined;
        const epoch = effect.epoch;
        if (epoch > 0 && !this.firstCommit.has(epoch))
          this.firstCommit.set(epoch, { atMs: this.loop.now, round: effect.batch.round });
        return undefined;
      }
      case 'write-block':
        if (!this.isFaulty(node)) this.written(node, effect.block, effect.proof);
        return [{ kind: 'block-durable', height: effect.block.header.height }];
    }
  }

  /** An honest node wrote a block: it must be the agreed one; a member may owe its handover vote. */
  private written(node: number, block: ExecutedBlock, proof: Uint8Array): void {
    const height = block.header.height;
    const known = this.canonical[height - 1];
    if (known === undefined) {
      if (height - 1 !== this.canonical.length)
        this.problem(`node ${node} wrote block ${height} out of order`);
      this.canonical[height - 1] = { block, proof, atMs: this.loop.now };
      this.init.onAgreedBlock?.(block);
    } else if (toHex(known.block.hash) !== toHex(block.hash)) {
      this.divergences++;
      this.problem(`node ${node} holds another block ${height} than the first honest node`);
    } else if (proof.length > 0 && known.proof.length === 0) {
      this.canonical[height - 1] = { ...known, proof };
    }
    const state = { get: (key: Uint8Array) => block.view.getState(key) };
    const after = readCommittee(state)!;
    if (!this.committeesByEpoch.has(after.epoch)) this.committeesByEpoch.set(after.epoch, after);
    if (after.epoch > block.header.epoch && !this.epochStartMs.has(after.epoch)) {
      this.epochStartMs.set(after.epoch, this.loop.now);
      this.boundaryHeight.set(after.epoch, height);
    }
    // By key: a node convicted after it left the committee is suspended all the same.
    this.keys.forEach((key, id) => {
      if (!this.suspendedAtMs.has(id) && state.get(keySuspensionKey(key)) !== undefined)
        this.suspendedAtMs.set(id, block.header.timestampMs);
    });
    this.maybeVote(node, block, after, state);
    if (this.nodes[node]?.memberIndex !== null) this.reporters[node]?.check();
    if (this.init.dkg) this.keyGenerationSteps(node, state);
    this.init.onWritten?.(node, block);
  }

  private maybeVote(node: number, block: ExecutedBlock, committee: Committee, state: ReadableState): void {
    const epoch = committee.epoch;
    const dueMs = handoverDueMs(state, epoch);
    if (epoch >= this.init.cycles || dueMs === null || block.header.timestampMs < dueMs) return;
    const index = committee.members.findIndex((m) => toHex(m.publicKey) === toHex(this.keys[node]!));
    if (index < 0) return;
    if (block.view.getState(handoverVoteKey(epoch + 1, index)) !== undefined) return;
    const election = this.electionFor(epoch, committee, block.header.height);
    const key = `${node}/${epoch + 1}`;
    let vote = this.votes.get(key);
    if (vote !== undefined && this.loop.now - vote.sentAtMs < VOTE_RESEND_MS) return;
    if (vote === undefined) {
      const members = election.election.verification.map((id) => this.keys[id]!);
      vote = {
        bytes: this.voteTransaction(node, index, epoch + 1, members, electedCredit(election)),
        sentAtMs: this.loop.now,
      };
      this.votes.set(key, vote);
      this.byzantineVote(committee, epoch, election);
    }
    vote.sentAtMs = this.loop.now;
    this.feed(node, [vote.bytes]);
  }

  /**
   * Each Byzantine member of the epoch votes, through an honest member, to keep itself and drop an
   * honest one, with the highest credit for every member it lists (to lead the masters' draw).
   */
  private byzantineVote(committee: Committee, epoch: number, election: HandoverElection): void {
    const members = committee.members.map((m) => this.addressOfKey.get(toHex(m.publicKey))!);
    for (const faulty of this.faultyNodes) {
      const index = members.indexOf(faulty);
      if (index < 0 || this.votes.has(`${faulty}/${epoch + 1}`)) continue;
      const standby = Array.from({ length: this.total }, (_, i) => i).filter((i) => !members.includes(i));
      const honestAt = members.findIndex((id) => !this.isFaulty(id));
      const list = [...members];
      if (standby.length > 0 && honestAt >= 0) list[honestAt] = standby[0]!;
      if (list.join() === election.election.verification.join()) continue;
      const bytes = this.voteTransaction(
        faulty,
        index,
        epoch + 1,
        list.map((id) => this.keys[id]!),
        list.map(() => CREDIT_SCALE),
      );
      this.votes.set(`${faulty}/${epoch + 1}`, { bytes, sentAtMs: this.loop.now });
      this.byzantineVotes++;
      const relay = this.liveHonestMembers()[0];
      if (relay !== undefined) this.feed(relay, [bytes]);
    }
  }

  /**
   * What a member of the session under way owes, as the node's key-generation participant does:
   * its dealing in the dealing phase (from entropy derived from its seed and the session, so a
   * restart deals the same), complaints against shares that do not open or match, and answers to
   * complaints against it. A node outside the current committee (a standby elected in) hands its
   * steps to a member; each step goes again until the chain has it.
   */
  private keyGenerationSteps(node: number, state: ReadableState): void {
    const session = currentDkgSession(state);
    if (session === undefined || session.phase === DkgPhase.closed) return;
    const member = session.members.findIndex((key) => toHex(key) === toHex(this.keys[node]!));
    if (member < 0) return;
    const key: DkgMemberKey = { chainId: this.init.chainId, member, seed: this.seeds[node]! };
    const entropy = sha256(encoder.encode('gridshard/churn/dkg-entropy'), this.seeds[node]!, session.id);
    this.keySessionIds.add(toHex(session.id));
    let owed: { type: string; payload: Uint8Array }[] = [];
    if (session.phase === DkgPhase.deal && readDealing(state, session.id, member) === undefined)
      owed = [{ type: DKG_DEAL, payload: dealingPayload(key, session, entropy) }];
    else if (session.phase === DkgPhase.complain)
      owed = complaintPayloads(state, session.id, key).map((payload) => ({ type: DKG_COMPLAIN, payload }));
    else if (session.phase === DkgPhase.justify)
      owed = justificationPayloads(state, session.id, key, entropy).map((payload) => ({
        type: DKG_JUSTIFY,
        payload,
      }));
    for (const { type, payload } of owed) {
      const id = `${node}/${toHex(sha256(payload))}`;
      let step = this.steps.get(id);
      if (step !== undefined && this.loop.now - step.sentAtMs < STEP_RESEND_MS) continue;
      if (step === undefined) {
        step = { bytes: this.signedTransaction(node, type, payload), sentAtMs: this.loop.now };
        this.steps.set(id, step);
      }
      step.sentAtMs = this.loop.now;
      const to = this.nodes[node]?.memberIndex !== null ? node : this.liveHonestMembers()[0];
      if (to !== undefined) this.feed(to, [step.bytes]);
    }
  }

  private electionFor(epoch: number, committee: Committee, height: number): HandoverElection {
    const known = this.elections.get(epoch + 1);
    if (known !== undefined) return known;
    const members = committee.members.map((m) => this.addressOfKey.get(toHex(m.publicKey))!);
    const blocks = this.canonical
      .slice(0, height)
      .map((entry) => entry.block)
      .filter((b) => b.header.epoch === epoch);
    const state = { get: (key: Uint8Array) => this.canonical[height - 1]!.block.view.getState(key) };
    // What the chain recorded by the boundary, as every member computes it.
    const suspended = new Set(this.keys.flatMap((key, id) => (state.get(keySuspensionKey(key)) ? [id] : [])));
    const election = { ...electNext(this.credit, blocks, committee, members, this.total, suspended), height };
    this.credit = election.credit;
    this.elections.set(epoch + 1, election);
    return election;
  }

  private voteTransaction(
    node: number,
    voter: number,
    nextEpoch: number,
    members: readonly Uint8Array[],
    credit: readonly number[],
  ): Uint8Array {
    const { chainId, shardId } = this.init;
    return this.signedTransaction(
      node,
      ROLES_HANDOVER,
      signHandoverVote(this.seeds[node]!, chainId, shardId, voter, nextEpoch, members, credit),
    );
  }

  /** A node's own roles transaction (votes, key-generation steps), each with the sender's next nonce. */
  private signedTransaction(node: number, type: string, payload: Uint8Array): Uint8Array {
    const nonce = this.voteNonces[node]!;
    this.voteNonces[node] = nonce + 1n;
    const { chainId, shardId } = this.init;
    return encodeTransaction(
      signTransaction(this.voteSigners[node]!, { chainId, shardId, type, payload, nonce }),
    );
  }

  /** Honest nodes of this chain that are up and in the committee. */
  liveHonestMembers(): number[] {
    const out: number[] = [];
    this.nodes.forEach((validator, node) => {
      if (validator !== null && !this.isFaulty(node) && validator.memberIndex !== null) out.push(node);
    });
    return out;
  }

  /**
   * Nodes outside the committee execute the agreed blocks they lack (their state sync). A member
   * still ordering in an epoch the chain ended a while ago (down across the boundary, cut off)
   * gives up that epoch's order and follows too, as a node does once its peers' final blocks show
   * it is past its epoch.
   */
  followAll(): void {
    this.nodes.forEach((validator, node) => {
      if (validator === null || this.isFaulty(node)) return;
      if (validator.memberIndex !== null) {
        const boundary = this.boundaryHeight.get(validator.epoch + 1);
        const endedAt = this.epochStartMs.get(validator.epoch + 1);
        const behind =
          boundary !== undefined &&
          endedAt !== undefined &&
          this.loop.now - endedAt >= RESYNC_AFTER_MS &&
          this.chains[node]!.executedHeader.height < boundary;
        if (!behind) return;
        validator.resync();
        this.resyncs++;
      }
      while (validator.memberIndex === null) {
        const next = this.canonical[this.chains[node]!.executedHeader.height];
        if (next === undefined) return;
        this.loop.feed(this.offset + node, { kind: 'follow', block: next.block });
        if (this.nodes[node] !== validator) return;
      }
    });
  }

  crash(node: number): void {
    const validator = this.nodes[node];
    if (validator === null || validator === undefined) return;
    const snapshot = validator.snapshot();
    if (snapshot !== null) this.durable[node] = { snapshot, log: [] };
    this.nodes[node] = null;
    this.loop.stop(this.offset + node);
  }

  restart(node: number): void {
    if (this.nodes[node] !== null) return;
    this.nodes[node] = this.startNode(node);
    this.loop.replace(this.offset + node, this.runnerOf(node));
    this.loop.feed(this.offset + node, { kind: 'start' });
  }

  /** Keeps a sample of this chain's messages for the replaying adversary. */
  sample(message: EpochMessage<unknown>): void {
    if (this.samples.length < MAX_REPLAY_SAMPLES) this.samples.push(message);
    else this.samples[this.init.rng.int(MAX_REPLAY_SAMPLES)] = message;
  }

  /** The adversary sends an old message again from a Byzantine node: re-tagged with the current epoch, or as it was. */
  replay(): void {
    if (this.faultyNodes.length === 0) return;
    const rng = this.init.rng;
    const epoch = this.reachedEpoch();
    const old = this.samples.filter((m) => m.epoch < epoch);
    if (old.length === 0) return;
    const message = rng.pick(old);
    const from = this.offset + rng.pick(this.faultyNodes);
    const to = this.offset + rng.int(this.total);
    const retag = rng.chance(0.5);
    this.replayed++;
    this.loop.deliverAt(this.loop.now + 1, {
      from,
      to,
      fromId: from,
      toId: to,
      message: retag ? { epoch, message: message.message } : message,
    });
  }

  problem(text: string): void {
    if (this.problems.length < 8) this.problems.push(text);
  }

  /** Epoch-safety problems of the agreed chain (epochs stamped, certificates, order sequences). */
  epochProblems(): string[] {
    return epochSafetyProblems(this.canonical, this.genesisCommittee);
  }

  /** The committee of every epoch reached, as node indices; and how many members standby nodes replaced. */
  committeeHistory(): { committees: number[][]; replaced: number } {
    const committees: number[][] = [this.keys.slice(0, this.init.nodes).map((_, i) => i)];
    let replaced = 0;
    for (let epoch = 1; epoch <= this.reachedEpoch(); epoch++) {
      const election = this.elections.get(epoch);
      if (election === undefined) continue;
      committees.push(election.election.verification);
      if (election.election.replaced !== null) replaced++;
      replaced += election.election.removed.filter((r) => r.in !== null).length;
    }
    return { committees, replaced };
  }

  /** Per handover: ms from the boundary to the new epoch's first commit, and that commit's round. */
  boundaryPauses(): { pauses: number[]; rounds: number[] } {
    const pauses: number[] = [];
    const rounds: number[] = [];
    for (let epoch = 1; epoch <= this.reachedEpoch(); epoch++) {
      const start = this.epochStartMs.get(epoch);
      const first = this.firstCommit.get(epoch);
      if (start === undefined || first === undefined) continue;
      pauses.push(first.atMs - start);
      rounds.push(first.round);
    }
    return { pauses, rounds };
  }

  /**
   * Per suspended equivocator, ms from the first honest proof to the block that suspended it; a
   * problem for one proven and not suspended within a cycle, or elected while suspended.
   */
  suspensionDelays(done: boolean): number[] {
    const delays: number[] = [];
    const cycleMs = this.init.cycleMs;
    for (const [id, provenAt] of this.firstProofMs) {
      const suspendedAt = this.suspendedAtMs.get(id);
      if (suspendedAt === undefined) {
        if (done && provenAt + cycleMs <= this.loop.now)
          this.problem(
            `suspension: node ${id} was proven to equivocate at ${provenAt} ms and never suspended`,
          );
        continue;
      }
      delays.push(Math.max(0, suspendedAt - provenAt));
      if (suspendedAt - provenAt > cycleMs)
        this.problem(
          `suspension: node ${id} was suspended ${suspendedAt - provenAt} ms after its equivocation was proven (a cycle is ${cycleMs} ms)`,
        );
    }
    for (const [epoch, election] of this.elections) {
      for (const [id, suspendedAt] of this.suspendedAtMs) {
        const at = this.canonical[election.height - 1]!.block.header.timestampMs;
        if (suspendedAt <= at && election.election.verification.includes(id))
          this.problem(`suspension: node ${id}, suspended, is in the committee elected for epoch ${epoch}`);
      }
    }
    return delays;
  }
}

/**
 * The chain's scheduler as `adversary` asks. Absent, the fault plan or the asynchronous scheduler,
 * half each, from the first draw of the stream; `all` keeps that draw and splits the fault-plan
 * chains with a Byzantine member evenly between the fault plan, twins and the colluding brain
 * with a later one, so every other chain's draw stays as it was.
 */
function drawScheduler(adversary: ChurnAdversary | undefined, rng: Prng, faulty: number): EpochScheduler {
  if (adversary === 'fault-plan' || adversary === 'async') return adversary;
  if (adversary === 'twins' || adversary === 'colluding') return faulty > 0 ? adversary : 'fault-plan';
  const drawn = rng.chance(0.5) ? 'async' : 'fault-plan';
  if (adversary !== 'all' || drawn === 'async' || faulty === 0) return drawn;
  return (['fault-plan', 'twins', 'colluding'] as const)[rng.int(3)]!;
}
