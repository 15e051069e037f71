import { decodeExact, type Reader, Writer } from '../codec/index.js';
import { MARKET_PARAMETER_DEFAULTS as D, defaulted } from './parameters.js';
import {
  bool,
  type Codec,
  countOf,
  hash32,
  type Infer,
  i64,
  joinLists,
  key32,
  keyName,
  list,
  oneOf,
  optional,
  projection,
  skipFixed,
  skipText,
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

/** Append only: a state's position is its stored tag. `settled` and `cancelled` are final. */
export const CYCLE_STATES = [
  'open',
  'closed',
  'matched',
  'checked',
  'contracted',
  'settled',
  'cancelled',
] as const;
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

const memberV1Shape = {
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
};
/** A party's standing acceptance of the contracts written for it, given by its `consent` action. */
export const standingConsentCodec = struct({ sinceMs: u64, height: u64 });
export const memberCodec = struct({
  ...memberV1Shape,
  /** Null when the member accepts each contract itself (`acceptContracts`). */
  standingConsent: optional(standingConsentCodec),
});
export type Member = Infer<typeof memberCodec>;
export const memberRecord = upgradable(2, memberCodec, 'member', [
  { version: 1, codec: struct(memberV1Shape), upgrade: (old) => ({ ...old, standingConsent: null }) },
]);

/** Retired: the crossing fee comes from `tariffLevels`; kept so earlier configurations decode. */
export const feeLevelCodec = struct({ maxVoltageKv: varuint, feePerKwh: varuint });
/** One voltage level of the crossing tariff: its T&D price in money units per kWh (see `src/grid/fee.ts`). */
export const tariffLevelCodec = struct({ maxVoltageKv: varuint, tdPricePerKwh: varuint });
export const busLimitCodec = struct({ bus: varuint, exportLimitKw: varuint });

const configV1Shape = {
  marketId: text(64),
  sealedBids: bool,
  pricing: oneOf(['uniform', 'payAsBid'] as const),
  /** Safety cap on matching rounds after the first, for quantity left unmatched. */
  resubmissionRounds: defaulted(varuint, D.resubmissionRounds),
  priceFloorPerKwh: varuint,
  priceCapPerKwh: varuint,
  benchmarkPricePerKwh: varuint,
  subsidyPerKwh: varuint,
  compositePricePerKwh: varuint,
  /** Deviation allowed without penalty, in basis points of the contracted energy. */
  toleranceBps: varuint,
  penaltyPerKwh: varuint,
  breachLiabilityBps: varuint,
  /** Retired (must be 0): see `tariffLevels`. */
  sameBusFeePerKwh: varuint,
  /** Retired (must be empty): see `tariffLevels`. */
  feeLevels: list(feeLevelCodec, 16),
  busLimits: list(busLimitCodec, 4096),
  operators: list(key32, 16),
};
/** The cycle's deadlines and fallbacks (see parameters.ts); all default when left out. */
const configV2Shape = {
  ...configV1Shape,
  revealWindowMs: defaulted(u64, D.revealWindowMs),
  stepGraceMs: defaulted(u64, D.stepGraceMs),
  checkWindowMs: defaulted(u64, D.checkWindowMs),
  recheckAttempts: defaulted(varuint, D.recheckAttempts),
  recheckCutBps: defaulted(varuint, D.recheckCutBps),
  missedCheckFallback: defaulted(oneOf(['gridPurchase', 'cancel'] as const), D.missedCheckFallback),
  meterWindowMs: defaulted(u64, D.meterWindowMs),
};
export const configCodec = struct({
  ...configV2Shape,
  subsidyAccount: defaulted(key32, D.subsidyAccount),
  standingConsent: defaulted(bool, D.standingConsent),
  /** The crossing tariff: T&D price per voltage level; empty means no crossing fee. */
  tariffLevels: defaulted(list(tariffLevelCodec, 16), D.tariffLevels),
  /** Levels the lower of two connections on different buses climbs to reach the other. */
  levelsBetweenBuses: defaulted(varuint, D.levelsBetweenBuses),
});
export type MarketConfig = Infer<typeof configCodec>;
/** The layout of genesis configurations before the deadlines, still read. */
export const configV1Codec = struct(configV1Shape);

/** A configuration with every parameter a genesis document left out set to its default. */
export function marketConfigWithDefaults(config: MarketConfig): MarketConfig {
  const out = { ...config } as Record<string, unknown>;
  for (const [name, value] of Object.entries(D)) if (out[name] === undefined) out[name] = value;
  return out as MarketConfig;
}

export const configRecord = upgradable(3, configCodec, 'market config', [
  { version: 1, codec: configV1Codec, upgrade: (old) => marketConfigWithDefaults(old as MarketConfig) },
  {
    version: 2,
    codec: struct(configV2Shape),
    upgrade: (old) => marketConfigWithDefaults(old as MarketConfig),
  },
]);

const cycleV1Shape = {
  cycleId: text(64),
  state: oneOf(CYCLE_STATES),
  round: varuint,
  intervals: varuint,
  intervalMs: u64,
  deliveryStartMs: u64,
  gateClosureMs: u64,
  gridEnterprise: key32,
  openedAtHeight: u64,
};
export const cycleCodec = struct({
  ...cycleV1Shape,
  /** Block time at which the cycle entered its state: the anchor of the state's deadline. */
  stateSinceMs: u64,
  /** Reason code of the last transition, e.g. `CHECK_MISSED`; see the cycle's transitions. */
  reasonCode: text(48),
  reason: text(200),
});
export type Cycle = Infer<typeof cycleCodec>;
export const cycleRecord = upgradable(2, cycleCodec, 'cycle', [
  {
    version: 1,
    codec: struct(cycleV1Shape),
    upgrade: (old) => ({ ...old, stateSinceMs: 0, reasonCode: '', reason: '' }),
  },
]);

/** One step of a cycle's state machine, with the block that made it and why. */
export const transitionCodec = struct({
  from: oneOf(CYCLE_STATES),
  to: oneOf(CYCLE_STATES),
  round: varuint,
  atMs: u64,
  height: u64,
  code: text(48),
  reason: text(200),
});
export type Transition = Infer<typeof transitionCodec>;
export const transitionListRecord = versioned(1, list(transitionCodec, 100_000), 'cycle transitions');

/** A cycle's next deadline in the deadline index, which is kept earliest first. */
export const deadlineEntryCodec = struct({ atMs: u64, cycleId: text(64) });
export type DeadlineEntry = Infer<typeof deadlineEntryCodec>;
export const deadlineListRecord = versioned(1, list(deadlineEntryCodec, 1_000_000), 'deadline index');
export const deadlineHeadRecord = versioned(1, u64, 'earliest deadline');

export const INTERVAL_OUTCOMES = ['secure', 'adjusted', 'rechecked', 'cancelled', 'gridPurchase'] as const;
export type IntervalOutcomeKind = (typeof INTERVAL_OUTCOMES)[number];
/** What the security check (or its fallback) made of one delivery interval. */
export const intervalOutcomeCodec = struct({
  interval: varuint,
  outcome: oneOf(INTERVAL_OUTCOMES),
  code: text(48),
  reason: text(200),
});
export type IntervalOutcome = Infer<typeof intervalOutcomeCodec>;
export const intervalOutcomeListRecord = versioned(1, list(intervalOutcomeCodec, 96), 'interval outcomes');

/** A meter key bound to a member by a grid enterprise; readings it signs count for that member. */
export const meterBindingCodec = struct({ member: key32, gridEnterprise: key32, boundAtHeight: u64 });
export type MeterBinding = Infer<typeof meterBindingCodec>;
export const meterBindingRecord = versioned(1, meterBindingCodec, 'meter binding');

/** A meter reading the market refused, kept so the sender can see which and why. */
export const meterRejectionCodec = struct({
  participant: key32,
  interval: varuint,
  signer: key32,
  code: text(32),
  reason: text(120),
});
export type MeterRejection = Infer<typeof meterRejectionCodec>;
export const meterRejectionRecord = versioned(1, meterRejectionCodec, 'meter rejection');

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
const MAX_DEALS = 10_000_000;
export const dealListRecord = versioned(1, list(dealCodec, MAX_DEALS), 'deals of an interval');
/** A list of deals with more deals after it, as `dealListRecord` writes the joined list. */
export const joinDealLists = (first: Uint8Array, then: Uint8Array): Uint8Array =>
  joinLists(1, MAX_DEALS, first, then, 'deals of an interval');

const contractV1Shape = {
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
};

export const CONTRACT_PARTIES = ['generator', 'user', 'gridEnterprise'] as const;
export type ContractParty = (typeof CONTRACT_PARTIES)[number];
/** Append only. `binding` once all three parties accepted; `lapsed` if not by delivery start. */
export const CONTRACT_STATUSES = ['pending', 'binding', 'lapsed'] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];

