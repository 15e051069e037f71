import {
  type DagCore,
  type DagMessage,
  type DagValidatorInit,
  dagGenesis,
  dagProtocol,
} from '../../../src/consensus/dag/index.js';
import type { CommittedBatch, ConsensusEffect, ConsensusInput } from '../../../src/consensus/interface.js';
import { EventQueue } from '../../../src/kit/event-queue.js';

/**
 * A small in-order network for unit tests: fixed per-link delays, a switch to cut a validator
 * off, and every committed batch recorded per validator.
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
  now = 0;
  private readonly queue = new EventQueue<{ to: number; input: ConsensusInput<DagMessage> }>();
  private readonly timers: Map<string, number>[];

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
    this.timers = this.cores.map(() => new Map());
  }

  start(): void {
    this.cores.forEach((_, i) => {
      this.feed(i, { kind: 'start' });
    });
  }

  feed(i: number, input: ConsensusInput<DagMessage>): void {
    if (this.down.has(i)) return;
    this.apply(i, this.cores[i]!.handle(input, this.now));
  }

  submit(i: number, transactions: Uint8Array[]): void {
    this.feed(i, { kind: 'transactions', transactions });
  }

  replace(i: number, core: DagCore): void {
    this.cores[i] = core;
    this.timers[i]!.clear();
    this.down.delete(i);
  }

  private apply(i: number, effects: ConsensusEffect<DagMessage>[]): void {
    for (const effect of effects) {
      switch (effect.kind) {
        case 'send':
          this.send(i, effect.to, effect.message);
          break;
        case 'broadcast':
          for (let j = 0; j < this.n; j++) if (j !== i) this.send(i, j, effect.message);
          break;
        case 'timer':
          this.timers[i]!.set(effect.name, effect.atMs);
          this.push(Math.max(this.now, effect.atMs), i, { kind: 'timer', name: effect.name });
          break;
        case 'commit':
          this.commits[i]!.push(effect.batch);
          break;
        case 'persist-signed':
          this.records[i]!.push(effect.record);
          if (this.crashAfterRecord.get(i)?.(effect.record)) {
            this.crashAfterRecord.delete(i);
            this.down.add(i);
            return;
          }
          break;
      }
    }
  }

  send(from: number, to: number, message: DagMessage): void {
    this.sent.push({ from, to, message });
    if (this.cut.has(from) || this.cut.has(to)) return;
    this.push(this.now + 5 + ((from * 3 + to * 5) % 7), to, { kind: 'message', from, message });
  }

  private push(at: number, to: number, input: ConsensusInput<DagMessage>): void {
    this.queue.push(at, { to, input });
  }

  /** Runs until virtual time `untilMs` (or the queue empties). */
  run(untilMs: number): void {
    for (;;) {
      const next = this.queue.pop();
      if (next === undefined) break;
      if (next.at > untilMs) {
        this.queue.push(next.at, next.item);
        break;
      }
      this.now = next.at;
      const { to } = next.item;
      const input = next.item.input;
      if (input.kind === 'timer') {
        const armed = this.timers[to]!.get(input.name);
        if (armed === undefined || armed > this.now) continue;
        this.timers[to]!.delete(input.name);
      }
      this.feed(to, input);
    }
    this.now = Math.max(this.now, untilMs);
  }

  committedTransactions(i: number): string[] {
    return this.commits[i]!.flatMap((b) => b.transactions.map((t) => Buffer.from(t).toString()));
  }
}

export function txs(prefix: string, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, k) => new TextEncoder().encode(`${prefix}-${k}`));
}
