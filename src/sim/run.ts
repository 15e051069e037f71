import type {
  ConsensusCore,
  ConsensusEffect,
  ConsensusInput,
  ValidatorInit,
} from '../consensus/interface.js';
import { maxFaulty } from '../consensus/interface.js';
import { EffectLoop, type LoopCore, type OtherEffect } from '../kit/effect-loop.js';
import { Prng } from '../kit/prng.js';
import type { ValidatorEffect, ValidatorInput } from '../validator/types.js';
import type { Validator } from '../validator/validator.js';
import { adapterFor } from './adapters/index.js';
import type { EquivocationMonitor, ProtocolAdapter } from './adapters/types.js';
import type { AdversarySetup, SimView } from './adversary.js';
import { buildAdversary, protocolConfigFor } from './adversary-setup.js';
import { InvariantChecker } from './checks.js';
import { SimError } from './errors.js';
import { SimExecution } from './execution.js';
import { drawFaultPlan, type FaultPlan, faultsEndMs } from './faults.js';
import { type Network, PlanNetwork } from './network.js';
import { admitAndPropose } from './proposing.js';
import type { RunOptions, RunResult } from './run-types.js';
import { withSharedChecks } from './shared-checks.js';
import { ByzantineCore, type Strategy, strategyFor } from './strategies.js';
import { CLIENT_WAIT_MS, kvSchedule, type PlannedTransaction } from './workload.js';

export type { RunOptions, RunResult } from './run-types.js';

/** A bare core's inputs, and a whole validator's (a mempool proposal, durability answers). */
type SimInput = ConsensusInput<unknown> | ValidatorInput<unknown>;
type SimEffect = ConsensusEffect<unknown> | ValidatorEffect<unknown>;

const MAX_EVENTS = 3_000_000;
/** How long after a restart a client waits before sending an uncommitted transaction again. */
const CLIENT_RESEND_AFTER_MS = 1000;

/** One simulated run: everything follows from the options and the seed. */
export function runSimulation(options: RunOptions): RunResult {
  const n = options.nodes;
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new SimError('BAD_OPTIONS', `--nodes must be 1 … 64, got ${n}`);
  if (!Number.isInteger(options.faulty) || options.faulty < 0 || options.faulty > maxFaulty(n)) {
    throw new SimError(
      'BAD_OPTIONS',
      `--faulty must be 0 … ${maxFaulty(n)} for ${n} validators, got ${options.faulty}`,
    );
  }
  if ((options.adversary === 'twins' || options.adversary === 'colluding') && options.faulty < 1)
    throw new SimError('BAD_OPTIONS', `the ${options.adversary} adversary needs --faulty of at least 1`);
  const config =
    options.adversary === undefined ? undefined : protocolConfigFor(options.adversary, options.protocol);
  const adapter = options.adapter ?? adapterFor(options.protocol, config);
  return new Simulation(adapter, options).run();
}

class Simulation {
  private readonly n: number;
  private readonly rng: Prng;
  private readonly inits: ValidatorInit[];
  /** Instance i runs identity identityOf[i]; instances n … are twins. */
  private readonly identityOf: number[];
  private readonly instancesOf: number[][];
  private readonly cores: (ConsensusCore<unknown> | null)[];
  /** With `execute`: the whole validator around each honest instance's core. */
  private readonly validators: (Validator<unknown> | null)[];
  private readonly execution: SimExecution | null;
  private readonly honest: number[];
  private readonly faultyNodes: number[];
  private readonly strategies: Strategy[];
  private readonly plan: FaultPlan;
  private readonly setup: AdversarySetup | null;
  private readonly network: Network;
  private readonly checker: InvariantChecker;
  private readonly monitor: EquivocationMonitor;
  private readonly targeting: boolean;
  private readonly crashed = new Map<number, { recovered?: Uint8Array; signedLog: Uint8Array[] }>();
  /** Each client transaction and the validator it was last handed to. */
  private readonly handedTo = new Map<string, { node: number; tx: Uint8Array }>();
  /** What each instance has made durable: its last periodic snapshot and the signed records since. */
  private readonly durable: { snapshot?: Uint8Array; log: Uint8Array[] }[];
  private readonly attacks: string[] = [];
  private equivocationViolated = false;
  private readonly restarts: {
    instance: number;
    atMs: number;
    fromSnapshot: boolean;
    signedRecords: number;
  }[] = [];
  /** Carries out every core's effects: deliveries through the network, timers, the rest here. */
  private readonly loop: EffectLoop<unknown, SimInput, SimEffect, unknown>;
  private nextSampleAt: number;

