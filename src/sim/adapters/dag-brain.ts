import {
  type Certificate,
  DagCore,
  type DagMessage,
  type DagValidatorInit,
  digestKey,
  type Header,
} from '../../consensus/dag/index.js';
import {
  type ConsensusEffect,
  type ConsensusInput,
  quorumSize,
  validitySize,
} from '../../consensus/interface.js';
import type { Prng } from '../../kit/prng.js';
import { CoinSteering } from './dag-coin-steer.js';
import {
  carriedHeader,
  coinShareOf,
  electedLeader,
  headerKey,
  referencedKeys,
  shareIsValid,
  signHeader,
  signVote,
} from './dag-craft.js';
import { DoubleVotes } from './dag-double-vote.js';
import type { Brain, BrainContext } from './types.js';

type Effect = ConsensusEffect<unknown>;

/**
 * Which attack a wave belongs to (drawn per wave from the seed): the stale-parent attempt below,
 * the lead's equivocation with double votes on its support-round header (dag-double-vote.ts), or
 * steering the coin by withholding the faulty shares (dag-coin-steer.ts). One attack per wave
 * keeps their holds from undoing each other.
 */
type Plan = 'stale-parent' | 'double-vote' | 'steer';

/**
 * One attempt of the stale-parent attack on wave W (leader round 2W - 1, support round 2W):
 *
 * 1. The lead faulty author's round-(2W-1) vertex T is certified but kept from every honest
 *    validator but one, A, until they have proposed round 2W: their round-2W vertices then avoid T.
 * 2. A's round-2W vertex S1 and every faulty round-2W vertex (SB) reference T: f + 1 supporters.
 *    The faulty ones reach A only, so A alone sees T with f + 1 support.
 * 3. The lead's round-(2W+1) vertex V takes as parents exactly the 2f honest round-2W vertices
 *    that avoid T plus the digest of a long-collected vertex, claimed as round 2W. A core that
 *    accepts collected digests whatever their round votes for it; V is certified.
 * 4. A is kept from rounds ≥ 2W + 2 until it has committed wave W (T, directly). If the coin then
 *    elects V for wave W + 1, the others commit V and skip T (no strong path): agreement breaks.
 *
 * Every hold is lifted when an attempt ends (the coin went elsewhere, a step failed, or it
 * succeeded and everyone moved on), and at the end of the adversary's window.
 */
interface Attempt {
  readonly wave: number;
  readonly t: string;
  readonly a: number;
  readonly others: readonly number[];
  readonly startedAt: number;
  /** When T's certificate reaches A at the latest (it was sent to A). */
  tAtA: number;
  readonly sb: Set<string>;
  phase: 'open' | 'forged';
  forgedAt: number;
  v?: { header: Header; key: string; votes: Map<number, Uint8Array>; certified: boolean };
}

/** An attempt takes a few rounds; one stuck longer than this is given up. */
const ATTEMPT_TIMEOUT_MS = 600;
/** Honest validators vote within a few message delays; a forged vertex not certified by then was refused. */
const VOTE_WAIT_MS = 150;

export class DagBrain implements Brain {
  private readonly inner = new Map<number, DagCore>();
  private readonly inits = new Map<number, DagValidatorInit>();
  private readonly lead: number;
  private readonly faulty: readonly number[];
  private readonly honest: readonly number[];
  private readonly quorum: number;
  /** Every certificate seen: digest → header. */
  private readonly certificates = new Map<string, Header>();
  private readonly certByRound = new Map<number, string[]>();
  /** Highest round each honest validator proposed. */
  private readonly proposed = new Map<number, number>();
  /** Honest coin shares seen, by wave. */
  private readonly shares = new Map<number, Map<number, Uint8Array>>();
  private attempt: Attempt | null = null;
  /** The lead's own header for round 2W + 1, kept back while V is prepared. */
  private deferred: Header | null = null;
  /** Inner headers never to be sent (replaced by a forged one). */
  private readonly suppressed = new Set<string>();
  private readonly leaders = new Map<number, number>();
  private readonly ownShares = new Map<string, Uint8Array>();
  private rotation = 0;
  private fakeTx = 0;
  private readonly plans = new Map<number, Plan>();
  private readonly planRng: Prng;
  private readonly doubleVotes: DoubleVotes;
  private readonly steering: CoinSteering;

