import type { CommittedBatch, ConsensusEffect, ConsensusInput } from '../../../src/consensus/interface.js';
import {
  createPbftProtocol,
  type PbftCore,
  type PbftMessage,
  type PbftOptions,
  pbftGenesis,
} from '../../../src/consensus/pbft/index.js';
import { EffectLoop } from '../../../src/kit/effect-loop.js';
import { Prng } from '../../../src/kit/prng.js';

/**
 * n PBFT validators in one process over a simulated network: every message goes through the
 * codec, arrives after a seeded random delay, and can be dropped by a filter (silent or crashed
 * validators). Time is simulated, so the tests are fast and deterministic. The shared effect loop
 * carries out the cores' effects; the network here is its delivery policy.
 */
export class Cluster {
  readonly protocol;
  readonly inits;
  /** A test may put a core here itself (then `apply` what its own `handle` calls returned). */
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
  private readonly random: Prng;
  private readonly loop: EffectLoop<PbftMessage, ConsensusInput<PbftMessage>, ConsensusEffect<PbftMessage>>;
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
    // A down validator's slot stays in the loop and answers nothing; the timers it armed survive
    // `crash` (they find no core, or the restarted one).
    const runners = this.inits.map((_, i) => ({
      handle: (input: ConsensusInput<PbftMessage>, nowMs: number) =>
        this.cores[i]?.handle(input, nowMs) ?? [],
    }));
    this.loop = new EffectLoop(runners, {
      identities: n,
      network: {
        route: ({ from, to, message }, nowMs) => {
          if (!this.filter(from, to, message)) return [];
          const [lo, hi] = this.latencyMs;
          return [nowMs + lo + this.random.float() * (hi - lo)];
        },
      },
      deliver: ({ to, fromId, message }) => {
        const decoded = this.protocol.decodeMessage(this.protocol.encodeMessage(message));
        this.loop.feed(to, { kind: 'message', from: fromId, message: decoded });
      },
      effect: (i, effect) => {
        if (effect.kind === 'commit') this.committed[i]!.push(effect.batch);
        else {
          this.records[i]!.push(effect.record);
          if (this.crashAfterRecord.get(i)?.(effect.record)) {
            this.crashAfterRecord.delete(i);
            this.cores[i] = null;
            // Ends this effect list; the slot takes inputs again once a core is put back.
            this.loop.replace(i, runners[i]!);
          }
        }
        return undefined;
      },
      afterInput: (i) => this.keepSnapshot(i),
    });
    for (let i = 0; i < n; i++) this.loop.feed(i, { kind: 'start' });
  }

  get now(): number {
    return this.loop.now;
  }

  core(i: number): PbftCore {
    const core = this.cores[i];
    if (core === null || core === undefined) throw new Error(`validator ${i} is down`);
    return core;
  }

  submit(to: number, transactions: Uint8Array[]): void {
    if (this.cores[to] === null || this.cores[to] === undefined) return;
    this.loop.feed(to, { kind: 'transactions', transactions });
  }

  crash(i: number): void {
    this.snapshots[i] = this.core(i).snapshot();
    this.cores[i] = null;
  }

  restart(i: number): void {
    const recovered = this.snapshots[i];
    const init = recovered === undefined ? this.inits[i]! : { ...this.inits[i]!, recovered };
    this.cores[i] = this.protocol.create(init);
    this.loop.feed(i, { kind: 'start' });
  }

  /** Hands validator `to` a message as if peer `from` had sent it. */
  inject(to: number, from: number, message: PbftMessage): void {
    this.core(to);
    this.loop.feed(to, { kind: 'message', from, message });
  }

  /** Carries out effects a test obtained by calling a core's `handle` itself. */
  apply(i: number, effects: ConsensusEffect<PbftMessage>[]): void {
    this.loop.apply(i, effects);
    this.keepSnapshot(i);
  }

  /** Runs events in time order until `untilMs` or until `done()` holds. */
  run(untilMs: number, done: () => boolean = () => false): void {
    this.loop.run(untilMs, done);
  }

  /** Transactions committed at validator i, in order, as hex. */
  log(i: number): string[] {
    return this.committed[i]!.flatMap((b) => b.transactions.map((tx) => Buffer.from(tx).toString('hex')));
  }

  private keepSnapshot(i: number): void {
    const core = this.cores[i];
    if (core !== null && core !== undefined) this.snapshots[i] = core.snapshot();
  }
}

export function tx(label: string): Uint8Array {
  return new TextEncoder().encode(label);
}
