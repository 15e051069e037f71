import { Writer } from '../codec/index.js';
import { keyString } from '../ledger/key-string.js';
import type { KeyValueState } from '../ledger/state-interface.js';
import { nextDeadline } from './cycle-clock.js';
import {
  type Acceptance,
  type Awaiting,
  acceptanceListRecord,
  awaitingListRecord,
  balanceRecord,
  CONTRACT_PARTIES,
  type Contract,
  type ContractTerms,
  type Cycle,
  configRecord,
  contractListRecord,
  contractTermsListRecord,
  cycleRecord,
  type DeadlineEntry,
  type Deal,
  deadlineHeadRecord,
  deadlineListRecord,
  dealListRecord,
  energyListRecord,
  type IntervalOutcome,
  type IntervalSummary,
  intervalOutcomeListRecord,
  joinDealLists,
  keyRecord,
  type MarketConfig,
  type Member,
  type MeterBinding,
  type MeterRejection,
  memberRecord,
  meterBindingRecord,
  meterListRecord,
  meterRejectionRecord,
  type QuoteEntry,
  quoteEntryRecord,
  quoteRefRecord,
  type Statement,
  statementRecord,
  summaryRecord,
  type Transition,
  transitionListRecord,
  varuintRecord,
} from './records.js';

/** Why a contract that never bound lapsed: the roles that had not accepted by delivery start. */
export function lapseReason(contract: Contract): string {
  const have = new Set(contract.acceptances.map((a) => a.role));
  const missing = CONTRACT_PARTIES.filter((role) => !have.has(role));
  return `LAPSED: not accepted before delivery start by ${missing.join(', ')}; settled as grid purchase at the benchmark price`.slice(
    0,
    200,
  );
}

/** Refused meter readings kept per cycle; beyond this only the count grows. */
export const MAX_METER_REJECTIONS = 10_000;

/**
 * The market's key layout: one prefix byte per record kind, then the record's identity. Numbers
 * are fixed-width big-endian so byte order is numeric order. Prefixes are never reused.
 */
const P = {
  config: 0x01,
  member: 0x02,
  memberList: 0x03,
  memberCount: 0x04,
  // 0x05 held the market's own nonce per sender; the ledger envelope's nonce replaced it.
  cycle: 0x06,
  quote: 0x07,
  quoteList: 0x08,
  quoteCount: 0x09,
  matchedWh: 0x0a,
  quotedWh: 0x0b,
  // 0x0c and 0x0e hold one list per interval; 0x0d and 0x0f are retired.
  deal: 0x0c,
  contract: 0x0e,
  summary: 0x10,
  meter: 0x11,
  balance: 0x12,
  statement: 0x13,
  statementList: 0x14,
  statementCount: 0x15,
  meterBinding: 0x16,
  meterRejectionCount: 0x17,
  meterRejection: 0x18,
  intervalOutcomes: 0x19,
  transitions: 0x1a,
  awaiting: 0x1b,
  signedAcceptances: 0x1c,
  deadlines: 0x1d,
  deadlineHead: 0x1e,
} as const;
/** The prefix bytes, read by the API to decide who may read a raw state value. */
export const MARKET_KEY_PREFIX = P;

type Part = string | number | Uint8Array;

// Identifiers (cycle and quote ids) repeat across thousands of keys: encode each once.
const encodedText = new Map<string, Uint8Array>();
function textPart(value: string): Uint8Array {
  let found = encodedText.get(value);
  if (found === undefined) {
    found = new Writer(16).string(value).finish();
    if (encodedText.size > 10_000) encodedText.clear();
    encodedText.set(value, found);
  }
  return found;
}