/**
 * One party's acceptance: `signed` by its own `acceptContracts` transaction, or by the
 * `standingConsent` it gave before the contract was written. A signed acceptance keeps the hash of
 * the ledger transaction that carried it: its envelope is the party's signature, and the block's
 * transaction root proves it was ordered, so anyone can check the acceptance against the chain.
 * `atMs` and `height` are the accepting block's. The party is the contract's key for the role
 * (`partyKey` in acceptance.ts), so it is not repeated here.
 */
const acceptanceShape = {
  role: oneOf(CONTRACT_PARTIES),
  how: oneOf(['signed', 'standingConsent'] as const),
  atMs: u64,
  height: varuint,
  txHash: optional(hash32),
};
export const acceptanceCodec = struct(acceptanceShape);
export type Acceptance = Infer<typeof acceptanceCodec>;

const contractShape = {
  ...contractV1Shape,
  /** One per party role, in the order they came; a role appears at most once. */
  acceptances: list(acceptanceCodec, 3),
  status: oneOf(CONTRACT_STATUSES),
  /** Why the contract is in its status, e.g. the parties that had not accepted when it lapsed. */
  statusReason: text(200),
};
export const contractCodec = struct(contractShape);
export type Contract = Infer<typeof contractCodec>;

/** An acceptance passed over, each field checked as its codec reads it (enums return constants). */
function skipAcceptance(reader: Reader): void {
  acceptanceShape.role.read(reader);
  acceptanceShape.how.read(reader);
  acceptanceShape.atMs.read(reader);
  acceptanceShape.height.read(reader);
  if (reader.bool()) reader.skip(32, 'a transaction hash');
}

