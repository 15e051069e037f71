import { Writer } from '../../codec/index.js';
import type { CommittedBatch } from '../../consensus/interface.js';
import { maxFaulty } from '../../consensus/interface.js';
import { ed25519PrivateKeyObject, ed25519Sign } from '../../crypto/ed25519.js';
import { sha256, toHex } from '../../crypto/index.js';
import type { MasterDesk } from '../../sharding/index.js';
import {
  type Attestation,
  type CrossTrade,
  ShardingError,
  type ShardLedger,
  signCommitStatement,
  signVote,
  tradeId,
  type VoteShare,
} from '../../sharding/index.js';
import { decodeShardEntry, encodeShardEntry, type ShardEntry } from './shard-entry.js';

/** How often a validator sends its vote again while its shard waits for the decision. */
export const PING_MS = 250;
/** How long a master has before the next in the draw takes over, for one trade. */
export const MASTER_TIMEOUT_MS = 600;
/** Votes that locked nothing are sent this many times; the locked shards' resends bring them back if lost. */
const CLOSED_PINGS = 3;
/** A master relays a missing shard's prepare at most this often per trade. */
const RELAY_MS = 400;
/** `redundant`: a second copy of an entry taken to propose within this long is dropped. */
const RECENT_MS = 1000;
/**
 * A master sends a decision to a shard again (to a validator whose resent vote shows it still
 * waits) at most this often per trade and shard, counted from when it formed the decision: longer
 * than a shard takes to order the copy it already has, so that a resend is a recovery, not a copy.
 */
export const RESUBMIT_MS = 1000;

/** What a shard validator's shell reaches in the run: its links and the run's master draw. */
export interface ShardNodeLinks {
  readonly chainId: string;
  readonly shardSize: number;
  now(): number;
  schedule(atMs: number, task: () => void): void;
  /** When `cycle` began. */
  cycleStartMs(cycle: number): number;
  /** The master order of `shard` for `cycle` (committee indices). */
  mastersOf(cycle: number, shard: number): readonly number[];
  /** A vote share to validator `index` of `shard` (a cross-shard message: may be lost). */
  /** `signature`: the client's, carried so that a master can relay a signed prepare. */
  sendShare(shard: number, index: number, trade: CrossTrade, share: VoteShare, signature?: Uint8Array): void;
  /** An entry for validator `index` of `shard` to propose (may be lost). */
  submit(shard: number, index: number, entry: Uint8Array): void;
  /** An entry for this validator's own core to propose. */
  propose(entry: Uint8Array): void;
  /** This validator's attestation of a block, to every root validator. */
  attest(attestation: Attestation): void;
  /** Called once per trade when it closes (committed or aborted) in this validator's ledger. */
  closed?(id: Uint8Array): void;
}

export interface BlockRecord {
  readonly hash: Uint8Array;
  readonly stateRoot: Uint8Array;
}

interface Pending {
  readonly trade: CrossTrade;
  readonly id: Uint8Array;
  readonly share: VoteShare;
  readonly signature: Uint8Array | undefined;
  pings: number;
  /** Resends left to make, or null: until the decision is applied here. */
  readonly limit: number | null;
}

/**
 * An honest validator of one shard around its consensus core: executes the shard's committed order
 * in its ledger, cuts a block at each decision boundary and attests it to the root committee,
 * signs its vote on every prepare and sends it to the masters of the trade's shards until the
 * decision is applied here, moving to the next master in the draw when one does not deliver.
 * Every validator also serves as a master when others send it votes.
 */
export class ShardNode {
  readonly chain: BlockRecord[] = [];
  /** Decisions the ledger refused (forged, short, replayed across trades), by error code. */
  readonly refused = new Map<string, number>();
  readonly desk: MasterDesk;
  alive = true;
  private readonly pending = new Map<string, Pending>();
  private buffer: Uint8Array[] = [];
  private readonly key;
  private readonly relayedAt = new Map<string, number>();
  private readonly decisionSentAt = new Map<string, number>();
  private readonly heardAt = new Map<string, number>();
  private readonly taken = new Map<string, number>();

