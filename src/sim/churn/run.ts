import { dealCoinKeys } from '../../consensus/coin/index.js';
import type { DagCore } from '../../consensus/dag/index.js';
import { dagProtocol } from '../../consensus/dag/index.js';
import type { DagValidatorInit } from '../../consensus/dag/types.js';
import { type Committee, type ConsensusCore, maxFaulty, validitySize } from '../../consensus/interface.js';
import { ed25519KeyPairFromSeed } from '../../crypto/ed25519.js';
import { sha256, toHex } from '../../crypto/hash.js';
import { ed25519Scheme, type Signer } from '../../crypto/scheme.js';
import { EffectLoop, type LoopCore, type OtherEffect } from '../../kit/effect-loop.js';
import { Prng } from '../../kit/prng.js';
import { ApplicationRouter, encodeKvPut, KV_PUT, keyValueApplication } from '../../ledger/application.js';
import { type ChainState, type ExecutedBlock, genesisChain } from '../../ledger/chain-state.js';
import type { ReadableState } from '../../ledger/state-interface.js';
import { encodeTransaction, signTransaction } from '../../ledger/transaction.js';
import { committeeGenesisEntry, newcomersOf, readCommittee } from '../../roles/committee-state.js';
import { dkgApplication } from '../../roles/dkg-application.js';
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
import { keySuspensionKey, rolesApplication } from '../../roles/evidence-application.js';
import {
  handoverCycleEntry,
  handoverDueMs,
  handoverVoteKey,
  ROLES_HANDOVER,
  readCoinSession,
  signHandoverVote,
} from '../../roles/handover.js';
import { handoverApplication } from '../../roles/handover-application.js';
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
import type { SimView } from '../adversary.js';
import { AsyncNetwork } from '../async-network.js';
import { SimError } from '../errors.js';
import { drawFaultPlan, faultsEndMs } from '../faults.js';
import { type Network, PlanNetwork } from '../network.js';
import { admitAndPropose } from '../proposing.js';
import { ByzantineCore, type Strategy, strategyFor } from '../strategies.js';
import { epochSafetyProblems } from './epoch-checks.js';
import type { ChurnOptions, ChurnResult } from './types.js';

export type { ChurnOptions, ChurnResult } from './types.js';

const encoder = new TextEncoder();
const CHAIN_ID = 'sim-churn';
const CLIENTS = 8;
const MAX_EVENTS = 4_000_000;
/** Followers apply the blocks they have not yet executed this often. */
const FOLLOW_MS = 50;
/** A member sends its handover vote again this long after the last copy while the chain lacks it. */
const VOTE_RESEND_MS = 2000;
/** A client sends a transaction again when no block holds it this long after it sent it. */
const CLIENT_RESEND_MS = 3000;
/** A key-generation step not yet on the chain this long after it was sent goes again. */
const STEP_RESEND_MS = 1000;
/** Each phase of a committee's key generation, in block time (the shortest the contract allows). */
const KEY_PHASE_MS = 1000;
/** The replaying adversary injects an old message this often while cycles run. */
const REPLAY_MS = 150;
const MAX_REPLAY_SAMPLES = 256;
/** A member still in an epoch the chain left this long ago gives it up and follows the blocks. */
const RESYNC_AFTER_MS = 2000;
/** The stream the scheduler is drawn from (kept apart from the run's). */
const SCHEDULER_STREAM = 0xc4a2;

type ChurnInput =
  | EpochValidatorInput<unknown>
  | { readonly kind: 'transactions'; readonly transactions: readonly Uint8Array[] }
  | { readonly kind: 'follow'; readonly block: ExecutedBlock };

/**
 * A committee that hands over every cycle, under the seeded fault plan and Byzantine members: whole
 * validators (`EpochValidator`) of the DAG protocol, standby nodes that follow the chain by
 * executing its blocks, and members that vote each cycle for the committee the chain's credit
 * elects (election.ts). The adversary also replays old epochs' messages, as they were and
 * re-tagged with a newer epoch, and its Byzantine members vote for another committee. Checked:
 * every honest node holds the same block at every height, every block's certificates verify
 * against the committee of its epoch, every epoch's order starts at 0 without a gap, and the
 * client transactions and handovers all commit. The coin keys of each epoch come from a dealer
 * seeded by the run (a simulator's stand-in for the key generation on the chain, docs/ROLES.md).
 */