/** Prefix byte, then strings (varint length + UTF-8), u32 big-endian numbers and raw key bytes. */
function key(prefix: number, ...parts: Part[]): Uint8Array {
  let length = 1;
  const encoded: Uint8Array[] = [];
  for (const part of parts) {
    if (typeof part === 'string') {
      const bytes = textPart(part);
      encoded.push(bytes);
      length += bytes.length;
    } else if (typeof part === 'number') {
      if (!Number.isInteger(part) || part < 0 || part > 0xffffffff) throw new RangeError(`key part ${part}`);
      length += 4;
    } else {
      length += part.length;
    }
  }
  const out = new Uint8Array(length);
  out[0] = prefix;
  let offset = 1;
  let next = 0;
  for (const part of parts) {
    if (typeof part === 'string') {
      const bytes = encoded[next++]!;
      out.set(bytes, offset);
      offset += bytes.length;
    } else if (typeof part === 'number') {
      out[offset] = part >>> 24;
      out[offset + 1] = (part >>> 16) & 0xff;
      out[offset + 2] = (part >>> 8) & 0xff;
      out[offset + 3] = part & 0xff;
      offset += 4;
    } else {
      out.set(part, offset);
      offset += part.length;
    }
  }
  return out;
}

/** Typed access to every market record, over any KeyValueState (in-memory, overlay, ledger). */
export class MarketStore {
  constructor(readonly state: KeyValueState) {}

  private read<T>(k: Uint8Array, record: { decode(bytes: Uint8Array): T }): T | undefined {
    const bytes = this.state.get(k);
    return bytes === undefined ? undefined : record.decode(bytes);
  }

  private counter(k: Uint8Array): number {
    return this.read(k, varuintRecord) ?? 0;
  }

  /** Appends to a list kept as a counter plus one key per item (the state has no range scans). */
  private append(countKey: Uint8Array, itemKey: (n: number) => Uint8Array, value: Uint8Array): number {
    const n = this.counter(countKey);
    this.state.set(itemKey(n), value);
    this.state.set(countKey, varuintRecord.encode(n + 1));
    return n;
  }

  config(): MarketConfig | undefined {
    return this.read(key(P.config), configRecord);
  }
  setConfig(config: MarketConfig): void {
    this.state.set(key(P.config), configRecord.encode(config));
  }

  member(memberKey: Uint8Array): Member | undefined {
    return this.read(key(P.member, memberKey), memberRecord);
  }
  setMember(memberKey: Uint8Array, member: Member, isNew: boolean): void {
    this.state.set(key(P.member, memberKey), memberRecord.encode(member));
    if (isNew) {
      this.append(key(P.memberCount), (n) => key(P.memberList, n), keyRecord.encode(memberKey));
    }
  }
  memberKeys(): Uint8Array[] {
    const count = this.counter(key(P.memberCount));
    const out: Uint8Array[] = [];
    for (let n = 0; n < count; n++) out.push(this.read(key(P.memberList, n), keyRecord)!);
    return out;
  }

  cycle(cycleId: string): Cycle | undefined {
    return this.read(key(P.cycle, cycleId), cycleRecord);
  }
  setCycle(cycle: Cycle): void {
    this.state.set(key(P.cycle, cycle.cycleId), cycleRecord.encode(cycle));
    this.indexDeadline(cycle);
  }

  /**
   * The deadline index: every cycle not yet final with its next deadline, earliest first, and
   * that earliest time under its own key, so a block with nothing due reads one small record.
   * Every write of a cycle keeps it in step (the state has no range scans to find due cycles).
   */
  deadlines(): DeadlineEntry[] {
    return this.read(key(P.deadlines), deadlineListRecord) ?? [];
  }
  earliestDeadlineMs(): number | undefined {
    return this.read(key(P.deadlineHead), deadlineHeadRecord);
  }
  /** Puts the cycle in the index at its next deadline, or takes it out once final. */
  indexDeadline(cycle: Cycle): void {
    const config = this.config();
    if (config !== undefined) this.setDeadline(cycle.cycleId, nextDeadline(cycle, config)?.atMs ?? null);
  }
  /** Files the cycle under `atMs` (null removes it); ties go in cycle id order. */
  setDeadline(cycleId: string, atMs: number | null): void {
    const list = this.deadlines().filter((entry) => entry.cycleId !== cycleId);
    if (atMs !== null) {
      const at = list.findIndex(
        (entry) => entry.atMs > atMs || (entry.atMs === atMs && entry.cycleId > cycleId),
      );
      list.splice(at === -1 ? list.length : at, 0, { atMs, cycleId });
    }
    if (list.length === 0) {
      this.state.delete(key(P.deadlines));
      this.state.delete(key(P.deadlineHead));
    } else {
      this.state.set(key(P.deadlines), deadlineListRecord.encode(list));
      this.state.set(key(P.deadlineHead), deadlineHeadRecord.encode(list[0]!.atMs));
    }
  }

