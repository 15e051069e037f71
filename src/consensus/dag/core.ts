import {
  type CoinPublicKeys,
  coinLeader,
  coinName,
  combineCoinShares,
  createCoinShare,
  type IndexedShare,
  verifyCoinShare,
} from '../coin/index.js';
import {
  type CommittedBatch,
  type Committee,
  type ConsensusCore,
  type ConsensusEffect,
  type ConsensusInput,
  quorumSize,
  type ValidatorIndex,
  validitySize,
} from '../interface.js';
import {
  batchBytes,
  checkpointBytes,
  DIGEST_LENGTH,
  digestKey,
  headerDigest,
  MAX_REQUEST_DIGESTS,
  MAX_TRANSACTION_BYTES,
  SIGNATURE_LENGTH,
} from './codec.js';
import type { EquivocationProof } from './equivocation.js';
import { DagError } from './errors.js';
import { encodeCertificateEvidence } from './evidence.js';
import { headerParents, parentRefs, strongParentsSound } from './parents.js';
import { type DagSignedRecord, decodeDagSignedRecord, encodeDagSignedRecord } from './signed-log.js';
import { headerSigningBytes, Signatures, voteSigningBytes } from './signing.js';
import { type DagState, decodeState, encodeState } from './snapshot.js';
import { DagStore } from './store.js';
import {
  type Certificate,
  type Checkpoint,
  type DagConfig,
  type DagMessage,
  type DagValidatorInit,
  DEFAULT_DAG_CONFIG,
  type Header,
  type ParentRef,
  type VoteSignature,
} from './types.js';
import { isCoinRound, leaderRoundOf, supportRoundOf, waveOfCoinRound } from './waves.js';

type Effect = ConsensusEffect<DagMessage>;

const TIMER_PROPOSE = 'dag.propose';
const TIMER_RESEND = 'dag.resend';
const CHECKPOINTS_KEPT = 4;
const ACTIVITY_WINDOW_ROUNDS = 4;
const SYNC_BATCHES_PER_RESPONSE = 512;
/** Proofs of equivocation kept for the layers above (one per author and round, the first ones). */
const MAX_EQUIVOCATION_PROOFS = 256;

interface PendingCertificate {
  readonly certificate: Certificate;
  /** Missing parent digest → the round the reference claims for it. */
  readonly missing: Map<string, number>;
}

/**
 * One validator of the certified DAG. Each round it proposes a header with a batch and references
 * to 2f + 1 certificates of the previous round; peers vote once per (author, round); 2f + 1 votes
 * make a certificate. Waves of two rounds: the coin, opened from shares carried by the headers of
 * the round after the wave, elects the wave's leader after the fact; a leader with f + 1
 * certified children is committed with every earlier leader it reaches, and their causal
 * histories are ordered deterministically (Tusk's rule).
 */
export class DagCore implements ConsensusCore<DagMessage> {
  readonly index: ValidatorIndex;
  private readonly committee: Committee;
  private readonly size: number;
  private readonly quorum: number;
  private readonly validity: number;
  private readonly config: DagConfig;
  private readonly signatures: Signatures;
  private readonly coinKeys: CoinPublicKeys;
  private readonly acceptsEntry: ((entry: Uint8Array) => boolean) | undefined;
  private readonly coinSecret: Uint8Array;

  private readonly store: DagStore;
  private readonly buffered = new Map<string, PendingCertificate>();
  private readonly waitingOn = new Map<string, Set<string>>();
  /**
   * Certificates found to lie about a parent (digest → their round), and every certificate that
   * builds on one: never accepted, never fetched again, dropped with their round.
   */
  private readonly refused = new Map<string, number>();
  /** Signed proof of each (author, round) for which two different certificates were seen. */
  private readonly equivocationProofs: EquivocationProof[] = [];
  private readonly equivocatingSlots = new Set<string>();
  /** `author:round` → digest voted: an honest validator never votes twice for one slot. */
  private readonly voted = new Map<string, string>();
  /** Ordered vertices still in the window: digest → round. */
  private committed = new Map<string, number>();
  /** The last few checkpoints, served to validators that fell behind. */
  private checkpoints: Checkpoint[] = [];
  private recentBatches: CommittedBatch[] = [];
  /** Certificates with transactions not yet known to be ordered (pruned lazily). */
  private readonly awaitingOrder = new Set<string>();
  private recentBatchBytes = 0;
  /** While true, commits come from peers' agreed state instead of the local DAG. */
  private syncing = false;
  private readonly syncResponses = new Map<
    number,
    { checkpoints: readonly Checkpoint[]; batches: readonly CommittedBatch[] }
  >();
  private stuckTicks = 0;
  /** Vertices in the causal history of this validator's own headers (for weak references). */
  private readonly referenced = new Set<string>();
  private readonly coins = new Map<number, Uint8Array>();
  /** Headers whose parents are on their way, by author. */
  private readonly waitingHeaders = new Map<number, { header: Header; from: ValidatorIndex }>();
  /** When each missing digest was last asked for (pruned every retransmission interval). */
  private readonly requestedAtMs = new Map<string, number>();
  private readonly answeredAtMs = new Map<string, number>();
  private nowMs = 0;

  private round = 0;
  private ownHeader: Header | null = null;
  /** The own header was taken back from the signed log (it may be certified already). */
  private ownHeaderFromLog = false;
  private ownVotes = new Map<number, Uint8Array>();
  private lastProposeAtMs = Number.NEGATIVE_INFINITY;
  private proposeTimerAtMs: number | null = null;
  private pending: Uint8Array[] = [];
  private pendingHead = 0;
  private lastCommittedWave = 0;
  private gcRound = 0;
  private nextSequence = 0;
  private lastLeader: ValidatorIndex | null = null;
  private lastLeaderRound = 0;
  /** Per validator, the highest round of its vertices ordered so far (leader candidates). */
  private activity: number[] = [];
  /** Transactions refused because the pending queue was full (back-pressure). */
  refusedTransactions = 0;

