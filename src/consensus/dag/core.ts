import type { CoinPublicKeys } from '../coin/index.js';
import {
  type ConsensusCore,
  type ConsensusInput,
  quorumSize,
  type ValidatorIndex,
  validitySize,
} from '../interface.js';
import { BlockManager } from './block-manager.js';
import { digestKey, headerDigest } from './codec.js';
import { CommitState } from './commit-state.js';
import { Committer } from './committer.js';
import { type DagContext, type Effect, slotKey } from './context.js';
import type { EquivocationProof } from './equivocation.js';
import { DagError } from './errors.js';
import { Linearizer } from './linearizer.js';
import { headerParents, strongParentsSound } from './parents.js';
import { Proposer, TIMER_PROPOSE } from './proposer.js';
import { type DagSignedRecord, decodeDagSignedRecord, encodeDagSignedRecord } from './signed-log.js';
import { SignedSlots } from './signed-slots.js';
import { Signatures, voteSigningBytes } from './signing.js';
import { type DagState, decodeState, encodeState } from './snapshot.js';
import { DagStore } from './store.js';
import { Synchronizer } from './synchronizer.js';
import {
  type Certificate,
  type DagMessage,
  type DagValidatorInit,
  DEFAULT_DAG_CONFIG,
  type Header,
} from './types.js';
import {
  certificateIsValid,
  coinShareValid,
  entriesAcceptable,
  headerIsWellFormed,
  headerSignedByAuthor,
} from './validation.js';
import { slotPosition } from './waves.js';

const TIMER_RESEND = 'dag.resend';
/** Proofs of equivocation kept for the layers above (one per author and round, the first ones). */
const MAX_EQUIVOCATION_PROOFS = 256;

/**
 * One validator of the certified DAG. Each round it proposes a header with a batch and references
 * to 2f + 1 certificates of the previous round; peers vote once per (author, round); 2f + 1 votes
 * make a certificate. Waves of two rounds: the coin, opened from shares carried by the headers of
 * the round after the wave, fills the wave's f + 1 leader slots after the fact; each slot is
 * committed or skipped by its support (or by a later committed slot), and the committed leaders'
 * causal histories are ordered deterministically, slot by slot.
 *
 * This class is the core of it: headers, votes and certificates in, and the wiring of the parts
 * that each own one concept (proposer, block manager, committer, linearizer, synchronizer).
 */
export class DagCore implements ConsensusCore<DagMessage> {
  readonly index: ValidatorIndex;
  private readonly ctx: DagContext;
  private readonly coinKeys: CoinPublicKeys;

