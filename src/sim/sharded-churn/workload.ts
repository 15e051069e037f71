import { crossAccountKey, encodeAccountRecord } from '../../cross-zone/state-book.js';
import { sha256, toHex } from '../../crypto/hash.js';
import { ed25519Scheme, type Signer } from '../../crypto/scheme.js';
import type { Prng } from '../../kit/prng.js';
import type { StateEntry } from '../../ledger/genesis.js';
import type { CrossTrade } from '../../sharding/index.js';

const BUYERS_PER_SHARD = 2;
const SELLERS_PER_SHARD = 2;
/** Small enough that some buyers and sellers run short and their trades abort. */
const BUYER_MONEY = 2500n;
const SELLER_ENERGY = 1200n;

/** A member's account on its home shard: named by its key, which alone may debit it. */
export interface ClientAccount {
  readonly shard: number;
  readonly signer: Signer;
  readonly account: string;
  readonly money: bigint;
  readonly energy: bigint;
}

/** Each zone shard's buyers (holding money) and sellers (holding energy, Wh). */
export function clientAccounts(shards: number, genesisSeed: Uint8Array): ClientAccount[][] {
  const client = (shard: number, role: string, i: number, money: bigint, energy: bigint) => {
    const signer = ed25519Scheme.signer(
      sha256(new TextEncoder().encode(`gridshard/sharded-churn/${shard}/${role}/${i}`), genesisSeed),
    );
    return { shard, signer, account: toHex(signer.publicKey), money, energy };
  };
  return Array.from({ length: shards }, (_, shard) => [
    ...Array.from({ length: BUYERS_PER_SHARD }, (_, i) => client(shard, 'buyer', i, BUYER_MONEY, 0n)),
    ...Array.from({ length: SELLERS_PER_SHARD }, (_, i) => client(shard, 'seller', i, 0n, SELLER_ENERGY)),
  ]);
}

/** The genesis records of a shard's accounts. */
export function accountGenesisEntries(accounts: readonly ClientAccount[]): StateEntry[] {
  return accounts.map((a) => ({
    key: crossAccountKey(a.account),
    value: encodeAccountRecord({ money: a.money, energy: a.energy, lockedMoney: 0n, lockedEnergy: 0n }),
  }));
}

export interface PlannedCrossTrade {
  readonly atMs: number;
  readonly trade: CrossTrade;
  /** Per shard of the trade, the member whose account it debits there: it signs that shard's prepare. */
  readonly payers: ReadonlyMap<number, ClientAccount>;
}

/**
 * Cross-zone trades: a buyer of one zone pays a seller of another for energy, in the cycle it is
 * handed in. Amounts are drawn so that some accounts run short and those trades abort.
 */
export function planCrossTrades(
  rng: Prng,
  chainId: string,
  accounts: readonly (readonly ClientAccount[])[],
  count: number,
  windowMs: number,
  cycleMs: number,
): PlannedCrossTrade[] {
  const shards = accounts.length;
  const planned: PlannedCrossTrade[] = [];
  for (let k = 0; k < count; k++) {
    const atMs = Math.floor((k * windowMs) / count) + rng.int(Math.max(1, Math.floor(windowMs / count)));
    const buyerShard = rng.int(shards);
    const sellerShard = (buyerShard + 1 + rng.int(shards - 1)) % shards;
    const buyer = rng.pick(accounts[buyerShard]!.filter((a) => a.money > 0n));
    const seller = rng.pick(accounts[sellerShard]!.filter((a) => a.energy > 0n));
    const energy = BigInt(rng.range(60, 300));
    const paid = energy * BigInt(rng.range(1, 4));
    const legs = [
      { shard: buyerShard, entries: [{ account: buyer.account, money: -paid, energy }] },
      { shard: sellerShard, entries: [{ account: seller.account, money: paid, energy: -energy }] },
    ].sort((a, b) => a.shard - b.shard);
    const trade: CrossTrade = { chainId, session: rng.bytes(16), cycle: Math.floor(atMs / cycleMs), legs };
    planned.push({
      atMs,
      trade,
      payers: new Map([
        [buyerShard, buyer],
        [sellerShard, seller],
      ]),
    });
  }
  return planned;
}
