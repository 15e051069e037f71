import type { ValidatorIndex } from '../interface.js';
import { digestKey, MAX_REQUEST_DIGESTS } from './codec.js';
import type { CommitState } from './commit-state.js';
import type { DagContext, Effect } from './context.js';
import { headerParents } from './parents.js';
import type { DagStore } from './store.js';
import type { Certificate, Header } from './types.js';

interface PendingCertificate {
  readonly certificate: Certificate;
  /** Missing parent digest → the round the reference claims for it. */
  readonly missing: Map<string, number>;
}

/** What the block manager needs from the rest of the validator. */
export interface BlockManagerComponents {
  readonly ctx: DagContext;
  readonly store: DagStore;
  readonly state: Pick<CommitState, 'gcRound'>;
  readonly now: () => number;
  /** Inserts a certificate whose parents are all here (and may buffer it again if they are not). */
  readonly accept: (certificate: Certificate, out: Effect[]) => void;
}

/**
 * Causal buffering: certificates and headers wait here until the parents they reference arrive,
 * and the missing parents are fetched from peers. It also remembers which certificates lied
 * about a parent, so that neither they nor anything built on them is fetched or kept again, and
 * answers peers' fetches, each at most once per retransmission interval.
 */
export class BlockManager {
  private readonly buffered = new Map<string, PendingCertificate>();
  private readonly waitingOn = new Map<string, Set<string>>();
  /**
   * Certificates found to lie about a parent (digest → their round), and every certificate that
   * builds on one: never accepted, never fetched again, dropped with their round.
   */
  private readonly refusedMap = new Map<string, number>();
  /** Headers whose parents are on their way, by author. */
  private readonly waitingHeaders = new Map<number, { header: Header; from: ValidatorIndex }>();
  /** When each missing digest was last asked for (pruned every retransmission interval). */
  private readonly requestedAtMs = new Map<string, number>();
  private readonly answeredAtMs = new Map<string, number>();

  constructor(private readonly c: BlockManagerComponents) {}

  get refused(): ReadonlyMap<string, number> {
    return this.refusedMap;
  }

  get bufferedCount(): number {
    return this.buffered.size;
  }

  isBuffered(key: string): boolean {
    return this.buffered.has(key);
  }

  /** True while some certificate waits for a parent. */
  hasMissing(): boolean {
    return this.waitingOn.size > 0;
  }

  /**
   * Holds a certificate until its missing parents arrive, asking `from` for them (or everyone,
   * for a certificate no peer sent: this validator's own, when a restart from an older snapshot
   * left its parents behind).
   */
  bufferUntilParents(
    key: string,
    certificate: Certificate,
    missing: Map<string, number>,
    from: ValidatorIndex | null,
    out: Effect[],
  ): void {
    if (this.buffered.size >= this.c.ctx.config.maxBufferedCertificates) return;
    this.buffered.set(key, { certificate, missing });
    const toFetch: Uint8Array[] = [];
    for (const m of missing.keys()) {
      let waiters = this.waitingOn.get(m);
      if (waiters === undefined) {
        waiters = new Set();
        this.waitingOn.set(m, waiters);
        if (!this.buffered.has(m)) toFetch.push(Buffer.from(m, 'hex'));
      }
      waiters.add(key);
    }
    if (from !== null) this.request(from, toFetch, out);
    else if (toFetch.length > 0)
      out.push({
        kind: 'broadcast',
        message: { type: 'request', digests: toFetch.slice(0, MAX_REQUEST_DIGESTS) },
      });
  }

  /**
   * Keeps a header whose parents are on their way (one per author, the latest), and asks its
   * author for them in case they are not.
   */
  holdHeader(header: Header, from: ValidatorIndex, missing: Map<string, number>, out: Effect[]): void {
    const waiting = this.waitingHeaders.get(header.author);
    if (waiting === undefined || waiting.header.round <= header.round) {
      this.waitingHeaders.set(header.author, { header, from });
    }
    this.request(
      from,
      [...missing.keys()].map((k) => Buffer.from(k, 'hex')),
      out,
    );
  }

  /** The author's header no longer waits (it was voted on, or found wanting). */
  releaseHeader(author: ValidatorIndex): void {
    this.waitingHeaders.delete(author);
  }

  /** Hands back waiting headers whose parents have all arrived, to be looked at again. */
  retryHeaders(out: Effect[], revisit: (from: ValidatorIndex, header: Header, out: Effect[]) => void): void {
    for (const [author, { header, from }] of [...this.waitingHeaders]) {
      if (header.round < this.c.state.gcRound) {
        this.waitingHeaders.delete(author);
        continue;
      }
      if (headerParents(this.c.store, this.refusedMap, this.c.state.gcRound, header).verdict !== 'missing') {
        this.waitingHeaders.delete(author);
        revisit(from, header, out);
      }
    }
  }

  /**
   * Asks `to` for certificates, each digest at most once per retransmission interval: a peer
   * that keeps referencing unknown vertices (a far-future flood) cannot turn every message into
   * a request and every request into an answer.
   */
  request(to: ValidatorIndex, digests: readonly Uint8Array[], out: Effect[]): void {
    const nowMs = this.c.now();
    const fresh: Uint8Array[] = [];
    for (const digest of digests) {
      const key = digestKey(digest);
      const last = this.requestedAtMs.get(key);
      if (last !== undefined && nowMs - last < this.c.ctx.config.resendIntervalMs) continue;
      this.requestedAtMs.set(key, nowMs);
      fresh.push(digest);
      if (fresh.length === MAX_REQUEST_DIGESTS) break;
    }
    if (fresh.length > 0) out.push({ kind: 'send', to, message: { type: 'request', digests: fresh } });
  }

