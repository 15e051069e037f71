import type { CommittedBatch } from '../../consensus/interface.js';
import { ed25519PrivateKeyObject, ed25519Sign } from '../../crypto/ed25519.js';
import { toHex } from '../../crypto/index.js';
import type { Prng } from '../../kit/prng.js';
import type { MasterDesk } from '../../sharding/index.js';
import {
  type CertifiedVote,
  type CrossDecision,
  type CrossTrade,
  signVote,
  tradeId,
  type VoteShare,
} from '../../sharding/index.js';
import { decodeShardEntry, encodeShardEntry } from './shard-entry.js';
import type { ShardNodeLinks } from './shard-node.js';

/** What a Byzantine master tries with a trade; each one is refused or only delays. */
export const MASTER_ATTACKS = [
  /** Says nothing: the validators move on to the next master in the draw. */
  'silent',
  /** A commit whose missing votes are made up (its own signature and random bytes). */
  'forge-commit',
  /** A commit that leaves out the shard that voted abort. */
  'omit-abort',
  /** Old decisions, prepares and votes sent again, to other shards and other masters. */
  'replay',
  /** A decision on this trade carrying a certified vote of another trade (another session). */
  'cross-session',
  /** The real decision, to one shard of the trade only. */
  'split',
] as const;
export type MasterAttack = (typeof MASTER_ATTACKS)[number];

/**
 * A faulty validator of a shard: its consensus core misbehaves by its strategy, and this shell
 * signs both verdicts on every prepare it sees ordered (equivocating votes) and, when it is a
 * master, attacks each trade it hears of in one of the ways above, with the real certified votes
 * honest validators sent it and everything it has seen to replay.
 */
export class ByzantineShardNode {
  readonly desk: MasterDesk;
  readonly attacks = new Map<MasterAttack, number>();
  alive = true;
  private readonly key;
  private readonly seen: Uint8Array[] = [];
  private readonly handled = new Set<string>();

  constructor(
    readonly shard: number,
    readonly index: number,
    signingSeed: Uint8Array,
    private readonly links: ShardNodeLinks,
    desk: MasterDesk,
    private readonly rng: Prng,
  ) {
    this.key = ed25519PrivateKeyObject(signingSeed);
    this.desk = desk;
  }

  onCommit(batch: CommittedBatch): void {
    for (const bytes of batch.transactions) {
      this.remember(bytes);
      let trade: CrossTrade;
      try {
        const entry = decodeShardEntry(bytes);
        if (entry.kind !== 'prepare') continue;
        trade = entry.trade;
      } catch {
        continue;
      }
      const base = { chainId: trade.chainId, tradeId: tradeId(trade), shard: this.shard, epoch: 0 };
      const sign = (message: Uint8Array) => ed25519Sign(this.key, message);
      for (const verdict of [{ kind: 'commit' }, { kind: 'abort', reason: 'insufficient-funds' }] as const) {
        const share = signVote({ ...base, verdict }, this.index, sign);
        for (const leg of trade.legs)
          this.links.sendShare(leg.shard, this.links.mastersOf(trade.cycle, leg.shard)[0]!, trade, share);
      }
    }
  }

  onShare(trade: CrossTrade, share: VoteShare): void {
    if (!this.alive) return;
    const answer = this.desk.receive(trade, share);
    const key = toHex(tradeId(trade));
    const attack = this.rng.pick(MASTER_ATTACKS);
    if (this.handled.has(`${key}/${attack}`)) return;
    this.handled.add(`${key}/${attack}`);
    this.attacks.set(attack, (this.attacks.get(attack) ?? 0) + 1);
    const decision = answer?.decision ?? null;
    switch (attack) {
      case 'silent':
        return;
      case 'forge-commit': {
        const votes = trade.legs.map((leg) => this.forgedCommit(trade, leg.shard));
        this.toAll(trade, { trade, votes });
        return;
      }
      case 'omit-abort': {
        const commits = this.desk
          .certifiedVotes()
          .filter((v) => toHex(v.statement.tradeId) === key && v.statement.verdict.kind === 'commit');
        if (commits.length > 0 && commits.length < trade.legs.length)
          this.toAll(trade, { trade, votes: commits });
        return;
      }
      case 'replay': {
        for (let k = 0; k < 4 && this.seen.length > 0; k++) {
          const leg = this.rng.pick(trade.legs);
          this.links.submit(leg.shard, this.rng.int(this.links.shardSize), this.rng.pick(this.seen));
        }
        const leg = this.rng.pick(trade.legs);
        this.links.sendShare(leg.shard, this.rng.int(this.links.shardSize), trade, share);
        return;
      }
      case 'cross-session': {
        const other = this.desk.certifiedVotes().filter((v) => toHex(v.statement.tradeId) !== key);
        if (other.length === 0) return;
        const stolen = this.rng.pick(other);
        this.toAll(trade, { trade, votes: [{ ...stolen, statement: { ...stolen.statement } }] });
        return;
      }
      case 'split':
        if (decision !== null) {
          const bytes = encodeShardEntry({ kind: 'decision', decision });
          this.links.submit(trade.legs[0]!.shard, 0, bytes);
        }
        return;
    }
  }

  /** A certificate for a commit vote of `shard`: this node's real signature if it is that shard's, the rest random. */
  private forgedCommit(trade: CrossTrade, shard: number): CertifiedVote {
    const statement = {
      chainId: trade.chainId,
      tradeId: tradeId(trade),
      shard,
      epoch: 0,
      verdict: { kind: 'commit' as const },
    };
    const size = this.links.shardSize;
    const signatures = Array.from({ length: size }, (_, signer) => ({
      signer,
      signature:
        shard === this.shard && signer === this.index
          ? signVote(statement, signer, (m) => ed25519Sign(this.key, m)).signature
          : this.rng.bytes(64),
    }));
    return { statement, signatures };
  }

  private toAll(trade: CrossTrade, decision: CrossDecision): void {
    let bytes: Uint8Array;
    try {
      bytes = encodeShardEntry({ kind: 'decision', decision });
    } catch {
      return;
    }
    this.remember(bytes);
    for (const leg of trade.legs)
      for (let i = 0; i < this.links.shardSize; i++) this.links.submit(leg.shard, i, bytes);
  }

  private remember(bytes: Uint8Array): void {
    if (this.seen.length < 128) this.seen.push(bytes);
    else this.seen[this.rng.int(128)] = bytes;
  }
}
