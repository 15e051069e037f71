import type { Prng } from '../../kit/prng.js';
import type { Balance, CrossTrade, TradeLeg } from '../../sharding/index.js';

/** A market cycle of the sharded run: its trades take that cycle's masters. */
export const CYCLE_MS = 1000;
const BUYERS_PER_SHARD = 3;
const SELLERS_PER_SHARD = 3;
const BUYER_MONEY = 1000n;
const SELLER_ENERGY = 500n;
/** `ampleFunds`: enough that no planned load runs an account short. */
const AMPLE = 1n << 60n;

export interface PlannedTrade {
  readonly atMs: number;
  readonly trade: CrossTrade;
  readonly cross: boolean;
}

/** Each shard's accounts at genesis: buyers holding money, sellers holding energy (Wh). */
export function shardAccounts(shards: number, ample = false): [string, Balance][][] {
  return Array.from({ length: shards }, (_, shard) => [
    ...Array.from({ length: BUYERS_PER_SHARD }, (_, i): [string, Balance] => [
      `z${shard}-buyer-${i}`,
      { money: ample ? AMPLE : BUYER_MONEY, energy: 0n },
    ]),
    ...Array.from({ length: SELLERS_PER_SHARD }, (_, i): [string, Balance] => [
      `z${shard}-seller-${i}`,
      { money: 0n, energy: ample ? AMPLE : SELLER_ENERGY },
    ]),
  ]);
}

/**
 * The trades of one run: a buyer pays for a seller's energy, in its own zone or (with probability
 * `crossRatio`) across zones, some paying sellers in two other zones. Amounts are drawn so that
 * buyers and sellers run short and some trades abort; some trades are tried again in a new
 * session after a while, which gives the replaying adversary an earlier session of the same
 * trade to replay.
 */
export function planTrades(
  rng: Prng,
  chainId: string,
  shards: number,
  count: number,
  crossRatio: number,
  windowMs: number,
): PlannedTrade[] {
  const planned: PlannedTrade[] = [];
  for (let k = 0; k < count; k++) {
    const atMs = rng.int(windowMs);
    const buyerShard = rng.int(shards);
    const cross = shards > 1 && rng.chance(crossRatio);
    const sellerShards = !cross
      ? [buyerShard]
      : rng
          .shuffle(Array.from({ length: shards }, (_, s) => s).filter((s) => s !== buyerShard))
          .slice(0, shards > 2 && rng.chance(0.25) ? 2 : 1);
    const buyer = `z${buyerShard}-buyer-${rng.int(BUYERS_PER_SHARD)}`;
    const sellers = sellerShards.map((s) => ({
      shard: s,
      account: `z${s}-seller-${rng.int(SELLERS_PER_SHARD)}`,
      energy: BigInt(rng.range(40, 240)),
      price: BigInt(rng.range(1, 3)),
    }));
    const trade = (session: Uint8Array, scale: bigint, at: number): CrossTrade => {
      const byShard = new Map<number, TradeLeg['entries'][number][]>();
      const add = (shard: number, account: string, money: bigint, energy: bigint) => {
        const list = byShard.get(shard) ?? [];
        list.push({ account, money, energy });
        byShard.set(shard, list);
      };
      let paid = 0n;
      let bought = 0n;
      for (const seller of sellers) {
        const energy = (seller.energy * scale) / 2n;
        add(seller.shard, seller.account, energy * seller.price, -energy);
        paid += energy * seller.price;
        bought += energy;
      }
      add(buyerShard, buyer, -paid, bought);
      const legs = [...byShard.entries()]
        .sort(([a], [b]) => a - b)
        .map(([shard, entries]) => ({ shard, entries: mergeEntries(entries) }));
      return { chainId, session, cycle: Math.floor(at / CYCLE_MS), legs };
    };
    planned.push({ atMs, trade: trade(rng.bytes(16), 2n, atMs), cross });
    if (rng.chance(0.15)) {
      const retryAt = atMs + rng.range(300, 1500);
      planned.push({ atMs: retryAt, trade: trade(rng.bytes(16), 1n, retryAt), cross });
    }
  }
  return planned.sort((a, b) => a.atMs - b.atMs);
}

/** One entry per account in a leg (a local trade names the buyer and seller of one shard). */
function mergeEntries(entries: TradeLeg['entries'][number][]): TradeLeg['entries'][number][] {
  const merged = new Map<string, { account: string; money: bigint; energy: bigint }>();
  for (const entry of entries) {
    const known = merged.get(entry.account);
    if (known === undefined) merged.set(entry.account, { ...entry });
    else {
      known.money += entry.money;
      known.energy += entry.energy;
    }
  }
  return [...merged.values()];
}