  constructor(
    readonly shard: number,
    readonly index: number,
    signingSeed: Uint8Array,
    readonly ledger: ShardLedger,
    private readonly links: ShardNodeLinks,
    desk: MasterDesk,
  ) {
    this.key = ed25519PrivateKeyObject(signingSeed);
    this.desk = desk;
  }

  /** Starts the resend timer (once the run's loop exists). */
  start(): void {
    this.links.schedule(this.links.now() + PING_MS, () => this.ping());
  }

  private sign = (message: Uint8Array): Uint8Array => ed25519Sign(this.key, message);

  onCommit(batch: CommittedBatch): void {
    this.buffer.push(...batch.transactions);
    if (batch.endsCommit && this.buffer.length > 0) this.cutBlock();
  }

  private cutBlock(): void {
    const entries = this.buffer;
    this.buffer = [];
    const height = this.chain.length + 1;
    const previous = this.chain[height - 2]?.hash ?? new Uint8Array(32);
    const writer = new Writer(64 + entries.length * 32).fixedBytes(previous, 32).u32(this.shard).u64(height);
    for (const bytes of entries) {
      writer.fixedBytes(sha256(bytes), 32);
      this.execute(bytes);
    }
    const hash = sha256(writer.finish());
    const stateRoot = this.ledger.digest();
    this.chain.push({ hash, stateRoot });
    const statement = {
      chainId: this.links.chainId,
      shardId: this.shard,
      epoch: 0,
      height,
      blockHash: hash,
      stateRoot,
    };
    this.links.attest(signCommitStatement(statement, this.index, this.sign));
  }

  private execute(bytes: Uint8Array): void {
    let entry: ShardEntry;
    try {
      entry = decodeShardEntry(bytes);
    } catch {
      return; // acceptsEntry keeps these out of certified batches
    }
    if (entry.kind === 'local') {
      const id = tradeId(entry.trade);
      const before = this.ledger.status(id);
      this.ledger.applyLocal(entry.trade);
      this.noteClosed(id, before);
      return;
    }
    if (entry.kind === 'prepare') {
      const statement = this.ledger.prepare(entry.trade);
      if (statement === null) return;
      const id = statement.tradeId;
      const key = toHex(id);
      if (this.pending.has(key)) return;
      // A vote that locked waits for the decision; one that did not (an abort, or a prepare
      // relayed after the trade closed here, because some shard still lacks the decision) is sent
      // a few times so the masters can certify it again.
      const locked = this.ledger.status(id) === 'locked';
      const share = signVote(statement, this.index, this.sign);
      const pending = {
        trade: entry.trade,
        id,
        share,
        signature: entry.signature,
        pings: 0,
        limit: locked ? null : CLOSED_PINGS,
      };
      this.pending.set(key, pending);
      this.sendShares(pending);
      return;
    }
    const id = tradeId(entry.decision.trade);
    const before = this.ledger.status(id);
    try {
      this.ledger.decide(entry.decision);
      this.noteClosed(id, before);
    } catch (error) {
      const code = error instanceof ShardingError ? error.code : 'MALFORMED';
      this.refused.set(code, (this.refused.get(code) ?? 0) + 1);
    }
  }

  /**
   * An entry not worth proposing: one this validator's own ledger has already settled (a prepare
   * or local trade it has seen, a decision on a trade closed here), or the same kind of entry for
   * the same trade it took to propose less than `RECENT_MS` ago. Ordering it again could change
   * nothing, so a validator that filters its proposals by this spares every validator of the
   * shard the checks. Records the entry as taken when it is not redundant.
   */
  redundant(bytes: Uint8Array): boolean {
    let entry: ShardEntry;
    try {
      entry = decodeShardEntry(bytes);
    } catch {
      return false;
    }
    const id = tradeId(entry.kind === 'decision' ? entry.decision.trade : entry.trade);
    const status = this.ledger.status(id);
    if (entry.kind === 'decision' ? status === 'committed' || status === 'aborted' : status !== undefined)
      return true;
    const key = `${entry.kind}/${toHex(id)}`;
    const now = this.links.now();
    const last = this.taken.get(key);
    if (last !== undefined && now - last < RECENT_MS) return true;
    this.taken.set(key, now);
    return false;
  }

