import { DagCommittee } from './dag-committee.js';
import type { Engine } from './engine.js';
import { type CrossTrade, type Entry, entrySize, type Tracked } from './entries.js';
import type { Machines } from './machines.js';
import type { Copies, UnitCosts } from './types.js';

/** From src/sim/sharded/shard-node.ts: the resend period of vote shares and the master timeout. */
const PING_MS = 250;
/** A second copy of an entry taken to propose within this long is dropped (`redundant`). */
const RECENT_MS = 1000;
/** A master relays a missing shard's prepare at most this often per trade (as built: once it waited this long). */
const RELAY_MS = 400;
/** As built: a master sends a decision to a shard again at most this often per trade (`RESUBMIT_MS`). */
const RESUBMIT_MS = 1000;
const MESSAGE_OVERHEAD_BYTES = 40;

/** What a shard reaches outside itself. */
export interface ShardLinks {
  /** Node id of the master of `shard` for `cycle` at this moment (the draw, turned every 600 ms). */
  masterOf(cycle: number, shard: number): number;
  /** Node id of the validator after `node` in the draw of `shard` for `cycle`. */
  nextInDraw(cycle: number, shard: number, node: number): number;
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
    /** See `Copies` (types.ts). */
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
      this.machines.spend(node, 'crossShard', this.decideUs(node, t));
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

  /**
   * CPU of applying one ordered copy of `t`'s decision at `node`. Before the savings every copy was
   * verified in full (each certified vote; `decideUs` is two of them). As built, the validator's
   * memo holds the signatures of a copy it verified, and of the shares it verified as a master that
   * decided the trade, so only its first copy costs; of that, its own shard's vote is skipped
   * (`ownVote`: its ledger locked the trade by that verdict).
   */
  private decideUs(node: number, t: CrossTrade): number {
    const c = this.costs;
    if (this.decisions === 'before-savings') return (c.decideUs * t.shards.length) / 2;
    if (t.verifiedBy.has(node) || t.desks.get(node)?.decided === true) return c.decideRepeatUs;
    t.verifiedBy.add(node);
    return Math.max(c.decideRepeatUs, (c.decideUs * (t.shards.length - 1)) / 2);
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
   * As a master (validator `v` of this shard): checks each share (as built, not a share of a trade
   * it decided, nor of a shard it already certified, nor one its memo holds); certifies a shard's
   * vote at 2f + 1 of its validators; the first time every shard of the trade is certified, forms
   * the decision. As built (src/sim/sharded/shard-node.ts `onShare`): proposes it in its own shard,
   * by itself and the next in the draw; a share arriving after that sends the decision to its
   * signer's shard again, at most once a second per shard; before the decision, a shard short of a
   * certified vote gets the prepare relayed to validators 0 … f once the trade waited 400 ms here,
   * then at most every 400 ms. Before the savings: every share checked, the decision to validators
   * 0 … f of every shard and back to every later share's signer, prepares relayed at once. `one`:
   * one copy per shard from the first master to decide, nothing resent or relayed.
   */
  onShares(v: number, shares: readonly Share[], chains: readonly ShardChain[]): void {
    const node = this.base + v;
    const c = this.costs;
    const quorum = this.committee.quorum;
    this.machines.spend(
      node,
      'codecAndHashing',
      c.messageUs + ((shares.length * c.bytes.share) / 1024) * c.codecUsPerKb,
    );
    let checked = shares.length;
    if (this.decisions !== 'before-savings') {
      // Read at arrival: a share in a message still queued here is counted as unchecked.
      checked = 0;
      for (const { trade: t, position, signer } of shares) {
        const desk = t.desks.get(node);
        if (desk === undefined) checked++;
        else if (
          !desk.decided &&
          popcount(desk.masks[position]!) < quorum &&
          !(desk.masks[position]! & (1 << signer))
        )
          checked++;
      }
    }
    this.machines.spend(node, 'crossShard', checked * c.shareVerifyUs);
    this.machines.queue(node, () => {
      const out = new Map<number, Entry[]>();
      const add = (shard: number, index: number, entry: Entry) => {
        const to = chains[shard]!.base + index;
        const list = out.get(to) ?? [];
        list.push(entry);
        out.set(to, list);
      };
      const now = this.engine.now;
      for (const { trade: t, position, signer } of shares) {
        let desk = t.desks.get(node);
        if (desk === undefined) {
          desk = { masks: t.shards.map(() => 0), decided: false };
          t.desks.set(node, desk);
        }
        if (desk.decided) {
          if (this.decisions === 'before-savings') add(t.shards[position]!, signer, decisionOf(t));
          else if (this.decisions === 'as-built') {
            const key = node * 4 + position;
            const last = t.sentAt.get(key);
            if (last !== undefined && now - last < RESUBMIT_MS) continue;
            t.sentAt.set(key, now);
            add(t.shards[position]!, t.shards[position] === this.shard ? v : signer, decisionOf(t));
          }
          continue;
        }
        desk.masks[position]! |= 1 << signer;
        let complete = true;
        for (const mask of desk.masks) if (popcount(mask) < quorum) complete = false;
        if (complete) {
          desk.decided = true;
          if (this.decisions === 'before-savings') {
            for (const shard of t.shards) for (let i = 0; i <= this.f; i++) add(shard, i, decisionOf(t));
          } else if (this.decisions === 'as-built') {
            for (let q = 0; q < t.shards.length; q++) t.sentAt.set(node * 4 + q, now);
            add(this.shard, v, decisionOf(t));
            const next = this.links.nextInDraw(t.cycle, this.shard, node) - this.base;
            if (next !== v) add(this.shard, next, decisionOf(t));
          } else if (!t.decided) {
            // One copy per shard, from the first master to decide.
            t.decided = true;
            for (const shard of t.shards) add(shard, 0, decisionOf(t));
          }
          continue;
        }
        if (this.decisions === 'one') continue;
        if (this.decisions === 'as-built') {
          const heard = t.heardAt.get(node) ?? now;
          t.heardAt.set(node, heard);
          if (now - heard < RELAY_MS) continue;
        }
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