/**
 * A contract as settlement reads it, from the same bytes: generator and user as key names
 * (`keyString`), the acceptances as their count, and the fields it does not use passed over.
 * A cycle settles about a million contracts; this builds one small object for each.
 */
export const contractTermsCodec = projection(contractShape, {
  cycleId: skipText(64),
  generator: keyName,
  user: keyName,
  gridEnterprise: skipFixed(32),
  adjustmentReason: skipText(200),
  acceptances: countOf(skipAcceptance, 3),
  statusReason: skipText(200),
});
export type ContractTerms = Infer<typeof contractTermsCodec>;
/** Contracts written before acceptance existed bound by being written; they read as binding. */
const contractV1Codec = struct(contractV1Shape);
const contractFromV1 = (old: Infer<typeof contractV1Codec>): Contract => ({
  ...old,
  acceptances: [],
  status: 'binding',
  statusReason: 'written before party acceptance existed',
});
/** Acceptances signed after a contract was written, kept beside it until settlement folds them in. */
export const acceptanceListRecord = versioned(2, list(acceptanceCodec, 3), 'signed acceptances');
/**
 * Per cycle and party, the contracts waiting for that party's signature: the deal, its interval,
 * the party's roles still to accept and every role the contract still lacked when written (bit i
 * is `CONTRACT_PARTIES[i]`). An acceptance reads this small record instead of the interval lists.
 */
export const awaitingCodec = struct({ deal: varuint, interval: varuint, roles: varuint, missing: varuint });
export type Awaiting = Infer<typeof awaitingCodec>;
export const awaitingListRecord = versioned(1, list(awaitingCodec, 10_000_000), 'contracts awaiting a party');
/**
 * Version 2 kept each signed acceptance's own market signature and nonce, from when market
 * transactions were signed apart from their envelope; such chains are not read (docs/MARKET.md).
 */