  private noteClosed(id: Uint8Array, before: string | undefined): void {
    if (this.links.closed === undefined || before === 'committed' || before === 'aborted') return;
    const after = this.ledger.status(id);
    if (after === 'committed' || after === 'aborted') this.links.closed(id);
  }

  private ping(): void {
    if (this.alive) {
      for (const [key, pending] of this.pending) {
        const decided = pending.limit === null && this.ledger.status(pending.id) !== 'locked';
        if (decided || (pending.limit !== null && pending.pings >= pending.limit)) {
          this.pending.delete(key);
          continue;
        }
        pending.pings++;
        this.sendShares(pending);
      }
    }
    this.links.schedule(this.links.now() + PING_MS, () => this.ping());
  }

  /**
   * To the current master of every shard of the trade: the first in the draw, then the next at
   * each timeout, counted from the start of the trade's cycle so that every validator of every
   * shard of the trade turns to the same masters at the same time.
   */
  private sendShares(pending: Pending): void {
    const elapsed = this.links.now() - this.links.cycleStartMs(pending.trade.cycle);
    const turn = Math.max(0, Math.floor(elapsed / MASTER_TIMEOUT_MS));
    for (const leg of pending.trade.legs) {
      const order = this.links.mastersOf(pending.trade.cycle, leg.shard);
      this.links.sendShare(
        leg.shard,
        order[turn % order.length]!,
        pending.trade,
        pending.share,
        pending.signature,
      );
    }
  }

  /**
   * As a master: count the share; deliver the decision, or relay the prepare to shards yet to vote.
   * Every shard's master receives every shard's shares, so each forms the decision itself: a
   * master proposes it in its own shard only, and hands it to the next validator in the draw, so
   * that the shard orders whichever of the two proposals comes first (one proposer's entry can
   * wait rounds for its header to enter the order). A share that arrives later shows that its
   * signer still waits; then the decision goes to that signer's shard again, at most once per
   * `RESUBMIT_MS` (to the signer, or proposed here for this master's own shard). A silent or lost
   * master is covered as before: the validators turn to the next master in the draw.
   */
  onShare(trade: CrossTrade, share: VoteShare, signature?: Uint8Array): void {
    if (!this.alive) return;
    const answer = this.desk.receive(trade, share);
    if (answer === null) return;
    const key = toHex(tradeId(trade));
    if (answer.decision !== null) {
      const bytes = encodeShardEntry({ kind: 'decision', decision: answer.decision });
      const now = this.links.now();
      if (answer.fresh) {
        for (const leg of trade.legs) this.decisionSentAt.set(`${key}/${leg.shard}`, now);
        this.links.propose(bytes);
        const order = this.links.mastersOf(trade.cycle, this.shard);
        const next = order[(order.indexOf(this.index) + 1) % order.length]!;
        if (next !== this.index) this.links.submit(this.shard, next, bytes);
        return;
      }
      const shard = share.statement.shard;
      const sentKey = `${key}/${shard}`;
      const last = this.decisionSentAt.get(sentKey);
      if (last !== undefined && now - last < RESUBMIT_MS) return;
      this.decisionSentAt.set(sentKey, now);
      if (shard === this.shard) this.links.propose(bytes);
      else this.links.submit(shard, share.signer, bytes);
      return;
    }
    const relays = maxFaulty(this.links.shardSize) + 1;
    // The client handed the prepare to every shard of the trade: a shard yet to vote has most
    // likely not ordered it yet. Its prepare is relayed only once the trade has waited `RELAY_MS`
    // here, and then at most that often.
    const now = this.links.now();
    const heard = this.heardAt.get(key) ?? now;
    this.heardAt.set(key, heard);
    if (now - heard < RELAY_MS) return;
    for (const shard of answer.missing) {
      const relayKey = `${key}/${shard}`;
      const last = this.relayedAt.get(relayKey);
      if (last !== undefined && now - last < RELAY_MS) continue;
      this.relayedAt.set(relayKey, now);
      const bytes = encodeShardEntry(
        signature === undefined ? { kind: 'prepare', trade } : { kind: 'prepare', trade, signature },
      );
      for (let i = 0; i < relays; i++) this.links.submit(shard, i, bytes);
    }
  }
}
