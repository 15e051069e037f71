import {
  type CoinPublicKeys,
  coinLeader,
  coinName,
  combineCoinShares,
  type IndexedShare,
} from '../coin/index.js';
import type { ValidatorIndex } from '../interface.js';
import { digestKey, headerDigest } from './codec.js';
import type { CommitState } from './commit-state.js';
import type { DagContext } from './context.js';
import type { DagStore } from './store.js';
import type { Certificate } from './types.js';
import { leaderRoundOf, slotOfPosition, slotPosition, supportRoundOf, waveOfPosition } from './waves.js';

/** A leader the commit rule decided to commit, with its slot and the coin value of its wave. */
export interface LeaderDecision {
  readonly leader: Certificate;
  readonly wave: number;
  /** The slot's position in decision order (`slotPosition`). */
  readonly position: number;
  readonly randomness: Uint8Array;
  /** No later slot of the wave is committed: the wave's ordered history ends with this leader's. */
  readonly endsWave: boolean;
}

/** A slot's fate; final once reached, at every honest validator alike. */
type SlotDecision = { readonly kind: 'commit'; readonly leader: Certificate } | { readonly kind: 'skip' };

/**
 * The commit rule as plain logic over the DAG. Each wave has f + 1 leader slots, filled from the
 * wave's coin; a slot is committed, skipped or not yet decided:
 *
 * - committed directly when f + 1 support-round certificates reference its leader;
 * - skipped directly when 2f + 1 coin-round certificates have no strong path to its leader;
 * - otherwise decided by the first committed slot two or more waves later (the anchor): committed
 *   when f + 1 coin-round certificates in the anchor's strong history reach the leader, skipped
 *   when not.
 *
 * Slots are ordered by position, up to the first one not yet decided. It decides; ordering is the
 * linearizer's. Why the three rules never disagree is in docs/CONSENSUS.md.
 */
export class Committer {
  private readonly coins = new Map<number, Uint8Array>();
  /** Decisions reached for slots not yet passed in the order (final, so kept). */
  private readonly decided = new Map<number, SlotDecision>();
  /** Validators in the order slots are dealt from, and how many of the first the coin draws from. */
  private readonly election: { readonly order: readonly number[]; readonly drawn: number };
  readonly slotsPerWave: number;

  constructor(
    private readonly ctx: DagContext,
    private readonly store: DagStore,
    private readonly state: CommitState,
    private readonly coinKeys: CoinPublicKeys,
  ) {
    // f + 1 slots: f crashed validators can never hold every slot of a wave.
    this.slotsPerWave = ctx.validity;
    this.election = electionOrder(ctx.size, ctx.quorum, ctx.newcomers);
  }

  /**
   * The next slot to commit, after passing (and recording) the skipped ones before it; undefined
   * when the next slot in the order, or a later slot of the same wave, is not decided yet. The
   * whole wave is decided before any of it is ordered, so that the wave's last committed leader
   * is known and its history ends the wave's block (a block per wave, not per slot).
   */
  nextLeader(): LeaderDecision | undefined {
    const perWave = this.slotsPerWave;
    const highestWave = Math.floor((this.store.maxRound - 1) / 2);
    const first = this.state.lastDecidedSlot + 1;
    // Highest first: an undecided slot is settled by a committed slot above it.
    for (let position = slotPosition(highestWave, perWave - 1, perWave); position >= first; position--) {
      if (this.decided.has(position)) continue;
      const wave = waveOfPosition(position, perWave);
      if (leaderRoundOf(wave) < this.state.gcRound) return undefined;
      const decision = this.decide(wave, slotOfPosition(position, perWave));
      if (decision !== undefined) this.decided.set(position, decision);
    }
    for (let position = first; ; position++) {
      const decision = this.decided.get(position);
      if (decision === undefined) return undefined;
      if (decision.kind === 'commit') {
        const wave = waveOfPosition(position, perWave);
        let endsWave = true;
        for (let later = position + 1; later <= slotPosition(wave, perWave - 1, perWave); later++) {
          const laterDecision = this.decided.get(later);
          if (laterDecision === undefined) return undefined;
          if (laterDecision.kind === 'commit') endsWave = false;
        }
        return { leader: decision.leader, wave, position, randomness: this.coins.get(wave)!, endsWave };
      }
      this.decided.delete(position);
      this.state.lastDecidedSlot = position;
    }
  }

