import type {
  ConsensusCore,
  ConsensusEffect,
  ConsensusInput,
  ValidatorInit,
} from '../consensus/interface.js';
import { maxFaulty } from '../consensus/interface.js';
import { EventQueue } from '../kit/event-queue.js';
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
import { type Envelope, type Network, PlanNetwork } from './network.js';
import type { RunOptions, RunResult } from './run-types.js';
import { withSharedChecks } from './shared-checks.js';
import { ByzantineCore, type Strategy, strategyFor } from './strategies.js';
import { CLIENT_WAIT_MS, kvSchedule, type PlannedTransaction } from './workload.js';

export type { RunOptions, RunResult } from './run-types.js';

type SimEvent =
  | { readonly kind: 'deliver'; readonly envelope: Envelope }
  | { readonly kind: 'timer'; readonly to: number; readonly name: string; readonly incarnation: number }
  | { readonly kind: 'transactions'; readonly to: number; readonly tx: PlannedTransaction['tx'] }
  | { readonly kind: 'crash'; readonly node: number }
  | { readonly kind: 'restart'; readonly node: number }
  /** Clients of a validator that lost its queue in a crash send their transactions again. */
  | { readonly kind: 'resend'; readonly node: number }
  | { readonly kind: 'snapshot' }
  | { readonly kind: 'tick' }
  | { readonly kind: 'flush' };

