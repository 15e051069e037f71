import { CROSS_DECIDE, CROSS_PREPARE } from '../../cross-zone/trade-application.js';
import { ed25519PrivateKeyObject, ed25519Sign } from '../../crypto/ed25519.js';
import { toHex } from '../../crypto/hash.js';
import type { Prng } from '../../kit/prng.js';
import type { ExecutedBlock } from '../../ledger/chain-state.js';
import {
  type CrossTrade,
  decodeTrade,
  encodeVoteShare,
  signVote,
  tradeId,
  type VoteVerdict,
} from '../../sharding/index.js';
import type { EpochChain } from '../churn/epoch-chain.js';

/** Old decisions the adversary keeps to replay. */
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
}

/**
 * What a zone shard's Byzantine validators do in the cross-zone protocol under churn. For each
 * prepare its shard orders, each faulty node signs both verdicts in every epoch whose committee
 * held it (the current one and any it left), and also under a newer epoch than its committee's,
 * and sends them to members of every shard of the trade; and it hands old decisions again to the
 * shards, as they were. None of it may certify a verdict its shard did not record, count a share
 * in an epoch its signer was not in, or decide a trade twice.
 */
export class ByzantineRelay {
  private readonly decisions: { shard: number; bytes: Uint8Array }[] = [];
  sent = 0;

  constructor(
    private readonly shard: number,
    private readonly zone: EpochChain,
    private readonly shards: number,
    /** Nodes of each zone shard (members and standby): where a share may be sent. */
    private readonly nodesPerZone: number,
    private readonly rng: Prng,
    private readonly links: ByzantineRelayLinks,
  ) {}

  /** The shard agreed on `block`: vote both ways on its prepares, and replay an old decision. */
  onBlock(block: ExecutedBlock): void {
    if (this.zone.faultyNodes.length === 0) return;
    for (const { tx, bytes } of block.transactions) {
      if (tx.type === CROSS_DECIDE) {
        if (this.decisions.length >= MAX_DECISIONS) this.decisions.splice(this.rng.int(MAX_DECISIONS), 1);
        this.decisions.push({ shard: this.shard, bytes });
      }
      if (tx.type !== CROSS_PREPARE) continue;
      let trade: CrossTrade;
      try {
        trade = decodeTrade(tx.payload);
      } catch {
        continue;
      }
      if (trade.legs.length > 1) this.voteBothWays(trade);
    }
    if (this.decisions.length > 0 && this.rng.chance(0.2)) {
      const old = this.rng.pick(this.decisions);
      this.links.handIn(this.rng.int(this.shards), old.bytes);
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
}
