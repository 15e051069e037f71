import { DEFAULT_DAG_CONFIG, isCoinRound } from '../../consensus/dag/index.js';
import { maxFaulty, quorumSize, validitySize } from '../../consensus/interface.js';
import type { Engine } from './engine.js';
import type { Entry } from './entries.js';
import type { Machines } from './machines.js';
import type { CostCategory, UnitCosts } from './types.js';

/** What the chain on top of a committee provides to the consensus model. */
export interface CommitteeApp {
  /** Takes up to `max` transactions from validator `v`'s queue for its next header. */
  take(v: number, max: number): Entry[];
  /** CPU µs of `acceptsEntry` over a batch, and its encoded bytes. */
  checkUs(entries: readonly Entry[]): number;
  /** What the entry checks are billed as. */
  readonly checkCategory: CostCategory;
  bytes(entries: readonly Entry[]): number;
  /** Validator `v` executes wave `wave`'s ordered entries (billing its own CPU). */
  execute(v: number, wave: number, entries: readonly Entry[]): void;
}

interface Vertex {
  readonly author: number;
  readonly round: number;
  readonly entries: readonly Entry[];
  readonly bytes: number;
  readonly checkUs: number;
  votes: number;
  certified: boolean;
}

interface Member {
  round: number;
  lastProposeMs: number;
  proposeScheduled: boolean;
  own: Vertex | null;
  quorumRound: number;
  nextWave: number;
  readonly certs: Map<number, number>;
  readonly held: Map<number, Vertex[]>;
}

const HEADER_OVERHEAD_BYTES = 120;
const DIGEST_BYTES = 32;
const VOTE_IN_CERTIFICATE_BYTES = 66;

/**
 * One committee's certified DAG (src/consensus/dag) as message steps on the nodes' CPUs and links,
 * without its bytes: each round a validator signs and broadcasts a header with its batch; each
 * peer holding 2f + 1 certificates of the round before checks the header (signature, every entry
 * through `acceptsEntry`, the coin share in coin rounds) and signs a vote; 2f + 1 votes make a
 * certificate, broadcast with the header inside, which every peer checks again (2f + 1 vote
 * signatures and, as `certificateIsValid` does, every entry); a validator moves on once it holds
 * 2f + 1 certificates of its round and its own is certified, no sooner than the DAG's 10 ms.
 * Waves of two rounds: wave k's leader is in round 2k − 1 and its coin opens from f + 1
 * certificates of round 2k + 1, when a validator orders the vertices up to round 2k − 1 and
 * combines the coin. Simplified: no resends or fetches (no losses), the leader is taken to be
 * supported, and a wave orders what had been certified anywhere when its first validator
 * committed it.
 */
export class DagCommittee {
  readonly size: number;
  readonly quorum: number;
  readonly validity: number;
  rounds = 0;
  /** Waves executed by member 0. */
  waves0 = 0;
  private readonly members: Member[];
  private unordered: Vertex[] = [];
  /** Each wave's ordered entries, kept until every member has executed them. */
  private readonly waves = new Map<number, { entries: readonly Entry[]; left: number }>();

  constructor(
    private readonly engine: Engine,
    private readonly machines: Machines,
    private readonly costs: UnitCosts,
    /** Global node id of member 0; members are consecutive. */
    readonly base: number,
    size: number,
    private readonly app: CommitteeApp,
  ) {
    this.size = size;
    this.quorum = quorumSize(size);
    this.validity = validitySize(size);
    if (maxFaulty(size) < 0) throw new RangeError('empty committee');
    this.members = Array.from({ length: size }, () => ({
      round: 0,
      lastProposeMs: Number.NEGATIVE_INFINITY,
      proposeScheduled: false,
      own: null,
      quorumRound: 0,
      nextWave: 1,
      certs: new Map(),
      held: new Map(),
    }));
  }

  start(): void {
    for (let v = 0; v < this.size; v++) this.schedulePropose(v, 1);
  }

  private node(v: number): number {
    return this.base + v;
  }

  private schedulePropose(v: number, round: number): void {
    const m = this.members[v]!;
    if (m.proposeScheduled) return;
    m.proposeScheduled = true;
    const at = Math.max(this.engine.now, m.lastProposeMs + DEFAULT_DAG_CONFIG.minRoundIntervalMs);
    this.engine.at(at, () => this.propose(v, round));
  }

  private propose(v: number, round: number): void {
    const m = this.members[v]!;
    m.proposeScheduled = false;
    m.round = round;
    m.lastProposeMs = this.engine.now;
    if (round > this.rounds) this.rounds = round;
    const entries = this.app.take(v, DEFAULT_DAG_CONFIG.maxBatchTransactions);
    const bytes =
      HEADER_OVERHEAD_BYTES + (round > 1 ? this.quorum * DIGEST_BYTES : 0) + this.app.bytes(entries);
    const vertex: Vertex = {
      author: v,
      round,
      entries,
      bytes,
      checkUs: this.app.checkUs(entries),
      votes: 1,
      certified: false,
    };
    m.own = vertex;
    const node = this.node(v);
    const c = this.costs;
    this.machines.spend(
      node,
      'codecAndHashing',
      c.messageUs + (bytes / 1024) * (c.codecUsPerKb + c.sha256UsPerKb),
    );
    this.machines.spend(node, 'consensusSignatures', 2 * c.ed25519SignUs); // the header and its own vote
    if (isCoinRound(round)) this.machines.spend(node, 'coin', c.coinShareUs);
    this.machines.queue(node, () => {
      for (let u = 0; u < this.size; u++)
        if (u !== v) this.machines.send(node, this.node(u), bytes, () => this.onHeader(u, vertex));
    });
  }

