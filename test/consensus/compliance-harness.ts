import {
  type DagMessage,
  type DagValidatorInit,
  dagGenesis,
  dagProtocol,
  digestKey,
  headerDigest,
} from '../../src/consensus/dag/index.js';
import type {
  CommittedBatch,
  ConsensusCore,
  ConsensusEffect,
  ConsensusInput,
  ConsensusProtocol,
  ValidatorInit,
} from '../../src/consensus/interface.js';
import {
  batchDigest,
  encodePbftMessage,
  FETCH_TIMER,
  HEARTBEAT_TIMER,
  type PbftMessage,
  type PrePrepareMessage,
  pbftGenesis,
  pbftProtocol,
  VIEW_TIMER,
} from '../../src/consensus/pbft/index.js';
import { EffectLoop } from '../../src/kit/effect-loop.js';
import { Prng } from '../../src/kit/prng.js';

/** One message a validator put on the wire (before the network decides its fate). */
export interface Sent<M> {
  readonly from: number;
  readonly message: M;
}

/** A protocol under the compliance suite, and the little the suite must know about it. */
export interface Subject<M> {
  readonly name: string;
  readonly protocol: ConsensusProtocol<M, ValidatorInit>;
  genesis(n: number, seed: number): ValidatorInit[];
  /** Every timer name the protocol's core may arm. */
  readonly timers: readonly string[];
  /** What `signer` signed on the wire: statement slot → the distinct values signed for it. */
  statements(sent: readonly Sent<M>[], signer: number): Map<string, Set<string>>;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function collect(): { add(slot: string, value: string): void; result: Map<string, Set<string>> } {
  const result = new Map<string, Set<string>>();
  return {
    add(slot, value) {
      const values = result.get(slot) ?? new Set<string>();
      values.add(value);
      result.set(slot, values);
    },
    result,
  };
}

export const dagSubject: Subject<DagMessage> = {
  name: 'dag',
  protocol: dagProtocol as ConsensusProtocol<DagMessage, ValidatorInit>,
  genesis: (n, seed) =>
    dagGenesis(n, new Uint8Array(32).fill(seed), {
      config: { minRoundIntervalMs: 40, idleRoundIntervalMs: 40 },
    }) as DagValidatorInit[],
  timers: ['dag.propose', 'dag.resend'],
  statements(sent, signer) {
    // A vote names a digest only: the header broadcast on the wire tells its slot.
    const slotOf = new Map<string, string>();
    for (const { message } of sent)
      if (message.type === 'header')
        slotOf.set(
          digestKey(headerDigest(message.header)),
          `${message.header.author}:${message.header.round}`,
        );
    const signed = collect();
    for (const { from, message } of sent) {
      if (from !== signer) continue;
      if (message.type === 'header') {
        const { author, round } = message.header;
        signed.add(`header ${author}:${round}`, digestKey(headerDigest(message.header)));
      } else if (message.type === 'vote') {
        const digest = digestKey(message.vote.headerDigest);
        signed.add(`vote ${slotOf.get(digest) ?? digest}`, digest);
      }
    }
    return signed.result;
  },
};

export const pbftSubject: Subject<PbftMessage> = {
  name: 'pbft',
  protocol: pbftProtocol,
  genesis: (n, seed) => pbftGenesis(n, new Uint8Array(32).fill(seed)),
  timers: [VIEW_TIMER, FETCH_TIMER, HEARTBEAT_TIMER],
  statements(sent, signer) {
    const signed = collect();
    const prePrepare = (pp: PrePrepareMessage) =>
      signed.add(`pre-prepare ${pp.view}:${pp.sequence}`, hex(batchDigest(pp.proposer, pp.transactions)));
    for (const { message: m } of sent) {
      if (m.from !== signer) continue;
      if (m.type === 'pre-prepare') prePrepare(m);
      else if (m.type === 'prepare' || m.type === 'commit')
        signed.add(`${m.type} ${m.view}:${m.sequence}`, hex(m.digest));
      else if (m.type === 'view-change') signed.add(`view-change ${m.newView}`, hex(encodePbftMessage(m)));
      else if (m.type === 'new-view') {
        signed.add(`new-view ${m.view}`, hex(encodePbftMessage(m)));
        for (const pp of m.prePrepares) prePrepare(pp);
      }
    }
    return signed.result;
  },
};

/**
 * n validators of any protocol in one process, driven only through `ConsensusCore`: every message
 * crosses the protocol's codec and arrives after a seeded delay, timers fire on simulated time,
 * and a validator can crash (keeping its last snapshot and its signed-log records) and restart.
 * The shared effect loop carries out the effects; this class keeps what the suite inspects.
 */
export class ComplianceCluster<M> {
  readonly inits: ValidatorInit[];
  readonly cores: (ConsensusCore<M> | null)[];
  /** Per validator, the batch committed at each sequence, across restarts. */
  readonly commits: CommittedBatch[][];
  /**
   * Per validator, batches emitted again for a sequence it had committed already, with the first
   * one: a validator restored from an older snapshot orders that stretch a second time, and the
   * application skips sequences it applied (they must then be the same batches).
   */
  readonly repeated: { first: CommittedBatch; again: CommittedBatch }[][];
  /** Per validator, every signed-log record it asked to make durable, in order. */
  readonly records: Uint8Array[][];
  readonly sent: Sent<M>[] = [];
  /** Every timer name any core armed. */
  readonly timerNames = new Set<string>();
  /** Validators that die right after a record this predicate picks (the rest of the list is lost). */
  readonly crashAfterRecord = new Map<number, (record: Uint8Array) => boolean>();
  private readonly loop: EffectLoop<M, ConsensusInput<M>, ConsensusEffect<M>>;

