import { type Committee, quorumSize } from '../../consensus/interface.js';
import { CROSS_DECIDE, CROSS_PREPARE } from '../../cross-zone/trade-application.js';
import { ed25519PrivateKeyObject, ed25519Sign } from '../../crypto/ed25519.js';
import { sha256, toHex } from '../../crypto/hash.js';
import { ed25519Scheme, type Signer } from '../../crypto/scheme.js';
import type { Prng } from '../../kit/prng.js';
import type { ExecutedBlock } from '../../ledger/chain-state.js';
import { encodeTransaction, signTransaction } from '../../ledger/transaction.js';
import {
  type CrossTrade,
  decodeDecision,
  decodeTrade,
  encodeDecision,
  encodeVoteShare,
  signVote,
  sortedSignatures,
  tradeId,
  type VoteVerdict,
} from '../../sharding/index.js';
import type { EpochChain } from '../churn/epoch-chain.js';

/** Old decisions the adversary keeps to replay. */
/** How many of its shard's blocks a forged abort is handed in at, at most. */
const FORGED_HAND_INS = 8;
const MAX_DECISIONS = 64;
const VERDICTS: readonly VoteVerdict[] = [
  { kind: 'commit' },
  { kind: 'abort', reason: 'insufficient-funds' },
];

export interface ByzantineRelayLinks {
  /** A vote share to node `node` of shard `shard` (a courier that may lose it). */
  post(shard: number, node: number, trade: CrossTrade, share: Uint8Array): void;
  /** A transaction handed to an honest member of `shard`. */
  handIn(shard: number, bytes: Uint8Array): void;
  /** Whether `shard`'s agreed chain holds the trade (id in hex) locked, waiting for its decision. */
  lockedAt(shard: number, tradeIdHex: string): boolean;
}

/**
 * What a zone shard's Byzantine validators do in the cross-zone protocol under churn. For each
 * prepare its shard orders, each faulty node signs both verdicts in every epoch whose committee
 * held it (the current one and any it left), and also under a newer epoch than its committee's,
 * and sends them to members of every shard of the trade; and it hands old decisions again to the
 * shards, as they were. None of it may certify a verdict its shard did not record, count a share
 * in an epoch its signer was not in, or decide a trade twice.
 *
 * It also holds the keys of every member who has left the shard's committee (nobody watches them
 * after they go, and the simulation assumes all of them leak), besides its own. Where those keys
 * make a quorum of an old epoch's committee, it certifies an abort for a prepare its shard
 * ordered with them and hands that decision to the trade's other shards, at once and again once
 * its own shard commits the trade: a shard that applied it would release its locks under a trade
 * the others commit. With `stalking`, it also stalks every trade its shard prepared: whenever
 * another shard of the trade still holds it locked and a newer old epoch's quorum has leaked since,
 * it certifies the abort with that one and hands it to them, however long the trade has been open
 * (the window docs/SHARDING.md leaves open, "Votes of retired committees"). Only a retired
 * committee's votes are refused (a chain has recorded its shard's committee two epochs later), so
 * these must be.
 */
export class ByzantineRelay {
  private readonly decisions: { shard: number; bytes: Uint8Array }[] = [];
  /** Trade id (hex) → the abort this shard's leaked keys certified for it, and the hand-ins left. */
  private readonly forgedAborts = new Map<
    string,
    { trade: CrossTrade; decision: Uint8Array; left: number }
  >();
  /** Trades this shard prepared (id in hex), with the leaked epochs already used on each. */
  private readonly stalked = new Map<
    string,
    { trade: CrossTrade; epochs: Set<number>; decidedHere: boolean }
  >();
  /** Who submits the forged decisions (a decision needs no particular sender), and its nonce per shard. */
  private readonly submitter: Signer;
  private readonly nonces = new Map<number, bigint>();
  sent = 0;
  /** Decisions certified with the keys of members who had left the committee, handed to shards. */
  leakedKeyDecisions = 0;