  constructor(
    private readonly adapter: ProtocolAdapter<unknown>,
    private readonly options: RunOptions,
  ) {
    this.n = options.nodes;
    this.rng = new Prng(options.seed);
    const netRng = this.rng.fork(1);
    const genesisSeed = new Uint8Array(32);
    new DataView(genesisSeed.buffer).setUint32(0, options.seed >>> 0);
    this.inits = withSharedChecks(adapter.genesis(this.n, genesisSeed), options.shareChecks !== false);
    const order = this.rng.shuffle(Array.from({ length: this.n }, (_, i) => i));
    this.faultyNodes = order.slice(0, options.faulty).sort((a, b) => a - b);
    this.honest = order.slice(options.faulty).sort((a, b) => a - b);
    this.strategies = this.faultyNodes.map((_, j) => strategyFor(options.byzantine, options.seed, j));
    this.targeting =
      options.adversary === undefined &&
      (this.strategies.includes('leader-targeting') ||
        (options.faulty === 0 && options.byzantine === 'leader-targeting'));
    const drawn = drawFaultPlan(this.rng.fork(2), this.n, this.honest, this.targeting);
    const txWindowMs = options.txWindowMs ?? drawn.txWindowMs;
    this.plan = options.calm
      ? { ...drawn, partition: null, crash: null, dropProbability: 0, txWindowMs }
      : { ...drawn, txWindowMs };
    const byzantineRng = this.rng.fork(3);
    const view: SimView = {
      n: this.n,
      honest: this.honest,
      faulty: this.faultyNodes,
      now: () => this.now,
      core: (instance) => this.cores[instance] ?? null,
    };
    this.setup =
      options.adversary === undefined
        ? null
        : buildAdversary(options.adversary, {
            adapter,
            inits: this.inits,
            view,
            rng: this.rng.fork(5),
            netRng,
            honest: this.honest,
            faulty: this.faultyNodes,
            txWindowMs: options.txWindowMs,
            twinsScenario: options.twinsScenario,
            attacks: this.attacks,
          });
    this.network = this.setup?.network ?? new PlanNetwork(this.plan, netRng);
    this.identityOf = [...Array.from({ length: this.n }, (_, i) => i), ...(this.setup?.twins ?? [])];
    this.instancesOf = Array.from({ length: this.n }, () => []);
    this.identityOf.forEach((identity, instance) => {
      this.instancesOf[identity]!.push(instance);
    });
    this.checker = new InvariantChecker(this.honest, this.n);
    this.monitor = adapter.equivocationMonitor();
    this.durable = this.identityOf.map(() => ({ log: [] }));
    this.execution = options.execute
      ? new SimExecution(options.seed, options.executionApplication, options.workload, options.highs)
      : null;
    this.validators = this.identityOf.map(() => null);
    this.cores = this.identityOf.map((identity, instance) => {
      const init = this.inits[identity]!;
      const j = this.faultyNodes.indexOf(identity);
      if (j < 0 && this.execution !== null) return this.startValidator(instance, init);
      if (j < 0 || this.setup?.name === 'twins') return adapter.create(init);
      if (this.setup?.faultyCore !== undefined) return this.setup.faultyCore(init, adapter);
      return new ByzantineCore(this.strategies[j]!, adapter, init, byzantineRng.fork(instance));
    });
    this.nextSampleAt = options.sampleEveryMs ?? Number.POSITIVE_INFINITY;
    this.loop = new EffectLoop(
      this.cores.map((_, instance) => this.runnerOf(instance)),
      {
        identities: this.n,
        identityOf: this.identityOf,
        network: this.network,
        outgoing: (from, message) => this.outgoing(from, message),
        effect: (node, effect) => this.effect(node, effect),
        // A bare core's view of the leader changes with its input; a whole validator's once its
        // durability answers are in.
        afterHandle: (node) => {
          if (!this.validators[node]) this.retarget();
        },
        afterInput: (node) => {
          if (this.validators[node]) this.retarget();
        },
        beforeEvent: (atMs) => {
          while (atMs >= this.nextSampleAt) {
            this.options.onSample?.(this.nextSampleAt, this.cores);
            this.nextSampleAt += this.options.sampleEveryMs!;
          }
        },
      },
    );
  }