export function runChurnSimulation(options: ChurnOptions): ChurnResult {
  const n = options.nodes;
  if (!Number.isInteger(n) || n < 1 || n > 32)
    throw new SimError('BAD_OPTIONS', `--nodes must be 1 … 32, got ${n}`);
  if (!Number.isInteger(options.standby) || options.standby < 0 || options.standby > 16)
    throw new SimError('BAD_OPTIONS', `--standby must be 0 … 16, got ${options.standby}`);
  if (!Number.isInteger(options.faulty) || options.faulty < 0 || options.faulty > maxFaulty(n))
    throw new SimError(
      'BAD_OPTIONS',
      `--faulty must be 0 … ${maxFaulty(n)} for ${n} validators, got ${options.faulty}`,
    );
  if (!Number.isInteger(options.cycles) || options.cycles < 1 || options.cycles > 100)
    throw new SimError('BAD_OPTIONS', `--cycles must be 1 … 100, got ${options.cycles}`);
  return new ChurnSimulation(options).run();
}

class ChurnSimulation {
  private readonly total: number;
  private readonly rng: Prng;
  private readonly genesisSeed: Uint8Array;
  private readonly seeds: Uint8Array[];
  private readonly keys: Uint8Array[];
  private readonly addressOfKey = new Map<string, number>();
  private readonly faultyNodes: number[];
  private readonly strategies: Strategy[];
  private readonly chains: ChainState[];
  private readonly nodes: (EpochValidator<unknown> | null)[];
  private readonly durable: { snapshot?: Uint8Array; log: Uint8Array[] }[];
  private readonly loop: EffectLoop<
    EpochMessage<unknown>,
    ChurnInput,
    EpochValidatorEffect<unknown>,
    unknown
  >;
  private readonly cycleMs: number;
  private readonly deals = new Map<number, ReturnType<typeof dealCoinKeys>>();
  private readonly adapter = adapterFor('dag');
  private readonly byzantineRng: Prng;
  /** The agreed chain: the first honest copy of each height, its proof and when it was first written. */
  private readonly canonical: { block: ExecutedBlock; proof: Uint8Array; atMs: number }[] = [];
  private divergences = 0;
  private readonly problems: string[] = [];
  /** Per epoch from 1: the election its predecessor's members vote for. */
  private readonly elections = new Map<number, HandoverElection & { height: number }>();
  private credit = new Map<number, number>();
  private readonly votes = new Map<string, { bytes: Uint8Array; sentAtMs: number }>();
  private readonly voteNonces: bigint[];
  private readonly voteSigners: Signer[];
  private byzantineVotes = 0;
  private readonly clientSigners: Signer[];
  private readonly clientNonces: bigint[];
  private readonly pendingTx = new Map<string, { bytes: Uint8Array; sentAtMs: number }>();
  private readonly committedTx = new Set<string>();
  private submitted = 0;
  private resent = 0;
  private readonly epochStartMs = new Map<number, number>();
  private readonly firstCommit = new Map<number, { atMs: number; round: number }>();
  private readonly samples: EpochMessage<unknown>[] = [];
  private replayed = 0;
  private readonly genesisCommittee: Committee;
  /** Epoch → the height of the block that began it, as the first honest node executed it. */
  private readonly boundaryHeight = new Map<number, number>();
  private resyncs = 0;
  /** Every epoch's committee, as the chain recorded it (the scheduler names authors through them). */
  private readonly committeesByEpoch = new Map<number, Committee>();
  /** Each new committee generates its coin keys on the chain (else a seeded dealer deals them). */
  private readonly dkg: boolean;
  /** Key-generation steps sent (by payload), with when: resent while the chain lacks them. */
  private readonly steps = new Map<string, { bytes: Uint8Array; sentAtMs: number }>();
  /** Key-generation sessions an honest member took part in. */
  private readonly keySessionIds = new Set<string>();
  /** Per honest node: what its core proves of equivocation goes to the chain (reset on restart). */
  private readonly reporters: (EquivocationReporter | null)[] = [];
  /** Node id → when an honest core first held a proof of its equivocation. */
  private readonly firstProofMs = new Map<number, number>();
  /** Node id → the block time of the block that suspended it. */
  private readonly suspendedAtMs = new Map<number, number>();

