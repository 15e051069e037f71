import type {
  ConsensusCore,
  ConsensusEffect,
  ConsensusInput,
  ValidatorInit,
} from '../consensus/interface.js';
import type { Prng } from '../kit/prng.js';
import type { ProtocolAdapter } from './adapters/types.js';
import { SimError } from './errors.js';

/** What a faulty validator does. `leader-targeting` is a silent validator plus a network adversary. */
export const STRATEGIES = [
  'silent',
  'equivocate',
  'invalid-signature',
  'bad-coin',
  'flood-future',
  'replay',
  'leader-targeting',
] as const;
export type Strategy = (typeof STRATEGIES)[number];

export function parseStrategy(name: string): Strategy | 'all' {
  if (name === 'all' || (STRATEGIES as readonly string[]).includes(name)) return name as Strategy | 'all';
  throw new SimError(
    'UNKNOWN_STRATEGY',
    `unknown Byzantine strategy "${name}" (expected ${STRATEGIES.join(', ')} or all)`,
    {
      name,
    },
  );
}

/** The strategy of the j-th faulty validator of run `seed`: `all` rotates through every one. */
export function strategyFor(choice: Strategy | 'all', seed: number, j: number): Strategy {
  return choice === 'all' ? STRATEGIES[(seed + j) % STRATEGIES.length]! : choice;
}

type Effect = ConsensusEffect<unknown>;

/**
 * A Byzantine validator: an honest core of the same protocol (so it holds real keys and knows
 * what to say) whose output is rewritten by the strategy before it reaches the network.
 */
export class ByzantineCore implements ConsensusCore<unknown> {
  readonly index: number;
  private readonly inner: ConsensusCore<unknown>;
  private readonly seen: unknown[] = [];
  private readonly peers: number[];
  private readonly effective: Strategy;

  constructor(
    private readonly strategy: Strategy,
    private readonly adapter: ProtocolAdapter<unknown>,
    private readonly init: ValidatorInit,
    private readonly rng: Prng,
  ) {
    this.index = init.index;
    this.peers = init.committee.members.map((m) => m.index).filter((i) => i !== init.index);
    let coreInit = init;
    let effective = strategy;
    if (strategy === 'bad-coin') {
      const bad = adapter.badCoinInit(init, rng);
      if (bad === null) effective = 'invalid-signature';
      else coreInit = bad;
    }
    this.effective = effective;
    this.inner = adapter.create(coreInit);
  }

  get strategyName(): Strategy {
    return this.strategy;
  }

  snapshot(): Uint8Array {
    return this.inner.snapshot();
  }

  handle(input: ConsensusInput<unknown>, nowMs: number): Effect[] {
    if (this.effective === 'silent' || this.effective === 'leader-targeting') return [];
    if (input.kind === 'message') this.remember(input.message);
    const effects = this.inner.handle(input, nowMs);
    const out: Effect[] = [];
    for (const effect of effects) {
      if (effect.kind === 'commit' || effect.kind === 'timer' || effect.kind === 'persist-signed') {
        out.push(effect);
        continue;
      }
      this.rewrite(effect, out);
    }
    if (this.effective === 'replay' && this.seen.length > 0 && this.rng.chance(0.5)) {
      for (let k = 0; k < 3; k++) {
        out.push({ kind: 'send', to: this.rng.pick(this.peers), message: this.rng.pick(this.seen) });
      }
    }
    return out;
  }

  private remember(message: unknown): void {
    if (this.seen.length < 256) this.seen.push(message);
    else this.seen[this.rng.int(256)] = message;
  }

  private rewrite(effect: Extract<Effect, { kind: 'send' | 'broadcast' }>, out: Effect[]): void {
    const message = effect.message;
    switch (this.effective) {
      case 'equivocate': {
        const other = this.adapter.equivocate(message, this.init, this.rng);
        if (other === null || effect.kind === 'send') {
          out.push(effect);
          return;
        }
        // Half the committee sees one proposal, the other half a conflicting one.
        const order = this.rng.shuffle([...this.peers]);
        order.forEach((to, i) => {
          out.push({ kind: 'send', to, message: i % 2 === 0 ? message : other });
        });
        return;
      }
      case 'invalid-signature': {
        // The forgery arrives first, so a receiver that trusted it would be misled before the truth.
        const bad = this.adapter.corrupt(message, this.init, this.rng);
        if (bad !== null)
          out.push(
            effect.kind === 'send' ? { ...effect, message: bad } : { kind: 'broadcast', message: bad },
          );
        out.push(effect);
        return;
      }
      case 'flood-future': {
        out.push(effect);
        for (let k = 0; k < 2; k++) {
          const far = this.adapter.farFuture(message, this.init, this.rng);
          if (far !== null) out.push({ kind: 'broadcast', message: far });
        }
        return;
      }
      default:
        if (effect.kind === 'broadcast') this.remember(message);
        out.push(effect);
    }
  }
}