  constructor(private readonly context: BrainContext) {
    const view = context.view;
    this.faulty = view.faulty;
    this.honest = view.honest;
    this.lead = view.faulty[0]!;
    this.quorum = quorumSize(view.n);
    for (const identity of view.faulty) {
      const init = context.inits[identity] as DagValidatorInit;
      this.inits.set(identity, init);
      this.inner.set(identity, context.create(init) as DagCore);
    }
    this.planRng = context.rng.fork(7);
    this.doubleVotes = new DoubleVotes(context, context.rng.fork(8), this.inits, this.lead, this.quorum);
    this.steering = new CoinSteering(context, context.rng.fork(9), this.inits);
  }

  private planFor(wave: number): Plan {
    let plan = this.plans.get(wave);
    if (plan === undefined) {
      const draw = this.planRng.int(4);
      plan = draw < 2 ? 'stale-parent' : draw === 2 ? 'double-vote' : 'steer';
      this.plans.set(wave, plan);
    }
    return plan;
  }

  private get attacks(): string[] {
    return this.context.attacks;
  }

  snapshot(identity: number): Uint8Array {
    return this.inner.get(identity)!.snapshot();
  }

  handle(identity: number, input: ConsensusInput<unknown>, nowMs: number): Effect[] {
    const out: Effect[] = [];
    if (input.kind === 'message' && identity === this.lead) {
      const message = input.message as DagMessage;
      if (this.takeVote(message, out, nowMs) || this.doubleVotes.takeVote(message)) return out;
    }
    this.run(identity, input, nowMs, out);
    this.advance(nowMs, out);
    if (this.active()) this.doubleVotes.tick(nowMs, out);
    return out;
  }

  private active(): boolean {
    return this.context.view.now() < this.context.activeUntilMs;
  }

  /** Feeds an inner core and sends on what it says, rewritten where the attempt needs it. */
  private run(identity: number, input: ConsensusInput<unknown>, nowMs: number, out: Effect[]): void {
    const effects = this.inner.get(identity)!.handle(input as ConsensusInput<DagMessage>, nowMs);
    let proposed = false;
    for (const effect of effects) {
      if (effect.kind === 'broadcast' && (effect.message as DagMessage).type === 'certificate')
        this.doubleVotes.noteCertificate(
          (effect.message as Extract<DagMessage, { type: 'certificate' }>).certificate,
        );
      if (effect.kind !== 'broadcast' || (effect.message as DagMessage).type !== 'header') {
        out.push(effect);
        continue;
      }
      const header = (effect.message as Extract<DagMessage, { type: 'header' }>).header;
      const key = headerKey(header);
      if (this.suppressed.has(key)) continue;
      proposed ||= identity === this.lead && header.author === this.lead;
      if (!this.onOwnHeader(identity, header, key, nowMs)) continue;
      if (!this.equivocate(identity, header, out)) out.push(effect);
    }
    if (proposed) {
      // The lead's batches carry transactions of its own, so a vertex ordered in two places
      // shows up as two different sequences (empty vertices are not committed batches).
      const tx = new TextEncoder().encode(`byzantine/${identity}/${this.fakeTx++}`);
      this.run(identity, { kind: 'transactions', transactions: [tx] }, nowMs, out);
    }
  }

  /** Between attempts, the lead's support-round header of a double-vote wave goes out in two versions. */
  private equivocate(identity: number, header: Header, out: Effect[]): boolean {
    if (identity !== this.lead || this.attempt !== null || header.round % 2 !== 0 || !this.active())
      return false;
    if (this.planFor(header.round / 2) !== 'double-vote') return false;
    return this.doubleVotes.equivocate(header, out);
  }

