import { DagCommittee } from './dag-committee.js';
import type { Engine } from './engine.js';
import { type CrossTrade, type Entry, entrySize, type Tracked } from './entries.js';
import type { Machines } from './machines.js';
import type { Copies, UnitCosts } from './types.js';

/** From src/sim/sharded/shard-node.ts: the resend period of vote shares and the master timeout. */
const PING_MS = 250;
/** A second copy of an entry taken to propose within this long is dropped (`redundant`). */
const RECENT_MS = 1000;
/** A master relays a missing shard's prepare at most this often per trade. */
const RELAY_MS = 400;
const MESSAGE_OVERHEAD_BYTES = 40;

/** What a shard reaches outside itself. */
export interface ShardLinks {
  /** Node id of the master of `shard` for `cycle` at this moment (the draw, turned every 600 ms). */
  masterOf(cycle: number, shard: number): number;
  /** Shares arriving at a master node. */
  deliverShares(master: number, shares: readonly Share[]): void;
  /** This validator's attestation of (shard, height), to every root validator. */
  attest(from: number, shard: number, height: number): void;
  /** An item closed at its last validator. */
  closed(item: Tracked): void;
  /** A shard block closed `item` there: it is final when the root orders that block's proof. */
  awaitProof(shard: number, height: number, item: Tracked): void;
  blockCut(shard: number, height: number): void;
}

export interface Share {
  readonly trade: CrossTrade;
  /** Position of the signer's shard in the trade. */
  readonly position: number;
  readonly signer: number;
}

/**
 * One zone shard on its committee: its validators' queues, their execution of the committed order
 * (the shard ledger's costs), the cross-shard protocol of src/sim/sharded/shard-node.ts (a vote
 * share per prepare to the current master of every shard of the trade, again every 250 ms until
 * the decision is applied; masters certify, decide and relay), blocks cut per wave and attested
 * to the root committee. A validator's ledger state is read from the last wave it executed: every
 * validator executes the same order.
 */
export class ShardChain {
  readonly committee: DagCommittee;
  private readonly queues: Entry[][];
  private readonly heads: number[];
  private readonly executed: Int32Array;
  /** Trades prepared here and not yet decided here, with this validator's share for each. */
  private readonly locked: Map<CrossTrade, Share>[];
  private readonly taken: Map<number, number>[];
  private readonly heights = new Map<number, number>();
  private nextHeight = 1;
  private firstWaveDone = 0;
  /** Decision entries ordered (copies included), and trades whose decision was ordered here. */
  decisionsOrdered = 0;
  crossDecided = 0;

  constructor(
    private readonly engine: Engine,
    private readonly machines: Machines,
    private readonly costs: UnitCosts,
    readonly shard: number,
    readonly base: number,
    readonly size: number,
    private readonly links: ShardLinks,
    /**
     * `as-built`: the decision handling of src/sim/sharded/shard-node.ts (a fresh decision to
     * validators 0 … f of every shard, a copy back to the signer of every later share, prepares
     * relayed to shards short of a vote). `one`: each shard orders one copy of the decision,
     * and masters neither answer later shares nor relay prepares (what a deduplicating design
     * would pay).
     */
    private readonly decisions: Copies,
  ) {
    this.queues = Array.from({ length: size }, () => []);
    this.heads = Array.from({ length: size }, () => 0);
    this.executed = new Int32Array(size);
    this.locked = Array.from({ length: size }, () => new Map());
    this.taken = Array.from({ length: size }, () => new Map());
    this.committee = new DagCommittee(engine, machines, costs, base, size, {
      take: (v, max) => this.take(v, max),
      checkCategory: 'clientSignatures',
      checkUs: (entries) => this.checkUs(entries),
      bytes: (entries) => this.bytes(entries),
      execute: (v, wave, entries) => this.execute(v, wave, entries),
    });
  }

  start(): void {
    this.committee.start();
    for (let v = 0; v < this.size; v++) this.engine.at(PING_MS, () => this.ping(v));
  }

  get f(): number {
    return this.size - this.committee.quorum;
  }

  private checkUs(entries: readonly Entry[]): number {
    let us = 0;
    for (const e of entries)
      us +=
        e.kind === 'local'
          ? e.cohort.count * this.costs.signedEntryCheckUs
          : e.kind === 'decision'
            ? this.costs.decisionCheckUs
            : this.costs.signedEntryCheckUs;
    return us;
  }

  private bytes(entries: readonly Entry[]): number {
    let bytes = 0;
    for (const e of entries)
      bytes +=
        e.kind === 'local'
          ? e.cohort.count * this.costs.bytes.signedEntry
          : e.kind === 'decision'
            ? (this.costs.bytes.decision * e.trade.shards.length) / 2
            : this.costs.bytes.signedEntry;
    return bytes;
  }

