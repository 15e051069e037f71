import type {
  ConsensusCore,
  ConsensusEffect,
  ConsensusInput,
  ValidatorInit,
} from '../consensus/interface.js';
import { maxFaulty } from '../consensus/interface.js';
import { adapterFor } from './adapters/index.js';
import type { ProtocolAdapter } from './adapters/types.js';
import { InvariantChecker } from './checks.js';
import { SimError } from './errors.js';
import { EventQueue } from './event-queue.js';
import { drawFaultPlan, type FaultPlan, faultsEndMs } from './faults.js';
import { Prng } from './prng.js';
import { ByzantineCore, type Strategy, strategyFor } from './strategies.js';

export interface RunOptions {
  readonly protocol: string;
  readonly nodes: number;
  /** Byzantine validators (at most f). */
  readonly faulty: number;
  readonly byzantine: Strategy | 'all';
  readonly seed: number;
  readonly transactions?: number;
  /** Virtual time allowed after the last fault for every transaction to be committed everywhere. */
  readonly livenessBoundMs?: number;
  /** Pass every message through its encoder and decoder (slower; exercises the codec). */
  readonly wire?: boolean;
  /** Turn off the network faults (delays stay), for a clean baseline. */
  readonly calm?: boolean;
  /** Transactions are spread over this much virtual time (default 1500 ms). */
  readonly txWindowMs?: number;
  /** Called every `sampleEveryMs` of virtual time with the live cores (benchmarks). */
  readonly sampleEveryMs?: number;
  readonly onSample?: (nowMs: number, cores: readonly (ConsensusCore<unknown> | null)[]) => void;
}

export interface RunResult {
  readonly seed: number;
  readonly strategies: readonly Strategy[];
  readonly faultyNodes: readonly number[];
  readonly agreementOk: boolean;
  readonly validityOk: boolean;
  readonly livenessOk: boolean;
  /** Batches whose transactions agree but whose reported round or proposer differ between validators. */
  readonly metadataMismatches: number;
  readonly submittedTx: number;
  readonly committedTx: number;
  readonly virtualMs: number;
  /** Virtual time from the end of the faults until the last transaction was committed everywhere. */
  readonly recoveryMs: number;
  readonly events: number;
  readonly latencyP50Ms: number;
  readonly latencyMaxMs: number;
  readonly problems: readonly string[];
}

type SimEvent =
  | { readonly kind: 'deliver'; readonly to: number; readonly from: number; readonly message: unknown }
  | { readonly kind: 'timer'; readonly to: number; readonly name: string; readonly incarnation: number }
  | { readonly kind: 'transactions'; readonly to: number; readonly tx: Uint8Array }
  | { readonly kind: 'crash'; readonly node: number }
  | { readonly kind: 'restart'; readonly node: number };

const MAX_EVENTS = 3_000_000;

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
  const adapter = adapterFor(options.protocol);
  return new Simulation(adapter, options).run();
}

class Simulation {
  private readonly n: number;
  private readonly rng: Prng;
  private readonly netRng: Prng;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly inits: ValidatorInit[];
  private readonly cores: (ConsensusCore<unknown> | null)[];
  private readonly honest: number[];
  private readonly faultyNodes: number[];
  private readonly strategies: Strategy[];
  private readonly plan: FaultPlan;
  private readonly checker: InvariantChecker;
  private readonly timers: Map<string, number>[];
  private readonly incarnation: number[];
  private readonly targeting: boolean;
  private now = 0;
  private target: number | null = null;

  constructor(
    private readonly adapter: ProtocolAdapter<unknown>,
    private readonly options: RunOptions,
  ) {
    this.n = options.nodes;
    this.rng = new Prng(options.seed);
    this.netRng = this.rng.fork(1);
    const genesisSeed = new Uint8Array(32);
    new DataView(genesisSeed.buffer).setUint32(0, options.seed >>> 0);
    this.inits = adapter.genesis(this.n, genesisSeed);
    const order = this.rng.shuffle(Array.from({ length: this.n }, (_, i) => i));
    this.faultyNodes = order.slice(0, options.faulty).sort((a, b) => a - b);
    this.honest = order.slice(options.faulty).sort((a, b) => a - b);
    this.strategies = this.faultyNodes.map((_, j) => strategyFor(options.byzantine, options.seed, j));
    this.targeting =
      this.strategies.includes('leader-targeting') ||
      (options.faulty === 0 && options.byzantine === 'leader-targeting');
    const drawn = drawFaultPlan(this.rng.fork(2), this.n, this.honest, this.targeting);
    const txWindowMs = options.txWindowMs ?? drawn.txWindowMs;
    this.plan = options.calm
      ? { ...drawn, partition: null, crash: null, dropProbability: 0, txWindowMs }
      : { ...drawn, txWindowMs };
    this.checker = new InvariantChecker(this.honest, this.n);
    this.timers = Array.from({ length: this.n }, () => new Map());
    this.incarnation = new Array(this.n).fill(0);
    const byzantineRng = this.rng.fork(3);
    this.cores = this.inits.map((init, i) => {
      const j = this.faultyNodes.indexOf(i);
      return j < 0
        ? adapter.create(init)
        : new ByzantineCore(this.strategies[j]!, adapter, init, byzantineRng.fork(i));
    });
  }

