/**
 * The write actions the portal offers, and the chain's member actions it does not, each with why.
 * test/web/portal-actions.test.ts holds both lists to the node: every action here is one the chain
 * executes and the routes the portal writes through are in the node's OpenAPI document, and every
 * market action of the chain is in exactly one of the two lists. docs/USER-GUIDE.md repeats them.
 */
import type { OwnAction } from './market-tx.js';

/** The ledger transaction kinds the portal signs: market actions in their envelope, nothing else. */
export const PORTAL_TRANSACTION_TYPES = ['market'] as const;

/** Every market action the portal signs (`OwnAction`), with the page that offers it. */
export const PORTAL_ACTIONS = {
  register: 'Registration (/access)',
  commitQuote: 'Quotations (/quotes), sealed market',
  submitQuote: 'Quotations (/quotes), open market',
  amendQuote: 'Quotations (/quotes)',
  withdrawQuote: 'Quotations (/quotes)',
  revealQuote: 'Quotations (/quotes), sealed market',
  advanceCycle: 'Quotations (/quotes), once a deadline has passed',
  acceptContracts:
    'Market (/market), your records of a contracted cycle: the contracts waiting for your signature',
} as const satisfies Record<OwnAction['type'], string>;

/** Ledger transaction kinds the portal does not sign. */
export const TRANSACTION_TYPES_NOT_IN_PORTAL: Readonly<Record<string, string>> = {
  'kv.put': 'the ledger’s plain key-value write, for tools and tests; no market member sends it',
  'cross.prepare':
    'a cross-zone trade’s prepare in one zone shard, signed by the owner of the debited account; sent by the market’s cross-zone clearing and its clients, not typed by hand',
  'cross.decide':
    'a cross-zone trade’s decision, carried by a validator acting as master with the certified votes that prove it',
  'cross.expire':
    'closes a cross-zone trade a shard never prepared once its cycles are over; sent by the masters of that shard',
  'root.shard-block': 'a zone shard block’s commit proof, ordered on the root chain by the root validators',
  'shards.committee':
    'a zone shard’s new committee with the quorum of the old one that elected it, recorded on every chain by its validators',
  'roles.equivocation':
    'proof that a validator signed two headers for one round; sent by the validators whose consensus caught it',
  'roles.dkg.open':
    'starts a key-generation session of the committee’s coin; an operator’s or the election’s step, not a market member’s',
  'roles.dkg.deal': 'a validator’s dealing in a key-generation session, sent by its node by itself',
  'roles.dkg.complain':
    'a validator’s complaint about a bad share in a key-generation session, sent by its node',
  'roles.dkg.justify': 'a validator’s public answer to a complaint against its dealing, sent by its node',
  'roles.handover':
    'a committee member’s signed vote for the committee its chain’s credit elects, sent by its node at the end of each cycle',
};

const TRADING_CENTER =
  'a step of the trading center’s cycle operation, sent by its own systems (SDK or src/market/driver.ts)';

/** Market actions the portal does not offer, each with the reason. */
export const ACTIONS_NOT_IN_PORTAL: Readonly<Record<string, string>> = {
  audit:
    'a decision on a registration, by the trading center (members) or an operator (institutions), taken in its own systems; the Registration page shows the result',
  auditBatch: 'audit decisions published in bulk by the trading center or an operator',
  suspend: 'a sanction by the trading center or a regulator, decided outside the portal',
  exit: 'not offered yet: leaving the market is final and the portal has no confirmation flow for it; send it with the SDK',
  openCycle: TRADING_CENTER,
  closeGate: TRADING_CENTER,
  match: TRADING_CENTER,
  openRound: TRADING_CENTER,
  contract: TRADING_CENTER,
  settle: TRADING_CENTER,
  check: 'the grid enterprise’s security check, run by its own systems; the Grid page shows its result',
  bindMeter: 'the grid enterprise binds meters from its metering systems',
  meterReadings: 'batches from the meter data system, signed by the grid enterprise or a bound meter',
  consent: 'not offered yet: standing consent to future contracts is given with the SDK',
};