  constructor(
    private readonly shard: number,
    private readonly zone: EpochChain,
    private readonly shards: number,
    /** Nodes of each zone shard (members and standby): where a share may be sent. */
    private readonly nodesPerZone: number,
    private readonly rng: Prng,
    private readonly links: ByzantineRelayLinks,
    private readonly stalking = false,
  ) {
    this.submitter = ed25519Scheme.signer(
      sha256(new TextEncoder().encode(`gridshard/sim/leaked-keys/${shard}`)),
    );
  }

  /** The shard agreed on `block`: vote both ways on its prepares, and replay an old decision. */
  onBlock(block: ExecutedBlock): void {
    if (this.zone.faultyNodes.length === 0) return;
    for (const { tx, bytes } of block.transactions) {
      if (tx.type === CROSS_DECIDE) {
        if (this.decisions.length >= MAX_DECISIONS) this.decisions.splice(this.rng.int(MAX_DECISIONS), 1);
        this.decisions.push({ shard: this.shard, bytes });
        this.afterDecision(tx.payload);
      }
      if (tx.type !== CROSS_PREPARE) continue;
      let trade: CrossTrade;
      try {
        trade = decodeTrade(tx.payload);
      } catch {
        continue;
      }
      if (trade.legs.length > 1) {
        this.voteBothWays(trade);
        this.forgeWithLeakedKeys(trade);
      }
    }
    if (this.decisions.length > 0 && this.rng.chance(0.2)) {
      const old = this.rng.pick(this.decisions);
      this.links.handIn(this.rng.int(this.shards), old.bytes);
    }
    // The other shards take a forged abort only between their commit vote and the real decision,
    // a window this relay cannot see: it hands the abort in again at each of its shard's blocks.
    for (const [id, forged] of this.forgedAborts) {
      this.handToOtherShards(forged.trade, forged.decision);
      if (--forged.left === 0) this.forgedAborts.delete(id);
    }
    this.stalk();
  }

  /** Each trade another shard still holds locked gets an abort certified by the newest leaked quorum not yet tried on it. */
  private stalk(): void {
    for (const [id, stalked] of this.stalked) {
      const locked = stalked.trade.legs.some(
        (leg) => leg.shard !== this.shard && this.links.lockedAt(leg.shard, id),
      );
      if (!locked) {
        if (stalked.decidedHere) this.stalked.delete(id);
        continue;
      }
      const leaked = this.leakedQuorum();
      if (leaked === null || stalked.epochs.has(leaked.committee.epoch)) continue;
      stalked.epochs.add(leaked.committee.epoch);
      this.forge(stalked.trade, leaked);
    }
  }

  private voteBothWays(trade: CrossTrade): void {
    const id = tradeId(trade);
    for (const node of this.zone.faultyNodes) {
      const key = ed25519PrivateKeyObject(this.zone.seeds[node]!);
      const places: { epoch: number; index: number }[] = [];
      for (const [epoch, committee] of this.zone.committeesByEpoch) {
        const index = committee.members.findIndex((m) => toHex(m.publicKey) === toHex(this.zone.keys[node]!));
        if (index >= 0) places.push({ epoch, index });
      }
      const newest = Math.max(...this.zone.committeesByEpoch.keys());
      // Under an epoch its committee is not in yet, with the index it held last.
      const last = places.at(-1);
      if (last !== undefined) places.push({ epoch: newest + 1, index: last.index });
      for (const { epoch, index } of places)
        for (const verdict of VERDICTS) {
          const share = signVote(
            { chainId: trade.chainId, tradeId: id, shard: this.shard, epoch, verdict },
            index,
            (m) => ed25519Sign(key, m),
          );
          const bytes = encodeVoteShare(share);
          for (const leg of trade.legs) {
            const to = this.rng.int(this.nodesPerZone);
            this.links.post(leg.shard, to, trade, bytes);
            this.sent++;
          }
        }
    }
  }

