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
import { leaderRoundOf, supportRoundOf } from './waves.js';

const ACTIVITY_WINDOW_ROUNDS = 4;

/** A leader the commit rule decided, with the coin value of its wave. */
export interface LeaderDecision {
  readonly leader: Certificate;
  readonly wave: number;
  readonly randomness: Uint8Array;
}

/**
 * The commit rule as plain logic over the DAG: the coin of each wave (opened from the shares in
 * its coin round's certificates), the leader it elects among the active validators, the direct
 * rule (f + 1 certified children) and the indirect one (an earlier leader reached by strong
 * edges from a committed one is committed first). It decides; ordering is the linearizer's.
 */
export class Committer {
  private readonly coins = new Map<number, Uint8Array>();

  constructor(
    private readonly ctx: DagContext,
    private readonly store: DagStore,
    private readonly state: CommitState,
    private readonly coinKeys: CoinPublicKeys,
  ) {}

  /**
   * Finds the highest wave whose leader has f + 1 support and walks back to the earliest
   * uncommitted leader it reaches: that one only is decided, because the leader candidates of
   * later waves depend on it, so they are looked at again once it is ordered.
   */
  nextLeader(): LeaderDecision | undefined {
    const highestWave = Math.floor((this.store.maxRound - 1) / 2);
    for (let wave = highestWave; wave > this.state.lastCommittedWave; wave--) {
      if (leaderRoundOf(wave) < this.state.gcRound) return undefined;
      const leader = this.leaderOf(wave);
      if (leader === undefined || this.supportOf(leader, wave) < this.ctx.validity) continue;
      return this.earliest(leader, wave);
    }
    return undefined;
  }

  /** Moves the commit state past a decided leader (its history was ordered just before). */
  committed(decision: LeaderDecision): void {
    const { header } = decision.leader;
    this.state.lastLeader = header.author;
    this.state.lastLeaderRound = header.round;
    this.state.gcRound = Math.max(this.state.gcRound, header.round - this.ctx.config.gcDepthRounds);
    this.state.lastCommittedWave = decision.wave;
  }

  /** The earliest uncommitted leader that `leader` reaches by strong edges (or itself). */
  private earliest(leader: Certificate, wave: number): LeaderDecision {
    let earliest = { certificate: leader, wave };
    for (let earlier = wave - 1; earlier > this.state.lastCommittedWave; earlier--) {
      if (leaderRoundOf(earlier) < this.state.gcRound) break;
      const candidate = this.leaderOf(earlier);
      if (candidate !== undefined && this.strongPath(earliest.certificate, candidate)) {
        earliest = { certificate: candidate, wave: earlier };
      }
    }
    return { leader: earliest.certificate, wave: earliest.wave, randomness: this.coins.get(earliest.wave)! };
  }

  private strongPath(from: Certificate, to: Certificate): boolean {
    const target = digestKey(headerDigest(to.header));
    const targetRound = to.header.round;
    const seen = new Set<string>();
    let frontier = [from];
    while (frontier.length > 0) {
      const next: Certificate[] = [];
      for (const certificate of frontier) {
        if (certificate.header.round - 1 < targetRound) continue;
        for (const parent of certificate.header.parents) {
          const key = digestKey(parent);
          if (key === target) return true;
          if (seen.has(key)) continue;
          seen.add(key);
          const found = this.store.get(key);
          if (found !== undefined) next.push(found);
        }
      }
      frontier = next;
    }
    return false;
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

  private leaderOf(wave: number): Certificate | undefined {
    const value = this.coin(wave);
    if (value === undefined) return undefined;
    const candidates = this.leaderCandidates();
    return this.store.at(leaderRoundOf(wave), candidates[coinLeader(value, candidates.length)]!);
  }

  /**
   * Validators the coin elects from: those with a vertex ordered within the last
   * ACTIVITY_WINDOW_ROUNDS rounds before the last committed leader, or everyone when fewer than a
   * quorum qualify. A crashed validator stops being elected (a wave it leads would commit
   * nothing), and so does a member new to the committee until one of its vertices is ordered (it
   * joins late, from following the chain). The set depends only on the committed order and the
   * epoch's committee, and the order advances one leader at a time, so every validator applies
   * the same set to the same wave.
   */
  private leaderCandidates(): number[] {
    const floor = this.state.lastLeaderRound - ACTIVITY_WINDOW_ROUNDS;
    const active: number[] = [];
    for (let author = 0; author < this.ctx.size; author++) {
      const activity = this.state.activity[author]!;
      // Activity 0: no vertex of this author ordered yet (rounds start at 1).
      if (activity >= floor && !(activity === 0 && this.ctx.newcomers.has(author))) active.push(author);
    }
    return active.length >= this.ctx.quorum ? active : Array.from({ length: this.ctx.size }, (_, i) => i);
  }

  private supportOf(leader: Certificate, wave: number): number {
    const digest = digestKey(headerDigest(leader.header));
    let support = 0;
    for (const child of this.store.round(supportRoundOf(wave))) {
      if (child.header.parents.some((p) => digestKey(p) === digest)) support++;
    }
    return support;
  }

  /**
   * Read-only: the leader the coin elected for the latest wave whose coin is open here, which is
   * what an adversary learns as soon as the coin opens (before that wave commits anywhere).
   */
  currentAnchor(): { wave: number; leader: ValidatorIndex } | null {
    let wave = this.state.lastCommittedWave;
    for (const opened of this.coins.keys()) wave = Math.max(wave, opened);
    if (wave === this.state.lastCommittedWave) {
      return this.state.lastLeader === null ? null : { wave, leader: this.state.lastLeader };
    }
    const candidates = this.leaderCandidates();
    return { wave, leader: candidates[coinLeader(this.coins.get(wave)!, candidates.length)]! };
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