const MAX_EVENTS = 3_000_000;
/** How long after a lossy restart a client waits before sending an uncommitted transaction again. */
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
  private readonly queue = new EventQueue<SimEvent>();
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
  private readonly timers: Map<string, number>[];
  private readonly incarnation: number[];
  private readonly targeting: boolean;
  private readonly crashed = new Map<number, { recovered?: Uint8Array; signedLog: Uint8Array[] }>();
  /** Each client transaction and the validator it was last handed to. */
  private readonly handedTo = new Map<string, { node: number; tx: Uint8Array }>();
  /** What each instance has made durable: its last periodic snapshot and the signed records since. */
  private readonly durable: { snapshot?: Uint8Array; log: Uint8Array[] }[];
  private readonly attacks: string[] = [];
  private equivocationViolated = false;
  private held = 0;
  private readonly restarts: {
    instance: number;
    atMs: number;
    fromSnapshot: boolean;
    signedRecords: number;
  }[] = [];
  private now = 0;

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
    this.timers = this.identityOf.map(() => new Map());
    this.incarnation = this.identityOf.map(() => 0);
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
    for (const { atMs, to, tx } of planned) this.queue.push(atMs, { kind: 'transactions', to, tx });
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
      this.queue.push(crash.atMs, { kind: 'crash', node: crash.instance });
      this.queue.push(crash.restartMs, { kind: 'restart', node: crash.instance });
    }
    if (this.setup?.lossyCrash) this.queue.push(this.setup.snapshotPeriodMs, { kind: 'snapshot' });
    if (this.network.releaseAllAtMs > 0) this.queue.push(this.network.releaseAllAtMs, { kind: 'flush' });
    if (this.network.tickMs !== undefined) this.queue.push(this.network.tickMs, { kind: 'tick' });
    for (let i = 0; i < this.cores.length; i++) this.feed(i, { kind: 'start' });

    const faultsEnd = this.faultsEnd;
    const deadline = faultsEnd + (this.options.livenessBoundMs ?? 30_000);
    let events = 0;
    let nextSampleAt = this.options.sampleEveryMs ?? Number.POSITIVE_INFINITY;
    let done = false;
    let doneAt = deadline;
    while (events < MAX_EVENTS) {
      const next = this.queue.pop();
      if (next === undefined || next.at > deadline) break;
      this.now = next.at;
      events++;
      while (this.now >= nextSampleAt) {
        this.options.onSample?.(nextSampleAt, this.cores);
        nextSampleAt += this.options.sampleEveryMs!;
      }
      this.dispatch(next.item);
      for (const envelope of this.network.release(this.now)) this.deliverSoon(envelope);
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
      heldMessages: this.held,
      restarts: this.restarts,
      problems,
      ...(execution === undefined
        ? {}
        : { execution: done ? execution : { ...execution, finalStateMismatches: 0 } }),
    };
  }

  private readonly equivocations: string[] = [];

  private dispatch(event: SimEvent): void {
    switch (event.kind) {
      case 'deliver': {
        const { envelope } = event;
        if (this.cores[envelope.to] !== null)
          this.feed(envelope.to, { kind: 'message', from: envelope.fromId, message: envelope.message });
        return;
      }
      case 'timer': {
        if (event.incarnation !== this.incarnation[event.to]) return;
        const timers = this.timers[event.to]!;
        if (timers.get(event.name) !== this.now) return; // re-armed since
        timers.delete(event.name);
        this.feed(event.to, { kind: 'timer', name: event.name });
        return;
      }
      case 'transactions': {
        // A client whose validator is down hands the transaction to another honest one.
        let to = event.to;
        if (this.cores[to] === null) to = this.honest.find((i) => this.cores[i] !== null) ?? to;
        const tx = typeof event.tx === 'function' ? event.tx(to, this.now) : event.tx;
        if (tx === null) {
          this.queue.push(this.now + CLIENT_WAIT_MS, event);
          return;
        }
        this.checker.submitted(tx, this.now);
        this.handedTo.set(Buffer.from(tx).toString('hex'), { node: to, tx });
        if (this.cores[to] !== null) this.feed(to, { kind: 'transactions', transactions: [tx] });
        return;
      }
      case 'resend': {
        // A validator acknowledges a transaction from memory; one that lost its queue in a crash
        // loses what it had not yet proposed, and the client sends the same bytes again to
        // another validator, as the SDK does (docs/API.md, acknowledgement contract).
        const others = this.honest.filter((i) => i !== event.node && this.cores[i] !== null);
        if (others.length === 0) return;
        let k = 0;
        for (const [key, handed] of this.handedTo) {
          if (handed.node !== event.node || this.checker.committedAnywhere(handed.tx)) continue;
          const to = others[k++ % others.length]!;
          this.handedTo.set(key, { node: to, tx: handed.tx });
          this.checker.resent(handed.tx);
          this.feed(to, { kind: 'transactions', transactions: [handed.tx] });
        }
        return;
      }
      case 'crash': {
        const core = this.cores[event.node];
        if (core === null || core === undefined) return;
        if (this.setup?.lossyCrash) {
          // What was durable at the crash: the last periodic snapshot and the signed records since.
          const durable = this.durable[event.node]!;
          this.crashed.set(event.node, {
            ...(durable.snapshot === undefined ? {} : { recovered: durable.snapshot }),
            signedLog: [...durable.log],
          });
        } else {
          // The snapshot is what the node wrote after its last handled input; a whole validator
          // writes one only when settled, and otherwise has its last one and the records since.
          const validator = this.validators[event.node];
          const settled =
            validator === null || validator === undefined ? core.snapshot() : validator.snapshot();
          const durable = this.durable[event.node]!;
          this.crashed.set(
            event.node,
            settled !== null
              ? { recovered: settled, signedLog: [] }
              : {
                  ...(durable.snapshot === undefined ? {} : { recovered: durable.snapshot }),
                  signedLog: [...durable.log],
                },
          );
        }
        this.validators[event.node] = null;
        this.cores[event.node] = null;
        this.incarnation[event.node]!++;
        this.timers[event.node]!.clear();
        return;
      }
      case 'restart': {
        const state = this.crashed.get(event.node);
        if (state === undefined || this.cores[event.node] !== null) return;
        const init = this.inits[this.identityOf[event.node]!]!;
        this.restarts.push({
          instance: event.node,
          atMs: this.now,
          fromSnapshot: state.recovered !== undefined,
          signedRecords: state.signedLog.length,
        });
        const restored = {
          ...init,
          ...(state.recovered === undefined ? {} : { recovered: state.recovered }),
          ...(state.signedLog.length === 0 ? {} : { signedLog: state.signedLog }),
        };
        this.cores[event.node] =
          this.execution !== null && this.honest.includes(this.identityOf[event.node]!)
            ? this.startValidator(event.node, restored)
            : this.adapter.create(restored);
        this.feed(event.node, { kind: 'start' });
        if (this.setup?.lossyCrash)
          this.queue.push(this.now + CLIENT_RESEND_AFTER_MS, { kind: 'resend', node: event.node });
        return;
      }
      case 'snapshot': {
        // Every live validator writes its state on a period, as the node does.
        this.cores.forEach((core, instance) => {
          if (core === null) return;
          const validator = this.validators[instance];
          const snapshot =
            validator === null || validator === undefined ? core.snapshot() : validator.snapshot();
          // An unsettled validator writes nothing this time; its log keeps growing until it does.
          if (snapshot !== null) this.durable[instance] = { snapshot, log: [] };
        });
        if (this.now < this.faultsEnd)
          this.queue.push(this.now + this.setup!.snapshotPeriodMs, { kind: 'snapshot' });
        return;
      }
      case 'tick':
        if (this.now < this.network.releaseAllAtMs)
          this.queue.push(this.now + this.network.tickMs!, { kind: 'tick' });
        return;
      case 'flush':
        for (const envelope of this.network.drain()) this.deliverSoon(envelope);
        return;
    }
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

  private feed(node: number, input: ConsensusInput<unknown>): void {
    const core = this.cores[node];
    if (core === null || core === undefined) return;
    const validator = this.validators[node];
    if (validator !== null && validator !== undefined) {
      this.feedValidator(node, validator, input);
      this.retarget();
      return;
    }
    const effects = core.handle(input, this.now);
    this.retarget();
    this.apply(node, effects);
  }

  private retarget(): void {
    if (this.targeting && this.network instanceof PlanNetwork) {
      this.network.target = this.adapter.reliedOn(this.honest.map((i) => this.cores[i]).filter(isCore));
    }
  }

  private apply(node: number, effects: readonly ConsensusEffect<unknown>[]): void {
    const identity = this.identityOf[node]!;
    const honest = this.honest.includes(identity);
    for (const effect of effects) {
      switch (effect.kind) {
        case 'send':
        case 'broadcast': {
          this.monitor.observe(effect.message);
          if (honest) this.checkSigned(identity, effect.message);
          if (effect.kind === 'send') {
            if (effect.to !== identity && effect.to >= 0 && effect.to < this.n)
              this.sendTo(node, effect.to, effect.message);
          } else {
            for (let to = 0; to < this.n; to++) if (to !== identity) this.sendTo(node, to, effect.message);
          }
          break;
        }
        case 'timer':
          this.timers[node]!.set(effect.name, Math.max(this.now, effect.atMs));
          this.queue.push(Math.max(this.now, effect.atMs), {
            kind: 'timer',
            to: node,
            name: effect.name,
            incarnation: this.incarnation[node]!,
          });
          break;
        case 'commit':
          if (honest) this.checker.commit(identity, effect.batch, this.now);
          break;
        case 'persist-signed':
          this.durable[node]!.log.push(effect.record);
          break;
      }
    }
  }

  /** Client transactions go through the validator's mempool, as at the node's API. */
  private feedValidator(node: number, validator: Validator<unknown>, input: ConsensusInput<unknown>): void {
    let mapped: ValidatorInput<unknown>;
    if (input.kind === 'transactions') {
      const admitted = [];
      for (const bytes of input.transactions) {
        try {
          admitted.push(validator.admit(bytes, this.now));
        } catch {
          // Refused (a copy already pending or committed): the client's other copy stands.
        }
      }
      mapped = { kind: 'propose', transactions: admitted };
    } else mapped = input;
    const effects = validator.handle(mapped, this.now);
    this.applyValidator(node, validator, effects);
  }

  private applyValidator(
    node: number,
    validator: Validator<unknown>,
    effects: readonly ValidatorEffect<unknown>[],
  ): void {
    const identity = this.identityOf[node]!;
    const consensus: ConsensusEffect<unknown>[] = [];
    const answers: ValidatorInput<unknown>[] = [];
    for (const effect of effects) {
      switch (effect.kind) {
        case 'ordered':
          consensus.push({ kind: 'commit', batch: effect.batch });
          break;
        case 'persist-signed':
          // Durable at once in the simulator (its loss at a crash is the crash-loss model's).
          for (const record of effect.records) consensus.push({ kind: 'persist-signed', record });
          answers.push({ kind: 'signed-durable', ticket: effect.ticket });
          break;
        case 'write-block':
          this.execution!.executed(identity, effect.block);
          answers.push({ kind: 'block-durable', height: effect.block.header.height });
          break;
        default:
          consensus.push(effect);
      }
    }
    this.apply(node, consensus);
    for (const answer of answers) {
      if (this.validators[node] !== validator) return; // crashed meanwhile
      this.applyValidator(node, validator, validator.handle(answer, this.now));
    }
  }

  private checkSigned(identity: number, message: unknown): void {
    const problem = this.monitor.signed(identity, message);
    if (problem === null) return;
    this.equivocationViolated = true;
    if (this.equivocations.length < 5) this.equivocations.push(`equivocation: ${problem}`);
  }

  /** Every instance of identity `to` but the sender itself gets its own copy. */
  private sendTo(from: number, to: number, message: unknown): void {
    const payload = this.options.wire ? this.adapter.decode(this.adapter.encode(message)) : message;
    for (const instance of this.instancesOf[to]!) {
      if (instance === from) continue;
      const envelope: Envelope = {
        from,
        to: instance,
        fromId: this.identityOf[from]!,
        toId: to,
        message: payload,
      };
      const times = this.network.route(envelope, this.now);
      if (times === null) {
        this.held++; // kept by the network until it lets go
        continue;
      }
      for (const at of times) this.queue.push(at, { kind: 'deliver', envelope });
    }
  }

  private deliverSoon(envelope: Envelope): void {
    this.queue.push(this.now + 1, { kind: 'deliver', envelope });
  }
}

function isCore(core: ConsensusCore<unknown> | null | undefined): core is ConsensusCore<unknown> {
  return core !== null && core !== undefined;
}