  /** False when the header is kept back. */
  private onOwnHeader(identity: number, header: Header, key: string, nowMs: number): boolean {
    if (header.round % 2 === 1 && this.active() && this.planFor((header.round + 1) / 2) === 'steer')
      this.steering.steer((header.round + 1) / 2);
    const attempt = this.attempt;
    if (attempt !== null && header.round === 2 * attempt.wave) {
      if (referencedKeys(header).includes(attempt.t)) attempt.sb.add(key);
      else if (identity === this.lead) this.end('T was not certified in time');
    }
    if (identity !== this.lead) return true;
    if (
      this.attempt !== null &&
      header.round === 2 * this.attempt.wave + 1 &&
      this.attempt.phase === 'open'
    ) {
      this.deferred = header;
      this.suppressed.add(key);
      return false;
    }
    if (
      this.attempt === null &&
      header.round % 2 === 1 &&
      header.round >= 3 &&
      this.active() &&
      this.planFor((header.round + 1) / 2) === 'stale-parent'
    ) {
      const a = this.honest[this.rotation++ % this.honest.length]!;
      this.attempt = {
        wave: (header.round + 1) / 2,
        t: key,
        a,
        others: this.honest.filter((h) => h !== a),
        startedAt: nowMs,
        tAtA: Number.POSITIVE_INFINITY,
        sb: new Set(),
        phase: 'open',
        forgedAt: 0,
      };
    }
    return true;
  }

  /** Votes for the forged vertex come to the brain, not to the lead's inner core. */
  private takeVote(message: DagMessage, out: Effect[], nowMs: number): boolean {
    const v = this.attempt?.v;
    if (message.type !== 'vote' || v === undefined || digestKey(message.vote.headerDigest) !== v.key)
      return false;
    if (!v.certified) {
      v.votes.set(message.vote.voter, message.vote.signature);
      this.maybeCertify(out, nowMs);
    }
    return true;
  }

  private maybeCertify(out: Effect[], nowMs: number): void {
    const v = this.attempt?.v;
    if (v === undefined || v.certified || v.votes.size < this.quorum) return;
    v.certified = true;
    const votes = [...v.votes.entries()]
      .sort((x, y) => x[0] - y[0])
      .map(([voter, signature]) => ({ voter, signature }));
    const certificate: Certificate = { header: v.header, votes };
    out.push({ kind: 'broadcast', message: { type: 'certificate', certificate } });
    this.attacks.push(
      `wave ${this.attempt!.wave}: certified forged vertex ${this.lead}/${v.header.round} with 2f real parents and a collected digest claimed as round ${v.header.round - 1}; T withheld from ${this.attempt!.others.join(',')}, f + 1 support shown to ${this.attempt!.a} only`,
    );
    // The lead's own core learns of its vertex as any peer would, and moves on from it.
    this.run(
      this.lead,
      { kind: 'message', from: this.honest[0]!, message: { type: 'certificate', certificate } },
      nowMs,
      out,
    );
  }

  /** Steps the attempt forward on whatever the last input taught. */
  private advance(nowMs: number, out: Effect[]): void {
    const attempt = this.attempt;
    if (attempt === null) return;
    const unvoted =
      attempt.phase === 'forged' && !attempt.v?.certified && nowMs - attempt.forgedAt > VOTE_WAIT_MS;
    if (nowMs - attempt.startedAt > ATTEMPT_TIMEOUT_MS || !this.active() || unvoted) {
      this.end(unvoted ? 'the forged vertex got no votes' : 'timed out', out);
      return;
    }
    if (attempt.phase === 'open' && this.deferred !== null) this.tryForge(attempt, out);
    if (attempt.phase === 'forged' && attempt.v?.certified) {
      const leader = this.leaderOf(attempt.wave + 1);
      if (leader === undefined) return;
      if (leader !== this.lead) {
        this.end(`coin elected ${leader} for wave ${attempt.wave + 1}`, out);
        return;
      }
      const progress = (id: number) => {
        const core = this.context.view.core(id);
        return core instanceof DagCore ? core.stats().committedWave : -1;
      };
      if (attempt.others.every((id) => progress(id) > attempt.wave) && progress(attempt.a) >= attempt.wave) {
        const batch = this.certificates.get(attempt.t)?.transactions.length ?? 0;
        this.attacks.push(
          `wave ${attempt.wave}: the coin elected the forged vertex for wave ${attempt.wave + 1}; validator ${attempt.a} committed T (${batch} transactions) directly, the others skip it`,
        );
        this.end('done', out);
      }
    }
  }