  constructor(init: DagValidatorInit) {
    const members = init.committee.members;
    if (members.length < 1 || !members.every((m, i) => m.index === i)) {
      throw new DagError('BAD_INIT', 'committee members must be indexed 0 … n-1 in order');
    }
    if (!Number.isInteger(init.index) || init.index < 0 || init.index >= members.length) {
      throw new DagError('BAD_INIT', `validator index ${init.index} is not in the committee`, {
        index: init.index,
      });
    }
    if (init.coinPublicKeys.verificationKeys.length !== members.length) {
      throw new DagError('BAD_INIT', 'coin verification keys do not match the committee size');
    }
    this.index = init.index;
    this.committee = init.committee;
    this.size = members.length;
    this.quorum = quorumSize(this.size);
    this.validity = validitySize(this.size);
    if (init.coinPublicKeys.threshold !== this.validity) {
      throw new DagError('BAD_INIT', `coin threshold must be f + 1 = ${this.validity}`);
    }
    this.config = { ...DEFAULT_DAG_CONFIG, ...init.config };
    if (this.config.gcDepthRounds < 4 || this.config.maxBatchTransactions < 1) {
      throw new DagError('BAD_CONFIG', 'gcDepthRounds must be ≥ 4 and maxBatchTransactions ≥ 1');
    }
    this.signatures = Signatures.fromSeed(init.committee, init.signingSeed);
    this.coinKeys = init.coinPublicKeys;
    this.acceptsEntry = init.acceptsEntry;
    this.coinSecret = init.coinSecretShare;
    this.store = new DagStore(this.quorum);
    this.activity = new Array(this.size).fill(0);
    if (init.recovered !== undefined) this.restore(decodeState(init.recovered));
    for (const record of init.signedLog ?? []) this.replaySigned(decodeDagSignedRecord(record));
  }

  // ---- inputs -------------------------------------------------------------------------------

  handle(input: ConsensusInput<DagMessage>, nowMs: number): Effect[] {
    this.nowMs = nowMs;
    const out: Effect[] = [];
    switch (input.kind) {
      case 'start':
        out.push({ kind: 'timer', name: TIMER_RESEND, atMs: nowMs + this.config.resendIntervalMs });
        if (this.ownHeader !== null)
          out.push({ kind: 'broadcast', message: { type: 'header', header: this.ownHeader } });
        break;
      case 'transactions':
        this.enqueue(input.transactions);
        break;
      case 'timer':
        if (input.name === TIMER_PROPOSE) this.proposeTimerAtMs = null;
        else if (input.name === TIMER_RESEND) this.resend(nowMs, out);
        break;
      case 'message':
        this.onMessage(input.from, input.message, out);
        break;
    }
    this.tryAdvance(nowMs, out);
    return out;
  }

  private enqueue(transactions: readonly Uint8Array[]): void {
    for (const tx of transactions) {
      // A transaction no peer could decode or accept would keep its header from ever being
      // certified, and every transaction proposed with it would wait in vain.
      if (tx.length > MAX_TRANSACTION_BYTES || (this.acceptsEntry !== undefined && !this.acceptsEntry(tx))) {
        this.refusedTransactions++;
        continue;
      }
      if (this.pending.length - this.pendingHead >= this.config.maxPendingTransactions) {
        this.refusedTransactions++;
        continue;
      }
      this.pending.push(tx);
    }
  }

  private onMessage(from: ValidatorIndex, message: DagMessage, out: Effect[]): void {
    if (!Number.isInteger(from) || from < 0 || from >= this.size || from === this.index) return;
    switch (message.type) {
      case 'header':
        this.onHeader(from, message.header, out);
        break;
      case 'vote':
        this.onVote(from, message.vote.voter, message.vote.headerDigest, message.vote.signature, out);
        break;
      case 'certificate':
        this.onCertificate(from, message.certificate, out);
        break;
      case 'request':
        this.onRequest(from, message.digests, out);
        break;
      case 'sync-request':
        this.onSyncRequest(from, message.fromSequence, message.wave, out);
        break;
      case 'sync-response':
        this.onSyncResponse(from, message.checkpoints, message.batches, out);
        break;
    }
  }

  /** Retransmission: what a peer may have lost (a crash, a dropped link) is offered again. */
  private resend(nowMs: number, out: Effect[]): void {
    out.push({ kind: 'timer', name: TIMER_RESEND, atMs: nowMs + this.config.resendIntervalMs });
    if (this.ownHeader !== null)
      out.push({ kind: 'broadcast', message: { type: 'header', header: this.ownHeader } });
    const latest = this.latestOwnCertificate();
    if (latest !== undefined)
      out.push({ kind: 'broadcast', message: { type: 'certificate', certificate: latest } });
    // Parents still missing a whole interval later were probably collected by the peers: ask for
    // their commit state instead of the vertices.
    this.stuckTicks = this.waitingOn.size > 0 ? this.stuckTicks + 1 : 0;
    if (this.stuckTicks >= 2 || this.syncing) {
      out.push({
        kind: 'broadcast',
        message: { type: 'sync-request', fromSequence: this.nextSequence, wave: this.lastCommittedWave },
      });
    }
    for (const cache of [this.requestedAtMs, this.answeredAtMs]) {
      for (const [key, at] of cache) if (nowMs - at >= this.config.resendIntervalMs) cache.delete(key);
    }
    const missing = [...this.waitingOn.keys()].slice(0, MAX_REQUEST_DIGESTS);
    if (missing.length > 0) {
      out.push({
        kind: 'broadcast',
        message: { type: 'request', digests: missing.map((k) => Buffer.from(k, 'hex')) },
      });
    }
  }

  private latestOwnCertificate(): Certificate | undefined {
    for (let r = this.round; r >= Math.max(1, this.gcRound); r--) {
      const certificate = this.store.at(r, this.index);
      if (certificate !== undefined) return certificate;
    }
    return undefined;
  }

  // ---- headers and votes ----------------------------------------------------------------------

