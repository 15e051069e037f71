import { CodecError, decodeExact, MAX_CHAIN_ID_LENGTH, type Reader, Writer } from '../codec/index.js';
import { sha256 } from '../crypto/index.js';
import { ShardingError } from './errors.js';

/** One account's change in a trade: money in minor units, energy in Wh; negative is a debit. */
export interface LegEntry {
  readonly account: string;
  readonly money: bigint;
  readonly energy: bigint;
}

/** What a trade changes in one shard: the accounts homed there. */
export interface TradeLeg {
  readonly shard: number;
  readonly entries: readonly LegEntry[];
}

/**
 * A trade whose accounts live in two or more shards, applied in all of them or in none. The
 * session is fresh for every attempt: a retried trade is a new trade with a new id, so nothing
 * said about an earlier attempt (a vote, a decision, a lock) can be taken for the new one. The
 * id hashes every field (chain, session, cycle, shard set, amounts), and every vote and decision
 * is bound to the id: that binding is what defeats the replay attacks on two-phase cross-shard
 * protocols (Sonnino et al., EuroS&P 2020).
 */
export interface CrossTrade {
  readonly chainId: string;
  /** 16 random bytes chosen by whoever starts the attempt. */
  readonly session: Uint8Array;
  /** The market cycle the trade belongs to: its masters are that cycle's. */
  readonly cycle: number;
  /** Ascending by shard, each shard once. */
  readonly legs: readonly TradeLeg[];
}

export const SESSION_LENGTH = 16;
export const MAX_LEG_ENTRIES = 16;
/** Shards one trade may span: a trade touching more is split by the market before it gets here. */
export const MAX_TRADE_LEGS = 16;
const MAX_ACCOUNT_LENGTH = 64;
/** A bound on any one amount (2^62): sums of a trade's entries stay exact in a signed 64-bit field. */
const MAX_AMOUNT = 1n << 62n;
const VERSION = 1;
const ID_DOMAIN = new TextEncoder().encode('gridshard/cross-trade/v1');

/** Throws BAD_TRADE unless the trade is well formed and moves value without creating any. */
export function checkTrade(trade: CrossTrade): void {
  const bad = (message: string, details: Record<string, unknown> = {}) =>
    new ShardingError('BAD_TRADE', message, details);
  if (trade.session.length !== SESSION_LENGTH) throw bad(`the session must be ${SESSION_LENGTH} bytes`);
  if (!Number.isSafeInteger(trade.cycle) || trade.cycle < 0) throw bad('the cycle must be a whole number');
  if (trade.legs.length < 1 || trade.legs.length > MAX_TRADE_LEGS)
    throw bad(`a trade has 1 … ${MAX_TRADE_LEGS} legs, got ${trade.legs.length}`);
  let money = 0n;
  let energy = 0n;
  let previousShard = -1;
  for (const leg of trade.legs) {
    if (!Number.isInteger(leg.shard) || leg.shard <= previousShard)
      throw bad('legs must name distinct shards in increasing order', { shard: leg.shard });
    previousShard = leg.shard;
    if (leg.entries.length < 1 || leg.entries.length > MAX_LEG_ENTRIES)
      throw bad(`a leg has 1 … ${MAX_LEG_ENTRIES} entries`, { shard: leg.shard });
    const seen = new Set<string>();
    for (const entry of leg.entries) {
      if (entry.account.length === 0 || entry.account.length > MAX_ACCOUNT_LENGTH)
        throw bad(`an account name is 1 … ${MAX_ACCOUNT_LENGTH} characters`, { shard: leg.shard });
      if (seen.has(entry.account))
        throw bad(`account "${entry.account}" appears twice in one leg`, { account: entry.account });
      seen.add(entry.account);
      for (const amount of [entry.money, entry.energy])
        if (amount <= -MAX_AMOUNT || amount >= MAX_AMOUNT)
          throw bad(`an amount of account "${entry.account}" is out of range`, { account: entry.account });
      money += entry.money;
      energy += entry.energy;
    }
  }
  if (money !== 0n || energy !== 0n)
    throw bad('a trade must move money and energy without creating or destroying any', {
      money: money.toString(),
      energy: energy.toString(),
    });
}

export function encodeTrade(trade: CrossTrade): Uint8Array {
  checkTrade(trade);
  const writer = new Writer(128).u8(VERSION).string(trade.chainId);
  writer.fixedBytes(trade.session, SESSION_LENGTH).u64(trade.cycle).varuint(trade.legs.length);
  for (const leg of trade.legs) {
    writer.u32(leg.shard).varuint(leg.entries.length);
    for (const entry of leg.entries) writer.string(entry.account).i64Big(entry.money).i64Big(entry.energy);
  }
  return writer.finish();
}

export function readTrade(reader: Reader): CrossTrade {
  reader.version([VERSION], 'cross-shard trade');
  const chainId = reader.string(MAX_CHAIN_ID_LENGTH);
  const session = reader.fixedBytes(SESSION_LENGTH);
  const cycle = reader.u64();
  const legCount = reader.varuint();
  if (legCount > MAX_TRADE_LEGS) throw new CodecError('OUT_OF_RANGE', `${legCount} legs`, { legCount });
  const legs: TradeLeg[] = [];
  for (let i = 0; i < legCount; i++) {
    const shard = reader.u32();
    const count = reader.varuint();
    if (count > MAX_LEG_ENTRIES) throw new CodecError('OUT_OF_RANGE', `${count} entries`, { count });
    const entries: LegEntry[] = [];
    for (let j = 0; j < count; j++)
      entries.push({
        account: reader.string(MAX_ACCOUNT_LENGTH),
        money: reader.i64Big(),
        energy: reader.i64Big(),
      });
    legs.push({ shard, entries });
  }
  const trade = { chainId, session, cycle, legs };
  checkTrade(trade);
  return trade;
}

/** Strict: CodecError on malformed bytes, BAD_TRADE on a trade that breaks the rules. */
export function decodeTrade(bytes: Uint8Array): CrossTrade {
  return decodeExact(bytes, readTrade);
}

/** The trade's identity: every vote, decision and lock names it. */
export function tradeId(trade: CrossTrade): Uint8Array {
  return sha256(ID_DOMAIN, encodeTrade(trade));
}

export function legOf(trade: CrossTrade, shard: number): TradeLeg | undefined {
  return trade.legs.find((leg) => leg.shard === shard);
}
