import type {
  ConsensusCore,
  ConsensusEffect,
  ConsensusInput,
  ValidatorInit,
} from '../../consensus/interface.js';
import { batchDigest, type PbftMessage, pbftPrimaryOf } from '../../consensus/pbft/index.js';
import type { Prng } from '../../kit/prng.js';
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

/** An honest primary's slot on which the faulty validators vote two ways. */
interface Phantom {
  readonly x: ReadonlySet<number>;
  readonly y: ReadonlySet<number>;
  /** A batch digest nobody proposed, voted for in front of `y`. */
  readonly digest: Uint8Array;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').slice(0, 8);

/**
 * The colluding faulty validators against PBFT. A faulty primary sends one batch to one part of
 * the honest validators and a conflicting batch to the other; every faulty validator prepares
 * and commits both, each to the side that holds it; and while the split lasts the network keeps
 * the two sides' prepares and commits for that slot apart, so each side sees only votes that
 * agree with it. PBFT's quorums must keep both from committing.
 *
 * Under an honest primary, half of the slots (drawn from the seed) get double votes too: each
 * faulty validator prepares and commits the real batch in front of one part of the honest
 * validators and a digest nobody proposed in front of the other. An honest validator takes the
 * first prepare and commit of each sender per slot, so the second part counts the faulty votes
 * against the real batch; the 2f + 1 honest validators still prepare and commit it.
 */
export class PbftBrain implements Brain {
  private readonly inner = new Map<number, ConsensusCore<unknown>>();
  private readonly inits = new Map<number, ValidatorInit>();
  private readonly splits = new Map<string, Split>();
  /** Slots of honest primaries: their phantom vote, or null when left alone. */
  private readonly phantoms = new Map<string, Phantom | null>();
  private readonly rng: Prng;
  private rotation = 0;

  constructor(private readonly context: BrainContext) {
    for (const identity of context.view.faulty) {
      const init = context.inits[identity]!;
      this.inits.set(identity, init);
      this.inner.set(identity, context.create(init));
    }
    this.rng = context.rng.fork(3);
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
    const sides = split ?? this.phantomFor(message.view, message.sequence);
    if (sides === null) {
      out.push({ kind: 'broadcast', message });
      return;
    }
    const init = this.inits.get(identity)!;
    const forX = resign({ ...message, digest: split?.original ?? message.digest }, init);
    const forY = resign({ ...message, digest: split?.other ?? (sides as Phantom).digest }, init);
    for (const to of sides.x) out.push({ kind: 'send', to, message: forX });
    for (const to of sides.y) out.push({ kind: 'send', to, message: forY });
    for (const to of this.context.view.faulty) if (to !== identity) out.push({ kind: 'send', to, message });
    this.context.attacks.push(
      `view ${message.view}, sequence ${message.sequence}: ${identity} sent ${message.type}s for two digests, ${hex(forX.digest)} to {${[...sides.x]}} and ${hex(forY.digest)} to {${[...sides.y]}}${split === undefined ? ' (honest primary)' : ''}`,
    );
  }

  /** Whether an honest primary's slot gets double votes, drawn once per slot. */
  private phantomFor(view: number, sequence: number): Phantom | null {
    const slot = `${view}:${sequence}`;
    const known = this.phantoms.get(slot);
    if (known !== undefined) return known;
    const { honest, faulty, n } = this.context.view;
    const primary = pbftPrimaryOf(view, n);
    let phantom: Phantom | null = null;
    if (!faulty.includes(primary) && this.rng.chance(0.5)) {
      const shuffled = this.rng.shuffle([...honest]);
      const cut = 1 + this.rng.int(shuffled.length - 1);
      const junk = new TextEncoder().encode(`byzantine/phantom/${view}/${sequence}`);
      phantom = {
        x: new Set(shuffled.slice(0, cut).sort((a, b) => a - b)),
        y: new Set(shuffled.slice(cut).sort((a, b) => a - b)),
        digest: batchDigest(primary, [junk]),
      };
    }
    this.phantoms.set(slot, phantom);
    return phantom;
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
