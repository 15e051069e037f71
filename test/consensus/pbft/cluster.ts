import type { CommittedBatch, ConsensusEffect } from '../../../src/consensus/interface.js';
import {
  createPbftProtocol,
  type PbftCore,
  type PbftMessage,
  type PbftOptions,
  pbftGenesis,
} from '../../../src/consensus/pbft/index.js';
import { EventQueue } from '../../../src/kit/event-queue.js';
import { Prng } from '../../../src/kit/prng.js';

interface Event {
  readonly to: number;
  readonly from?: number;
  readonly bytes?: Uint8Array;
  readonly timer?: string;
}

/**
 * n PBFT validators in one process over a simulated network: every message goes through the
 * codec, arrives after a seeded random delay, and can be dropped by a filter (silent or crashed
 * validators). Time is simulated, so the tests are fast and deterministic.
 */
export class Cluster {
  readonly protocol;
  readonly inits;
  readonly cores: (PbftCore | null)[];
  readonly committed: CommittedBatch[][];
  readonly snapshots: (Uint8Array | undefined)[];
  /** Per validator, every signed-log record it asked to make durable, in order. */
  readonly records: Uint8Array[][];
  /**
   * Validators that die right after a record this predicate picks: the rest of that effect list
   * is lost, as in a crash between making the record durable and sending the statement.
   */
  readonly crashAfterRecord = new Map<number, (record: Uint8Array) => boolean>();
  now = 0;
  private readonly queue = new EventQueue<Event>();
  private readonly timers = new Map<string, number>();
  private readonly random: Prng;
  /** Returns false to drop a message on the wire. */
  filter: (from: number, to: number, message: PbftMessage) => boolean = () => true;

  constructor(
    readonly n: number,
    seed = 1,
    options: Partial<PbftOptions> = {},
    readonly latencyMs: [number, number] = [1, 10],
  ) {
    this.random = new Prng(seed);
    this.protocol = createPbftProtocol(options);
    this.inits = pbftGenesis(n, new Uint8Array(32).fill(seed & 0xff));
    this.cores = this.inits.map((init) => this.protocol.create(init));
    this.committed = this.inits.map(() => []);
    this.snapshots = this.inits.map(() => undefined);
    this.records = this.inits.map(() => []);
    for (let i = 0; i < n; i++) this.apply(i, this.cores[i]!.handle({ kind: 'start' }, 0));
  }

  core(i: number): PbftCore {
    const core = this.cores[i];
    if (core === null || core === undefined) throw new Error(`validator ${i} is down`);
    return core;
  }

  submit(to: number, transactions: Uint8Array[]): void {
    const core = this.cores[to];
    if (core === null || core === undefined) return;
    this.apply(to, core.handle({ kind: 'transactions', transactions }, this.now));
  }

  crash(i: number): void {
    this.snapshots[i] = this.core(i).snapshot();
    this.cores[i] = null;
  }

  restart(i: number): void {
    const recovered = this.snapshots[i];
    const init = recovered === undefined ? this.inits[i]! : { ...this.inits[i]!, recovered };
    this.cores[i] = this.protocol.create(init);
    this.apply(i, this.cores[i]!.handle({ kind: 'start' }, this.now));
  }

  /** Delivers raw bytes as if a peer had sent them; returns whether decoding succeeded. */
  inject(to: number, from: number, message: PbftMessage): void {
    this.apply(to, this.core(to).handle({ kind: 'message', from, message }, this.now));
  }

  private push(at: number, event: Event): void {
    this.queue.push(at, event);
  }

  private send(from: number, to: number, message: PbftMessage): void {
    if (!this.filter(from, to, message)) return;
    const [lo, hi] = this.latencyMs;
    const bytes = this.protocol.encodeMessage(message);
    this.push(this.now + lo + this.random.float() * (hi - lo), { to, from, bytes });
  }

  apply(i: number, effects: ConsensusEffect<PbftMessage>[]): void {
    for (const effect of effects) {
      switch (effect.kind) {
        case 'send':
          this.send(i, effect.to, effect.message);
          break;
        case 'broadcast':
          for (let to = 0; to < this.n; to++) if (to !== i) this.send(i, to, effect.message);
          break;
        case 'timer':
          this.timers.set(`${i}/${effect.name}`, effect.atMs);
          this.push(effect.atMs, { to: i, timer: effect.name });
          break;
        case 'commit':
          this.committed[i]!.push(effect.batch);
          break;
        case 'persist-signed':
          this.records[i]!.push(effect.record);
          if (this.crashAfterRecord.get(i)?.(effect.record)) {
            this.crashAfterRecord.delete(i);
            this.cores[i] = null;
            return;
          }
          break;
      }
    }
    const core = this.cores[i];
    if (core !== null && core !== undefined) this.snapshots[i] = core.snapshot();
  }

  /** Runs events in time order until `untilMs` or until `done()` holds. */
  run(untilMs: number, done: () => boolean = () => false): void {
    while (this.queue.size > 0 && !done()) {
      if (this.queue.peekAt()! > untilMs) break;
      const { at, item: event } = this.queue.pop()!;
      this.now = Math.max(this.now, at);
      const core = this.cores[event.to];
      if (core === null || core === undefined) continue;
      if (event.timer !== undefined) {
        if (this.timers.get(`${event.to}/${event.timer}`) !== at) continue;
        this.apply(event.to, core.handle({ kind: 'timer', name: event.timer }, this.now));
      } else {
        const message = this.protocol.decodeMessage(event.bytes!);
        this.apply(event.to, core.handle({ kind: 'message', from: event.from!, message }, this.now));
      }
    }
    if (this.now < untilMs && !done()) this.now = untilMs;
  }

  /** Transactions committed at validator i, in order, as hex. */
  log(i: number): string[] {
    return this.committed[i]!.flatMap((b) => b.transactions.map((tx) => Buffer.from(tx).toString('hex')));
  }
}

export function tx(label: string): Uint8Array {
  return new TextEncoder().encode(label);
}