export const contractRecord = upgradable(3, contractCodec, 'contract', [
  { version: 1, codec: contractV1Codec, upgrade: contractFromV1 },
]);
export const contractListRecord = upgradable(3, list(contractCodec, 10_000_000), 'contracts of an interval', [
  {
    version: 1,
    codec: list(contractV1Codec, 10_000_000),
    upgrade: (old) => old.map(contractFromV1),
  },
]);
/**
 * The same record read as `ContractTerms`, for the current version only: a list of an earlier
 * version reads as undefined, and its reader decodes it whole (`contractListRecord`).
 */
export const contractTermsListRecord = {
  decode(bytes: Uint8Array): ContractTerms[] | undefined {
    if (bytes[0] !== 3) return undefined;
    return decodeExact(bytes, (reader) => {
      reader.version([3], 'contracts of an interval');
      return list(contractTermsCodec, 10_000_000).read(reader);
    });
  },
};

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
  /** Breach liability paid or received under binding contracts; each case is in `liabilities`. */
  'breachLiability',
  /** A user buying a lapsed contract's energy from the grid enterprise at the composite price. */
  'gridSupply',
] as const;
export type StatementKind = (typeof STATEMENT_KINDS)[number];

export const statementLineCodec = struct({ kind: oneOf(STATEMENT_KINDS), energyWh: varuint, amount: i64 });
/** One breach of one binding contract in one interval: who pays whom, how much and why. */
export const liabilityLineCodec = struct({
  contractId: text(96),
  interval: varuint,
  /** The other side of the payment: the payee on the payer's statement and the other way round. */
  counterparty: key32,
  code: oneOf(['NON_DELIVERY', 'NON_CONSUMPTION'] as const),
  /** Contracted energy neither delivered nor covered by the tolerance band. */
  energyWh: varuint,
  /** Negative on the payer's statement, positive on the payee's. */
  amount: i64,
  reason: text(200),
});
export type LiabilityLine = Infer<typeof liabilityLineCodec>;
const statementV1Shape = {
  cycleId: text(64),
  member: key32,
  contractedWh: varuint,
  meteredWh: varuint,
  deviationWh: varuint,
  penalisedWh: varuint,
  lines: list(statementLineCodec, 16),
  /** Credit minus debit for the cycle; positive means the member receives money. */
  net: i64,
};
export const statementCodec = struct({
  ...statementV1Shape,
  /** The breach cases behind the `breachLiability` line, in contract order. */
  liabilities: list(liabilityLineCodec, 1_000_000),
});
export type Statement = Infer<typeof statementCodec>;
export const statementRecord = upgradable(2, statementCodec, 'settlement statement', [
  { version: 1, codec: struct(statementV1Shape), upgrade: (old) => ({ ...old, liabilities: [] }) },
]);

export const energyListRecord = versioned(1, list(varuint, 96), 'energy per interval');
export const meterListRecord = versioned(1, list(optional(varuint), 96), 'meter readings');
export const varuintRecord = versioned(1, varuint, 'counter');
export const balanceRecord = versioned(1, i64, 'balance');
export const keyRecord = versioned(1, key32, 'member key');

interface Legacy<T> {
  version: number;
  // biome-ignore lint/suspicious/noExplicitAny: each earlier layout has its own type.
  codec: Codec<any>;
  // biome-ignore lint/suspicious/noExplicitAny: the upgrade takes that layout's value.
  upgrade: (old: any) => T;
}

/**
 * A record whose layout grew: written in the current version, read in the current or an earlier
 * one, which is upgraded with the defaults of the fields it lacks.
 */
function upgradable<T>(version: number, codec: Codec<T>, what: string, legacies: readonly Legacy<T>[]) {
  const versions = [...legacies.map((l) => l.version), version];
  return {
    encode(value: T): Uint8Array {
      const writer = new Writer(512);
      writer.u8(version);
      codec.write(writer, value);
      return writer.finish();
    },
    decode(bytes: Uint8Array): T {
      return decodeExact(bytes, (reader) => {
        const found = reader.version(versions, what);
        if (found === version) return codec.read(reader);
        const legacy = legacies.find((l) => l.version === found)!;
        return legacy.upgrade(legacy.codec.read(reader));
      });
    },
  };
}
