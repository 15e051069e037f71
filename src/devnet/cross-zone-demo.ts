import { CROSS_PREPARE } from '../cross-zone/trade-application.js';
import { fromHex, toHex } from '../crypto/hash.js';
import { ed25519Scheme } from '../crypto/scheme.js';
import type { Prng } from '../kit/prng.js';
import { nonceStateKey, readNonce } from '../ledger/nonces.js';
import { encodeTransaction, signTransaction } from '../ledger/transaction.js';
import type { GridShardClient } from '../sdk/client.js';
import { type CrossTrade, encodeTrade, SESSION_LENGTH, tradeId } from '../sharding/index.js';

/** A demo member: a key whose hex is its cross-zone account, homed in one zone shard. */
export interface DemoMember {
  readonly shard: number;
  readonly seed: Uint8Array;
  readonly account: string;
}

/** Opening balance of each demo member: 10,000.00 in money (minor units) and 1,000 kWh (in Wh). */
export const DEMO_OPENING = { money: 1_000_000n, energy: 1_000_000n } as const;

export function demoMembers(shards: number, perShard: number, prng: Prng): DemoMember[] {
  return Array.from({ length: shards * perShard }, (_, i) => {
    const seed = prng.bytes(32);
    return { shard: Math.floor(i / perShard), seed, account: toHex(ed25519Scheme.publicKeyFromSeed(seed)) };
  });
}

/** The genesis accounts of zone shard `shard`. */
export function demoAccounts(members: readonly DemoMember[], shard: number) {
  return members
    .filter((m) => m.shard === shard)
    .map((m) => ({
      account: m.account,
      money: String(DEMO_OPENING.money),
      energy: String(DEMO_OPENING.energy),
    }));
}

export interface SentTrade {
  readonly trade: CrossTrade;
  readonly id: string;
  readonly buyer: DemoMember;
  readonly seller: DemoMember;
  /** The signed prepare of each shard of the trade, by shard. */
  readonly prepares: ReadonlyMap<number, Uint8Array>;
}

/**
 * Cross-zone trades between demo members, as the market's cross-zone clearing would hand them
 * over: a buyer in one zone pays a seller in another for energy, and each pays its own side: the
 * buyer signs the prepare of its shard (debiting its money), the seller that of its own (debiting
 * its energy). Each prepare goes to one validator of its shard, the next one if that one fails.
 */
export class CrossZoneDemo {
  private readonly nonces = new Map<string, bigint>();
  private readonly entry: number[];

  constructor(
    private readonly chainId: string,
    private readonly shardClients: readonly (readonly GridShardClient[])[],
    private readonly members: readonly DemoMember[],
    private readonly prng: Prng,
  ) {
    this.entry = shardClients.map(() => 0);
  }

  /**
   * Starts each member's nonces where its shard's committed state has them, so a resumed devnet
   * does not reuse one it used before it stopped.
   */
  async syncNonces(): Promise<void> {
    for (const member of this.members) {
      const client = this.shardClients[member.shard]![0]!;
      const key = toHex(nonceStateKey(ed25519Scheme.publicKeyFromSeed(member.seed)));
      const answer = await client.state(key);
      const bytes = answer.value === null ? undefined : fromHex(answer.value);
      const base = readNonce({ get: () => bytes }, ed25519Scheme.publicKeyFromSeed(member.seed));
      this.nonces.set(member.account, base);
    }
  }

  /** A random pair in two different zones; `money` and `energy` as given or drawn. */
  pick(money?: bigint, energy?: bigint): { trade: CrossTrade; buyer: DemoMember; seller: DemoMember } {
    const buyer = this.members[this.prng.int(this.members.length)]!;
    const others = this.members.filter((m) => m.shard !== buyer.shard);
    const seller = others[this.prng.int(others.length)]!;
    const energyWh = energy ?? BigInt(this.prng.range(1_000, 20_000));
    const price = money ?? (energyWh * BigInt(this.prng.range(40, 90))) / 1000n;
    const legs = [
      { shard: buyer.shard, entries: [{ account: buyer.account, money: -price, energy: energyWh }] },
      { shard: seller.shard, entries: [{ account: seller.account, money: price, energy: -energyWh }] },
    ].sort((a, b) => a.shard - b.shard);
    const trade = { chainId: this.chainId, session: this.prng.bytes(SESSION_LENGTH), cycle: 0, legs };
    return { trade, buyer, seller };
  }

  /**
   * Sends a trade's prepares to both shards; `cycle` is the current cycle (masters are drawn per
   * cycle). `sellerSigns: false` leaves the seller's side unsigned, as a party that walks away
   * would: the buyer's shard locks, and the trade aborts in both once its cycles are over.
   */
  async send(
    cycle: number,
    money?: bigint,
    energy?: bigint,
    options: { sellerSigns?: boolean } = {},
  ): Promise<SentTrade> {
    const picked = this.pick(money, energy);
    const trade = { ...picked.trade, cycle };
    const payload = encodeTrade(trade);
    const prepares = new Map([[picked.buyer.shard, this.prepare(picked.buyer, payload)]]);
    if (options.sellerSigns !== false)
      prepares.set(picked.seller.shard, this.prepare(picked.seller, payload));
    const sent = { trade, id: toHex(tradeId(trade)), buyer: picked.buyer, seller: picked.seller, prepares };
    await Promise.all(
      [...prepares].map(([shard, bytes]) => this.submit(shard, bytes).catch(() => undefined)),
    );
    return sent;
  }

  /**
   * Sends again the prepares of a trade that a shard has no record of (a validator that took one
   * may have crashed before proposing it). The same signed bytes carry the same nonce, so a
   * prepare executes once however often it is sent.
   */
  async resendMissing(sent: SentTrade): Promise<number> {
    let resent = 0;
    for (const [shard, bytes] of sent.prepares) {
      const clients = this.shardClients[shard]!;
      const known = await clients[this.entry[shard]! % clients.length]!.crossTrade(sent.id).catch(
        () => undefined,
      );
      if (known !== null && known !== undefined) continue;
      this.entry[shard] = this.entry[shard]! + 1;
      await this.submit(shard, bytes).catch(() => undefined);
      resent++;
    }
    return resent;
  }

  private prepare(member: DemoMember, payload: Uint8Array): Uint8Array {
    const nonce = this.nonces.get(member.account) ?? 0n;
    this.nonces.set(member.account, nonce + 1n);
    const tx = signTransaction(ed25519Scheme.signer(member.seed), {
      chainId: this.chainId,
      shardId: member.shard,
      type: CROSS_PREPARE,
      payload,
      nonce,
    });
    return encodeTransaction(tx);
  }

  private async submit(shard: number, bytes: Uint8Array): Promise<void> {
    const clients = this.shardClients[shard]!;
    let lastError: unknown;
    for (let attempt = 0; attempt < clients.length; attempt++) {
      const index = this.entry[shard]! % clients.length;
      try {
        await clients[index]!.submit(bytes);
        return;
      } catch (error) {
        lastError = error;
        this.entry[shard] = index + 1;
      }
    }
    throw lastError;
  }
}
