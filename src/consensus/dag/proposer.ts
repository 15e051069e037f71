import { type CoinPublicKeys, coinName, createCoinShare } from '../coin/index.js';
import type { ValidatorIndex } from '../interface.js';
import { digestKey, headerDigest, MAX_TRANSACTION_BYTES } from './codec.js';
import type { CommitState } from './commit-state.js';
import { type DagContext, type Effect, slotKey } from './context.js';
import { encodeDagSignedRecord } from './signed-log.js';
import type { SignedSlots } from './signed-slots.js';
import { headerSigningBytes, voteSigningBytes } from './signing.js';
import type { DagStore } from './store.js';
import type { Certificate, Header, ParentRef, VoteSignature } from './types.js';
import { isCoinRound, waveOfCoinRound } from './waves.js';

export const TIMER_PROPOSE = 'dag.propose';

/** What the proposer needs from the rest of the validator. */
export interface ProposerComponents {
  readonly ctx: DagContext;
  readonly store: DagStore;
  readonly state: Pick<CommitState, 'gcRound' | 'isOrdered'>;
  readonly slots: SignedSlots;
  readonly coinKeys: CoinPublicKeys;
  readonly coinSecret: Uint8Array;
  /** This validator's own header just gathered 2f + 1 votes. */
  readonly certified: (certificate: Certificate, out: Effect[]) => void;
}

/** The proposer's part of a snapshot. */
export interface ProposerState {
  readonly round: number;
  /** -1 when nothing was proposed yet. */
  readonly lastProposeAtMs: number;
  readonly ownHeader: Header | null;
  readonly pending: readonly Uint8Array[];
  readonly referenced: readonly string[];
}

/**
 * When and what this validator proposes: the queue of transactions waiting for a vertex, the
 * round it is in, its own header with the votes gathered for it, and the pace of rounds (fast
 * while transactions wait anywhere, idle otherwise). It signs each round's header once, and
 * turns 2f + 1 votes into its certificate.
 */
export class Proposer {
  private round = 0;
  private ownHeader: Header | null = null;
  /**
   * The own header was taken back from a snapshot or the signed log after a restart: it may have
   * been certified before the crash, so its transactions are never proposed again.
   */
  private ownHeaderRecovered = false;
  private ownVotes = new Map<number, Uint8Array>();
  private lastProposeAtMs = Number.NEGATIVE_INFINITY;
  private proposeTimerAtMs: number | null = null;
  private pending: Uint8Array[] = [];
  private pendingHead = 0;
  /** Vertices in the causal history of this validator's own headers (for weak references). */
  private readonly referenced = new Set<string>();
  /** Certificates with transactions not yet known to be ordered (pruned lazily). */
  private readonly awaitingOrder = new Set<string>();
  /** Transactions refused because the pending queue was full (back-pressure). */
  refusedTransactions = 0;

  constructor(private readonly c: ProposerComponents) {}

  get currentRound(): number {
    return this.round;
  }

  /** The header of the current round while it is not certified yet. */
  get header(): Header | null {
    return this.ownHeader;
  }

  get pendingCount(): number {
    return this.pending.length - this.pendingHead;
  }

  enqueue(transactions: readonly Uint8Array[]): void {
    const { config, acceptsEntry } = this.c.ctx;
    for (const tx of transactions) {
      // A transaction no peer could decode or accept would keep its header from ever being
      // certified, and every transaction proposed with it would wait in vain.
      if (tx.length > MAX_TRANSACTION_BYTES || (acceptsEntry !== undefined && !acceptsEntry(tx))) {
        this.refusedTransactions++;
        continue;
      }
      if (this.pending.length - this.pendingHead >= config.maxPendingTransactions) {
        this.refusedTransactions++;
        continue;
      }
      this.pending.push(tx);
    }
  }

  /** The propose timer fired: the next `tryAdvance` may arm it again. */
  timerFired(): void {
    this.proposeTimerAtMs = null;
  }

  /** A certificate entered the DAG: while its transactions are not ordered, rounds stay fast. */
  noteCertified(key: string, certificate: Certificate): void {
    if (certificate.header.transactions.length > 0) this.awaitingOrder.add(key);
  }

  /** A vertex was collected: it no longer counts as referenced. */
  forget(key: string): void {
    this.referenced.delete(key);
  }

  onVote(
    from: ValidatorIndex,
    voter: number,
    digest: Uint8Array,
    signature: Uint8Array,
    out: Effect[],
  ): void {
    const { ctx } = this.c;
    if (voter !== from || this.ownHeader === null || this.ownVotes.has(voter)) return;
    const ownDigest = headerDigest(this.ownHeader);
    if (digestKey(digest) !== digestKey(ownDigest)) return;
    if (!ctx.signatures.verify(voter, voteSigningBytes(ctx.committee, ownDigest), signature)) return;
    this.ownVotes.set(voter, signature);
    this.maybeCertify(out);
  }