  private headerIsWellFormed(header: Header): boolean {
    if (!Number.isInteger(header.author) || header.author < 0 || header.author >= this.size) return false;
    if (!Number.isSafeInteger(header.round) || header.round < 1) return false;
    if (header.signature.length !== SIGNATURE_LENGTH) return false;
    if (header.round === 1) {
      if (header.parents.length !== 0 || header.weakParents.length !== 0) return false;
    } else if (header.parents.length < this.quorum || header.parents.length > this.size) {
      return false;
    }
    if (header.weakParents.length > this.size * this.config.gcDepthRounds) return false;
    if ((header.coinShare !== null) !== isCoinRound(header.round)) return false;
    if (header.transactions.length > this.config.maxBatchTransactions) return false;
    if (this.acceptsEntry !== undefined && !header.transactions.every(this.acceptsEntry)) return false;
    if (header.weakParents.some((w) => w.round >= header.round - 1)) return false;
    const all = [...header.parents, ...header.weakParents.map((w) => w.digest)];
    if (all.some((d) => d.length !== DIGEST_LENGTH)) return false;
    return new Set(all.map(digestKey)).size === all.length;
  }

  private onHeader(from: ValidatorIndex, header: Header, out: Effect[]): void {
    // Headers travel from their author only; a copy relayed by anyone else is ignored.
    if (header.author !== from || header.round < Math.max(1, this.gcRound)) return;
    // A header far beyond anything certified here cannot be voted on; catching up goes through
    // certificates and state sync, so it is ignored rather than fetched for.
    if (header.round > Math.max(this.store.maxRound, this.round) + this.config.gcDepthRounds) return;
    if (!this.headerIsWellFormed(header)) return;
    const digest = headerDigest(header);
    const key = digestKey(digest);
    const slot = `${header.author}:${header.round}`;
    const previous = this.voted.get(slot);
    if (previous !== undefined && previous !== key) {
      // Equivocation: the first header keeps the vote. Once that one is certified, the second,
      // signed by the same author, completes a proof anyone can check.
      const certified = this.store.at(header.round, header.author);
      if (
        certified !== undefined &&
        this.signatures.verify(header.author, headerSigningBytes(this.committee, digest), header.signature)
      ) {
        this.recordEquivocation(certified, { header, votes: [] });
      }
      return;
    }
    if (!this.signatures.verify(header.author, headerSigningBytes(this.committee, digest), header.signature))
      return;
    // A vote is a promise that this vertex extends 2f + 1 real vertices of the previous round: a
    // parent that is only known to have been collected, or whose round differs from the claim,
    // does not count, and one that is unknown is fetched before anything is signed.
    if (header.round - 1 < this.gcRound && header.round > 1) return; // its parents cannot be checked
    const parents = headerParents(this.store, this.refused, this.gcRound, header);
    if (parents.verdict === 'invalid') return;
    if (parents.verdict === 'missing') {
      // Usually the missing certificates are already on their way: the header waits for them
      // (one per author, the latest), and they are also asked of the author in case they are not.
      const waiting = this.waitingHeaders.get(header.author);
      if (waiting === undefined || waiting.header.round <= header.round) {
        this.waitingHeaders.set(header.author, { header, from });
      }
      this.request(
        from,
        [...parents.missing.keys()].map((k) => Buffer.from(k, 'hex')),
        out,
      );
      return;
    }
    this.waitingHeaders.delete(header.author);
    if (!strongParentsSound(this.store, header, this.gcRound, this.quorum)) return;
    // A share that fails its proof would make the certified vertex useless to every coin opening;
    // checked before signing, a certificate proves f + 1 honest validators found the share valid.
    if (header.coinShare !== null && !this.coinShareValid(header.author, header.round, header.coinShare))
      return;
    this.voted.set(slot, key);
    const signature = this.signatures.sign(voteSigningBytes(this.committee, digest));
    if (previous === undefined) {
      const record = { kind: 'vote', author: header.author, round: header.round, digest } as const;
      out.push({ kind: 'persist-signed', record: encodeDagSignedRecord(record) });
    }
    out.push({
      kind: 'send',
      to: from,
      message: { type: 'vote', vote: { headerDigest: digest, voter: this.index, signature } },
    });
  }

  private onVote(
    from: ValidatorIndex,
    voter: number,
    digest: Uint8Array,
    signature: Uint8Array,
    out: Effect[],
  ): void {
    if (voter !== from || this.ownHeader === null || this.ownVotes.has(voter)) return;
    const ownDigest = headerDigest(this.ownHeader);
    if (digestKey(digest) !== digestKey(ownDigest)) return;
    if (!this.signatures.verify(voter, voteSigningBytes(this.committee, ownDigest), signature)) return;
    this.ownVotes.set(voter, signature);
    this.maybeCertify(out);
  }

  private maybeCertify(out: Effect[]): void {
    if (this.ownHeader === null || this.ownVotes.size < this.quorum) return;
    const votes: VoteSignature[] = [...this.ownVotes.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([v, s]) => ({ voter: v, signature: s }));
    const certificate: Certificate = { header: this.ownHeader, votes };
    this.ownHeader = null;
    this.ownVotes = new Map();
    this.accept(certificate, out);
    out.push({ kind: 'broadcast', message: { type: 'certificate', certificate } });
  }

  // ---- certificates ---------------------------------------------------------------------------

  /** 2f + 1 valid votes of distinct members on a well-formed, author-signed header. */
  private certificateIsValid(certificate: Certificate): boolean {
    const header = certificate.header;
    if (!this.headerIsWellFormed(header)) return false;
    if (certificate.votes.length < this.quorum || certificate.votes.length > this.size) return false;
    const digest = headerDigest(header);
    const voteBytes = voteSigningBytes(this.committee, digest);
    const voters = new Set<number>();
    for (const vote of certificate.votes) {
      if (voters.has(vote.voter)) return false;
      voters.add(vote.voter);
      if (!this.signatures.verify(vote.voter, voteBytes, vote.signature)) return false;
    }
    return this.signatures.verify(
      header.author,
      headerSigningBytes(this.committee, digest),
      header.signature,
    );
  }

  private onCertificate(from: ValidatorIndex, certificate: Certificate, out: Effect[]): void {
    const key = digestKey(headerDigest(certificate.header));
    if (this.store.available(key) || this.buffered.has(key)) return;
    if (!this.certificateIsValid(certificate)) return;
    if (certificate.header.round < this.gcRound) {
      // Too old to keep, but it proves its digest: children waiting on it may go on.
      this.store.collected.set(key, certificate.header.round);
      this.release(key, out);
      return;
    }
    if (this.refused.has(key)) return;
    const { verdict, missing } = headerParents(this.store, this.refused, this.gcRound, certificate.header);
    if (verdict === 'invalid') {
      this.refuse(key, certificate.header.round);
      return;
    }
    if (verdict === 'present') {
      this.accept(certificate, out);
      return;
    }
    this.bufferUntilParents(key, certificate, missing, from, out);
  }

