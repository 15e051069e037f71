import { digestKey, headerDigest } from './codec.js';
import type { Certificate } from './types.js';

/**
 * The local DAG: certified vertices by digest and by (round, author). It only ever holds
 * causally complete history: a certificate enters once all its parents are here or were
 * garbage-collected, so every traversal finds what it follows.
 */
export class DagStore {
  readonly byDigest = new Map<string, Certificate>();
  readonly byRound = new Map<number, Map<number, string>>();
  /** Digests of collected vertices (round kept), so late references to them still resolve. */
  readonly collected = new Map<string, number>();
  /** Highest round holding a quorum of certificates. */
  quorumRound = 0;
  maxRound = 0;

  constructor(private readonly quorum: number) {}

  has(key: string): boolean {
    return this.byDigest.has(key);
  }

  /** In the DAG or collected: either way nothing more is needed to accept a child. */
  available(key: string): boolean {
    return this.byDigest.has(key) || this.collected.has(key);
  }

  get(key: string): Certificate | undefined {
    return this.byDigest.get(key);
  }

  at(round: number, author: number): Certificate | undefined {
    const key = this.byRound.get(round)?.get(author);
    return key === undefined ? undefined : this.byDigest.get(key);
  }

  roundSize(round: number): number {
    return this.byRound.get(round)?.size ?? 0;
  }

  /** Certificates of a round in author order (the deterministic order every rule uses). */
  round(round: number): Certificate[] {
    const entries = this.byRound.get(round);
    if (entries === undefined) return [];
    return [...entries.entries()].sort((a, b) => a[0] - b[0]).map(([, key]) => this.byDigest.get(key)!);
  }

  insert(certificate: Certificate): string {
    const key = digestKey(headerDigest(certificate.header));
    const { round, author } = certificate.header;
    this.byDigest.set(key, certificate);
    let entries = this.byRound.get(round);
    if (entries === undefined) {
      entries = new Map();
      this.byRound.set(round, entries);
    }
    entries.set(author, key);
    if (round > this.maxRound) this.maxRound = round;
    if (entries.size >= this.quorum && round > this.quorumRound) this.quorumRound = round;
    return key;
  }

  /** Removes every round below `gcRound`; returns the removed certificates. */
  collect(gcRound: number, keepCollectedRounds: number): Certificate[] {
    const removed: Certificate[] = [];
    for (const [round, entries] of this.byRound) {
      if (round >= gcRound) continue;
      for (const key of entries.values()) {
        const certificate = this.byDigest.get(key)!;
        removed.push(certificate);
        this.byDigest.delete(key);
        this.collected.set(key, round);
      }
      this.byRound.delete(round);
    }
    for (const [key, round] of this.collected) {
      if (round < gcRound - keepCollectedRounds) this.collected.delete(key);
    }
    return removed;
  }

  size(): number {
    return this.byDigest.size;
  }
}