  private maybeCertify(out: Effect[]): void {
    if (this.ownHeader === null || this.ownVotes.size < this.c.ctx.quorum) return;
    const votes: VoteSignature[] = [...this.ownVotes.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([v, s]) => ({ voter: v, signature: s }));
    const certificate: Certificate = { header: this.ownHeader, votes };
    this.ownHeader = null;
    this.ownVotes = new Map();
    this.c.certified(certificate, out);
  }

  /** This validator's certificate of the highest round it holds one for, inside the window. */
  latestOwnCertificate(): Certificate | undefined {
    for (let r = this.round; r >= Math.max(1, this.c.state.gcRound); r--) {
      const certificate = this.c.store.at(r, this.c.ctx.index);
      if (certificate !== undefined) return certificate;
    }
    return undefined;
  }

  /**
   * Moves to the next round once this validator's own vertex of its round is certified and the
   * DAG holds 2f + 1 certificates of that round, or jumps ahead when the DAG shows a quorum of a
   * later round (after a crash or a partition), giving up its own uncertified header.
   */
  tryAdvance(nowMs: number, out: Effect[]): void {
    const { store, ctx } = this.c;
    const target = store.quorumRound;
    let nextRound: number;
    if (this.round === 0 && target === 0) nextRound = 1;
    else if (
      target > this.round ||
      (target === this.round && store.at(this.round, ctx.index) !== undefined)
    ) {
      nextRound = target + 1;
    } else return;
    // With nothing to order anywhere, rounds slow to the idle pace: an idle committee then costs
    // a few signatures and a coin a second instead of both cores.
    const interval = this.hasWorkInFlight()
      ? ctx.config.minRoundIntervalMs
      : Math.max(ctx.config.minRoundIntervalMs, ctx.config.idleRoundIntervalMs);
    const earliest = this.lastProposeAtMs + interval;
    if (nowMs < earliest) {
      if (this.proposeTimerAtMs !== earliest) {
        this.proposeTimerAtMs = earliest;
        out.push({ kind: 'timer', name: TIMER_PROPOSE, atMs: earliest });
      }
      return;
    }
    if (this.ownHeader !== null) {
      // Only this validator can assemble its certificate, so an abandoned header is never certified:
      // its transactions go back to the queue. A header taken back after a crash is the exception:
      // it may have been certified after the snapshot that held it (votes are not logged), so its
      // transactions are not proposed again; a client resends what was lost.
      if (!this.ownHeaderRecovered) this.requeue(this.ownHeader.transactions);
      this.ownHeader = null;
      this.ownVotes = new Map();
    }
    this.propose(nextRound, nowMs, out);
  }

  /** Transactions waiting here for a vertex, or certified somewhere and not yet ordered. */
  private hasWorkInFlight(): boolean {
    if (this.pending.length > this.pendingHead || this.ownHeader?.transactions.length) return true;
    for (const key of this.awaitingOrder) {
      if (!this.c.state.isOrdered(key) && this.c.store.has(key)) return true;
      this.awaitingOrder.delete(key);
    }
    return false;
  }

  private propose(round: number, nowMs: number, out: Effect[]): void {
    const { store, state, ctx } = this.c;
    // A round whose header was signed (before a restart too) is never signed again.
    if (round <= this.round) return;
    const parents = round === 1 ? [] : store.round(round - 1).map((c) => headerDigest(c.header));
    const weakParents: ParentRef[] = [];
    if (round > 2) {
      for (let r = Math.max(1, state.gcRound); r < round - 1; r++) {
        for (const certificate of store.round(r)) {
          const key = digestKey(headerDigest(certificate.header));
          if (!this.referenced.has(key) && !state.isOrdered(key))
            weakParents.push({ round: r, digest: headerDigest(certificate.header) });
        }
      }
    }
    const transactions = this.takeBatch();
    const coinShare = isCoinRound(round) ? this.coinShareFor(waveOfCoinRound(round)) : null;
    const unsigned = {
      author: ctx.index,
      round,
      parents,
      weakParents,
      transactions,
      coinShare,
      signature: new Uint8Array(0),
    };
    const digest = headerDigest(unsigned);
    const signature = ctx.signatures.sign(headerSigningBytes(ctx.committee, digest));
    const header: Header = { ...unsigned, signature };
    this.markReferenced([...parents, ...weakParents.map((w) => w.digest)]);
    this.round = round;
    this.ownHeader = header;
    this.ownHeaderRecovered = false;
    this.ownVotes = new Map([
      [ctx.index, ctx.signatures.sign(voteSigningBytes(ctx.committee, headerDigest(header)))],
    ]);
    this.c.slots.set(slotKey(ctx.index, round), digestKey(headerDigest(header)));
    this.lastProposeAtMs = nowMs;
    // What the header stands on is made durable with it (signed-log.ts): after a restart of the
    // whole committee, this validator can still hand its voters the certificates it references.
    const referenced = [...parents, ...weakParents.map((w) => w.digest)].flatMap((digest) => {
      const certificate = store.get(digestKey(digest));
      return certificate === undefined ? [] : [certificate];
    });
    if (referenced.length > 0)
      out.push({
        kind: 'persist-signed',
        record: encodeDagSignedRecord({ kind: 'references', certificates: referenced }),
      });
    out.push({ kind: 'persist-signed', record: encodeDagSignedRecord({ kind: 'header', header }) });
    out.push({ kind: 'broadcast', message: { type: 'header', header } });
    this.maybeCertify(out);
  }

