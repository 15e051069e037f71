import { CodecError } from '../codec/index.js';
import { MarketError } from './errors.js';
import { projectCodec, quotationCodec, ROLES } from './records.js';
import {
  bool,
  fixed,
  hash32,
  key32,
  list,
  oneOf,
  optional,
  struct,
  text,
  type UnionOf,
  u64,
  union,
  varuint,
  versioned,
} from './schema.js';

const cycleId = text(64);
const quoteId = text(64);

/** Every market action. The tag byte is the variant's position: append only. */
const actionVariants = {
  register: {
    role: oneOf(ROLES),
    name: text(64),
    bus: varuint,
    voltageKv: varuint,
    maxLoadKw: varuint,
    projects: list(projectCodec, 64),
    /** Must be null: meters are bound by the grid enterprise (bindMeter). Kept so old payloads decode. */
    meterKey: optional(key32),
  },
  audit: { member: key32, approve: bool, note: text(200) },
  suspend: { member: key32, reason: text(200) },
  exit: {},
  openCycle: {
    cycleId,
    intervals: varuint,
    intervalMs: u64,
    deliveryStartMs: u64,
    gateClosureMs: u64,
    gridEnterprise: key32,
  },
  closeGate: { cycleId },
  commitQuote: { cycleId, quoteId, commitment: hash32 },
  submitQuote: { cycleId, quoteId, quote: quotationCodec },
  amendQuote: { cycleId, quoteId, commitment: optional(hash32), quote: optional(quotationCodec) },
  withdrawQuote: { cycleId, quoteId },
  revealQuote: { cycleId, quoteId, quote: quotationCodec, salt: fixed(32) },
  match: { cycleId },
  openRound: { cycleId, gateClosureMs: u64 },
  check: { cycleId },
  contract: { cycleId },
  /** A batch from a meter data system: readings per participant and interval. */
  meterReadings: {
    cycleId,
    meters: list(
      struct({ participant: key32, readings: list(struct({ interval: varuint, energyWh: varuint }), 96) }),
      10_000,
    ),
  },
  settle: { cycleId },
  /** Audit decisions published together by the trading center or an operator. */
  auditBatch: {
    decisions: list(struct({ member: key32, approve: bool, note: text(200) }), 10_000),
  },
  /** Performs, by the genesis rule, the step of a cycle whose deadline passed in block time. */
  advanceCycle: { cycleId },
  /** A grid enterprise binds a meter's key to a generator or user; null unbinds. */
  bindMeter: { member: key32, meterKey: optional(key32) },
  /**
   * A generator, user or grid enterprise accepts the named contracts of a cycle: the signature
   * of the ledger transaction that carries it is the party's signature on each of them.
   */
  acceptContracts: { cycleId, contractIds: list(text(96), 10_000) },
  /** Standing consent to the contracts written for the sender from now on (false revokes it). */
  consent: { standing: bool },
};

export const marketActionCodec = union(actionVariants);
export type MarketAction = UnionOf<typeof actionVariants>;
export type MarketActionType = MarketAction['type'];
/** Every action the market executes, in tag order. */
export const MARKET_ACTION_TYPES = Object.keys(actionVariants) as readonly MarketActionType[];

/** The block a market action executes in. */
export interface ExecutionContext {
  readonly chainId: string;
  readonly blockTimeMs: number;
  readonly height: number;
}

/**
 * One ledger transaction's context as the market sees it: its block, and the hash of the ledger
 * transaction that carried the action. The hash is how a market record names the transaction its
 * sender signed: the envelope's signature and the block's transaction root prove it.
 */
export interface TransactionContext extends ExecutionContext {
  readonly txHash: Uint8Array;
}

/**
 * The payload version. Version 1 was a market transaction with its own sender, nonce and
 * signature inside the envelope; it is no longer read (docs/MARKET.md, transaction format).
 */
export const MARKET_PAYLOAD_VERSION = 2;
const RETIRED_PAYLOAD_VERSION = 1;

const payloadRecord = versioned(MARKET_PAYLOAD_VERSION, marketActionCodec, 'market payload');

/**
 * The payload of a ledger transaction of type `market`: a version byte and the action. Who sends
 * it, the nonce and the signature are the envelope's (src/ledger/transaction.ts).
 */
export function encodeMarketPayload(action: MarketAction): Uint8Array {
  try {
    return payloadRecord.encode(action);
  } catch (error) {
    throw payloadError(error, 'action cannot be encoded');
  }
}

/** Decodes exactly one market payload; every refusal is a MarketError `BAD_PAYLOAD`. */
export function decodeMarketPayload(bytes: Uint8Array): MarketAction {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    throw new MarketError('BAD_PAYLOAD', 'market payload is empty', { cause: 'TRUNCATED' });
  }
  if (bytes[0] === RETIRED_PAYLOAD_VERSION) {
    throw new MarketError(
      'BAD_PAYLOAD',
      'market payload version 1 (a separately signed market transaction) is no longer read; the chain predates the single-envelope format and must be reset',
      { cause: 'UNKNOWN_VERSION', version: RETIRED_PAYLOAD_VERSION },
    );
  }
  try {
    return payloadRecord.decode(bytes);
  } catch (error) {
    throw payloadError(error, 'payload is not a market action');
  }
}

function payloadError(error: unknown, what: string): unknown {
  if (!(error instanceof CodecError)) return error;
  return new MarketError('BAD_PAYLOAD', `${what}: ${error.message}`, { cause: error.code });
}
