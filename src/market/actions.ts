import type { KeyObject } from 'node:crypto';
import { Writer } from '../codec/index.js';
import { ed25519Sign } from '../crypto/index.js';
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
  u64Big,
  union,
  varuint,
  versioned,
} from './schema.js';

const cycleId = text(64);
const quoteId = text(64);

/** Every market transaction's payload. The tag byte is the variant's position: append only. */
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
   * A generator, user or grid enterprise accepts the named contracts of a cycle: this
   * transaction's signature is the party's signature on each of them.
   */
  acceptContracts: { cycleId, contractIds: list(text(96), 10_000) },
  /** Standing consent to the contracts written for the sender from now on (false revokes it). */
  consent: { standing: bool },
};

export const marketActionCodec = union(actionVariants);
export type MarketAction = UnionOf<typeof actionVariants>;
export type MarketActionType = MarketAction['type'];

export interface MarketTransaction {
  /** Ed25519 public key of the signer, 32 bytes. */
  readonly sender: Uint8Array;
  readonly nonce: bigint;
  readonly action: MarketAction;
  /** Ed25519 over `signingBytes(chainId, sender, nonce, action)`, 64 bytes. */
  readonly signature: Uint8Array;
}

export interface ExecutionContext {
  readonly chainId: string;
  readonly blockTimeMs: number;
  readonly height: number;
}

const SIGNING_DOMAIN = 'gridshard/market-tx';
const TX_VERSION = 1;

/** The exact bytes a sender signs: domain, version, chain, sender, nonce, action. */
export function signingBytes(
  chainId: string,
  sender: Uint8Array,
  nonce: bigint,
  action: MarketAction,
): Uint8Array {
  const writer = new Writer(128);
  writer.string(SIGNING_DOMAIN).u8(TX_VERSION).string(chainId).fixedBytes(sender, 32).u64Big(nonce);
  marketActionCodec.write(writer, action);
  return writer.finish();
}

export function signMarketTransaction(
  chainId: string,
  signer: { publicKey: Uint8Array; privateKey: KeyObject | Uint8Array },
  nonce: bigint,
  action: MarketAction,
): MarketTransaction {
  const signature = ed25519Sign(signer.privateKey, signingBytes(chainId, signer.publicKey, nonce, action));
  return { sender: signer.publicKey, nonce, action, signature };
}

/** The transaction's own wire form, which the ledger's envelope will later carry as payload. */
export const marketTransactionRecord = versioned(
  TX_VERSION,
  struct({ sender: key32, nonce: u64Big, action: marketActionCodec, signature: fixed(64) }),
  'market transaction',
);