  constructor(private readonly options: ChurnOptions) {
    this.total = options.nodes + options.standby;
    this.rng = new Prng(options.seed);
    this.dkg = (options.keys ?? 'dkg') === 'dkg';
    this.cycleMs = options.cycleMs ?? (this.dkg ? 5000 : 3000);
    this.genesisSeed = new Uint8Array(32);
    new DataView(this.genesisSeed.buffer).setUint32(0, options.seed >>> 0);
    this.seeds = Array.from({ length: this.total }, (_, i) =>
      sha256(encoder.encode(`gridshard/churn/node/${i}`), this.genesisSeed),
    );
    this.keys = this.seeds.map((seed) => ed25519KeyPairFromSeed(seed).publicKey);
    this.keys.forEach((key, i) => {
      this.addressOfKey.set(toHex(key), i);
    });
    const order = this.rng.shuffle(Array.from({ length: options.nodes }, (_, i) => i));
    this.faultyNodes = order.slice(0, options.faulty).sort((a, b) => a - b);
    this.strategies = this.faultyNodes.map((_, j) => strategyFor(options.byzantine, options.seed, j));
    this.byzantineRng = this.rng.fork(3);
    this.voteSigners = this.seeds.map((seed) =>
      ed25519Scheme.signer(sha256(encoder.encode('gridshard/churn/vote'), seed)),
    );
    this.voteNonces = this.seeds.map(() => 0n);
    this.clientSigners = Array.from({ length: CLIENTS }, (_, i) =>
      ed25519Scheme.signer(sha256(encoder.encode(`gridshard/churn/client/${i}`), this.genesisSeed)),
    );
    this.clientNonces = this.clientSigners.map(() => 0n);
    const genesis: Committee = (this.genesisCommittee = {
      shardId: 0,
      epoch: 0,
      members: this.keys.slice(0, options.nodes).map((publicKey, index) => ({ index, publicKey })),
    });
    const application = new ApplicationRouter([
      keyValueApplication,
      rolesApplication,
      dkgApplication,
      handoverApplication,
    ]);
    this.chains = this.keys.map(() =>
      genesisChain(
        {
          chainId: CHAIN_ID,
          shardId: 0,
          scheme: 'ed25519-sha256',
          genesisTimeMs: 0,
          initialState: [
            committeeGenesisEntry(genesis),
            handoverCycleEntry({
              startMs: 0,
              cycleMs: this.cycleMs,
              keyPhaseMs: this.dkg ? KEY_PHASE_MS : 0,
            }),
          ],
        },
        application,
      ),
    );
    this.durable = this.keys.map(() => ({ log: [] }));
    this.committeesByEpoch.set(0, genesis);
    const honest = Array.from({ length: this.total }, (_, i) => i).filter(
      (i) => !this.faultyNodes.includes(i),
    );
    const drawn = drawFaultPlan(this.rng.fork(2), this.total, honest, false);
    const windowMs = options.cycles * this.cycleMs;
    this.plan = options.calm
      ? { ...drawn, partition: null, crash: null, dropProbability: 0, txWindowMs: windowMs }
      : { ...drawn, txWindowMs: windowMs };
    this.nodes = this.keys.map((_, node) => this.startNode(node));
    // Drawn from a stream of its own, so the rest of a seed's run is drawn as without it.
    const schedulerRng = new Prng(options.seed).fork(SCHEDULER_STREAM);
    this.scheduler = options.scheduler ?? (schedulerRng.chance(0.5) ? 'async' : 'fault-plan');
    this.network =
      this.scheduler === 'async'
        ? new AsyncNetwork(
            this.epochAdapter(),
            this.adversaryView(),
            schedulerRng.fork(1),
            windowMs + schedulerRng.range(500, 3000),
            5,
            schedulerRng.range(100, 400),
          )
        : new PlanNetwork(this.plan, this.rng.fork(1));
    this.loop = new EffectLoop(
      this.nodes.map((_, node) => this.runnerOf(node)),
      {
        identities: this.total,
        network: this.network,
        outgoing: (_, message): unknown => {
          this.sample(message);
          return message;
        },
        effect: (node, effect) => this.effect(node, effect),
      },
    );
  }