  constructor(
    readonly subject: Subject<M>,
    readonly n: number,
    seed: number,
  ) {
    const generator = new Prng(seed);
    this.inits = subject.genesis(n, seed);
    this.cores = this.inits.map((init) => subject.protocol.create(init));
    this.commits = this.inits.map(() => []);
    this.records = this.inits.map(() => []);
    this.repeated = this.inits.map(() => []);
    const codec = subject.protocol;
    this.loop = new EffectLoop(
      this.cores.map((_, i) => this.runner(i)),
      {
        identities: n,
        network: {
          route: ({ from, message }, nowMs) => {
            this.sent.push({ from, message });
            return [nowMs + 1 + generator.float() * 9];
          },
        },
        deliver: ({ to, fromId, message }) => {
          const decoded = codec.decodeMessage(codec.encodeMessage(message));
          this.loop.feed(to, { kind: 'message', from: fromId, message: decoded });
        },
        effect: (i, effect) => {
          if (effect.kind === 'commit') this.committed(i, effect.batch);
          else {
            this.records[i]!.push(effect.record);
            if (this.crashAfterRecord.get(i)?.(effect.record)) {
              this.crashAfterRecord.delete(i);
              this.cores[i] = null;
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

  core(i: number): ConsensusCore<M> {
    const core = this.cores[i];
    if (core === null || core === undefined) throw new Error(`validator ${i} is down`);
    return core;
  }

  start(): void {
    for (let i = 0; i < this.n; i++) this.feed(i, { kind: 'start' });
  }

  feed(i: number, input: ConsensusInput<M>): void {
    this.loop.feed(i, input);
  }

  submit(i: number, transactions: Uint8Array[]): void {
    this.feed(i, { kind: 'transactions', transactions });
  }

  /** Stops validator i; returns the snapshot it would have written after its last input. */
  crash(i: number): Uint8Array {
    const saved = this.core(i).snapshot();
    this.cores[i] = null;
    this.loop.stop(i);
    return saved;
  }

  restart(i: number, recovered?: Uint8Array, signedLog?: readonly Uint8Array[]): void {
    this.cores[i] = this.subject.protocol.create({
      ...this.inits[i]!,
      ...(recovered === undefined ? {} : { recovered }),
      ...(signedLog === undefined ? {} : { signedLog }),
    });
    this.loop.replace(i, this.runner(i));
    this.feed(i, { kind: 'start' });
  }

  /** Runs events in time order until `untilMs`, or until `done()` holds. */
  run(untilMs: number, done: () => boolean = () => false): void {
    this.loop.run(untilMs, done);
  }

  private committed(i: number, batch: CommittedBatch): void {
    const log = this.commits[i]!;
    const first = log[batch.sequence];
    if (first !== undefined) this.repeated[i]!.push({ first, again: batch });
    else log.push(batch);
  }

  /** The core in `cores` at run time, with every timer name it arms noted. */
  private runner(i: number) {
    return {
      handle: (input: ConsensusInput<M>, nowMs: number) => {
        const effects = this.cores[i]!.handle(input, nowMs);
        for (const effect of effects) if (effect.kind === 'timer') this.timerNames.add(effect.name);
        return effects;
      },
    };
  }

  /** Transactions committed at validator i, in order, as text. */
  log(i: number): string[] {
    return this.commits[i]!.flatMap((b) => b.transactions.map((tx) => Buffer.from(tx).toString()));
  }

  /** True once every validator up has committed `count` transactions. */
  allCommitted(count: number): boolean {
    return this.cores.every((core, i) => core === null || this.log(i).length >= count);
  }
}

export function transactions(prefix: string, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, k) => new TextEncoder().encode(`${prefix}-${k}`));
}