  private take(v: number, max: number): Entry[] {
    const queue = this.queues[v]!;
    let head = this.heads[v]!;
    const out: Entry[] = [];
    let count = 0;
    while (head < queue.length) {
      const size = entrySize(queue[head]!);
      if (out.length > 0 && count + size > max) break;
      out.push(queue[head]!);
      count += size;
      head++;
    }
    if (head > 4096 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    this.heads[v] = head;
    return out;
  }

  /** Pending transactions at validator `v`. */
  queued(v: number): number {
    return this.queues[v]!.length - this.heads[v]!;
  }

  private position(trade: CrossTrade): number {
    return trade.shards.indexOf(this.shard);
  }

  /**
   * Entries handed to validator `v` (by a client, a master): each is decoded, dropped if its own
   * ledger settled it or it took the same one less than a second ago, else checked by
   * `acceptsEntry` and queued for its next header.
   */
  feed(v: number, entries: readonly Entry[]): void {
    const node = this.base + v;
    this.machines.spend(node, 'codecAndHashing', this.costs.messageUs);
    const keep: Entry[] = [];
    for (const e of entries) {
      if (e.kind === 'local') {
        this.machines.spend(node, 'clientSignatures', e.cohort.count * this.costs.signedEntryCheckUs);
        keep.push(e);
        continue;
      }
      if (e.kind === 'proof') continue;
      this.machines.spend(node, 'codecAndHashing', this.costs.decisionCheckUs);
      if (this.redundant(v, e)) continue;
      if (e.kind === 'prepare') this.machines.spend(node, 'clientSignatures', this.costs.signedEntryCheckUs);
      keep.push(e);
    }
    this.machines.queue(node, () => {
      for (const e of keep) this.queues[v]!.push(e);
    });
  }

  private redundant(v: number, e: Entry & { kind: 'prepare' | 'decision' }): boolean {
    const p = this.position(e.trade);
    const wave = e.kind === 'prepare' ? e.trade.prepareWave[p]! : e.trade.decisionWave[p]!;
    if (wave !== -1 && wave <= this.executed[v]!) return true;
    const key = 2 * e.trade.id + (e.kind === 'prepare' ? 0 : 1);
    const last = this.taken[v]!.get(key);
    const now = this.engine.now;
    if (last !== undefined && now - last < RECENT_MS) return true;
    this.taken[v]!.set(key, now);
    return false;
  }

  private execute(v: number, wave: number, entries: readonly Entry[]): void {
    const node = this.base + v;
    const first = wave > this.firstWaveDone;
    if (first) this.firstWaveDone = wave;
    const c = this.costs;
    const fresh: CrossTrade[] = [];
    const seen = new Set<CrossTrade>();
    const closedHere: Tracked[] = [];
    let height = this.heights.get(wave);
    if (height === undefined && entries.length > 0) {
      height = this.nextHeight++;
      this.heights.set(wave, height);
      this.links.blockCut(this.shard, height);
    }
    let entryBytes = 0;
    for (const e of entries) {
      if (e.kind === 'local') {
        this.machines.spend(node, 'execution', e.cohort.count * c.applyLocalUs);
        entryBytes += e.cohort.count * c.bytes.signedEntry;
        closedHere.push(e.cohort);
        if (first) this.links.awaitProof(this.shard, height!, e.cohort);
        continue;
      }
      if (e.kind === 'proof') continue;
      const t = e.trade;
      const p = this.position(t);
      if (e.kind === 'prepare') {
        entryBytes += c.bytes.signedEntry;
        this.machines.spend(node, 'execution', c.prepareUs);
        if (t.prepareWave[p] === -1) t.prepareWave[p] = wave;
        if (t.prepareWave[p] === wave && t.decisionWave[p] === -1 && !seen.has(t)) {
          seen.add(t);
          this.machines.spend(node, 'crossShard', c.voteSignUs);
          fresh.push(t);
        }
        continue;
      }
      entryBytes += (c.bytes.decision * t.shards.length) / 2;
      // Every copy ordered is verified (its certified votes) before the ledger finds it closed.
      this.machines.spend(node, 'crossShard', (c.decideUs * t.shards.length) / 2);
      if (first) this.decisionsOrdered++;
      if (t.decisionWave[p] === -1) {
        t.decisionWave[p] = wave;
        this.crossDecided++;
        if (first) this.links.awaitProof(this.shard, height!, t);
      }
      if (t.decisionWave[p] === wave && !seen.has(t)) {
        seen.add(t);
        closedHere.push(t);
      }
    }
    if (height !== undefined) {
      this.machines.spend(node, 'codecAndHashing', (entryBytes / 1024) * c.sha256UsPerKb);
      this.machines.spend(node, 'commitProofs', c.attestUs);
    }
    this.machines.queue(node, () => {
      this.executed[v] = wave;
      for (const t of fresh) this.locked[v]!.set(t, { trade: t, position: this.position(t), signer: v });
      for (const item of closedHere) {
        if ('shards' in item) this.locked[v]!.delete(item as CrossTrade);
        if (--item.closeLeft === 0) this.links.closed(item);
      }
      if (height !== undefined) this.links.attest(node, this.shard, height);
      if (fresh.length > 0)
        this.sendShares(
          v,
          fresh.map((t) => this.locked[v]!.get(t)!),
        );
    });
  }

  /** One message per master with this validator's shares for it. */
  private sendShares(v: number, shares: Iterable<Share>): void {
    const node = this.base + v;
    const byMaster = new Map<number, Share[]>();
    for (const share of shares)
      for (const shard of share.trade.shards) {
        const master = this.links.masterOf(share.trade.cycle, shard);
        const list = byMaster.get(master);
        if (list === undefined) byMaster.set(master, [share]);
        else list.push(share);
      }
    for (const [master, list] of byMaster)
      this.machines.send(node, master, MESSAGE_OVERHEAD_BYTES + list.length * this.costs.bytes.share, () =>
        this.links.deliverShares(master, list),
      );
  }

  /** Every 250 ms: the shares of trades still locked here, again, to the masters of the moment. */
  private ping(v: number): void {
    const locked = this.locked[v]!;
    if (locked.size > 0) this.sendShares(v, locked.values());
    const taken = this.taken[v]!;
    const now = this.engine.now;
    if (taken.size > 2048) for (const [key, at] of taken) if (now - at >= RECENT_MS) taken.delete(key);
    this.engine.at(now + PING_MS, () => this.ping(v));
  }

  /**
   * As a master (validator `v` of this shard): checks each share; certifies a shard's vote at 2f + 1
   * of its validators; the first time every shard of the trade is certified, sends the decision to
   * validators 0 … f of each; a share arriving after that gets the decision sent back to its
   * signer; before, a shard still short of a certified vote gets the prepare relayed (once per
   * 400 ms). Outgoing entries go in one message per destination.
   */
  onShares(v: number, shares: readonly Share[], chains: readonly ShardChain[]): void {
    const node = this.base + v;
    const c = this.costs;
    this.machines.spend(
      node,
      'codecAndHashing',
      c.messageUs + ((shares.length * c.bytes.share) / 1024) * c.codecUsPerKb,
    );
    this.machines.spend(node, 'crossShard', shares.length * c.shareVerifyUs);
    this.machines.queue(node, () => {
      const out = new Map<number, Entry[]>();
      const add = (shard: number, index: number, entry: Entry) => {
        const to = chains[shard]!.base + index;
        const list = out.get(to) ?? [];
        list.push(entry);
        out.set(to, list);
      };
      const now = this.engine.now;
      const quorum = this.committee.quorum;
      for (const { trade: t, position, signer } of shares) {
        let desk = t.desks.get(node);
        if (desk === undefined) {
          desk = { masks: t.shards.map(() => 0), decided: false };
          t.desks.set(node, desk);
        }
        if (desk.decided) {
          if (this.decisions === 'as-built') add(t.shards[position]!, signer, decisionOf(t));
          continue;
        }
        desk.masks[position]! |= 1 << signer;
        let complete = true;
        for (const mask of desk.masks) if (popcount(mask) < quorum) complete = false;
        if (complete) {
          desk.decided = true;
          if (this.decisions === 'as-built') {
            for (const shard of t.shards) for (let i = 0; i <= this.f; i++) add(shard, i, decisionOf(t));
          } else if (!t.decided) {
            // One copy per shard, from the first master to decide.
            t.decided = true;
            for (const shard of t.shards) add(shard, 0, decisionOf(t));
          }
          continue;
        }
        if (this.decisions === 'one') continue;
        for (let q = 0; q < desk.masks.length; q++) {
          if (popcount(desk.masks[q]!) >= quorum) continue;
          const key = node * 4 + q;
          const last = t.relayedAt.get(key);
          if (last !== undefined && now - last < RELAY_MS) continue;
          t.relayedAt.set(key, now);
          for (let i = 0; i <= this.f; i++) add(t.shards[q]!, i, { kind: 'prepare', trade: t });
        }
      }
      for (const [to, entries] of out) {
        const chain = chains[Math.floor((to - chains[0]!.base) / this.size)]!;
        const bytes = entries.reduce(
          (sum, e) => sum + (e.kind === 'decision' ? c.bytes.decision : c.bytes.signedEntry),
          MESSAGE_OVERHEAD_BYTES,
        );
        this.machines.send(node, to, bytes, () => chain.feed(to - chain.base, entries));
      }
    });
  }
}

const decisions = new WeakMap<CrossTrade, Entry>();

/** One decision entry object per trade, however many copies travel. */
function decisionOf(trade: CrossTrade): Entry {
  let entry = decisions.get(trade);
  if (entry === undefined) {
    entry = { kind: 'decision', trade };
    decisions.set(trade, entry);
  }
  return entry;
}

function popcount(x: number): number {
  let n = 0;
  for (let m = x; m !== 0; m &= m - 1) n++;
  return n;
}