  /**
   * Holds a certificate until its missing parents arrive, asking `from` for them (or everyone,
   * for a certificate no peer sent: this validator's own, when a restart from an older snapshot
   * left its parents behind).
   */
  private bufferUntilParents(
    key: string,
    certificate: Certificate,
    missing: Map<string, number>,
    from: ValidatorIndex | null,
    out: Effect[],
  ): void {
    if (this.buffered.size >= this.config.maxBufferedCertificates) return;
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
   * Asks `to` for certificates, each digest at most once per retransmission interval: a peer
   * that keeps referencing unknown vertices (a far-future flood) cannot turn every message into
   * a request and every request into an answer.
   */
  private request(to: ValidatorIndex, digests: readonly Uint8Array[], out: Effect[]): void {
    const fresh: Uint8Array[] = [];
    for (const digest of digests) {
      const key = digestKey(digest);
      const last = this.requestedAtMs.get(key);
      if (last !== undefined && this.nowMs - last < this.config.resendIntervalMs) continue;
      this.requestedAtMs.set(key, this.nowMs);
      fresh.push(digest);
      if (fresh.length === MAX_REQUEST_DIGESTS) break;
    }
    if (fresh.length > 0) out.push({ kind: 'send', to, message: { type: 'request', digests: fresh } });
  }

  /**
   * Marks a certificate as lying about its parents, and with it every buffered certificate that
   * waits for it: none of them can ever enter the DAG, so none is kept or fetched again.
   */
  private refuse(key: string, round: number): void {
    const stack: [string, number][] = [[key, round]];
    while (stack.length > 0) {
      const [next, nextRound] = stack.pop()!;
      if (this.refused.has(next)) continue;
      this.refused.set(next, nextRound);
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
  private recheckBuffered(out: Effect[]): void {
    for (const [key, entry] of [...this.buffered]) {
      if (!this.buffered.has(key)) continue;
      if (entry.certificate.header.round < this.gcRound) {
        this.buffered.delete(key);
        for (const m of entry.missing.keys()) this.waitingOn.get(m)?.delete(key);
        this.store.collected.set(key, entry.certificate.header.round);
        this.release(key, out);
        continue;
      }
      for (const [m, round] of [...entry.missing]) {
        if (round < this.gcRound) {
          entry.missing.delete(m);
          this.waitingOn.get(m)?.delete(key);
        }
      }
      if (entry.missing.size === 0) {
        this.buffered.delete(key);
        this.accept(entry.certificate, out);
      }
    }
    for (const [key, waiters] of this.waitingOn) if (waiters.size === 0) this.waitingOn.delete(key);
  }

  /**
   * Inserts a causally complete certificate, then every buffered one it completes. Every path
   * into the DAG ends here, so the parent rules are checked here once more whatever the path:
   * each reference inside the window resolves to a vertex of the claimed round, and the strong
   * parents are 2f + 1 vertices of distinct authors. A certificate whose parents are not all here
   * yet (this validator's own, after a restart from an older snapshot) waits for them.
   */
  private accept(certificate: Certificate, out: Effect[]): void {
    const header = certificate.header;
    const digest = digestKey(headerDigest(header));
    const parents = headerParents(this.store, this.refused, this.gcRound, header);
    if (parents.verdict === 'missing') {
      this.bufferUntilParents(digest, certificate, parents.missing, null, out);
      return;
    }
    if (parents.verdict === 'invalid' || !strongParentsSound(this.store, header, this.gcRound, this.quorum)) {
      this.refuse(digest, header.round);
      return;
    }
    const holder = this.store.at(header.round, header.author);
    if (holder !== undefined && digestKey(headerDigest(holder.header)) !== digest) {
      // Two certificates for one slot: the first stays, the pair is kept as proof.
      this.recordEquivocation(holder, certificate);
      return;
    }
    const key = this.store.insert(certificate);
    if (certificate.header.transactions.length > 0) this.awaitingOrder.add(key);
    this.release(key, out);
    this.retryHeaders(out);
    this.tryCommit(out);
  }

  /** Votes for waiting headers whose parents have all arrived. */
  private retryHeaders(out: Effect[]): void {
    for (const [author, { header, from }] of [...this.waitingHeaders]) {
      if (header.round < this.gcRound) {
        this.waitingHeaders.delete(author);
        continue;
      }
      if (headerParents(this.store, this.refused, this.gcRound, header).verdict !== 'missing') {
        this.waitingHeaders.delete(author);
        this.onHeader(from, header, out);
      }
    }
  }

  private release(key: string, out: Effect[]): void {
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
        claimedRound >= this.gcRound &&
        this.store.get(key)?.header.round !== claimedRound
      ) {
        this.refuse(waiter, entry.certificate.header.round);
        continue;
      }
      if (entry.missing.size === 0) {
        this.buffered.delete(waiter);
        if (entry.certificate.header.round >= this.gcRound) this.accept(entry.certificate, out);
        else {
          this.store.collected.set(waiter, entry.certificate.header.round);
          this.release(waiter, out);
        }
      }
    }
  }

  /** Answers with the certificates held, each at most once per peer per retransmission interval. */
  private onRequest(from: ValidatorIndex, digests: readonly Uint8Array[], out: Effect[]): void {
    for (const digest of digests.slice(0, MAX_REQUEST_DIGESTS)) {
      const key = digestKey(digest);
      const certificate = this.store.get(key);
      if (certificate === undefined) continue;
      const answerKey = `${from}:${key}`;
      const last = this.answeredAtMs.get(answerKey);
      if (last !== undefined && this.nowMs - last < this.config.resendIntervalMs) continue;
      this.answeredAtMs.set(answerKey, this.nowMs);
      out.push({ kind: 'send', to: from, message: { type: 'certificate', certificate } });
    }
  }

  // ---- state sync -----------------------------------------------------------------------------

  private onSyncRequest(from: ValidatorIndex, fromSequence: number, wave: number, out: Effect[]): void {
    const latest = this.checkpoints[this.checkpoints.length - 1];
    if (latest === undefined || latest.wave <= wave) return;
    const first = this.recentBatches[0]?.sequence ?? this.nextSequence;
    const start = Math.max(0, fromSequence - first);
    const batches = this.recentBatches
      .slice(start, start + SYNC_BATCHES_PER_RESPONSE)
      .filter((b) => b.sequence >= fromSequence && b.sequence < latest.nextSequence);
    out.push({
      kind: 'send',
      to: from,
      message: { type: 'sync-response', checkpoints: this.checkpoints, batches },
    });
  }

  /**
   * Adopts the newest checkpoint that f + 1 peers sent identically (one of them is honest, and
   * honest checkpoints of a wave are equal), after emitting the batches up to it, each also sent
   * identically by f + 1 peers. What a validator commits this way is what it would have ordered.
   */
  private onSyncResponse(
    from: ValidatorIndex,
    checkpoints: readonly Checkpoint[],
    batches: readonly CommittedBatch[],
    out: Effect[],
  ): void {
    if (checkpoints.length > CHECKPOINTS_KEPT * 4 || batches.length > SYNC_BATCHES_PER_RESPONSE) return;
    this.syncResponses.set(from, { checkpoints, batches });
    const endorsements = new Map<string, { checkpoint: Checkpoint; senders: Set<number> }>();
    for (const [sender, response] of this.syncResponses) {
      for (const checkpoint of response.checkpoints) {
        if (checkpoint.wave <= this.lastCommittedWave) continue;
        const key = digestKey(checkpointBytes(checkpoint));
        const entry = endorsements.get(key) ?? { checkpoint, senders: new Set<number>() };
        entry.senders.add(sender);
        endorsements.set(key, entry);
      }
    }
    const agreed = [...endorsements.values()]
      .filter((e) => e.senders.size >= this.validity)
      .sort((a, b) => b.checkpoint.wave - a.checkpoint.wave)[0];
    if (agreed === undefined) return;
    const target = agreed.checkpoint;
    while (this.nextSequence < target.nextSequence) {
      const batch = this.agreedBatch(this.nextSequence);
      if (batch === undefined) {
        // Part of the way only: stop ordering locally until the rest arrives.
        this.syncing = true;
        return;
      }
      this.markOrdered(batch);
      this.nextSequence++;
      this.emit(batch, out);
    }
    if (this.nextSequence !== target.nextSequence) return;
    this.adopt(target, out);
  }

  private agreedBatch(sequence: number): CommittedBatch | undefined {
    const votes = new Map<string, { batch: CommittedBatch; count: number }>();
    for (const response of this.syncResponses.values()) {
      const batch = response.batches.find((b) => b.sequence === sequence);
      if (batch === undefined) continue;
      const key = digestKey(batchBytes(batch));
      const entry = votes.get(key) ?? { batch, count: 0 };
      entry.count++;
      votes.set(key, entry);
      if (entry.count >= this.validity) return entry.batch;
    }
    return undefined;
  }

  /** Marks the vertex a synced batch came from (its digest leads the evidence) as ordered. */
  private markOrdered(batch: CommittedBatch): void {
    if (batch.evidence.length >= DIGEST_LENGTH) {
      this.committed.set(digestKey(batch.evidence.subarray(0, DIGEST_LENGTH)), batch.round);
    }
  }

  private adopt(checkpoint: Checkpoint, out: Effect[]): void {
    for (const ref of checkpoint.committed) this.committed.set(digestKey(ref.digest), ref.round);
    this.lastCommittedWave = checkpoint.wave;
    this.lastLeader = checkpoint.lastLeader;
    this.lastLeaderRound = checkpoint.lastLeaderRound;
    this.activity = [...checkpoint.activity];
    this.gcRound = Math.max(this.gcRound, checkpoint.gcRound);
    this.checkpoints = [checkpoint];
    this.syncResponses.clear();
    this.syncing = false;
    this.stuckTicks = 0;
    this.collectGarbage();
    this.recheckBuffered(out);
    this.tryCommit(out);
  }

  // ---- proposing ------------------------------------------------------------------------------

  /**
   * Moves to the next round once this validator's own vertex of its round is certified and the
   * DAG holds 2f + 1 certificates of that round, or jumps ahead when the DAG shows a quorum of a
   * later round (after a crash or a partition), giving up its own uncertified header.
   */
  private tryAdvance(nowMs: number, out: Effect[]): void {
    const target = this.store.quorumRound;
    let nextRound: number;
    if (this.round === 0 && target === 0) nextRound = 1;
    else if (
      target > this.round ||
      (target === this.round && this.store.at(this.round, this.index) !== undefined)
    ) {
      nextRound = target + 1;
    } else return;
    // With nothing to order anywhere, rounds slow to the idle pace: an idle committee then costs
    // a few signatures and a coin a second instead of both cores.
    const interval = this.hasWorkInFlight()
      ? this.config.minRoundIntervalMs
      : Math.max(this.config.minRoundIntervalMs, this.config.idleRoundIntervalMs);
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
      // its transactions go back to the queue. A header taken back from the signed log after a
      // crash is the exception: it may have been certified before the crash (the votes are not
      // logged), so its transactions are not proposed again; a client resends what was lost.
      if (!this.ownHeaderFromLog) this.requeue(this.ownHeader.transactions);
      this.ownHeader = null;
      this.ownVotes = new Map();
    }
    this.propose(nextRound, nowMs, out);
  }