  private tryForge(attempt: Attempt, out: Effect[]): void {
    const leader = this.leaderOf(attempt.wave);
    if (leader === undefined) return;
    if (leader !== this.lead) {
      this.end(`coin elected ${leader} for wave ${attempt.wave}`, out);
      return;
    }
    const support = 2 * attempt.wave;
    const parents: string[] = [];
    for (const id of attempt.others) {
      const key = this.certByRound.get(support)?.find((k) => this.certificates.get(k)!.author === id);
      if (key === undefined) return; // not yet
      if (referencedKeys(this.certificates.get(key)!).includes(attempt.t)) {
        this.end(`validator ${id} reached T`, out);
        return;
      }
      parents.push(key);
    }
    const s1 = this.certByRound.get(support)?.find((k) => this.certificates.get(k)!.author === attempt.a);
    if (s1 !== undefined && !referencedKeys(this.certificates.get(s1)!).includes(attempt.t)) {
      this.end(`validator ${attempt.a} proposed round ${support} without T`, out);
      return;
    }
    const stale = this.staleDigest();
    if (stale === undefined) {
      this.end('nothing collected yet', out);
      return;
    }
    const init = this.inits.get(this.lead)!;
    const header = signHeader(init, {
      author: this.lead,
      round: support + 1,
      parents: [...parents, stale].map((k) => Buffer.from(k, 'hex')),
      weakParents: [],
      // A batch of its own: ordered before T by the others and after T by A, it makes the split
      // visible whether or not the honest vertices between them carry transactions.
      transactions: [new TextEncoder().encode(`byzantine/${this.lead}/forged/${attempt.wave}`)],
      coinShare: this.ownShare(attempt.wave),
    });
    const key = headerKey(header);
    const votes = new Map<number, Uint8Array>();
    for (const id of this.faulty)
      votes.set(id, signVote(this.inits.get(id)!, Buffer.from(key, 'hex')).signature);
    attempt.v = { header, key, votes, certified: false };
    attempt.phase = 'forged';
    attempt.forgedAt = this.context.view.now();
    this.attacks.push(
      `wave ${attempt.wave}: sent vertex ${this.lead}/${header.round} with parents ${attempt.others.map((id) => `${id}/${support}`).join(', ')} and a digest collected at round ${this.certificates.get(stale)!.round} claimed as round ${support}`,
    );
    this.deferred = null;
    out.push({ kind: 'broadcast', message: { type: 'header', header } });
  }

  /**
   * A digest every honest validator has collected and still remembers: a certificate of the
   * round just below the lowest honest garbage-collection floor.
   */
  private staleDigest(): string | undefined {
    const floors = this.honest.map((id) => {
      const core = this.context.view.core(id);
      return core instanceof DagCore ? core.stats().gcRound : 0;
    });
    const low = Math.min(...floors);
    const high = Math.max(...floors);
    const round = low - 1;
    if (round < 1 || round < high - 4) return undefined;
    return this.certByRound.get(round)?.[0];
  }

  /** The coin's choice for `wave` once enough honest shares are known besides the faulty ones. */
  private leaderOf(wave: number): number | undefined {
    const known = this.leaders.get(wave);
    if (known !== undefined) return known;
    const honest = this.shares.get(wave);
    // The faulty shares (the brain holds every faulty key) and the honest ones make f + 1: one
    // honest share when f members are faulty, more in a committee with fewer.
    const needed = validitySize(this.context.view.n) - this.faulty.length;
    if (honest === undefined || honest.size < needed) return undefined;
    const leader = electedLeader(this.inits.get(this.lead)!, wave, [
      ...this.faulty.map((id) => ({ index: id, share: this.ownShare(wave, id) })),
      ...[...honest.entries()].slice(0, needed).map(([index, share]) => ({ index, share })),
    ]);
    this.leaders.set(wave, leader);
    return leader;
  }