  /** The retransmission tick: forgets old request marks and asks everyone for what still misses. */
  resend(nowMs: number, out: Effect[]): void {
    for (const cache of [this.requestedAtMs, this.answeredAtMs]) {
      for (const [key, at] of cache) if (nowMs - at >= this.c.ctx.config.resendIntervalMs) cache.delete(key);
    }
    const missing = [...this.waitingOn.keys()].slice(0, MAX_REQUEST_DIGESTS);
    if (missing.length > 0) {
      out.push({
        kind: 'broadcast',
        message: { type: 'request', digests: missing.map((k) => Buffer.from(k, 'hex')) },
      });
    }
  }

  /** Answers with the certificates held, each at most once per peer per retransmission interval. */
  serveRequest(from: ValidatorIndex, digests: readonly Uint8Array[], out: Effect[]): void {
    const nowMs = this.c.now();
    for (const digest of digests.slice(0, MAX_REQUEST_DIGESTS)) {
      const key = digestKey(digest);
      const certificate = this.c.store.get(key);
      if (certificate === undefined) continue;
      const answerKey = `${from}:${key}`;
      const last = this.answeredAtMs.get(answerKey);
      if (last !== undefined && nowMs - last < this.c.ctx.config.resendIntervalMs) continue;
      this.answeredAtMs.set(answerKey, nowMs);
      out.push({ kind: 'send', to: from, message: { type: 'certificate', certificate } });
    }
  }

  /**
   * Marks a certificate as lying about its parents, and with it every buffered certificate that
   * waits for it: none of them can ever enter the DAG, so none is kept or fetched again.
   */
  refuse(key: string, round: number): void {
    const stack: [string, number][] = [[key, round]];
    while (stack.length > 0) {
      const [next, nextRound] = stack.pop()!;
      if (this.refusedMap.has(next)) continue;
      this.refusedMap.set(next, nextRound);
      const entry = this.buffered.get(next);
      if (entry !== undefined) {
        this.buffered.delete(next);
        for (const m of entry.missing.keys()) this.waitingOn.get(m)?.delete(next);
      }
      const waiters = this.waitingOn.get(next);
      this.waitingOn.delete(next);
      for (const waiter of waiters ?? []) {
        const waiting = this.buffered.get(waiter);
        if (waiting !== undefined) stack.push([waiter, waiting.certificate.header.round]);
      }
    }
  }

  /** After gcRound moves up, buffered certificates may no longer miss anything that matters. */
  recheckBuffered(out: Effect[]): void {
    for (const [key, entry] of [...this.buffered]) {
      if (!this.buffered.has(key)) continue;
      if (entry.certificate.header.round < this.c.state.gcRound) {
        this.buffered.delete(key);
        for (const m of entry.missing.keys()) this.waitingOn.get(m)?.delete(key);
        this.c.store.collected.set(key, entry.certificate.header.round);
        this.release(key, out);
        continue;
      }
      for (const [m, round] of [...entry.missing]) {
        if (round < this.c.state.gcRound) {
          entry.missing.delete(m);
          this.waitingOn.get(m)?.delete(key);
        }
      }
      if (entry.missing.size === 0) {
        this.buffered.delete(key);
        this.c.accept(entry.certificate, out);
      }
    }
    for (const [key, waiters] of this.waitingOn) if (waiters.size === 0) this.waitingOn.delete(key);
  }

  /** `key` arrived (or is known to be collected): the certificates waiting on it may go on. */
  release(key: string, out: Effect[]): void {
    const waiters = this.waitingOn.get(key);
    if (waiters === undefined) return;
    this.waitingOn.delete(key);
    for (const waiter of waiters) {
      const entry = this.buffered.get(waiter);
      if (entry === undefined) continue;
      const claimedRound = entry.missing.get(key);
      entry.missing.delete(key);
      // What arrived must be what the waiter claimed: a vertex of that round inside the window.
      if (
        claimedRound !== undefined &&
        claimedRound >= this.c.state.gcRound &&
        this.c.store.get(key)?.header.round !== claimedRound
      ) {
        this.refuse(waiter, entry.certificate.header.round);
        continue;
      }
      if (entry.missing.size === 0) {
        this.buffered.delete(waiter);
        if (entry.certificate.header.round >= this.c.state.gcRound) this.c.accept(entry.certificate, out);
        else {
          this.c.store.collected.set(waiter, entry.certificate.header.round);
          this.release(waiter, out);
        }
      }
    }
  }

  /** Drops what fell below gcRound: refusals and buffered certificates of collected rounds. */
  collect(gcRound: number): void {
    for (const [key, round] of this.refusedMap) if (round < gcRound) this.refusedMap.delete(key);
    for (const [key, entry] of this.buffered) {
      if (entry.certificate.header.round < gcRound) {
        this.buffered.delete(key);
        for (const m of entry.missing.keys()) this.waitingOn.get(m)?.delete(key);
      }
    }
    for (const [key, waiters] of this.waitingOn) if (waiters.size === 0) this.waitingOn.delete(key);
  }
}