  private readonly plan: ReturnType<typeof drawFaultPlan>;
  private readonly scheduler: 'fault-plan' | 'async';
  private readonly network: Network;

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

  /** What the scheduler sees: every node by id, the honest ones, and each one's current core. */
  private adversaryView(): SimView {
    return {
      n: this.total,
      honest: Array.from({ length: this.total }, (_, i) => i).filter((i) => !this.faultyNodes.includes(i)),
      faulty: this.faultyNodes,
      now: () => this.loop.now,
      core: (node) => this.nodes[node]?.core ?? null,
    };
  }

  run(): ChurnResult {
    const windowMs = this.options.cycles * this.cycleMs;
    const count = this.options.transactions ?? 200;
    const txRng = this.rng.fork(4);
    for (let k = 0; k < count; k++) {
      const atMs = Math.floor((k * windowMs) / count);
      this.loop.schedule(atMs, () => this.clientSends(this.clientTransaction(k, txRng), txRng));
    }
    const crash = this.options.crash ?? this.plan.crash;
    if (crash !== null) {
      this.loop.schedule(crash.atMs, () => this.crash(crash.node));
      this.loop.schedule(crash.restartMs, () => this.restart(crash.node));
    }
    const faultsEnd = Math.max(
      windowMs,
      faultsEndMs(this.plan),
      this.network.releaseAllAtMs,
      this.options.crash?.restartMs ?? 0,
    );
    // A committee serves a whole cycle from its start, so the handovers still due after the faults
    // need a cycle each whatever the network does: the bound is on top of that.
    const deadline =
      faultsEnd + this.options.cycles * this.cycleMs + (this.options.livenessBoundMs ?? 30_000);
    this.every(FOLLOW_MS, deadline, () => this.followAll());
    this.every(1000, deadline, () => this.resendClients(txRng));
    // Byzantine nodes replay for the whole run: liveness must hold under them too.
    if (this.faultyNodes.length > 0) this.every(REPLAY_MS, deadline, () => this.replay());
    this.loop.armReleases();
    for (let node = 0; node < this.total; node++) this.loop.feed(node, { kind: 'start' });
    let events = 0;
    let done = false;
    while (events < MAX_EVENTS && this.loop.step(deadline)) {
      events++;
      if (this.loop.now >= windowMs && this.finished(count)) {
        done = true;
        break;
      }
    }
    return this.report(done, count);
  }

  /**
   * Every transaction committed, the last handover made, and every honest node, members and
   * followers alike, in the last epoch: a node left behind at a boundary fails the run.
   */
  private finished(count: number): boolean {
    return (
      this.committedTx.size === count &&
      this.reachedEpoch() >= this.options.cycles &&
      this.laggingNodes().length === 0
    );
  }

  /** Honest nodes whose chain has not reached the newest epoch an honest node is in. */
  private laggingNodes(): number[] {
    const epoch = this.reachedEpoch();
    const lagging: number[] = [];
    this.nodes.forEach((node, id) => {
      if (node === null || this.isFaulty(id)) return;
      if (node.epoch < epoch) lagging.push(id);
    });
    return lagging;
  }

  private reachedEpoch(): number {
    let epoch = 0;
    for (const node of this.nodes)
      if (node !== null && !this.isFaulty(node)) epoch = Math.max(epoch, node.epoch);
    return epoch;
  }

  private isFaulty(node: EpochValidator<unknown> | number): boolean {
    const id = typeof node === 'number' ? node : this.nodes.indexOf(node);
    return this.faultyNodes.includes(id);
  }

  private every(periodMs: number, untilMs: number, task: () => void): void {
    const tick = (): void => {
      task();
      if (this.loop.now + periodMs <= untilMs) this.loop.schedule(this.loop.now + periodMs, tick);
    };
    this.loop.schedule(periodMs, tick);
  }