  private get now(): number {
    return this.loop.now;
  }

  private get faultsEnd(): number {
    return this.setup === null ? faultsEndMs(this.plan) : this.setup.endMs;
  }

  run(): RunResult {
    const txRng = this.rng.fork(4);
    const txWindowMs = this.setup?.txWindowMs ?? this.plan.txWindowMs;
    const planned =
      this.execution?.schedule(this.options.transactions ?? 100, txWindowMs, txRng, this.honest) ??
      kvSchedule(
        this.options.seed,
        this.options.transactions ?? 100,
        txWindowMs,
        txRng,
        this.honest,
        (_, tag) => new TextEncoder().encode(tag),
      );
    for (const { atMs, to, tx } of planned) this.loop.schedule(atMs, () => this.clientSends(to, tx));
    const txCount = planned.length;
    const crashes =
      this.setup?.crashes ??
      (this.plan.crash === null
        ? []
        : [
            {
              instance: this.plan.crash.node,
              atMs: this.plan.crash.atMs,
              restartMs: this.plan.crash.restartMs,
            },
          ]);
    for (const crash of crashes) {
      this.loop.schedule(crash.atMs, () => this.crash(crash.instance));
      this.loop.schedule(crash.restartMs, () => this.restart(crash.instance));
    }
    if (this.setup?.lossyCrash) this.loop.schedule(this.setup.snapshotPeriodMs, () => this.snapshotAll());
    this.loop.armReleases();
    for (let i = 0; i < this.cores.length; i++) this.loop.feed(i, { kind: 'start' });

    const faultsEnd = this.faultsEnd;
    const deadline = faultsEnd + (this.options.livenessBoundMs ?? 30_000);
    let events = 0;
    let done = false;
    let doneAt = deadline;
    while (events < MAX_EVENTS && this.loop.step(deadline)) {
      events++;
      if (this.now >= faultsEnd && this.checker.submittedCount === txCount && this.checker.allCommitted()) {
        done = true;
        doneAt = this.now;
        break;
      }
    }
    const latencies = [...this.checker.latenciesMs].sort((a, b) => a - b);
    const problems = [...this.checker.problems, ...this.equivocations];
    if (!done) problems.push(...this.checker.missingReport());
    const execution = this.execution?.report(this.honest);
    if (execution !== undefined) problems.push(...execution.problems);
    return {
      seed: this.options.seed,
      adversary: this.setup?.name ?? null,
      strategies: this.setup === null || this.setup.faultyCore === undefined ? this.strategies : [],
      faultyNodes: this.faultyNodes,
      agreementOk: !this.checker.agreementViolated,
      validityOk: !this.checker.validityViolated,
      livenessOk: done,
      equivocationOk: !this.equivocationViolated,
      metadataMismatches: this.checker.metadataMismatches,
      submittedTx: this.checker.submittedCount,
      committedTx: this.checker.committedEverywhere(),
      virtualMs: this.now,
      recoveryMs: Math.max(0, doneAt - faultsEnd),
      events,
      latencyP50Ms: latencies[Math.floor(latencies.length / 2)] ?? 0,
      latencyMaxMs: latencies[latencies.length - 1] ?? 0,
      attacks: [...this.attacks],
      heldMessages: this.loop.held,
      restarts: this.restarts,
      problems,
      ...(execution === undefined
        ? {}
        : { execution: done ? execution : { ...execution, finalStateMismatches: 0 } }),
    };
  }

