import {
  type DagCore,
  type DagMessage,
  type DagValidatorInit,
  dagGenesis,
  dagProtocol,
} from '../../../src/consensus/dag/index.js';
import type { CommittedBatch, ConsensusEffect, ConsensusInput } from '../../../src/consensus/interface.js';
import { EffectLoop } from '../../../src/kit/effect-loop.js';

/**
 * A small in-order network for unit tests: fixed per-link delays, a switch to cut a validator
 * off, and every committed batch recorded per validator. The shared effect loop carries out what
 * the cores ask for; this class only holds the test's view of it.
 */
export class Cluster {
  readonly inits: DagValidatorInit[];
  readonly cores: DagCore[];
  readonly commits: CommittedBatch[][];
  readonly cut = new Set<number>();
  readonly sent: { from: number; to: number; message: DagMessage }[] = [];
  /** Per validator, every signed-log record it asked to make durable, in order. */
  readonly records: Uint8Array[][];
  /**
   * Validators that die right after a record this predicate picks: the rest of that effect list
   * is lost, as in a crash between making the record durable and sending the statement.
   */
  readonly crashAfterRecord = new Map<number, (record: Uint8Array) => boolean>();
  readonly down = new Set<number>();
  private readonly loop: EffectLoop<DagMessage, ConsensusInput<DagMessage>, ConsensusEffect<DagMessage>>;

  constructor(
    readonly n: number,
    seedByte = 1,
    config: DagValidatorInit['config'] = { minRoundIntervalMs: 50 },
  ) {
    // Mechanics tests run at one pace throughout unless they set the idle pace themselves.
    const paced = { idleRoundIntervalMs: config?.minRoundIntervalMs ?? 10, ...config };
    this.inits = dagGenesis(n, new Uint8Array(32).fill(seedByte), { config: paced });
    this.cores = this.inits.map((init) => dagProtocol.create(init) as DagCore);
    this.commits = this.cores.map(() => []);
    this.records = this.cores.map(() => []);
    this.loop = new EffectLoop(
      this.cores.map((_, i) => this.runner(i)),
      {
        identities: n,
        network: {
          route: ({ from, to, message }, nowMs) => {
            this.sent.push({ from, to, message });
            if (this.cut.has(from) || this.cut.has(to)) return [];
            return [nowMs + 5 + ((from * 3 + to * 5) % 7)];
          },
        },
        effect: (i, effect) => {
          if (effect.kind === 'commit') this.commits[i]!.push(effect.batch);
          else {
            this.records[i]!.push(effect.record);
            if (this.crashAfterRecord.get(i)?.(effect.record)) {
              this.crashAfterRecord.delete(i);
              this.down.add(i);
              this.loop.stop(i);
            }
          }
          return undefined;
        },
      },
    );
  }

  get now(): number {
    return this.loop.now;
  }

  start(): void {
    this.cores.forEach((_, i) => {
      this.feed(i, { kind: 'start' });
    });
  }

  feed(i: number, input: ConsensusInput<DagMessage>): void {
    this.loop.feed(i, input);
  }

  submit(i: number, transactions: Uint8Array[]): void {
    this.feed(i, { kind: 'transactions', transactions });
  }

  /** Validator i stops at once: whatever it would still do is lost, as in a crash. */
  kill(i: number): void {
    this.down.add(i);
    this.loop.stop(i);
  }

  /** Validator i runs `core` from now on (up again if it was down); timers armed before never fire. */
  replace(i: number, core: DagCore): void {
    this.cores[i] = core;
    this.down.delete(i);
    this.loop.replace(i, this.runner(i));
  }

  /** Runs until virtual time `untilMs` (or the queue empties). */
  run(untilMs: number): void {
    this.loop.run(untilMs);
  }

  committedTransactions(i: number): string[] {
    return this.commits[i]!.flatMap((b) => b.transactions.map((t) => Buffer.from(t).toString()));
  }

  /** Reads the core at run time, so a test may swap it in `cores` directly. */
  private runner(i: number) {
    return {
      handle: (input: ConsensusInput<DagMessage>, nowMs: number) => this.cores[i]!.handle(input, nowMs),
    };
  }
}

export function txs(prefix: string, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, k) => new TextEncoder().encode(`${prefix}-${k}`));
}