  private readonly store: DagStore;
  private readonly state: CommitState;
  private readonly slots = new SignedSlots();
  private readonly blocks: BlockManager;
  private readonly proposer: Proposer;
  private readonly committer: Committer;
  private readonly linearizer: Linearizer;
  private readonly sync: Synchronizer;
  /** Signed proof of each (author, round) for which two different certificates were seen. */
  private readonly equivocationProofs: EquivocationProof[] = [];
  private readonly equivocatingSlots = new Set<string>();
  /**
   * A peer's signed header per slot that this validator voted for, or refused only for entries it
   * cannot read, kept until the slot's certificate arrives: an author that showed other peers
   * another header gets that one certified, and the two signed headers are a proof. Without them
   * an equivocation split between peers, each seeing one version, would go unproven.
   */
  private readonly seenHeaders = new Map<string, Header>();
  private nowMs = 0;
  /** Certificates the signed log kept beside this validator's headers, taken in at start. */
  private recoveredReferences: Certificate[] = [];

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
    const size = members.length;
    const validity = validitySize(size);
    if (init.coinPublicKeys.threshold !== validity) {
      throw new DagError('BAD_INIT', `coin threshold must be f + 1 = ${validity}`);
    }
    const config = { ...DEFAULT_DAG_CONFIG, ...init.config };
    if (config.gcDepthRounds < 4 || config.maxBatchTransactions < 1) {
      throw new DagError('BAD_CONFIG', 'gcDepthRounds must be ≥ 4 and maxBatchTransactions ≥ 1');
    }
    this.index = init.index;
    this.ctx = {
      index: init.index,
      committee: init.committee,
      size,
      quorum: quorumSize(size),
      validity,
      config,
      signatures: Signatures.fromSeed(init.committee, init.signingSeed, init.sharedChecks),
      acceptsEntry: init.acceptsEntry,
      newcomers: new Set((init.newcomers ?? []).filter((i) => Number.isInteger(i) && i >= 0 && i < size)),
    };
    this.coinKeys = init.coinPublicKeys;
    this.store = new DagStore(this.ctx.quorum);
    this.state = new CommitState();
    this.blocks = new BlockManager({
      ctx: this.ctx,
      store: this.store,
      state: this.state,
      now: () => this.nowMs,
      accept: (certificate, out) => this.accept(certificate, out),
    });
    this.proposer = new Proposer({
      ctx: this.ctx,
      store: this.store,
      state: this.state,
      slots: this.slots,
      coinKeys: init.coinPublicKeys,
      coinSecret: init.coinSecretShare,
      certified: (certificate, out) => {
        this.accept(certificate, out);
        out.push({ kind: 'broadcast', message: { type: 'certificate', certificate } });
      },
    });
    this.committer = new Committer(this.ctx, this.store, this.state, init.coinPublicKeys);
    this.linearizer = new Linearizer(this.ctx, this.store, this.state);
    this.sync = new Synchronizer({
      ctx: this.ctx,
      state: this.state,
      linearizer: this.linearizer,
      adopted: (out) => {
        this.committer.adopted();
        this.collectGarbage();
        this.blocks.recheckBuffered(out);
        this.tryCommit(out);
      },
    });
    if (init.recovered !== undefined) this.restore(decodeState(init.recovered));
    for (const record of init.signedLog ?? []) this.replaySigned(decodeDagSignedRecord(record));
    if (init.orderedThrough !== undefined && init.orderedThrough >= this.state.nextSequence) {
      // What lies between is in the ledger and nowhere in the peers' windows: skip it, and wait
      // for a checkpoint at or past the new position before ordering anything locally.
      this.state.nextSequence = init.orderedThrough + 1;
      this.sync.awaitCheckpoint();
    }
  }

  /**
   * Its peers' retained windows have moved past this validator's next batch (f + 1 of them said
   * so): state sync cannot catch it up, only copying final blocks can (the node does, then starts
   * a new core after them).
   */
  get beyondRetainedWindow(): boolean {
    return this.sync.beyondReach;
  }

  /** Transactions refused because the pending queue was full or they could never be certified. */
  get refusedTransactions(): number {
    return this.proposer.refusedTransactions;
  }

  // ---- inputs -------------------------------------------------------------------------------

  handle(input: ConsensusInput<DagMessage>, nowMs: number): Effect[] {
    this.nowMs = nowMs;
    const out: Effect[] = [];
    switch (input.kind) {
      case 'start': {
        out.push({ kind: 'timer', name: TIMER_RESEND, atMs: nowMs + this.ctx.config.resendIntervalMs });
        this.acceptRecoveredReferences(out);
        const header = this.proposer.header;
        if (header !== null) out.push({ kind: 'broadcast', message: { type: 'header', header } });
        break;
      }
      case 'transactions':
        this.proposer.enqueue(input.transactions);
        break;
      case 'timer':
        if (input.name === TIMER_PROPOSE) this.proposer.timerFired();
        else if (input.name === TIMER_RESEND) this.resend(nowMs, out);
        break;
      case 'message':
        this.onMessage(input.from, input.message, out);
        break;
    }
    this.proposer.tryAdvance(nowMs, out);
    return out;
  }

  private onMessage(from: ValidatorIndex, message: DagMessage, out: Effect[]): void {
    if (!Number.isInteger(from) || from < 0 || from >= this.ctx.size || from === this.index) return;
    switch (message.type) {
      case 'header':
        this.onHeader(from, message.header, out);
        break;
      case 'vote':
        this.proposer.onVote(
          from,
          message.vote.voter,
          message.vote.headerDigest,
          message.vote.signature,
          out,
        );
        break;
      case 'certificate':
        this.onCertificate(from, message.certificate, out);
        break;
      case 'request':
        this.blocks.serveRequest(from, message.digests, out);
        break;
      case 'sync-request':
        this.sync.onSyncRequest(from, message.fromSequence, message.slot, out);
        break;
      case 'sync-response':
        this.sync.onSyncResponse(from, message.checkpoints, message.batches, out);
        break;
    }
  }

  /** Retransmission: what a peer may have lost (a crash, a dropped link) is offered again. */
  private resend(nowMs: number, out: Effect[]): void {
    out.push({ kind: 'timer', name: TIMER_RESEND, atMs: nowMs + this.ctx.config.resendIntervalMs });
    const header = this.proposer.header;
    if (header !== null) out.push({ kind: 'broadcast', message: { type: 'header', header } });
    const latest = this.proposer.latestOwnCertificate();
    if (latest !== undefined)
      out.push({ kind: 'broadcast', message: { type: 'certificate', certificate: latest } });
    this.sync.resend(this.blocks.hasMissing(), out);
    this.blocks.resend(nowMs, out);
  }

  // ---- headers and votes ----------------------------------------------------------------------

  private onHeader(from: ValidatorIndex, header: Header, out: Effect[]): void {
    const { gcRound } = this.state;
    // Headers travel from their author only; a copy relayed by anyone else is ignored.
    if (header.author !== from || header.round < Math.max(1, gcRound)) return;
    // A header far beyond anything certified here cannot be voted on; catching up goes through
    // certificates and state sync, so it is ignored rather than fetched for.
    const horizon = Math.max(this.store.maxRound, this.proposer.currentRound) + this.ctx.config.gcDepthRounds;
    if (header.round > horizon) return;
    if (!headerIsWellFormed(this.ctx, header, false)) return;
    const digest = headerDigest(header);
    const key = digestKey(digest);
    const slot = slotKey(header.author, header.round);
    const previous = this.slots.get(slot);
    if (previous !== undefined && previous !== key) {
      // Equivocation: the first header keeps the vote. Once that one is certified, the second,
      // signed by the same author, completes a proof anyone can check.
      // The certified header may be this very one (the vote went to the other version, whose
      // header is not kept): a header paired with itself proves nothing, so none is recorded
      // here; a validator that holds the other version's certificate records the pair.
      const certified = this.store.at(header.round, header.author);
      if (
        certified !== undefined &&
        digestKey(headerDigest(certified.header)) !== key &&
        headerSignedByAuthor(this.ctx, header, digest)
      ) {
        this.recordEquivocation(certified, { header, votes: [] });
      }
      return;
    }
    if (!entriesAcceptable(this.ctx, header)) {
      // Never voted for, but signed: evidence if the author gets another header certified.
      if (
        header.author !== this.index &&
        !this.seenHeaders.has(slot) &&
        headerSignedByAuthor(this.ctx, header, digest)
      )
        this.seenHeaders.set(slot, header);
      return;
    }
    if (!headerSignedByAuthor(this.ctx, header, digest)) return;
    // A vote is a promise that this vertex extends 2f + 1 real vertices of the previous round: a
    // parent that is only known to have been collected, or whose round differs from the claim,
    // does not count, and one that is unknown is fetched before anything is signed.
    if (header.round - 1 < gcRound && header.round > 1) return; // its parents cannot be checked
    const parents = headerParents(this.store, this.blocks.refused, gcRound, header);
    if (parents.verdict === 'invalid') return;
    if (parents.verdict === 'missing') {
      // Usually the missing certificates are already on their way: the header waits for them.
      this.blocks.holdHeader(header, from, parents.missing, out);
      return;
    }
    this.blocks.releaseHeader(header.author);
    if (!strongParentsSound(this.store, header, gcRound, this.ctx.quorum)) return;
    // A share that fails its proof would make the certified vertex useless to every coin opening;
    // checked before signing, a certificate proves f + 1 honest validators found the share valid.
    if (
      header.coinShare !== null &&
      !coinShareValid(this.ctx, this.coinKeys, header.author, header.round, header.coinShare)
    )
      return;
    this.slots.set(slot, key);
    if (header.author !== this.index) this.seenHeaders.set(slot, header);
    const signature = this.ctx.signatures.sign(voteSigningBytes(this.ctx.committee, digest));
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

  // ---- certificates ---------------------------------------------------------------------------

  private onCertificate(from: ValidatorIndex, certificate: Certificate, out: Effect[]): void {
    const key = digestKey(headerDigest(certificate.header));
    if (this.store.available(key) || this.blocks.isBuffered(key)) return;
    if (!certificateIsValid(this.ctx, certificate)) return;
    if (certificate.header.round < this.state.gcRound) {
      // Too old to keep, but it proves its digest: children waiting on it may go on.
      this.store.collected.set(key, certificate.header.round);
      this.blocks.release(key, out);
      return;
    }
    if (this.blocks.refused.has(key)) return;
    const { verdict, missing } = headerParents(
      this.store,
      this.blocks.refused,
      this.state.gcRound,
      certificate.header,
    );
    if (verdict === 'invalid') {
      this.blocks.refuse(key, certificate.header.round);
      return;
    }
    if (verdict === 'present') {
      this.accept(certificate, out);
      return;
    }
    this.blocks.bufferUntilParents(key, certificate, missing, from, out);
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
    const parents = headerParents(this.store, this.blocks.refused, this.state.gcRound, header);
    if (parents.verdict === 'missing') {
      this.blocks.bufferUntilParents(digest, certificate, parents.missing, null, out);
      return;
    }
    if (
      parents.verdict === 'invalid' ||
      !strongParentsSound(this.store, header, this.state.gcRound, this.ctx.quorum)
    ) {
      this.blocks.refuse(digest, header.round);
      return;
    }
    const holder = this.store.at(header.round, header.author);
    if (holder !== undefined && digestKey(headerDigest(holder.header)) !== digest) {
      // Two certificates for one slot: the first stays, the pair is kept as proof.
      this.recordEquivocation(holder, certificate);
      return;
    }
    const slot = slotKey(header.author, header.round);
    const seen = this.seenHeaders.get(slot);
    if (seen !== undefined) {
      this.seenHeaders.delete(slot);
      // The seen header's signature was checked when it came; the certificate's by its 2f + 1 votes.
      if (digestKey(headerDigest(seen)) !== digest)
        this.recordEquivocation(certificate, { header: seen, votes: [] });
    }
    const key = this.store.insert(certificate);
    this.proposer.noteCertified(key, certificate);
    this.blocks.release(key, out);
    this.blocks.retryHeaders(out, (from, waiting, o) => this.onHeader(from, waiting, o));
    this.tryCommit(out);
  }

  // ---- committing -----------------------------------------------------------------------------

  /** Orders committed slots one at a time, in slot order. Nothing is ordered locally during a state sync. */
  private tryCommit(out: Effect[]): void {
    while (!this.sync.syncing) {
      const decision = this.committer.nextLeader();
      if (decision === undefined) return;
      this.linearizer.orderHistory(decision.leader, decision.randomness, decision.endsWave, out);
      this.committer.committed(decision);
      this.sync.recordCheckpoint();
      this.collectGarbage();
      this.blocks.recheckBuffered(out);
    }
  }

  /**
   * Drops rounds below gcRound. Nothing below it is ever ordered by anyone (gcRound follows the
   * committed leaders, the same everywhere), so this validator's own vertices dropped unordered
   * give their transactions back to the queue: proposed again, they are committed exactly once.
   */
  private collectGarbage(): void {
    const { gcRound } = this.state;
    const removed = this.store.collect(gcRound, this.ctx.config.gcDepthRounds);
    for (const certificate of removed) {
      const key = digestKey(headerDigest(certificate.header));
      if (certificate.header.author === this.index && !this.state.isOrdered(key)) {
        this.proposer.requeue(certificate.header.transactions);
      }
      this.proposer.forget(key);
    }
    this.state.prune();
    this.slots.prune(gcRound);
    for (const [slot, header] of this.seenHeaders) if (header.round < gcRound) this.seenHeaders.delete(slot);
    this.blocks.collect(gcRound);
    this.committer.prune();
  }

  private recordEquivocation(first: Certificate, second: Certificate): void {
    const slot = slotKey(first.header.author, first.header.round);
    if (this.equivocatingSlots.has(slot) || this.equivocationProofs.length >= MAX_EQUIVOCATION_PROOFS) return;
    this.equivocatingSlots.add(slot);
    this.equivocationProofs.push({
      epoch: this.ctx.committee.epoch,
      author: first.header.author,
      round: first.header.round,
      first: first.header,
      second: second.header,
    });
  }

  // ---- introspection and persistence ----------------------------------------------------------

  /** Proofs that a validator signed two certified vertices for one round (first seen first). */
  equivocations(): readonly EquivocationProof[] {
    return this.equivocationProofs;
  }

  /** The leader of the last committed slot (what a leader-targeting adversary can learn). */
  lastCommittedLeader(): ValidatorIndex | null {
    return this.state.lastLeader;
  }

  /**
   * Read-only: the validator in slot 0 of the latest wave whose coin is open here, which is what
   * an adversary learns as soon as the coin opens (before that wave commits anywhere).
   */
  currentAnchor(): { wave: number; leader: ValidatorIndex } | null {
    return this.committer.currentAnchor();
  }

  stats(): {
    round: number;
    dagSize: number;
    buffered: number;
    pending: number;
    /** The wave of the last slot passed in the order (committed or skipped). */
    committedWave: number;
    decidedSlot: number;
    gcRound: number;
    retainedBatches: number;
    retainedBatchBytes: number;
  } {
    return {
      round: this.proposer.currentRound,
      dagSize: this.store.size(),
      buffered: this.blocks.bufferedCount,
      pending: this.proposer.pendingCount,
      committedWave: this.committer.decidedWave(),
      decidedSlot: this.state.lastDecidedSlot,
      gcRound: this.state.gcRound,
      retainedBatches: this.linearizer.retained().length,
      retainedBatchBytes: this.linearizer.retainedBytes,
    };
  }

  snapshot(): Uint8Array {
    const certificates: Certificate[] = [];
    for (const round of [...this.store.byRound.keys()].sort((a, b) => a - b))
      certificates.push(...this.store.round(round));
    const own = this.proposer.snapshot();
    const synced = this.sync.snapshot();
    const state: DagState = {
      round: own.round,
      lastProposeAtMs: own.lastProposeAtMs,
      ownHeader: own.ownHeader,
      pending: own.pending,
      certificates,
      committed: [...this.state.committed.entries()],
      checkpoints: synced.checkpoints,
      syncing: synced.syncing,
      lastLeaderRound: this.state.lastLeaderRound,
      referenced: own.referenced,
      collected: [...this.store.collected.entries()],
      voted: this.slots.entries(),
      coins: this.committer.openedCoins(),
      lastDecidedSlot: this.state.lastDecidedSlot,
      gcRound: this.state.gcRound,
      nextSequence: this.state.nextSequence,
      lastLeader: this.state.lastLeader ?? -1,
    };
    return encodeState(state);
  }

  private restore(saved: DagState): void {
    const { state } = this;
    this.proposer.restore(saved);
    for (const [key, round] of saved.committed) state.committed.set(key, round);
    for (const certificate of saved.certificates) {
      const key = this.store.insert(certificate);
      if (!state.isOrdered(key)) this.proposer.noteCertified(key, certificate);
    }
    // A version-1 snapshot numbers by wave: its last wave's single leader maps to that wave's first slot.
    const position = (wave: number) =>
      saved.waveNumbered && wave > 0 ? slotPosition(wave, 0, this.committer.slotsPerWave) : wave;
    this.sync.restore(
      saved.checkpoints.map((checkpoint) => ({ ...checkpoint, slot: position(checkpoint.slot) })),
      saved.syncing,
    );
    state.lastLeaderRound = saved.lastLeaderRound;
    for (const [key, round] of saved.collected) this.store.collected.set(key, round);
    for (const [slot, key] of saved.voted) this.slots.set(slot, key);
    this.committer.restoreCoins(saved.coins);
    state.lastDecidedSlot = position(saved.lastDecidedSlot);
    state.gcRound = saved.gcRound;
    state.nextSequence = saved.nextSequence;
    state.lastLeader = saved.lastLeader < 0 ? null : saved.lastLeader;
  }

  /**
   * Certificates this validator's own headers referenced since its snapshot (from the signed log),
   * taken in again at start: the snapshot may be older than them, and they may be nowhere else
   * (the whole committee stopped). Each goes through `accept` like a peer's, so one whose own
   * parents are missing waits for them and they are fetched.
   */
  private acceptRecoveredReferences(out: Effect[]): void {
    const recovered = this.recoveredReferences;
    this.recoveredReferences = [];
    recovered.sort((a, b) => a.header.round - b.header.round);
    for (const certificate of recovered) {
      if (certificate.header.round < this.state.gcRound) continue;
      if (this.store.has(digestKey(headerDigest(certificate.header)))) continue;
      this.accept(certificate, out);
    }
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
    if (record.kind === 'references') {
      // The log is this validator's own, written after it checked each of them: trusted as the
      // snapshot is.
      this.recoveredReferences.push(...record.certificates);
      return;
    }
    const author = record.kind === 'header' ? record.header.author : record.author;
    const round = record.kind === 'header' ? record.header.round : record.round;
    const digest = record.kind === 'header' ? headerDigest(record.header) : record.digest;
    if (author < 0 || author >= this.ctx.size || round < 1) {
      throw new DagError('BAD_SIGNED_LOG', `signed record for slot ${author}:${round} is out of range`);
    }
    if (record.kind === 'header' && author !== this.index) {
      throw new DagError('BAD_SIGNED_LOG', `a header of validator ${author} in the log of ${this.index}`);
    }
    const slot = slotKey(author, round);
    if (round >= this.state.gcRound && !this.slots.has(slot)) this.slots.set(slot, digestKey(digest));
    if (record.kind === 'vote' || round <= this.proposer.currentRound) return;
    this.proposer.resumeFromLog(record.header, digest);
  }
}