  private readonly equivocations: string[] = [];

  /** A client hands a transaction to a validator; one whose validator is down picks another honest one. */
  private clientSends(planned: number, tx: PlannedTransaction['tx']): void {
    let to = planned;
    if (this.cores[to] === null) to = this.honest.find((i) => this.cores[i] !== null) ?? to;
    const bytes = typeof tx === 'function' ? tx(to, this.now) : tx;
    if (bytes === null) {
      this.loop.schedule(this.now + CLIENT_WAIT_MS, () => this.clientSends(planned, tx));
      return;
    }
    this.checker.submitted(bytes, this.now);
    this.handedTo.set(Buffer.from(bytes).toString('hex'), { node: to, tx: bytes });
    if (this.cores[to] !== null) this.loop.feed(to, { kind: 'transactions', transactions: [bytes] });
  }

  /**
   * A validator acknowledges a transaction from memory; one that lost its queue in a crash loses
   * what it had not yet proposed, and the client sends the same bytes again to another validator,
   * as the SDK does (docs/API.md, acknowledgement contract).
   */
  private resend(node: number): void {
    const others = this.honest.filter((i) => i !== node && this.cores[i] !== null);
    if (others.length === 0) return;
    let k = 0;
    for (const [key, handed] of this.handedTo) {
      if (handed.node !== node || this.checker.committedAnywhere(handed.tx)) continue;
      const to = others[k++ % others.length]!;
      this.handedTo.set(key, { node: to, tx: handed.tx });
      this.checker.resent(handed.tx);
      this.loop.feed(to, { kind: 'transactions', transactions: [handed.tx] });
    }
  }

  private crash(node: number): void {
    const core = this.cores[node];
    if (core === null || core === undefined) return;
    if (this.setup?.lossyCrash) {
      // What was durable at the crash: the last periodic snapshot and the signed records since.
      const durable = this.durable[node]!;
      this.crashed.set(node, {
        ...(durable.snapshot === undefined ? {} : { recovered: durable.snapshot }),
        signedLog: [...durable.log],
      });
    } else {
      // The snapshot is what the node wrote after its last handled input; a whole validator
      // writes one only when settled, and otherwise has its last one and the records since.
      const validator = this.validators[node];
      const settled = validator === null || validator === undefined ? core.snapshot() : validator.snapshot();
      const durable = this.durable[node]!;
      this.crashed.set(
        node,
        settled !== null
          ? { recovered: settled, signedLog: [] }
          : {
              ...(durable.snapshot === undefined ? {} : { recovered: durable.snapshot }),
              signedLog: [...durable.log],
            },
      );
    }
    this.validators[node] = null;
    this.cores[node] = null;
    this.loop.stop(node);
  }

  private restart(node: number): void {
    const state = this.crashed.get(node);
    if (state === undefined || this.cores[node] !== null) return;
    const init = this.inits[this.identityOf[node]!]!;
    this.restarts.push({
      instance: node,
      atMs: this.now,
      fromSnapshot: state.recovered !== undefined,
      signedRecords: state.signedLog.length,
    });
    const restored = {
      ...init,
      ...(state.recovered === undefined ? {} : { recovered: state.recovered }),
      ...(state.signedLog.length === 0 ? {} : { signedLog: state.signedLog }),
    };
    this.cores[node] =
      this.execution !== null && this.honest.includes(this.identityOf[node]!)
        ? this.startValidator(node, restored)
        : this.adapter.create(restored);
    this.loop.replace(node, this.runnerOf(node));
    this.loop.feed(node, { kind: 'start' });
    // Whatever the restart kept, a header it held may have been certified or not: the node never
    // proposes its transactions again, and clients send again what is still not committed.
    this.loop.schedule(this.now + CLIENT_RESEND_AFTER_MS, () => this.resend(node));
  }