  quote(cycleId: string, member: Uint8Array, quoteId: string): QuoteEntry | undefined {
    return this.read(key(P.quote, cycleId, member, quoteId), quoteEntryRecord);
  }
  setQuote(cycleId: string, member: Uint8Array, quoteId: string, entry: QuoteEntry): void {
    this.state.set(key(P.quote, cycleId, member, quoteId), quoteEntryRecord.encode(entry));
  }
  /** Records a new quote in the round's list; list order is the order of arrival on chain. */
  listQuote(cycleId: string, round: number, member: Uint8Array, quoteId: string): void {
    this.append(
      key(P.quoteCount, cycleId, round),
      (n) => key(P.quoteList, cycleId, round, n),
      quoteRefRecord.encode({ member, quoteId }),
    );
  }
  quoteRefs(cycleId: string, round: number): { member: Uint8Array; quoteId: string }[] {
    const count = this.counter(key(P.quoteCount, cycleId, round));
    const out: { member: Uint8Array; quoteId: string }[] = [];
    for (let n = 0; n < count; n++) out.push(this.read(key(P.quoteList, cycleId, round, n), quoteRefRecord)!);
    return out;
  }

  /** Energy matched so far in the cycle, per interval, for one member's project (0 for users). */
  matchedWh(cycleId: string, member: Uint8Array, project: number): number[] {
    return this.read(key(P.matchedWh, cycleId, member, project), energyListRecord) ?? [];
  }
  setMatchedWh(cycleId: string, member: Uint8Array, project: number, byInterval: number[]): void {
    this.state.set(key(P.matchedWh, cycleId, member, project), energyListRecord.encode(byInterval));
  }
  /** Energy quoted in one round, per interval, for one member's project. */
  quotedWh(cycleId: string, round: number, member: Uint8Array, project: number): number[] {
    return this.read(key(P.quotedWh, cycleId, round, member, project), energyListRecord) ?? [];
  }
  setQuotedWh(
    cycleId: string,
    round: number,
    member: Uint8Array,
    project: number,
    byInterval: number[],
  ): void {
    this.state.set(key(P.quotedWh, cycleId, round, member, project), energyListRecord.encode(byInterval));
  }

  /** Deals of one interval, in matching order (all rounds). */
  deals(cycleId: string, interval: number): Deal[] {
    return this.read(key(P.deal, cycleId, interval), dealListRecord) ?? [];
  }
  setDeals(cycleId: string, interval: number, deals: readonly Deal[]): void {
    this.state.set(key(P.deal, cycleId, interval), dealListRecord.encode([...deals]));
  }
  /** Adds deals after an interval's deals, the earlier ones' bytes kept as they are. */
  appendDeals(cycleId: string, interval: number, deals: readonly Deal[]): void {
    const k = key(P.deal, cycleId, interval);
    const before = this.state.get(k);
    const added = dealListRecord.encode([...deals]);
    this.state.set(k, before === undefined ? added : joinDealLists(before, added));
  }
  /** Every deal of the cycle, interval by interval; a deal's position here is its id. */
  allDeals(cycleId: string): Deal[] {
    const intervals = this.cycle(cycleId)?.intervals ?? 0;
    const out: Deal[] = [];
    for (let interval = 0; interval < intervals; interval++) out.push(...this.deals(cycleId, interval));
    return out;
  }

