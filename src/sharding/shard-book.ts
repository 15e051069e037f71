import { Writer } from '../codec/index.js';
import { sha256 } from '../crypto/index.js';
import type { LegEntry } from './cross-trade.js';
import type { VoteVerdict } from './cross-vote.js';

/** Where one trade stands in this shard; `committed` and `aborted` are final. */
export type TradeStatus = 'locked' | 'committed' | 'aborted';

/** What a shard remembers of a trade it has seen: its own leg, the verdict it gave, where it stands. */
export interface TradeRecord {
  readonly entries: readonly LegEntry[];
  readonly verdict: VoteVerdict;
  readonly status: TradeStatus;
}

/** An account homed in the shard: its balances and what trades it voted to commit hold of them. */
export interface AccountRecord {
  readonly money: bigint;
  readonly energy: bigint;
  readonly lockedMoney: bigint;
  readonly lockedEnergy: bigint;
}

/**
 * Where a shard ledger keeps its accounts and trade records. The ledger's rules are the same
 * whatever holds them: a map in the simulator, the chain's authenticated state in a node
 * (cross-application.ts). Records are values: the ledger reads, computes and writes back.
 */
export interface ShardBook {
  account(name: string): AccountRecord | undefined;
  putAccount(name: string, record: AccountRecord): void;
  /** `key`: the trade id in hex. */
  trade(key: string): TradeRecord | undefined;
  putTrade(key: string, record: TradeRecord): void;
}

/** A book in memory, for the simulator and tests: also sums and digests its whole content. */
export class MemoryShardBook implements ShardBook {
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly trades = new Map<string, TradeRecord>();

  constructor(accounts: Iterable<readonly [string, { readonly money: bigint; readonly energy: bigint }]>) {
    for (const [name, { money, energy }] of accounts)
      this.accounts.set(name, { money, energy, lockedMoney: 0n, lockedEnergy: 0n });
  }

  account(name: string): AccountRecord | undefined {
    return this.accounts.get(name);
  }

  putAccount(name: string, record: AccountRecord): void {
    this.accounts.set(name, record);
  }

  trade(key: string): TradeRecord | undefined {
    return this.trades.get(key);
  }

  putTrade(key: string, record: TradeRecord): void {
    this.trades.set(key, record);
  }

  /** Money and energy held in the book's accounts (locked amounts included). */
  totals(): { money: bigint; energy: bigint } {
    let money = 0n;
    let energy = 0n;
    for (const account of this.accounts.values()) {
      money += account.money;
      energy += account.energy;
    }
    return { money, energy };
  }

  /** A digest of the whole content, equal at every honest validator after the same order. */
  digest(shard: number): Uint8Array {
    const writer = new Writer(1024).u32(shard);
    for (const name of [...this.accounts.keys()].sort()) {
      const a = this.accounts.get(name)!;
      writer.string(name).i64Big(a.money).i64Big(a.energy).i64Big(a.lockedMoney).i64Big(a.lockedEnergy);
    }
    for (const key of [...this.trades.keys()].sort()) {
      const record = this.trades.get(key)!;
      writer.string(key).u8(record.status === 'locked' ? 0 : record.status === 'committed' ? 1 : 2);
    }
    return sha256(writer.finish());
  }
}