  /** Transactions waiting here for a vertex, or certified somewhere and not yet ordered. */
  private hasWorkInFlight(): boolean {
    if (this.pending.length > this.pendingHead || this.ownHeader?.transactions.length) return true;
    for (const key of this.awaitingOrder) {
      if (!this.committed.has(key) && this.store.has(key)) return true;
      this.awaitingOrder.delete(key);
    }
    return false;
  }

  private propose(round: number, nowMs: number, out: Effect[]): void {
    // A round whose header was signed (before a restart too) is never signed again.
    if (round <= this.round) return;
    const parents = round === 1 ? [] : this.store.round(round - 1).map((c) => headerDigest(c.header));
    const weakParents: ParentRef[] = [];
    if (round > 2) {
      for (let r = Math.max(1, this.gcRound); r < round - 1; r++) {
        for (const certificate of this.store.round(r)) {
          const key = digestKey(headerDigest(certificate.header));
          if (!this.referenced.has(key) && !this.committed.has(key))
            weakParents.push({ round: r, digest: headerDigest(certificate.header) });
        }
      }
    }
    const transactions = this.takeBatch();
    const coinShare = isCoinRound(round) ? this.coinShareFor(waveOfCoinRound(round)) : null;
    const unsigned = {
      author: this.index,
      round,
      parents,
      weakParents,
      transactions,
      coinShare,
      signature: new Uint8Array(0),
    };
    const digest = headerDigest(unsigned);
    const signature = this.signatures.sign(headerSigningBytes(this.committee, digest));
    const header: Header = { ...unsigned, signature };
    this.markReferenced([...parents, ...weakParents.map((w) => w.digest)]);
    this.round = round;
    this.ownHeader = header;
    this.ownHeaderFromLog = false;
    this.ownVotes = new Map([
      [this.index, this.signatures.sign(voteSigningBytes(this.committee, headerDigest(header)))],
    ]);
    this.voted.set(`${this.index}:${round}`, digestKey(headerDigest(header)));
    this.lastProposeAtMs = nowMs;
    out.push({ kind: 'persist-signed', record: encodeDagSignedRecord({ kind: 'header', header }) });
    out.push({ kind: 'broadcast', message: { type: 'header', header } });
    this.maybeCertify(out);
  }