  /** Moves the commit state past a committed slot (its history was ordered just before). */
  committed(decision: LeaderDecision): void {
    const { header } = decision.leader;
    this.state.lastLeader = header.author;
    this.state.lastLeaderRound = header.round;
    this.state.gcRound = Math.max(this.state.gcRound, header.round - this.ctx.config.gcDepthRounds);
    this.state.lastDecidedSlot = decision.position;
    for (const position of this.decided.keys())
      if (position <= decision.position) this.decided.delete(position);
  }

  /** A checkpoint moved the order from outside: decisions below it are no longer needed. */
  adopted(): void {
    for (const position of this.decided.keys())
      if (position <= this.state.lastDecidedSlot) this.decided.delete(position);
  }

  private decide(wave: number, slot: number): SlotDecision | undefined {
    const author = this.slotLeader(wave, slot);
    if (author === undefined) return undefined;
    const leader = this.store.at(leaderRoundOf(wave), author);
    const supporters = this.supportersOf(leader, wave);
    if (leader !== undefined && supporters.size >= this.ctx.validity) return { kind: 'commit', leader };
    const coinRound = supportRoundOf(wave) + 1;
    let blind = 0;
    for (const certificate of this.store.round(coinRound)) if (!reaches(certificate, supporters)) blind++;
    if (blind >= this.ctx.quorum) return { kind: 'skip' };
    return this.decideThroughAnchor(wave, leader, supporters);
  }

  /**
   * The first committed slot from two waves on decides: every slot between it and this one must
   * be skipped already, or nothing is decided yet.
   */
  private decideThroughAnchor(
    wave: number,
    leader: Certificate | undefined,
    supporters: ReadonlySet<string>,
  ): SlotDecision | undefined {
    const perWave = this.slotsPerWave;
    const highestWave = Math.floor((this.store.maxRound - 1) / 2);
    const last = slotPosition(highestWave, perWave - 1, perWave);
    for (let position = slotPosition(wave + 2, 0, perWave); position <= last; position++) {
      const decision = this.decided.get(position);
      if (decision === undefined) return undefined;
      if (decision.kind === 'skip') continue;
      // The leader is in the anchor's history only if this validator holds it (histories are whole).
      if (leader === undefined) return { kind: 'skip' };
      const reached = this.reachingInHistory(decision.leader, supportRoundOf(wave) + 1, supporters);
      return reached >= this.ctx.validity ? { kind: 'commit', leader } : { kind: 'skip' };
    }
    return undefined;
  }

  /** Coin-round certificates in `anchor`'s strong history that reach the leader `supporters` back. */
  private reachingInHistory(anchor: Certificate, coinRound: number, supporters: ReadonlySet<string>): number {
    let frontier = [anchor];
    const seen = new Set<string>();
    while (frontier.length > 0 && frontier[0]!.header.round > coinRound) {
      const next: Certificate[] = [];
      for (const certificate of frontier) {
        for (const parent of certificate.header.parents) {
          const key = digestKey(parent);
          if (seen.has(key)) continue;
          seen.add(key);
          const found = this.store.get(key);
          if (found !== undefined) next.push(found);
        }
      }
      frontier = next;
    }
    let reached = 0;
    for (const certificate of frontier) if (reaches(certificate, supporters)) reached++;
    return reached;
  }

  /** Digests of the support-round certificates that reference `leader` as a strong parent. */
  private supportersOf(leader: Certificate | undefined, wave: number): Set<string> {
    const supporters = new Set<string>();
    if (leader === undefined) return supporters;
    const digest = digestKey(headerDigest(leader.header));
    for (const child of this.store.round(supportRoundOf(wave))) {
      if (child.header.parents.some((p) => digestKey(p) === digest)) {
        supporters.add(digestKey(headerDigest(child.header)));
      }
    }
    return supporters;
  }