  /**
   * Certifies an abort of `trade` in this shard with the keys of an old committee whose quorum has
   * left (or is faulty), if there is one, and hands it to the trade's other shards now; from then
   * on the trade is stalked (`stalk`).
   */
  private forgeWithLeakedKeys(trade: CrossTrade): void {
    const leaked = this.leakedQuorum();
    const key = toHex(tradeId(trade));
    if (this.stalking && !this.stalked.has(key))
      this.stalked.set(key, {
        trade,
        epochs: new Set(leaked === null ? [] : [leaked.committee.epoch]),
        decidedHere: false,
      });
    if (leaked !== null) this.forge(trade, leaked);
  }

  private forge(trade: CrossTrade, leaked: NonNullable<ReturnType<ByzantineRelay['leakedQuorum']>>): void {
    const id = tradeId(trade);
    const statement = {
      chainId: trade.chainId,
      tradeId: id,
      shard: this.shard,
      epoch: leaked.committee.epoch,
      verdict: { kind: 'abort', reason: 'insufficient-funds' } as const,
    };
    const shares = leaked.signers.map(({ index, seed }) =>
      signVote(statement, index, (m) => ed25519Sign(seed, m)),
    );
    const decision = encodeDecision({ trade, votes: [{ statement, signatures: sortedSignatures(shares) }] });
    this.forgedAborts.set(toHex(id), { trade, decision, left: FORGED_HAND_INS });
    this.handToOtherShards(trade, decision);
  }

  private handToOtherShards(trade: CrossTrade, decision: Uint8Array): void {
    for (const leg of trade.legs) if (leg.shard !== this.shard) this.submit(trade, leg.shard, decision);
  }

  private submit(trade: CrossTrade, shard: number, decision: Uint8Array): void {
    const nonce = this.nonces.get(shard) ?? 0n;
    this.nonces.set(shard, nonce + 1n);
    const tx = signTransaction(this.submitter, {
      chainId: trade.chainId,
      shardId: shard,
      type: CROSS_DECIDE,
      payload: decision,
      nonce,
    });
    this.links.handIn(shard, encodeTransaction(tx));
    this.leakedKeyDecisions++;
  }

  /** Once this shard applies a trade's decision, the forged abort goes to the other shards a last time. */
  private afterDecision(payload: Uint8Array): void {
    let trade: CrossTrade;
    try {
      trade = decodeDecision(payload).trade;
    } catch {
      return;
    }
    const id = toHex(tradeId(trade));
    const stalked = this.stalked.get(id);
    if (stalked !== undefined) stalked.decidedHere = true;
    const forged = this.forgedAborts.get(id);
    if (forged === undefined) return;
    this.forgedAborts.delete(id);
    this.handToOtherShards(trade, forged.decision);
  }

  /**
   * The newest committee of this shard, before the current one, of which a quorum is in the
   * adversary's hands: members no longer in the current committee, and faulty ones. Null if none.
   */
  private leakedQuorum(): { committee: Committee; signers: { index: number; seed: Uint8Array }[] } | null {
    const newest = Math.max(...this.zone.committeesByEpoch.keys());
    const current = new Set(this.zone.committeesByEpoch.get(newest)!.members.map((m) => toHex(m.publicKey)));
    const faulty = new Set(this.zone.faultyNodes.map((node) => toHex(this.zone.keys[node]!)));
    const nodeOf = new Map(this.zone.keys.map((key, node) => [toHex(key), node]));
    for (let epoch = newest - 1; epoch >= 0; epoch--) {
      const committee = this.zone.committeesByEpoch.get(epoch);
      if (committee === undefined) continue;
      const signers: { index: number; seed: Uint8Array }[] = [];
      for (const member of committee.members) {
        const key = toHex(member.publicKey);
        const node = nodeOf.get(key);
        if (node !== undefined && (!current.has(key) || faulty.has(key)))
          signers.push({ index: member.index, seed: this.zone.seeds[node]! });
      }
      if (signers.length >= quorumSize(committee.members.length))
        return { committee, signers: signers.slice(0, quorumSize(committee.members.length)) };
    }
    return null;
  }
}