  private coinShareFor(wave: number): Uint8Array {
    const { committee, index } = this.c.ctx;
    const name = coinName(committee.shardId, committee.epoch, wave);
    return createCoinShare(this.c.coinSecret, this.c.coinKeys, index, name);
  }

  private takeBatch(): Uint8Array[] {
    const { config } = this.c.ctx;
    const batch: Uint8Array[] = [];
    let bytes = 0;
    while (this.pendingHead < this.pending.length && batch.length < config.maxBatchTransactions) {
      const tx = this.pending[this.pendingHead]!;
      if (batch.length > 0 && bytes + tx.length > config.maxBatchBytes) break;
      batch.push(tx);
      bytes += tx.length;
      this.pendingHead++;
    }
    if (this.pendingHead > 4096 && this.pendingHead * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.pendingHead);
      this.pendingHead = 0;
    }
    return batch;
  }

  /** Puts transactions of a vertex that will never be ordered back at the head of the queue. */
  requeue(transactions: readonly Uint8Array[]): void {
    if (transactions.length === 0) return;
    this.pending = [...transactions, ...this.pending.slice(this.pendingHead)];
    this.pendingHead = 0;
  }

  /** Adds the causal history of `roots` to the set this validator's headers already reach. */
  private markReferenced(roots: readonly Uint8Array[]): void {
    const stack = roots.map(digestKey);
    while (stack.length > 0) {
      const key = stack.pop()!;
      if (this.referenced.has(key)) continue;
      const certificate = this.c.store.get(key);
      if (certificate === undefined) continue;
      this.referenced.add(key);
      for (const p of certificate.header.parents) stack.push(digestKey(p));
      for (const p of certificate.header.weakParents) stack.push(digestKey(p.digest));
    }
  }

  snapshot(): ProposerState {
    return {
      round: this.round,
      lastProposeAtMs: Number.isFinite(this.lastProposeAtMs) ? this.lastProposeAtMs : -1,
      ownHeader: this.ownHeader,
      pending: this.pending.slice(this.pendingHead),
      referenced: [...this.referenced],
    };
  }

  restore(state: ProposerState): void {
    const { ctx } = this.c;
    this.round = state.round;
    this.lastProposeAtMs = state.lastProposeAtMs < 0 ? Number.NEGATIVE_INFINITY : state.lastProposeAtMs;
    this.ownHeader = state.ownHeader;
    this.ownHeaderRecovered = state.ownHeader !== null;
    if (this.ownHeader !== null) {
      this.ownVotes = new Map([
        [ctx.index, ctx.signatures.sign(voteSigningBytes(ctx.committee, headerDigest(this.ownHeader)))],
      ]);
    }
    this.pending = [...state.pending];
    for (const key of state.referenced) this.referenced.add(key);
  }

  /**
   * Makes a header of a later round, taken back from the signed log, the current proposal, as if
   * just made; its transactions leave the queue, since they are proposed already.
   */
  resumeFromLog(header: Header, digest: Uint8Array): void {
    const { ctx } = this.c;
    this.round = header.round;
    this.ownHeader = header;
    this.ownHeaderRecovered = true;
    this.ownVotes = new Map([[ctx.index, ctx.signatures.sign(voteSigningBytes(ctx.committee, digest))]]);
    this.markReferenced([...header.parents, ...header.weakParents.map((w) => w.digest)]);
    const carried = new Set(header.transactions.map((tx) => Buffer.from(tx).toString('hex')));
    this.pending = this.pending
      .slice(this.pendingHead)
      .filter((tx) => !carried.has(Buffer.from(tx).toString('hex')));
    this.pendingHead = 0;
  }
}
