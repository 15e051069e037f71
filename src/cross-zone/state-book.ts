import { decodeExact, type Reader, Writer } from '../codec/index.js';
import type { KeyValueState, ReadableState } from '../ledger/state-interface.js';
import {
  ABORT_REASONS,
  type AbortReason,
  type AccountRecord,
  type LegEntry,
  type ShardBook,
  type TradeRecord,
  type TradeStatus,
  type VoteVerdict,
} from '../sharding/index.js';

const text = new TextEncoder();
const STATUSES: readonly TradeStatus[] = ['locked', 'committed', 'aborted'];
const MAX_ACCOUNT_LENGTH = 64;
const MAX_ENTRIES = 16;

export function crossAccountKey(account: string): Uint8Array {
  return text.encode(`cross/account/${account}`);
}

export function crossTradeKey(tradeIdHex: string): Uint8Array {
  return text.encode(`cross/trade/${tradeIdHex}`);
}

export function encodeAccountRecord(record: AccountRecord): Uint8Array {
  return new Writer(32)
    .i64Big(record.money)
    .i64Big(record.energy)
    .i64Big(record.lockedMoney)
    .i64Big(record.lockedEnergy)
    .finish();
}

function decodeAccountRecord(bytes: Uint8Array): AccountRecord {
  return decodeExact(bytes, (r: Reader) => ({
    money: r.i64Big(),
    energy: r.i64Big(),
    lockedMoney: r.i64Big(),
    lockedEnergy: r.i64Big(),
  }));
}

function encodeTradeRecord(record: TradeRecord): Uint8Array {
  const writer = new Writer(64 + record.entries.length * 96).array(record.entries, (w, entry) =>
    w.string(entry.account).i64Big(entry.money).i64Big(entry.energy),
  );
  if (record.verdict.kind === 'commit') writer.u8(0);
  else writer.u8(1).string(record.verdict.reason);
  return writer.u8(STATUSES.indexOf(record.status)).finish();
}

function decodeTradeRecord(bytes: Uint8Array): TradeRecord {
  return decodeExact(bytes, (r: Reader) => {
    const entries: LegEntry[] = r.array(
      (e) => ({ account: e.string(MAX_ACCOUNT_LENGTH), money: e.i64Big(), energy: e.i64Big() }),
      MAX_ENTRIES,
    );
    const verdict: VoteVerdict =
      r.u8() === 0 ? { kind: 'commit' } : { kind: 'abort', reason: abortReason(r.string(64)) };
    const status = STATUSES[r.u8()];
    if (status === undefined) throw new Error('unknown trade status in state');
    return { entries, verdict, status };
  });
}

function abortReason(value: string): AbortReason {
  if (!(ABORT_REASONS as readonly string[]).includes(value)) throw new Error('unknown abort reason in state');
  return value as AbortReason;
}

/** A trade record as the chain's state holds it (for reads outside execution: the API, the relay). */
export function readTradeRecord(state: ReadableState, tradeIdHex: string): TradeRecord | undefined {
  const bytes = state.get(crossTradeKey(tradeIdHex));
  return bytes === undefined ? undefined : decodeTradeRecord(bytes);
}

export function readAccountRecord(state: ReadableState, account: string): AccountRecord | undefined {
  const bytes = state.get(crossAccountKey(account));
  return bytes === undefined ? undefined : decodeAccountRecord(bytes);
}

/**
 * The shard ledger's book in the chain's authenticated state: each account and each trade record
 * under its own key, so the state root commits to every balance, lock and verdict, and a record
 * can be proven to anyone with a state proof.
 */
export class StateShardBook implements ShardBook {
  constructor(private readonly state: KeyValueState) {}

  account(name: string): AccountRecord | undefined {
    return readAccountRecord(this.state, name);
  }

  putAccount(name: string, record: AccountRecord): void {
    this.state.set(crossAccountKey(name), encodeAccountRecord(record));
  }

  trade(key: string): TradeRecord | undefined {
    return readTradeRecord(this.state, key);
  }

  putTrade(key: string, record: TradeRecord): void {
    this.state.set(crossTradeKey(key), encodeTradeRecord(record));
  }
}