  private onHeader(u: number, vertex: Vertex): void {
    const m = this.members[u]!;
    if (vertex.round > 1 && (m.certs.get(vertex.round - 1) ?? 0) < this.quorum) {
      const list = m.held.get(vertex.round) ?? [];
      list.push(vertex);
      m.held.set(vertex.round, list);
      return;
    }
    const node = this.node(u);
    const c = this.costs;
    const kb = vertex.bytes / 1024;
    this.machines.spend(node, 'codecAndHashing', c.messageUs + kb * (c.codecUsPerKb + c.sha256UsPerKb));
    this.machines.spend(node, 'consensusSignatures', c.ed25519VerifyUs + c.ed25519SignUs);
    this.machines.spend(node, this.app.checkCategory, vertex.checkUs);
    if (isCoinRound(vertex.round)) this.machines.spend(node, 'coin', c.coinVerifyUs);
    this.machines.queue(node, () =>
      this.machines.send(node, this.node(vertex.author), c.bytes.vote, () => this.onVote(vertex)),
    );
  }

  private onVote(vertex: Vertex): void {
    const node = this.node(vertex.author);
    this.machines.spend(node, 'codecAndHashing', this.costs.messageUs);
    // The proposer drops votes once its header is certified; before, each is verified.
    if (!vertex.certified) this.machines.spend(node, 'consensusSignatures', this.costs.ed25519VerifyUs);
    this.machines.queue(node, () => {
      if (vertex.certified) return;
      vertex.votes++;
      if (vertex.votes < this.quorum) return;
      vertex.certified = true;
      this.unordered.push(vertex);
      const bytes = vertex.bytes + this.quorum * VOTE_IN_CERTIFICATE_BYTES;
      for (let u = 0; u < this.size; u++)
        if (u !== vertex.author)
          this.machines.send(node, this.node(u), bytes, () => this.onCertificate(u, vertex));
      this.addCertificate(vertex.author, vertex.round);
    });
  }

  private onCertificate(u: number, vertex: Vertex): void {
    const node = this.node(u);
    const c = this.costs;
    const kb = (vertex.bytes + this.quorum * VOTE_IN_CERTIFICATE_BYTES) / 1024;
    this.machines.spend(node, 'codecAndHashing', c.messageUs + kb * (c.codecUsPerKb + c.sha256UsPerKb));
    // 2f + 1 vote signatures; the header's own signature is remembered from the vote.
    this.machines.spend(node, 'consensusSignatures', this.quorum * c.ed25519VerifyUs);
    this.machines.spend(node, this.app.checkCategory, vertex.checkUs);
    this.machines.queue(node, () => this.addCertificate(u, vertex.round));
  }

  private addCertificate(u: number, round: number): void {
    const m = this.members[u]!;
    const count = (m.certs.get(round) ?? 0) + 1;
    m.certs.set(round, count);
    if (count === this.quorum) {
      if (round > m.quorumRound) m.quorumRound = round;
      const held = m.held.get(round + 1);
      if (held !== undefined) {
        m.held.delete(round + 1);
        for (const vertex of held) this.onHeader(u, vertex);
      }
    }
    if (count === this.validity) this.tryCommit(u);
    const ownDone = m.own !== null && m.own.round === m.round && m.own.certified;
    if (m.quorumRound > m.round || (m.quorumRound === m.round && ownDone))
      this.schedulePropose(u, m.quorumRound + 1);
    m.certs.delete(round - 8);
  }

  /** Wave k commits at `u` once f + 1 certificates of round 2k + 1 open its coin. */
  private tryCommit(u: number): void {
    const m = this.members[u]!;
    for (;;) {
      const wave = m.nextWave;
      const coinRound = 2 * wave + 1;
      if ((m.certs.get(coinRound) ?? 0) < this.validity) {
        if (coinRound >= m.quorumRound - 6) return;
        // Counts of rounds this far behind were dropped: they were complete.
      }
      m.nextWave++;
      if (u === 0) this.waves0 = wave;
      const entries = this.orderedIn(wave);
      this.machines.spend(this.node(u), 'coin', this.costs.coinCombineUs);
      this.machines.queue(this.node(u), () => this.app.execute(u, wave, entries));
    }
  }

  private orderedIn(wave: number): readonly Entry[] {
    let held = this.waves.get(wave);
    if (held === undefined) {
      const leaderRound = 2 * wave - 1;
      const now = this.unordered.filter((v) => v.round <= leaderRound);
      this.unordered = this.unordered.filter((v) => v.round > leaderRound);
      now.sort((a, b) => a.round - b.round || a.author - b.author);
      held = { entries: now.flatMap((v) => v.entries), left: this.size };
      this.waves.set(wave, held);
    }
    if (--held.left === 0) this.waves.delete(wave);
    return held.entries;
  }
}