  private ownShare(wave: number, identity = this.lead): Uint8Array {
    const key = `${identity}:${wave}`;
    let share = this.ownShares.get(key);
    if (share === undefined) {
      share = coinShareOf(this.inits.get(identity)!, wave);
      this.ownShares.set(key, share);
    }
    return share;
  }

  /** Ends the attempt: every hold lifts; a kept-back header goes out, and may start the next one. */
  private end(_reason: string, out?: Effect[]): void {
    this.attempt = null;
    // The lead's own core may resend what it proposed: nothing is kept back any more.
    this.suppressed.clear();
    const deferred = this.deferred;
    this.deferred = null;
    if (deferred !== null && out !== undefined) {
      const key = headerKey(deferred);
      this.suppressed.delete(key);
      this.onOwnHeader(this.lead, deferred, key, this.context.view.now());
      out.push({ kind: 'broadcast', message: { type: 'header', header: deferred } });
    }
  }

  observe(from: number, to: number, raw: unknown): void {
    const message = raw as DagMessage;
    if (this.active()) this.steering.observe(from, message);
    if (message.type === 'certificate') {
      const header = message.certificate.header;
      const key = headerKey(header);
      if (!this.certificates.has(key)) {
        this.certificates.set(key, header);
        const list = this.certByRound.get(header.round) ?? [];
        list.push(key);
        this.certByRound.set(header.round, list);
      }
      if (this.attempt !== null && to === this.attempt.a && key === this.attempt.t) {
        this.attempt.tAtA = Math.min(
          this.attempt.tAtA,
          this.context.view.now() + this.context.maxDelayMs + 1,
        );
      }
      return;
    }
    if (message.type !== 'header' || !this.honest.includes(from) || message.header.author !== from) return;
    const header = message.header;
    if ((this.proposed.get(from) ?? 0) < header.round) this.proposed.set(from, header.round);
    const attempt = this.attempt;
    if (header.coinShare === null || attempt === null) return;
    const wave = (header.round - 1) / 2;
    if (wave !== attempt.wave && wave !== attempt.wave + 1) return;
    const known = this.shares.get(wave) ?? new Map<number, Uint8Array>();
    if (known.size > 0 || known.has(from)) return;
    if (!shareIsValid(this.inits.get(this.lead)!, from, wave, header.coinShare)) return;
    known.set(from, header.coinShare);
    this.shares.set(wave, known);
  }

  holds(from: number, to: number, raw: unknown): boolean {
    if (!this.active()) return false;
    return this.attemptHolds(to, raw) || this.steeringHolds(from, to, raw);
  }

  /** The coin steering's holds, except on what the stale-parent attempt needs delivered. */
  private steeringHolds(from: number, to: number, raw: unknown): boolean {
    const attempt = this.attempt;
    const header = attempt === null ? null : carriedHeader(raw as DagMessage);
    if (attempt !== null && header !== null && header.round >= 2 * attempt.wave - 1) return false;
    return this.steering.holds(from, to, raw);
  }

  private attemptHolds(to: number, raw: unknown): boolean {
    const attempt = this.attempt;
    if (attempt === null) return false;
    const message = raw as DagMessage;
    const header = carriedHeader(message);
    if (header === null) return false;
    const key = headerKey(header);
    const refs = referencedKeys(header);
    if (to === attempt.a) {
      // A proposes round 2W only once T is there, so its vertex supports T.
      if (
        this.context.view.now() < attempt.tAtA &&
        message.type === 'certificate' &&
        header.round === 2 * attempt.wave - 1 &&
        !this.faulty.includes(header.author)
      ) {
        return true;
      }
      // A decides wave W before it can see wave W + 1 decided.
      if (header.round >= 2 * attempt.wave + 2) {
        const core = this.context.view.core(to);
        return !(core instanceof DagCore) || core.stats().committedWave < attempt.wave;
      }
      return false;
    }
    if (!attempt.others.includes(to)) return false;
    if ((this.proposed.get(to) ?? 0) < 2 * attempt.wave && (key === attempt.t || refs.includes(attempt.t)))
      return true;
    if (message.type === 'certificate' && attempt.sb.has(key)) return true;
    for (const sb of attempt.sb) if (refs.includes(sb)) return true;
    return false;
  }
}