  /**
   * Contracts of one interval as they stand: a pending contract shows the acceptances its parties
   * signed since it was written (kept beside the list, so an acceptance does not rewrite it), and
   * once the cycle is settled a contract that never bound shows as `lapsed` with its reason
   * (settlement applied the lapse rule to it; the list itself is not rewritten).
   */
  contracts(cycleId: string, interval: number): Contract[] {
    const list = this.read(key(P.contract, cycleId, interval), contractListRecord) ?? [];
    let settled: boolean | undefined;
    for (let i = 0; i < list.length; i++) {
      let contract = list[i]!;
      if (contract.status !== 'pending') continue;
      const signed = this.signedAcceptances(cycleId, contract.deal);
      if (signed.length > 0) {
        const acceptances = [...contract.acceptances, ...signed];
        const binding = acceptances.length === CONTRACT_PARTIES.length;
        contract = {
          ...contract,
          acceptances,
          status: binding ? 'binding' : 'pending',
          statusReason: binding
            ? `accepted by all three parties at ${Math.max(...acceptances.map((a) => a.atMs))}`
            : '',
        };
      }
      settled ??= this.cycle(cycleId)?.state === 'settled';
      if (contract.status === 'pending' && settled) {
        contract = { ...contract, status: 'lapsed', statusReason: lapseReason(contract) };
      }
      list[i] = contract;
    }
    return list;
  }
  /**
   * The contracts of an interval as `contracts` shows them, read as `ContractTerms`: what
   * settlement needs, parties by key name, without building each contract whole. The status is
   * folded the same way (signed acceptances, and the lapse once the cycle is settled).
   */
  contractTerms(cycleId: string, interval: number): ContractTerms[] {
    const bytes = this.state.get(key(P.contract, cycleId, interval));
    if (bytes === undefined) return [];
    const list = contractTermsListRecord.decode(bytes);
    // A list of an earlier version is read whole, its statuses already folded.
    if (list === undefined) return this.contracts(cycleId, interval).map(termsOf);
    let settled: boolean | undefined;
    for (const terms of list) {
      if (terms.status !== 'pending') continue;
      const signed = this.signedAcceptances(cycleId, terms.deal).length;
      if (signed > 0) {
        terms.acceptances += signed;
        if (terms.acceptances === CONTRACT_PARTIES.length) terms.status = 'binding';
      }
      settled ??= this.cycle(cycleId)?.state === 'settled';
      if (terms.status === 'pending' && settled) terms.status = 'lapsed';
    }
    return list;
  }
  signedAcceptances(cycleId: string, deal: number): Acceptance[] {
    return this.read(key(P.signedAcceptances, cycleId, deal), acceptanceListRecord) ?? [];
  }
  setSignedAcceptances(cycleId: string, deal: number, acceptances: readonly Acceptance[]): void {
    this.state.set(key(P.signedAcceptances, cycleId, deal), acceptanceListRecord.encode([...acceptances]));
  }
  /** The contracts of a cycle that wait for this party's signature (see `awaitingCodec`). */
  awaiting(cycleId: string, party: Uint8Array): Awaiting[] {
    return this.read(key(P.awaiting, cycleId, party), awaitingListRecord) ?? [];
  }
  setAwaiting(cycleId: string, party: Uint8Array, entries: readonly Awaiting[]): void {
    this.state.set(key(P.awaiting, cycleId, party), awaitingListRecord.encode([...entries]));
  }
  setContracts(cycleId: string, interval: number, contracts: readonly Contract[]): void {
    this.state.set(key(P.contract, cycleId, interval), contractListRecord.encode([...contracts]));
  }
  allContracts(cycleId: string): Contract[] {
    const intervals = this.cycle(cycleId)?.intervals ?? 0;
    const out: Contract[] = [];
    for (let interval = 0; interval < intervals; interval++) out.push(...this.contracts(cycleId, interval));
    return out;
  }

  summary(cycleId: string, round: number, interval: number): IntervalSummary | undefined {
    return this.read(key(P.summary, cycleId, round, interval), summaryRecord);
  }
  setSummary(cycleId: string, round: number, interval: number, summary: IntervalSummary): void {
    this.state.set(key(P.summary, cycleId, round, interval), summaryRecord.encode(summary));
  }

  /** Metered energy per interval of the cycle; null where no reading arrived yet. */
  meterWh(cycleId: string, participant: Uint8Array): (number | null)[] {
    return this.read(key(P.meter, cycleId, participant), meterListRecord) ?? [];
  }
  setMeterWh(cycleId: string, participant: Uint8Array, byInterval: (number | null)[]): void {
    this.state.set(key(P.meter, cycleId, participant), meterListRecord.encode(byInterval));
  }

