import {
  bool,
  hash32,
  type Infer,
  i64,
  key32,
  list,
  oneOf,
  optional,
  struct,
  text,
  u64,
  varuint,
  versioned,
} from './schema.js';

/**
 * Every record the market keeps in state, declared once as a canonical codec. Each stored value
 * starts with a version byte so a later layout can coexist with this one.
 */
export const ROLES = [
  'generator',
  'user',
  'gridEnterprise',
  'tradingCenter',
  'regulator',
  'operator',
] as const;
export type Role = (typeof ROLES)[number];

export const MEMBER_STATUSES = ['pending', 'approved', 'rejected', 'suspended', 'exited'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

export const CYCLE_STATES = ['open', 'closed', 'matched', 'checked', 'contracted', 'settled'] as const;
export type CycleState = (typeof CYCLE_STATES)[number];

export const TRADING_MODES = ['direct', 'entrusted', 'gridPurchase'] as const;
export type TradingMode = (typeof TRADING_MODES)[number];

/** A generation project as registered; `approvedKw` is set by the audit (0 until approved). */
export const projectCodec = struct({
  technology: text(32),
  capacityKw: varuint,
  /** The project's own maximum load, deducted from capacity before the access rules apply. */
  ownMaxLoadKw: varuint,
  bus: varuint,
  voltageKv: varuint,
  /** Declared: the output is absorbed within the connection voltage level. */
  absorbedLocally: bool,
});
export type Project = Infer<typeof projectCodec>;

export const memberCodec = struct({
  role: oneOf(ROLES),
  name: text(64),
  status: oneOf(MEMBER_STATUSES),
  reason: text(200),
  bus: varuint,
  voltageKv: varuint,
  maxLoadKw: varuint,
  projects: list(projectCodec, 64),
  approvedKw: list(varuint, 64),
  meterKey: optional(key32),
  registeredAtHeight: u64,
});
export type Member = Infer<typeof memberCodec>;
export const memberRecord = versioned(1, memberCodec, 'member');

export const feeLevelCodec = struct({ maxVoltageKv: varuint, feePerKwh: varuint });
export const busLimitCodec = struct({ bus: varuint, exportLimitKw: varuint });

export const configCodec = struct({
  marketId: text(64),
  sealedBids: bool,
  pricing: oneOf(['uniform', 'payAsBid'] as const),
  /** Extra matching rounds after the first, for quantity left unmatched. */
  resubmissionRounds: varuint,
  priceFloorPerKwh: varuint,
  priceCapPerKwh: varuint,
  benchmarkPricePerKwh: varuint,
  subsidyPerKwh: varuint,
  compositePricePerKwh: varuint,
  /** Deviation allowed without penalty, in basis points of the contracted energy. */
  toleranceBps: varuint,
  penaltyPerKwh: varuint,
  breachLiabilityBps: varuint,
  sameBusFeePerKwh: varuint,
  feeLevels: list(feeLevelCodec, 16),
  busLimits: list(busLimitCodec, 4096),
  operators: list(key32, 16),
});
export type MarketConfig = Infer<typeof configCodec>;
export const configRecord = versioned(1, configCodec, 'market config');

export const cycleCodec = struct({
  cycleId: text(64),
  state: oneOf(CYCLE_STATES),
  round: varuint,
  intervals: varuint,
  intervalMs: u64,
  deliveryStartMs: u64,
  gateClosureMs: u64,
  gridEnterprise: key32,
  openedAtHeight: u64,
});
export type Cycle = Infer<typeof cycleCodec>;
export const cycleRecord = versioned(1, cycleCodec, 'cycle');

export const stepCodec = struct({ pricePerKwh: varuint, energyWh: varuint });
export const curveCodec = struct({ interval: varuint, steps: list(stepCodec, 16) });
export const quotationCodec = struct({
  side: oneOf(['buy', 'sell'] as const),
  mode: oneOf(TRADING_MODES),
  /** Index of the generator's project that sells; 0 for buyers. */
  project: varuint,
  curves: list(curveCodec, 96),
});
export type Quotation = Infer<typeof quotationCodec>;
export const quotationRecord = versioned(1, quotationCodec, 'quotation');

export const quoteEntryCodec = struct({
  round: varuint,
  commitment: optional(hash32),
  quote: optional(quotationCodec),
  withdrawn: bool,
});
export type QuoteEntry = Infer<typeof quoteEntryCodec>;
export const quoteEntryRecord = versioned(1, quoteEntryCodec, 'quote entry');

export const quoteRefCodec = struct({ member: key32, quoteId: text(64) });
export const quoteRefRecord = versioned(1, quoteRefCodec, 'quote reference');

/** A match, which the contract step turns into a tripartite contract. */
export const dealCodec = struct({
  round: varuint,
  interval: varuint,
  mode: oneOf(TRADING_MODES),
  seller: key32,
  project: varuint,
  buyer: key32,
  matchedWh: varuint,
  /** After the security check; equal to matchedWh unless congestion management cut it. */
  energyWh: varuint,
  adjustmentReason: text(200),
  sellerPricePerKwh: varuint,
  buyerPricePerKwh: varuint,
  feePerKwh: varuint,
});
export type Deal = Infer<typeof dealCodec>;
export const dealRecord = versioned(1, dealCodec, 'deal');
/** All deals of one interval in one record: a cycle has tens of thousands of deals. */
export const dealListRecord = versioned(1, list(dealCodec, 10_000_000), 'deals of an interval');

export const contractCodec = struct({
  contractId: text(96),
  cycleId: text(64),
  deal: varuint,
  mode: oneOf(TRADING_MODES),
  generator: key32,
  user: key32,
  gridEnterprise: key32,
  interval: varuint,
  termStartMs: u64,
  termEndMs: u64,
  energyWh: varuint,
  pricePerKwh: varuint,
  crossingFeePerKwh: varuint,
  subsidyPerKwh: varuint,
  breachLiabilityBps: varuint,
  toleranceBps: varuint,
  penaltyPerKwh: varuint,
  adjustmentReason: text(200),
});
export type Contract = Infer<typeof contractCodec>;
export const contractRecord = versioned(1, contractCodec, 'contract');
export const contractListRecord = versioned(1, list(contractCodec, 10_000_000), 'contracts of an interval');

export const summaryCodec = struct({
  clearingPricePerKwh: optional(varuint),
  volumeWh: varuint,
  participants: varuint,
});
export type IntervalSummary = Infer<typeof summaryCodec>;
export const summaryRecord = versioned(1, summaryCodec, 'interval summary');

export const STATEMENT_KINDS = [
  'energySale',
  'energyPurchase',
  'crossingFee',
  'imbalance',
  'penalty',
  'subsidy',
] as const;
export type StatementKind = (typeof STATEMENT_KINDS)[number];

export const statementLineCodec = struct({ kind: oneOf(STATEMENT_KINDS), energyWh: varuint, amount: i64 });
export const statementCodec = struct({
  cycleId: text(64),
  member: key32,
  contractedWh: varuint,
  meteredWh: varuint,
  deviationWh: varuint,
  penalisedWh: varuint,
  lines: list(statementLineCodec, 16),
  /** Credit minus debit for the cycle; positive means the member receives money. */
  net: i64,
});
export type Statement = Infer<typeof statementCodec>;
export const statementRecord = versioned(1, statementCodec, 'settlement statement');

export const energyListRecord = versioned(1, list(varuint, 96), 'energy per interval');
export const meterListRecord = versioned(1, list(optional(varuint), 96), 'meter readings');
export const varuintRecord = versioned(1, varuint, 'counter');
export const balanceRecord = versioned(1, i64, 'balance');
export const nonceRecord = versioned(1, u64, 'nonce');
export const keyRecord = versioned(1, key32, 'member key');