  /** Every live validator writes its state on a period, as the node does. */
  private snapshotAll(): void {
    this.cores.forEach((core, instance) => {
      if (core === null) return;
      const validator = this.validators[instance];
      const snapshot = validator === null || validator === undefined ? core.snapshot() : validator.snapshot();
      // An unsettled validator writes nothing this time; its log keeps growing until it does.
      if (snapshot !== null) this.durable[instance] = { snapshot, log: [] };
    });
    if (this.now < this.faultsEnd)
      this.loop.schedule(this.now + this.setup!.snapshotPeriodMs, () => this.snapshotAll());
  }

  /** A whole validator for an honest instance; returns its consensus core (the adversary's view). */
  private startValidator(instance: number, init: ValidatorInit): ConsensusCore<unknown> {
    let core: ConsensusCore<unknown> | null = null;
    this.validators[instance] = this.execution!.validator(instance, (acceptsEntry) => {
      core = this.adapter.create({ ...init, acceptsEntry } as ValidatorInit);
      return core;
    });
    return core!;
  }

  /**
   * What the loop drives at an instance: its bare core, or its whole validator, whose client
   * transactions go through the mempool as at the node's API.
   */
  private runnerOf(instance: number): LoopCore<SimInput, SimEffect> {
    const validator = this.validators[instance];
    if (validator === null || validator === undefined)
      return this.cores[instance]! as LoopCore<SimInput, SimEffect>;
    return {
      handle: (input, nowMs) => {
        if (input.kind !== 'transactions') return validator.handle(input as ValidatorInput<unknown>, nowMs);
        return admitAndPropose(validator, input.transactions, nowMs);
      },
    };
  }

  private retarget(): void {
    if (this.targeting && this.network instanceof PlanNetwork) {
      this.network.target = this.adapter.reliedOn(this.honest.map((i) => this.cores[i]).filter(isCore));
    }
  }

  /** What leaves an instance: watched for equivocation, and through the codec with `wire`. */
  private outgoing(from: number, message: unknown): unknown {
    const identity = this.identityOf[from]!;
    this.monitor.observe(message);
    if (this.honest.includes(identity)) this.checkSigned(identity, message);
    return this.options.wire ? this.adapter.decode(this.adapter.encode(message)) : message;
  }

  /** Commits go to the checker, signed records to the durable log; a validator hears back at once. */
  private effect(node: number, effect: OtherEffect<SimEffect>): SimInput[] | undefined {
    const identity = this.identityOf[node]!;
    switch (effect.kind) {
      case 'commit':
      case 'ordered':
        if (this.honest.includes(identity)) this.checker.commit(identity, effect.batch, this.now);
        return undefined;
      case 'persist-signed':
        if ('record' in effect) {
          this.durable[node]!.log.push(effect.record);
          return undefined;
        }
        // Durable at once in the simulator (its loss at a crash is the crash-loss model's).
        this.durable[node]!.log.push(...effect.records);
        return [{ kind: 'signed-durable', ticket: effect.ticket }];
      case 'write-block':
        this.execution!.executed(identity, effect.block);
        this.options.onBlock?.(identity, effect.block, this.inits[identity]!.committee, effect.proof);
        return [{ kind: 'block-durable', height: effect.block.header.height }];
    }
  }

  private checkSigned(identity: number, message: unknown): void {
    const problem = this.monitor.signed(identity, message);
    if (problem === null) return;
    this.equivocationViolated = true;
    if (this.equivocations.length < 5) this.equivocations.push(`equivocation: ${problem}`);
  }
}

function isCore(core: ConsensusCore<unknown> | null | undefined): core is ConsensusCore<unknown> {
  return core !== null && core !== undefined;
}
