import { DagCore, type DagMessage, type DagValidatorInit } from '../../consensus/dag/index.js';
import { validitySize } from '../../consensus/interface.js';
import type { Prng } from '../../kit/prng.js';
import { carriedHeader, coinShareOf, electedLeader, shareIsValid } from './dag-craft.js';
import type { BrainContext } from './types.js';

/** How a steered wave stands: its coin not known yet, or known and acted on. */
interface Steered {
  readonly wave: number;
  /** Withhold when the leader is faulty instead of when it is honest. */
  readonly reverse: boolean;
  readonly since: number;
  decision: 'pending' | 'withhold' | 'release';
  decidedAt: number;
  leader?: number;
  /** Distinct messages kept back once the coin was known. */
  withheld: number;
  /** Honest shares seen while the coin is unknown. */
  readonly honestShares: Map<number, Uint8Array>;
}

/** A coin that stays unknown this long is given up on (its wave's holds lift). */
const PENDING_MS = 300;
/** The longest the faulty shares and supporters of one wave are kept back. */
const WITHHOLD_MS = 300;

/**
 * Steering which waves commit with the coin. The coin of wave W opens from f + 1 shares carried
 * by round 2W + 1's headers; honest validators open it from certified vertices only, while the
 * faulty, holding f shares, open it from the first honest round-(2W + 1) header they see. Until
 * then the faulty round-2W certificates (support for the leader) and round-(2W + 1) headers and
 * certificates (their shares) are kept from the honest validators. Once the coin is known: if it
 * elected an honest validator (a faulty one, in reverse waves) they stay kept back, slowing the
 * wave's commit, until the honest validators have moved two rounds on or WITHHOLD_MS passed;
 * otherwise everything goes at once. The 2f + 1 honest shares and vertices suffice on their own.
 */
export class CoinSteering {
  private readonly waves = new Map<number, Steered>();
  /** Highest round each honest validator proposed. */
  private readonly proposed = new Map<number, number>();
  private readonly faulty: ReadonlySet<number>;
  /** Honest shares the coin needs besides the faulty ones: one when f members are faulty. */
  private readonly honestNeeded: number;
  private readonly lead: DagValidatorInit;
  /** Messages already counted (the network asks again about each held one). */
  private readonly counted = new WeakSet<object>();

  constructor(
    private readonly context: BrainContext,
    private readonly rng: Prng,
    inits: ReadonlyMap<number, DagValidatorInit>,
  ) {
    this.faulty = new Set(context.view.faulty);
    this.honestNeeded = validitySize(context.view.n) - this.faulty.size;
    this.lead = inits.get(context.view.faulty[0]!)!;
  }

  /** Wave W's coin is to be steered (decided before its support round is proposed). */
  steer(wave: number): void {
    if (this.waves.has(wave)) return;
    this.waves.set(wave, {
      wave,
      reverse: this.rng.chance(0.3),
      since: this.context.view.now(),
      decision: 'pending',
      decidedAt: 0,
      withheld: 0,
      honestShares: new Map(),
    });
  }

  observe(from: number, raw: unknown): void {
    const message = raw as DagMessage;
    if (message.type !== 'header' || this.faulty.has(from) || message.header.author !== from) return;
    const header = message.header;
    if ((this.proposed.get(from) ?? 0) < header.round) this.proposed.set(from, header.round);
    if (header.coinShare === null) return;
    const steered = this.waves.get((header.round - 1) / 2);
    if (steered === undefined || steered.decision !== 'pending') return;
    if (!shareIsValid(this.lead, from, steered.wave, header.coinShare)) return;
    steered.honestShares.set(from, header.coinShare);
    if (steered.honestShares.size >= this.honestNeeded) this.decide(steered);
  }

  /**
   * The faulty shares and the honest ones seen make the f + 1 the coin needs (one honest share when
   * f members are faulty; more in a committee with fewer, as after an election replaced some).
   */
  private decide(steered: Steered): void {
    const wave = steered.wave;
    const shares = [...this.faulty].map((id) => ({
      index: id,
      share: coinShareOf(this.context.inits[id] as DagValidatorInit, wave),
    }));
    const honest = [...steered.honestShares].map(([index, share]) => ({ index, share }));
    const from = honest.map((entry) => entry.index).join(', ');
    const leader = electedLeader(this.lead, wave, [...shares, ...honest]);
    const honestLeader = !this.faulty.has(leader);
    const withhold = honestLeader !== steered.reverse;
    steered.leader = leader;
    steered.decision = withhold ? 'withhold' : 'release';
    steered.decidedAt = this.context.view.now();
    const opened = this.context.view.honest.filter((id) => {
      const core = this.context.view.core(id);
      return core instanceof DagCore && (core.currentAnchor()?.wave ?? 0) >= wave;
    });
    this.context.attacks.push(
      `wave ${wave}: coin known to the faulty from ${shares.length} own shares and the share${honest.length > 1 ? 's' : ''} of ${from} (leader ${leader}, ${honestLeader ? 'honest' : 'faulty'}); honest validators that had opened it: ${opened.length}; ${withhold ? 'withholding the faulty shares and support' : 'releasing the faulty shares and support'}${steered.reverse ? ' (reverse)' : ''}`,
    );
  }

  /** True while a faulty share or supporter of a steered wave is to be kept from `to`. */
  holds(from: number, to: number, raw: unknown): boolean {
    if (!this.faulty.has(from) || this.faulty.has(to)) return false;
    const message = raw as DagMessage;
    const header = carriedHeader(message);
    if (header === null || !this.faulty.has(header.author)) return false;
    // Support round 2W (its certificates; the header itself gets its votes) or coin round 2W + 1.
    const wave = header.round % 2 === 0 ? header.round / 2 : (header.round - 1) / 2;
    if (header.round % 2 === 0 && message.type !== 'certificate') return false;
    const steered = this.waves.get(wave);
    if (steered === undefined) return false;
    const now = this.context.view.now();
    if (steered.decision === 'pending') {
      if (now - steered.since <= PENDING_MS) return true;
      steered.decision = 'release';
      this.context.attacks.push(`wave ${wave}: coin not learnt in time; nothing withheld`);
      return false;
    }
    if (steered.decision === 'release') return false;
    const movedOn = this.context.view.honest.every((id) => (this.proposed.get(id) ?? 0) >= 2 * wave + 3);
    if (movedOn || now - steered.decidedAt > WITHHOLD_MS) {
      steered.decision = 'release';
      if (steered.withheld > 0)
        this.context.attacks.push(
          `wave ${wave}: ${steered.withheld} faulty share and support messages withheld, released after ${now - steered.decidedAt} ms${movedOn ? ' (honest validators had moved on)' : ''}`,
        );
      return false;
    }
    if (!this.counted.has(message)) {
      this.counted.add(message);
      steered.withheld++;
    }
    return true;
  }
}