  private coinDeal(committee: Committee): ReturnType<typeof dealCoinKeys> {
    let deal = this.deals.get(committee.epoch);
    if (deal === undefined) {
      const size = committee.members.length;
      deal = dealCoinKeys(
        size,
        validitySize(size),
        sha256(encoder.encode(`gridshard/churn/coin/${committee.epoch}`), this.genesisSeed),
      );
      this.deals.set(committee.epoch, deal);
    }
    return deal;
  }

  private startNode(node: number): EpochValidator<unknown> {
    const durable = this.durable[node]!;
    const validator = new EpochValidator<unknown>({
      chain: this.chains[node]!,
      publicKey: this.keys[node]!,
      addressOf: (key) => this.addressOfKey.get(toHex(key)),
      committeeOf: readCommittee,
      createCore: (request) => this.createCore(node, request),
      ...(durable.snapshot === undefined ? {} : { recovered: durable.snapshot }),
      ...(durable.log.length === 0 ? {} : { signedLog: durable.log }),
    });
    this.reporters[node] = this.faultyNodes.includes(node) ? null : this.reporterFor(node, validator);
    return validator;
  }

  private reporterFor(node: number, validator: EpochValidator<unknown>): EquivocationReporter {
    return new EquivocationReporter({
      chainId: CHAIN_ID,
      shardId: 0,
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
      submit: (bytes) => {
        this.loop.schedule(this.loop.now, () =>
          this.loop.feed(node, { kind: 'transactions', transactions: [bytes] }),
        );
      },
      now: () => this.loop.now,
      warn: () => {},
    });
  }

  private nodeOfIndex(committee: Committee, index: number): number | undefined {
    const member = committee.members[index];
    return member === undefined ? undefined : this.addressOfKey.get(toHex(member.publicKey));
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
    const key: DkgMemberKey = { chainId: CHAIN_ID, member: request.index, seed: this.seeds[node]! };
    return {
      secretShare: memberSecretShare(request.state, session, key),
      publicKeys: dkgOutcome(request.state, session).publicKeys,
    };
  }

