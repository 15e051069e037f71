import type {
  ConsensusCore,
  ConsensusEffect,
  ConsensusInput,
  ValidatorInit,
} from '../../consensus/interface.js';
import { batchDigest, type PbftMessage } from '../../consensus/pbft/index.js';
import { resign } from './pbft-craft.js';
import type { Brain, BrainContext } from './types.js';

type Effect = ConsensusEffect<unknown>;

interface Split {
  /** Honest validators shown the original batch, and those shown the other one. */
  readonly x: ReadonlySet<number>;
  readonly y: ReadonlySet<number>;
  readonly original: Uint8Array;
  readonly other: Uint8Array;
  readonly otherTransactions: readonly Uint8Array[];
  readonly until: number;
}

const SPLIT_MS = 400;

/**
 * The colluding faulty validators against PBFT. A faulty primary sends one batch to one part of
 * the honest validators and a conflicting batch to the other; every faulty validator prepares
 * and commits both, each to the side that holds it; and while the split lasts the network keeps
 * the two sides' prepares and commits for that slot apart, so each side sees only votes that
 * agree with it. PBFT's quorums must keep both from committing.
 */
export class PbftBrain implements Brain {
  private readonly inner = new Map<number, ConsensusCore<unknown>>();
  private readonly inits = new Map<number, ValidatorInit>();
  private readonly splits = new Map<string, Split>();
  private rotation = 0;

  constructor(private readonly context: BrainContext) {
    for (const identity of context.view.faulty) {
      const init = context.inits[identity]!;
      this.inits.set(identity, init);
      this.inner.set(identity, context.create(init));
    }
  }

  snapshot(identity: number): Uint8Array {
    return this.inner.get(identity)!.snapshot();
  }

  handle(identity: number, input: ConsensusInput<unknown>, nowMs: number): Effect[] {
    const out: Effect[] = [];
    for (const effect of this.inner.get(identity)!.handle(input, nowMs)) {
      if (effect.kind !== 'broadcast' || nowMs >= this.context.activeUntilMs) {
        out.push(effect);
        continue;
      }
      const message = effect.message as PbftMessage;
      if (message.type === 'pre-prepare' && message.from === identity)
        this.split(identity, message, nowMs, out);
      else if (message.type === 'prepare' || message.type === 'commit')
        this.doubleVote(identity, message, out);
      else out.push(effect);
    }
    return out;
  }

  private split(
    identity: number,
    message: Extract<PbftMessage, { type: 'pre-prepare' }>,
    nowMs: number,
    out: Effect[],
  ): void {
    const honest = this.context.view.honest;
    const cut = 1 + (this.rotation++ % Math.max(1, honest.length - 1));
    const x = new Set(honest.slice(0, cut));
    const y = new Set(honest.slice(cut));
    const junk = new TextEncoder().encode(`byzantine/${identity}/${message.view}/${message.sequence}`);
    const otherTransactions = [...message.transactions, junk];
    const other = resign({ ...message, transactions: otherTransactions }, this.inits.get(identity)!);
    this.splits.set(`${message.view}:${message.sequence}`, {
      x,
      y,
      original: batchDigest(message.proposer, message.transactions),
      other: batchDigest(message.proposer, otherTransactions),
      otherTransactions,
      until: nowMs + SPLIT_MS,
    });
    this.context.attacks.push(
      `view ${message.view}, sequence ${message.sequence}: conflicting batches to {${[...x]}} and {${[...y]}}`,
    );
    for (const to of x) out.push({ kind: 'send', to, message });
    for (const to of y) out.push({ kind: 'send', to, message: other });
    for (const to of this.context.view.faulty) if (to !== identity) out.push({ kind: 'send', to, message });
  }

  /** A faulty validator's prepare or commit for a split slot goes out for both batches. */
  private doubleVote(
    identity: number,
    message: Extract<PbftMessage, { type: 'prepare' | 'commit' }>,
    out: Effect[],
  ): void {
    const split = this.splits.get(`${message.view}:${message.sequence}`);
    if (split === undefined) {
      out.push({ kind: 'broadcast', message });
      return;
    }
    const init = this.inits.get(identity)!;
    const forX = resign({ ...message, digest: split.original }, init);
    const forY = resign({ ...message, digest: split.other }, init);
    for (const to of split.x) out.push({ kind: 'send', to, message: forX });
    for (const to of split.y) out.push({ kind: 'send', to, message: forY });
    for (const to of this.context.view.faulty) if (to !== identity) out.push({ kind: 'send', to, message });
  }

  observe(): void {}

  /** While a split lasts, the two sides' votes on that slot do not reach each other. */
  holds(from: number, to: number, raw: unknown): boolean {
    const message = raw as PbftMessage;
    if (message.type !== 'prepare' && message.type !== 'commit' && message.type !== 'pre-prepare')
      return false;
    const split = this.splits.get(`${message.view}:${message.sequence}`);
    if (split === undefined || this.context.view.now() >= split.until) return false;
    return (split.x.has(from) && split.y.has(to)) || (split.y.has(from) && split.x.has(to));
  }
}