  run(): RunResult {
    const txRng = this.rng.fork(4);
    const txCount = this.options.transactions ?? 100;
    for (let k = 0; k < txCount; k++) {
      const at = Math.floor((k * this.plan.txWindowMs) / txCount);
      const tx = new TextEncoder().encode(`sim/${this.options.seed}/${k}/${txRng.next().toString(16)}`);
      this.queue.push(at, { kind: 'transactions', to: txRng.pick(this.honest), tx });
    }
    if (this.plan.crash !== null) {
      this.queue.push(this.plan.crash.atMs, { kind: 'crash', node: this.plan.crash.node });
      this.queue.push(this.plan.crash.restartMs, { kind: 'restart', node: this.plan.crash.node });
    }
    for (let i = 0; i < this.n; i++) this.feed(i, { kind: 'start' });

    const faultsEnd = faultsEndMs(this.plan);
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
      if (this.now >= faultsEnd && this.checker.submittedCount === txCount && this.checker.allCommitted()) {
        done = true;
        doneAt = this.now;
        break;
      }
    }
    const latencies = [...this.checker.latenciesMs].sort((a, b) => a - b);
    const problems = [...this.checker.problems];
    if (!done) problems.push(...this.checker.missingReport());
    return {
      seed: this.options.seed,
      strategies: this.strategies,
      faultyNodes: this.faultyNodes,
      agreementOk: !this.checker.agreementViolated,
      validityOk: !this.checker.validityViolated,
      livenessOk: done,
      metadataMismatches: this.checker.metadataMismatches,
      submittedTx: this.checker.submittedCount,
      committedTx: this.checker.committedEverywhere(),
      virtualMs: this.now,
      recoveryMs: Math.max(0, doneAt - faultsEnd),
      events,
      latencyP50Ms: latencies[Math.floor(latencies.length / 2)] ?? 0,
      latencyMaxMs: latencies[latencies.length - 1] ?? 0,
      problems,
    };
  }

  private dispatch(event: SimEvent): void {
    switch (event.kind) {
      case 'deliver':
        if (this.cores[event.to] !== null)
          this.feed(event.to, { kind: 'message', from: event.from, message: event.message });
        return;
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
        this.checker.submitted(event.tx, this.now);
        if (this.cores[to] !== null) this.feed(to, { kind: 'transactions', transactions: [event.tx] });
        return;
      }
      case 'crash': {
        // The snapshot is what the node wrote after its last handled input.
        const core = this.cores[event.node]!;
        this.crashed.set(event.node, core.snapshot());
        this.cores[event.node] = null;
        this.incarnation[event.node]!++;
        this.timers[event.node]!.clear();
        return;
      }
      case 'restart': {
        const recovered = this.crashed.get(event.node)!;
        this.cores[event.node] = this.adapter.create({ ...this.inits[event.node]!, recovered });
        this.feed(event.node, { kind: 'start' });
        return;
      }
    }
  }

  private readonly crashed = new Map<number, Uint8Array>();

  private feed(node: number, input: ConsensusInput<unknown>): void {
    const core = this.cores[node];
    if (core === null || core === undefined) return;
    const effects = core.handle(input, this.now);
    if (this.targeting)
      this.target = this.adapter.reliedOn(this.honest.map((i) => this.cores[i]).filter(isCore));
    this.apply(node, effects);
  }

  private apply(node: number, effects: readonly ConsensusEffect<unknown>[]): void {
    for (const effect of effects) {
      switch (effect.kind) {
        case 'send':
          if (effect.to !== node && effect.to >= 0 && effect.to < this.n)
            this.send(node, effect.to, effect.message);
          break;
        case 'broadcast':
          for (let to = 0; to < this.n; to++) if (to !== node) this.send(node, to, effect.message);
          break;
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
          if (this.honest.includes(node)) this.checker.commit(node, effect.batch, this.now);
          break;
      }
    }
  }

  private send(from: number, to: number, message: unknown): void {
    const plan = this.plan;
    const rng = this.netRng;
    let delay = rng.range(plan.delayMinMs, plan.delayMaxMs);
    if (rng.chance(plan.slowProbability)) delay += rng.int(plan.slowExtraMaxMs);
    if (this.target !== null && (from === this.target || to === this.target)) delay += plan.targetDelayMs;
    // A dropped packet is sent again by the link after its retransmission timeout.
    while (rng.chance(plan.dropProbability)) delay += plan.retransmitMs;
    let at = this.now + delay;
    const partition = plan.partition;
    if (partition !== null && this.now < partition.healMs && at >= partition.startMs) {
      if (partition.side.has(from) !== partition.side.has(to))
        at = Math.max(at, partition.healMs + rng.int(50));
    }
    const payload = this.options.wire ? this.adapter.decode(this.adapter.encode(message)) : message;
    this.queue.push(at, { kind: 'deliver', to, from, message: payload });
    if (rng.chance(plan.duplicateProbability)) {
      this.queue.push(at + rng.int(100), { kind: 'deliver', to, from, message: payload });
    }
  }
}

function isCore(core: ConsensusCore<unknown> | null | undefined): core is ConsensusCore<unknown> {
  return core !== null && core !== undefined;
}