  private coinShareValid(author: number, round: number, share: Uint8Array): boolean {
    const name = coinName(this.committee.shardId, this.committee.epoch, waveOfCoinRound(round));
    return verifyCoinShare(this.coinKeys, author, name, share);
  }

  private coinShareFor(wave: number): Uint8Array {
    const name = coinName(this.committee.shardId, this.committee.epoch, wave);
    return createCoinShare(this.coinSecret, this.coinKeys, this.index, name);
  }

  private takeBatch(): Uint8Array[] {
    const batch: Uint8Array[] = [];
    let bytes = 0;
    while (this.pendingHead < this.pending.length && batch.length < this.config.maxBatchTransactions) {
      const tx = this.pending[this.pendingHead]!;
      if (batch.length > 0 && bytes + tx.length > this.config.maxBatchBytes) break;
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

  private requeue(transactions: readonly Uint8Array[]): void {
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
      const certificate = this.store.get(key);
      if (certificate === undefined) continue;
      this.referenced.add(key);
      for (const p of certificate.header.parents) stack.push(digestKey(p));
      for (const p of certificate.header.weakParents) stack.push(digestKey(p.digest));
    }
  }

  // ---- committing -----------------------------------------------------------------------------

  /** The wave's coin, opened from the first f + 1 valid shares in its coin round's certificates. */
  private coin(wave: number): Uint8Array | undefined {
    const known = this.coins.get(wave);
    if (known !== undefined) return known;
    const round = supportRoundOf(wave) + 1;
    if (this.store.roundSize(round) < this.validity) return undefined;
    const name = coinName(this.committee.shardId, this.committee.epoch, wave);
    const shares: IndexedShare[] = [];
    // Our own share needs no proof check (only our key signs our vertex), and each check skipped
    // saves four scalar multiplications, so it goes first.
    const certificates = [...this.store.round(round)].sort(
      (a, b) => Number(b.header.author === this.index) - Number(a.header.author === this.index),
    );
    for (const certificate of certificates) {
      const share = certificate.header.coinShare;
      if (share === null) continue;
      const author = certificate.header.author;
      // Certified shares were checked by the f + 1 honest voters among the certificate's 2f + 1,
      // so they are not checked again here.
      shares.push({ index: author, share });
      if (shares.length === this.validity) break;
    }
    if (shares.length < this.validity) return undefined;
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
   * nothing). The set depends only on the committed order, and the order advances one leader at
   * a time, so every validator applies the same set to the same wave.
   */
  private leaderCandidates(): number[] {
    const floor = this.lastLeaderRound - ACTIVITY_WINDOW_ROUNDS;
    const active: number[] = [];
    for (let author = 0; author < this.size; author++)
      if (this.activity[author]! >= floor) active.push(author);
    return active.length >= this.quorum ? active : Array.from({ length: this.size }, (_, i) => i);
  }

  private supportOf(leader: Certificate, wave: number): number {
    const digest = digestKey(headerDigest(leader.header));
    let support = 0;
    for (const child of this.store.round(supportRoundOf(wave))) {
      if (child.header.parents.some((p) => digestKey(p) === digest)) support++;
    }
    return support;
  }

  private tryCommit(out: Effect[]): void {
    while (!this.syncing && this.commitNext(out)) {
      // Each pass orders one leader; the candidates may change with it.
    }
  }

  /**
   * Finds the highest wave whose leader has f + 1 support, walks back to the earliest uncommitted
   * leader it reaches, and orders that one only: the leader candidates of later waves depend on
   * it, so they are looked at again afterwards.
   */
  private commitNext(out: Effect[]): boolean {
    const highestWave = Math.floor((this.store.maxRound - 1) / 2);
    for (let wave = highestWave; wave > this.lastCommittedWave; wave--) {
      if (leaderRoundOf(wave) < this.gcRound) return false;
      const leader = this.leaderOf(wave);
      if (leader === undefined || this.supportOf(leader, wave) < this.validity) continue;
      this.commitEarliest(leader, wave, out);
      return true;
    }
    return false;
  }

  /** Orders the earliest uncommitted leader that `leader` reaches by strong edges (or itself). */
  private commitEarliest(leader: Certificate, wave: number, out: Effect[]): void {
    let earliest = { certificate: leader, wave };
    for (let earlier = wave - 1; earlier > this.lastCommittedWave; earlier--) {
      if (leaderRoundOf(earlier) < this.gcRound) break;
      const candidate = this.leaderOf(earlier);
      if (candidate !== undefined && this.strongPath(earliest.certificate, candidate)) {
        earliest = { certificate: candidate, wave: earlier };
      }
    }
    const { certificate } = earliest;
    this.orderHistory(certificate, this.coins.get(earliest.wave)!, out);
    this.lastLeader = certificate.header.author;
    this.lastLeaderRound = certificate.header.round;
    this.gcRound = Math.max(this.gcRound, certificate.header.round - this.config.gcDepthRounds);
    this.lastCommittedWave = earliest.wave;
    this.recordCheckpoint(earliest.wave);
    this.collectGarbage();
    this.recheckBuffered(out);
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

  /** The leader's not yet ordered history, sorted by (round, author): the same at every node. */
  private orderHistory(leader: Certificate, randomness: Uint8Array, out: Effect[]): void {
    const found: Certificate[] = [];
    const stack = [leader];
    const seen = new Set<string>([digestKey(headerDigest(leader.header))]);
    while (stack.length > 0) {
      const certificate = stack.pop()!;
      found.push(certificate);
      // Claimed rounds decide what is below gcRound, so every validator walks the same vertices.
      for (const ref of parentRefs(certificate.header)) {
        if (ref.round < this.gcRound) continue;
        const key = digestKey(ref.digest);
        if (seen.has(key) || this.committed.has(key)) continue;
        seen.add(key);
        const next = this.store.get(key);
        if (next !== undefined) stack.push(next);
      }
    }
    found.sort((a, b) => a.header.round - b.header.round || a.header.author - b.header.author);
    let lastWithTransactions = found.length - 1;
    while (lastWithTransactions >= 0 && found[lastWithTransactions]!.header.transactions.length === 0) {
      lastWithTransactions--;
    }
    for (const [position, certificate] of found.entries()) {
      this.committed.set(digestKey(headerDigest(certificate.header)), certificate.header.round);
      const author = certificate.header.author;
      this.activity[author] = Math.max(this.activity[author]!, certificate.header.round);
      if (certificate.header.transactions.length === 0) continue;
      const batch: CommittedBatch = {
        sequence: this.nextSequence++,
        round: certificate.header.round,
        proposer: certificate.header.author,
        transactions: certificate.header.transactions,
        randomness,
        evidence: encodeCertificateEvidence(certificate),
        endsCommit: position === lastWithTransactions,
      };
      this.emit(batch, out);
    }
  }

  private emit(batch: CommittedBatch, out: Effect[]): void {
    this.recentBatches.push(batch);
    this.recentBatchBytes += batchSize(batch);
    // Bounded by count and by bytes: under load a batch holds up to a megabyte, and a window kept
    // by count alone would then hold gigabytes for peers that may never ask.
    if (
      this.recentBatches.length > this.config.retainedBatches ||
      this.recentBatchBytes > this.config.retainedBatchBytes
    ) {
      let keep = Math.max(1, Math.floor(this.recentBatches.length / 2));
      let bytes = 0;
      for (let i = this.recentBatches.length - 1; i >= this.recentBatches.length - keep; i--) {
        bytes += batchSize(this.recentBatches[i]!);
        if (bytes > this.config.retainedBatchBytes / 2) {
          keep = this.recentBatches.length - i;
          break;
        }
      }
      this.recentBatches = this.recentBatches.slice(-keep);
      this.recentBatchBytes = this.recentBatches.reduce((sum, b) => sum + batchSize(b), 0);
    }
    out.push({ kind: 'commit', batch });
  }

  private recordCheckpoint(wave: number): void {
    const committed: ParentRef[] = [];
    for (const [key, round] of this.committed) {
      if (round >= this.gcRound) committed.push({ round, digest: Buffer.from(key, 'hex') });
    }
    committed.sort((a, b) => a.round - b.round || Buffer.compare(a.digest, b.digest));
    const checkpoint: Checkpoint = {
      wave,
      nextSequence: this.nextSequence,
      gcRound: this.gcRound,
      lastLeader: this.lastLeader ?? 0,
      lastLeaderRound: this.lastLeaderRound,
      activity: [...this.activity],
      committed,
    };
    this.checkpoints = [...this.checkpoints.slice(-(CHECKPOINTS_KEPT - 1)), checkpoint];
  }

  /**
   * Drops rounds below gcRound. Nothing below it is ever ordered by anyone (gcRound follows the
   * committed leaders, the same everywhere), so this validator's own vertices dropped unordered
   * give their transactions back to the queue: proposed again, they are committed exactly once.
   */
  private collectGarbage(): void {
    const removed = this.store.collect(this.gcRound, this.config.gcDepthRounds);
    for (const certificate of removed) {
      const key = digestKey(headerDigest(certificate.header));
      if (certificate.header.author === this.index && !this.committed.has(key)) {
        this.requeue(certificate.header.transactions);
      }
      this.referenced.delete(key);
    }
    for (const [key, round] of this.committed) if (round < this.gcRound) this.committed.delete(key);
    for (const [key, round] of this.refused) if (round < this.gcRound) this.refused.delete(key);
    for (const [slot, _] of this.voted) {
      const round = Number(slot.slice(slot.indexOf(':') + 1));
      if (round < this.gcRound) this.voted.delete(slot);
    }
    for (const [key, entry] of this.buffered) {
      if (entry.certificate.header.round < this.gcRound) {
        this.buffered.delete(key);
        for (const m of entry.missing.keys()) this.waitingOn.get(m)?.delete(key);
      }
    }
    for (const [key, waiters] of this.waitingOn) if (waiters.size === 0) this.waitingOn.delete(key);
    for (const wave of this.coins.keys()) if (leaderRoundOf(wave) < this.gcRound) this.coins.delete(wave);
  }

  // ---- introspection and persistence ----------------------------------------------------------

  private recordEquivocation(first: Certificate, second: Certificate): void {
    const slot = `${first.header.author}:${first.header.round}`;
    if (this.equivocatingSlots.has(slot) || this.equivocationProofs.length >= MAX_EQUIVOCATION_PROOFS) return;
    this.equivocatingSlots.add(slot);
    this.equivocationProofs.push({
      author: first.header.author,
      round: first.header.round,
      first: first.header,
      second: second.header,
    });
  }

  /** Proofs that a validator signed two certified vertices for one round (first seen first). */
  equivocations(): readonly EquivocationProof[] {
    return this.equivocationProofs;
  }

  /** The leader of the last committed wave (what a leader-targeting adversary can learn). */
  lastCommittedLeader(): ValidatorIndex | null {
    return this.lastLeader;
  }

  stats(): {
    round: number;
    dagSize: number;
    buffered: number;
    pending: number;
    committedWave: number;
    gcRound: number;
    retainedBatches: number;
    retainedBatchBytes: number;
  } {
    return {
      round: this.round,
      dagSize: this.store.size(),
      buffered: this.buffered.size,
      pending: this.pending.length - this.pendingHead,
      committedWave: this.lastCommittedWave,
      gcRound: this.gcRound,
      retainedBatches: this.recentBatches.length,
      retainedBatchBytes: this.recentBatchBytes,
    };
  }

  snapshot(): Uint8Array {
    const certificates: Certificate[] = [];
    for (const round of [...this.store.byRound.keys()].sort((a, b) => a - b))
      certificates.push(...this.store.round(round));
    const state: DagState = {
      round: this.round,
      lastProposeAtMs: Number.isFinite(this.lastProposeAtMs) ? this.lastProposeAtMs : -1,
      ownHeader: this.ownHeader,
      pending: this.pending.slice(this.pendingHead),
      certificates,
      committed: [...this.committed.entries()],
      checkpoints: this.checkpoints,
      syncing: this.syncing,
      lastLeaderRound: this.lastLeaderRound,
      activity: this.activity,
      referenced: [...this.referenced],
      collected: [...this.store.collected.entries()],
      voted: [...this.voted.entries()],
      coins: [...this.coins.entries()],
      lastCommittedWave: this.lastCommittedWave,
      gcRound: this.gcRound,
      nextSequence: this.nextSequence,
      lastLeader: this.lastLeader ?? -1,
    };
    return encodeState(state);
  }

  private restore(state: DagState): void {
    this.round = state.round;
    this.lastProposeAtMs = state.lastProposeAtMs < 0 ? Number.NEGATIVE_INFINITY : state.lastProposeAtMs;
    this.ownHeader = state.ownHeader;
    if (this.ownHeader !== null) {
      this.ownVotes = new Map([
        [this.index, this.signatures.sign(voteSigningBytes(this.committee, headerDigest(this.ownHeader)))],
      ]);
    }
    this.pending = [...state.pending];
    for (const [key, round] of state.committed) this.committed.set(key, round);
    for (const certificate of state.certificates) {
      const key = this.store.insert(certificate);
      if (certificate.header.transactions.length > 0 && !this.committed.has(key)) this.awaitingOrder.add(key);
    }
    this.checkpoints = [...state.checkpoints];
    this.syncing = state.syncing;
    this.lastLeaderRound = state.lastLeaderRound;
    if (state.activity.length === this.size) this.activity = [...state.activity];
    for (const key of state.referenced) this.referenced.add(key);
    for (const [key, round] of state.collected) this.store.collected.set(key, round);
    for (const [slot, key] of state.voted) this.voted.set(slot, key);
    for (const [wave, value] of state.coins) this.coins.set(wave, value);
    this.lastCommittedWave = state.lastCommittedWave;
    this.gcRound = state.gcRound;
    this.nextSequence = state.nextSequence;
    this.lastLeader = state.lastLeader < 0 ? null : state.lastLeader;
  }

  /**
   * Brings the state up to one signature made after the snapshot; a record the snapshot already
   * covers changes nothing. A header of a later round becomes the current proposal, as if just
   * made: `start` broadcasts it again and no other header is ever signed for its round. The
   * snapshot's older uncertified header is dropped without giving back its transactions, since
   * it may have been certified after the snapshot (a transaction lost here is submitted again;
   * one ordered twice is not undone).
   */
  private replaySigned(record: DagSignedRecord): void {
    const author = record.kind === 'header' ? record.header.author : record.author;
    const round = record.kind === 'header' ? record.header.round : record.round;
    const digest = record.kind === 'header' ? headerDigest(record.header) : record.digest;
    if (author < 0 || author >= this.size || round < 1) {
      throw new DagError('BAD_SIGNED_LOG', `signed record for slot ${author}:${round} is out of range`);
    }
    if (record.kind === 'header' && author !== this.index) {
      throw new DagError('BAD_SIGNED_LOG', `a header of validator ${author} in the log of ${this.index}`);
    }
    const slot = `${author}:${round}`;
    if (round >= this.gcRound && !this.voted.has(slot)) this.voted.set(slot, digestKey(digest));
    if (record.kind === 'vote' || round <= this.round) return;
    const header = record.header;
    this.round = round;
    this.ownHeader = header;
    this.ownHeaderFromLog = true;
    this.ownVotes = new Map([[this.index, this.signatures.sign(voteSigningBytes(this.committee, digest))]]);
    this.markReferenced([...header.parents, ...header.weakParents.map((w) => w.digest)]);
    const carried = new Set(header.transactions.map((tx) => Buffer.from(tx).toString('hex')));
    this.pending = this.pending
      .slice(this.pendingHead)
      .filter((tx) => !carried.has(Buffer.from(tx).toString('hex')));
    this.pendingHead = 0;
  }

  /**
   * Read-only: the leader the coin elected for the latest wave whose coin is open here, which is
   * what an adversary learns as soon as the coin opens (before that wave commits anywhere).
   */
  currentAnchor(): { wave: number; leader: ValidatorIndex } | null {
    let wave = this.lastCommittedWave;
    for (const opened of this.coins.keys()) wave = Math.max(wave, opened);
    if (wave === this.lastCommittedWave) {
      return this.lastLeader === null ? null : { wave, leader: this.lastLeader };
    }
    const candidates = this.leaderCandidates();
    return { wave, leader: candidates[coinLeader(this.coins.get(wave)!, candidates.length)]! };
  }
}

/** Commit evidence: the vertex digest and the 2f + 1 votes that certified it. */
function batchSize(batch: CommittedBatch): number {
  let bytes = batch.evidence.length + 64;
  for (const tx of batch.transactions) bytes += tx.length;
  return bytes;
}