  /** The wave's coin, opened from the first f + 1 valid shares in its coin round's certificates. */
  private coin(wave: number): Uint8Array | undefined {
    const known = this.coins.get(wave);
    if (known !== undefined) return known;
    const round = supportRoundOf(wave) + 1;
    if (this.store.roundSize(round) < this.ctx.validity) return undefined;
    const name = coinName(this.ctx.committee.shardId, this.ctx.committee.epoch, wave);
    const shares: IndexedShare[] = [];
    // Our own share needs no proof check (only our key signs our vertex), and each check skipped
    // saves four scalar multiplications, so it goes first.
    const certificates = [...this.store.round(round)].sort(
      (a, b) => Number(b.header.author === this.ctx.index) - Number(a.header.author === this.ctx.index),
    );
    for (const certificate of certificates) {
      const share = certificate.header.coinShare;
      if (share === null) continue;
      const author = certificate.header.author;
      // Certified shares were checked by the f + 1 honest voters among the certificate's 2f + 1,
      // so they are not checked again here.
      shares.push({ index: author, share });
      if (shares.length === this.ctx.validity) break;
    }
    if (shares.length < this.ctx.validity) return undefined;
    const value = combineCoinShares(this.coinKeys, name, shares);
    this.coins.set(wave, value);
    return value;
  }

  /**
   * The validator in a wave's slot: the coin draws slot 0, the later slots follow it around the
   * election order. The order depends only on the epoch's committee, so every validator fills the
   * same slots of the same wave, whatever it has ordered.
   */
  private slotLeader(wave: number, slot: number): ValidatorIndex | undefined {
    const value = this.coin(wave);
    if (value === undefined) return undefined;
    const { order, drawn } = this.election;
    return order[(coinLeader(value, drawn) + slot) % order.length]!;
  }

  /**
   * Read-only: the validator in slot 0 of the latest wave whose coin is open here, which is what
   * an adversary learns as soon as the coin opens (before that wave commits anywhere).
   */
  currentAnchor(): { wave: number; leader: ValidatorIndex } | null {
    let wave = 0;
    for (const opened of this.coins.keys()) wave = Math.max(wave, opened);
    if (wave > 0) return { wave, leader: this.slotLeader(wave, 0)! };
    return this.state.lastLeader === null
      ? null
      : { wave: this.decidedWave(), leader: this.state.lastLeader };
  }

  /** The wave of the last slot passed in the order (0 before any). */
  decidedWave(): number {
    const position = this.state.lastDecidedSlot;
    return position === 0 ? 0 : waveOfPosition(position, this.slotsPerWave);
  }

  /** Coins of waves whose leader round fell below gcRound are never needed again. */
  prune(): void {
    for (const wave of this.coins.keys())
      if (leaderRoundOf(wave) < this.state.gcRound) this.coins.delete(wave);
  }

  openedCoins(): [number, Uint8Array][] {
    return [...this.coins.entries()];
  }

  restoreCoins(coins: readonly (readonly [number, Uint8Array])[]): void {
    for (const [wave, value] of coins) this.coins.set(wave, value);
  }
}

/** Whether a coin-round certificate has a strong parent among the leader's supporters. */
function reaches(certificate: Certificate, supporters: ReadonlySet<string>): boolean {
  if (supporters.size === 0) return false;
  return certificate.header.parents.some((p) => supporters.has(digestKey(p)));
}

/**
 * Members in slot order: those the committee before also held, then the newcomers (who join from
 * following the chain, so their first vertices come late). The coin draws slot 0 among the former
 * while they are a quorum, so a newcomer is never a wave's first slot; a late newcomer in a later
 * slot is skipped without holding the wave up.
 */
export function electionOrder(
  size: number,
  quorum: number,
  newcomers: ReadonlySet<ValidatorIndex>,
): { order: number[]; drawn: number } {
  const members = Array.from({ length: size }, (_, i) => i);
  const settled = members.filter((i) => !newcomers.has(i));
  if (settled.length < quorum) return { order: members, drawn: size };
  return { order: [...settled, ...members.filter((i) => newcomers.has(i))], drawn: settled.length };
}