  private createCore(node: number, request: EpochCoreRequest): ConsensusCore<unknown> {
    const coin = this.coinKeys(node, request);
    const init: DagValidatorInit = {
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
    const j = this.faultyNodes.indexOf(node);
    if (j < 0) return dagProtocol.create(init) as ConsensusCore<unknown>;
    return new ByzantineCore(
      this.strategies[j]!,
      this.adapter,
      init,
      this.byzantineRng.fork(node * 1000 + request.committee.epoch),
    );
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

  private effect(node: number, effect: OtherEffect<EpochValidatorEffect<unknown>>): ChurnInput[] | undefined {
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
      for (const hash of block.txHashes) {
        const key = toHex(hash);
        if (this.pendingTx.delete(key)) this.committedTx.add(key);
      }
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
    if (this.dkg) this.keyGenerationSteps(node, state);
  }

  private maybeVote(node: number, block: ExecutedBlock, committee: Committee, state: ReadableState): void {
    const epoch = committee.epoch;
    const dueMs = handoverDueMs(state, epoch);
    if (epoch >= this.options.cycles || dueMs === null || block.header.timestampMs < dueMs) return;
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
    const bytes = vote.bytes;
    this.loop.schedule(this.loop.now, () =>
      this.loop.feed(node, { kind: 'transactions', transactions: [bytes] }),
    );
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
      const honestAt = members.findIndex((id) => !this.faultyNodes.includes(id));
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
      if (relay !== undefined)
        this.loop.schedule(this.loop.now, () =>
          this.loop.feed(relay, { kind: 'transactions', transactions: [bytes] }),
        );
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
    const key: DkgMemberKey = { chainId: CHAIN_ID, member, seed: this.seeds[node]! };
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
      const bytes = step.bytes;
      const to = this.nodes[node]?.memberIndex !== null ? node : this.liveHonestMembers()[0];
      if (to !== undefined)
        this.loop.schedule(this.loop.now, () =>
          this.loop.feed(to, { kind: 'transactions', transactions: [bytes] }),
        );
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
    return this.signedTransaction(
      node,
      ROLES_HANDOVER,
      signHandoverVote(this.seeds[node]!, CHAIN_ID, 0, voter, nextEpoch, members, credit),
    );
  }

  /** A node's own roles transaction (votes, key-generation steps), each with the sender's next nonce. */
  private signedTransaction(node: number, type: string, payload: Uint8Array): Uint8Array {
    const nonce = this.voteNonces[node]!;
    this.voteNonces[node] = nonce + 1n;
    return encodeTransaction(
      signTransaction(this.voteSigners[node]!, { chainId: CHAIN_ID, shardId: 0, type, payload, nonce }),
    );
  }

  private liveHonestMembers(): number[] {
    const out: number[] = [];
    this.nodes.forEach((validator, node) => {
      if (validator !== null && !this.isFaulty(node) && validator.memberIndex !== null) out.push(node);
    });
    return out;
  }

  private clientTransaction(k: number, rng: Prng): Uint8Array {
    const client = k % CLIENTS;
    const nonce = this.clientNonces[client]!;
    this.clientNonces[client] = nonce + 1n;
    return encodeTransaction(
      signTransaction(this.clientSigners[client]!, {
        chainId: CHAIN_ID,
        shardId: 0,
        type: KV_PUT,
        payload: encodeKvPut(
          encoder.encode(`meter/${k % 5}`),
          encoder.encode(`churn/${k}/${rng.next().toString(16)}`),
        ),
        nonce,
      }),
    );
  }

  private clientSends(bytes: Uint8Array, rng: Prng): void {
    this.submitted++;
    this.pendingTx.set(toHex(ed25519Scheme.hash(bytes)), { bytes, sentAtMs: this.loop.now });
    this.handTo(bytes, rng);
  }

  private handTo(bytes: Uint8Array, rng: Prng): void {
    const members = this.liveHonestMembers();
    if (members.length === 0) return;
    this.loop.feed(rng.pick(members), { kind: 'transactions', transactions: [bytes] });
  }

  /** What no block holds a while after it was sent goes again to a member (its first may have left). */
  private resendClients(rng: Prng): void {
    for (const pending of this.pendingTx.values()) {
      if (this.loop.now - pending.sentAtMs < CLIENT_RESEND_MS) continue;
      pending.sentAtMs = this.loop.now;
      this.resent++;
      this.handTo(pending.bytes, rng);
    }
  }

  /**
   * Nodes outside the committee execute the agreed blocks they lack (their state sync). A member
   * still ordering in an epoch the chain ended a while ago (down across the boundary, cut off)
   * gives up that epoch's order and follows too, as a node does once its peers' final blocks show
   * it is past its epoch.
   */
  private followAll(): void {
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
        this.loop.feed(node, { kind: 'follow', block: next.block });
        if (this.nodes[node] !== validator) return;
      }
    });
  }

  private crash(node: number): void {
    const validator = this.nodes[node];
    if (validator === null || validator === undefined) return;
    const snapshot = validator.snapshot();
    if (snapshot !== null) this.durable[node] = { snapshot, log: [] };
    this.nodes[node] = null;
    this.loop.stop(node);
  }

  private restart(node: number): void {
    if (this.nodes[node] !== null) return;
    this.nodes[node] = this.startNode(node);
    this.loop.replace(node, this.runnerOf(node));
    this.loop.feed(node, { kind: 'start' });
  }

  private sample(message: EpochMessage<unknown>): void {
    if (this.samples.length < MAX_REPLAY_SAMPLES) this.samples.push(message);
    else this.samples[this.rng.int(MAX_REPLAY_SAMPLES)] = message;
  }

  /** The adversary sends an old message again from a Byzantine node: re-tagged with the current epoch, or as it was. */
  private replay(): void {
    const epoch = this.reachedEpoch();
    const old = this.samples.filter((m) => m.epoch < epoch);
    if (old.length === 0) return;
    const message = this.rng.pick(old);
    const from = this.rng.pick(this.faultyNodes);
    const to = this.rng.int(this.total);
    const retag = this.rng.chance(0.5);
    this.replayed++;
    this.loop.deliverAt(this.loop.now + 1, {
      from,
      to,
      fromId: from,
      toId: to,
      message: retag ? { epoch, message: message.message } : message,
    });
  }

  private problem(text: string): void {
    if (this.problems.length < 8) this.problems.push(text);
  }

  private report(done: boolean, count: number): ChurnResult {
    const blocks = this.canonical.map((entry) => entry.block);
    const epochProblems = epochSafetyProblems(this.canonical, this.genesisCommittee);
    for (const p of epochProblems.slice(0, 4)) this.problem(`epoch: ${p}`);
    const committees: number[][] = [this.keys.slice(0, this.options.nodes).map((_, i) => i)];
    let replaced = 0;
    for (let epoch = 1; epoch <= this.reachedEpoch(); epoch++) {
      const election = this.elections.get(epoch);
      if (election === undefined) continue;
      committees.push(election.election.verification);
      if (election.election.replaced !== null) replaced++;
      replaced += election.election.removed.filter((r) => r.in !== null).length;
    }
    const pauses: number[] = [];
    const rounds: number[] = [];
    for (let epoch = 1; epoch <= this.reachedEpoch(); epoch++) {
      const start = this.epochStartMs.get(epoch);
      const first = this.firstCommit.get(epoch);
      if (start === undefined || first === undefined) continue;
      pauses.push(first.atMs - start);
      rounds.push(first.round);
    }
    const suspensionDelaysMs: number[] = [];
    for (const [id, provenAt] of this.firstProofMs) {
      const suspendedAt = this.suspendedAtMs.get(id);
      if (suspendedAt === undefined) {
        if (done && provenAt + this.cycleMs <= this.loop.now)
          this.problem(
            `suspension: node ${id} was proven to equivocate at ${provenAt} ms and never suspended`,
          );
        continue;
      }
      suspensionDelaysMs.push(Math.max(0, suspendedAt - provenAt));
      if (suspendedAt - provenAt > this.cycleMs)
        this.problem(
          `suspension: node ${id} was suspended ${suspendedAt - provenAt} ms after its equivocation was proven (a cycle is ${this.cycleMs} ms)`,
        );
    }
    for (const [epoch, election] of this.elections) {
      for (const [id, suspendedAt] of this.suspendedAtMs) {
        const at = this.canonical[election.height - 1]!.block.header.timestampMs;
        if (suspendedAt <= at && election.election.verification.includes(id))
          this.problem(`suspension: node ${id}, suspended, is in the committee elected for epoch ${epoch}`);
      }
    }
    if (!done) {
      const lagging = this.laggingNodes();
      this.problem(
        `liveness: ${this.committedTx.size} of ${count} transactions committed, epoch ${this.reachedEpoch()} of ${this.options.cycles} reached` +
          (lagging.length === 0 ? '' : `, nodes ${lagging.join(', ')} left behind in an earlier epoch`),
      );
    }
    return {
      seed: this.options.seed,
      scheduler: this.scheduler,
      nodes: this.options.nodes,
      standby: this.options.standby,
      faultyNodes: this.faultyNodes,
      strategies: this.strategies,
      reconfigurations: this.reachedEpoch(),
      replacedVerifiers: replaced,
      suspendedNodes: this.suspendedAtMs.size,
      suspensionDelaysMs,
      epochSafetyViolations: epochProblems.length,
      blockDivergences: this.divergences,
      livenessOk: done,
      submittedTx: this.submitted,
      committedTx: this.committedTx.size,
      blocks: blocks.length,
      committees,
      boundaryPausesMs: pauses,
      firstCommitRounds: rounds,
      replayedMessages: this.replayed,
      byzantineVotes: this.byzantineVotes,
      keySessions: this.keySessionIds.size,
      resyncs: this.resyncs,
      resentTx: this.resent,
      virtualMs: this.loop.now,
      problems: this.problems,
      ...(this.options.keepChain
        ? {
            chain: {
              genesis: this.genesisCommittee,
              blocks: this.canonical.map(({ block, proof }) => ({ block, proof })),
            },
          }
        : {}),
    };
  }
}