  balance(member: Uint8Array): bigint {
    return this.read(key(P.balance, member), balanceRecord) ?? 0n;
  }
  setBalance(member: Uint8Array, amount: bigint): void {
    this.state.set(key(P.balance, member), balanceRecord.encode(amount));
  }

  statement(cycleId: string, member: Uint8Array): Statement | undefined {
    return this.read(key(P.statement, cycleId, member), statementRecord);
  }
  addStatement(statement: Statement): void {
    this.state.set(key(P.statement, statement.cycleId, statement.member), statementRecord.encode(statement));
    this.append(
      key(P.statementCount, statement.cycleId),
      (n) => key(P.statementList, statement.cycleId, n),
      keyRecord.encode(statement.member),
    );
  }
  statementMembers(cycleId: string): Uint8Array[] {
    const count = this.counter(key(P.statementCount, cycleId));
    const out: Uint8Array[] = [];
    for (let n = 0; n < count; n++) out.push(this.read(key(P.statementList, cycleId, n), keyRecord)!);
    return out;
  }

  /** The member and binding grid enterprise of a meter key, if a grid enterprise bound it. */
  meterBinding(meterKey: Uint8Array): MeterBinding | undefined {
    return this.read(key(P.meterBinding, meterKey), meterBindingRecord);
  }
  setMeterBinding(meterKey: Uint8Array, binding: MeterBinding | null): void {
    if (binding === null) this.state.delete(key(P.meterBinding, meterKey));
    else this.state.set(key(P.meterBinding, meterKey), meterBindingRecord.encode(binding));
  }

  /** Records a refused reading; past MAX_METER_REJECTIONS a cycle keeps only the count. */
  addMeterRejection(cycleId: string, rejection: MeterRejection): void {
    const countKey = key(P.meterRejectionCount, cycleId);
    const n = this.counter(countKey);
    if (n < MAX_METER_REJECTIONS) {
      this.state.set(key(P.meterRejection, cycleId, n), meterRejectionRecord.encode(rejection));
    }
    this.state.set(countKey, varuintRecord.encode(n + 1));
  }
  meterRejectionCount(cycleId: string): number {
    return this.counter(key(P.meterRejectionCount, cycleId));
  }
  meterRejections(cycleId: string): MeterRejection[] {
    const count = Math.min(MAX_METER_REJECTIONS, this.meterRejectionCount(cycleId));
    const out: MeterRejection[] = [];
    for (let n = 0; n < count; n++)
      out.push(this.read(key(P.meterRejection, cycleId, n), meterRejectionRecord)!);
    return out;
  }

  /** What the security check or its fallback made of each interval, once the cycle is past `matched`. */
  intervalOutcomes(cycleId: string): IntervalOutcome[] {
    return this.read(key(P.intervalOutcomes, cycleId), intervalOutcomeListRecord) ?? [];
  }
  setIntervalOutcomes(cycleId: string, outcomes: readonly IntervalOutcome[]): void {
    this.state.set(key(P.intervalOutcomes, cycleId), intervalOutcomeListRecord.encode([...outcomes]));
  }

  /** Every state change of a cycle, in order. */
  transitions(cycleId: string): Transition[] {
    return this.read(key(P.transitions, cycleId), transitionListRecord) ?? [];
  }
  addTransition(cycleId: string, transition: Transition): void {
    this.state.set(
      key(P.transitions, cycleId),
      transitionListRecord.encode([...this.transitions(cycleId), transition]),
    );
  }
}

/** A whole contract as `ContractTerms` (for lists of an earlier version). */
function termsOf(contract: Contract): ContractTerms {
  return {
    ...contract,
    cycleId: undefined,
    generator: keyString(contract.generator),
    user: keyString(contract.user),
    gridEnterprise: undefined,
    adjustmentReason: undefined,
    acceptances: contract.acceptances.length,
    statusReason: undefined,
  };
}
