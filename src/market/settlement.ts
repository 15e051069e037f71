import { bytesEqual, toHex } from '../crypto/index.js';
import { keyBytes, keyString } from '../ledger/key-string.js';
import type { MarketAction } from './actions.js';
import { deliveryEndMs, moveCycle } from './cycle-clock.js';
import { MarketError } from './errors.js';
import { type ActionDetail, type HandlerContext, requireCycle, requireMember } from './handler-context.js';
import { type Breach, breachesOf, breachReason, type ReasonTerms } from './liability.js';
import { MoneySum, money } from './money-sum.js';
import { PostingTable } from './posting-table.js';
import type { ContractTerms, Cycle, LiabilityLine, Statement, StatementKind } from './records.js';
import { STATEMENT_KINDS } from './records.js';

type Of<T extends MarketAction['type']> = Extract<MarketAction, { type: T }>;

/**
 * Signed meter readings: the ledger envelope's signature is the meter's signature. The signer is the
 * cycle's grid enterprise or a meter key that grid enterprise bound to the participant
 * (`bindMeter`); a member never chooses its own meter. A reading is final and only accepted once
 * its interval has ended (block time, not a clock). Each reading stands on its own: the good ones
 * are stored, each refused one is recorded with its reason, and one bad reading never sinks the
 * batch. Only a signer who could sign no reading at all is refused outright.
 */
export function meterReadings(ctx: HandlerContext, action: Of<'meterReadings'>): ActionDetail {
  const cycle = requireCycle(ctx, action.cycleId, ['contracted']);
  const gridSigner = bytesEqual(ctx.sender, cycle.gridEnterprise);
  if (gridSigner) requireMember(ctx, ['gridEnterprise']);
  const binding = gridSigner ? undefined : ctx.store.meterBinding(ctx.sender);
  if (!gridSigner && (binding === undefined || !bytesEqual(binding.gridEnterprise, cycle.gridEnterprise))) {
    throw new MarketError(
      'NOT_AUTHORISED',
      "readings come from the cycle's grid enterprise or a meter it bound to a participant",
      { signer: toHex(ctx.sender) },
    );
  }
  let accepted = 0;
  const refused: { participant: string; interval: number; code: string; reason: string }[] = [];
  const refuse = (participant: Uint8Array, interval: number, code: string, reason: string) => {
    refused.push({ participant: toHex(participant), interval, code, reason });
    ctx.store.addMeterRejection(cycle.cycleId, { participant, interval, signer: ctx.sender, code, reason });
  };
  // A batch may name a participant more than once; its readings accumulate in one list.
  const lists = new Map<
    string,
    { participant: Uint8Array; byInterval: (number | null)[]; changed: boolean }
  >();
  for (const meter of action.meters) {
    const name = keyString(meter.participant);
    const known = lists.get(name);
    const member = known === undefined ? ctx.store.member(meter.participant) : undefined;
    for (const reading of meter.readings) {
      if (known === undefined && member === undefined) {
        refuse(meter.participant, reading.interval, 'UNKNOWN_MEMBER', 'not a registered participant');
        continue;
      }
      if (!gridSigner && !bytesEqual(binding!.member, meter.participant)) {
        refuse(
          meter.participant,
          reading.interval,
          'NOT_AUTHORISED',
          'the meter is bound to another participant',
        );
        continue;
      }
      let slot = lists.get(name);
      if (slot === undefined) {
        const stored = ctx.store.meterWh(cycle.cycleId, meter.participant);
        slot = {
          participant: meter.participant,
          byInterval: Array.from({ length: cycle.intervals }, (_, i) => stored[i] ?? null),
          changed: false,
        };
        lists.set(name, slot);
      }
      if (reading.interval >= cycle.intervals) {
        refuse(meter.participant, reading.interval, 'BAD_ACTION', 'interval outside the cycle');
        continue;
      }
      const endMs = cycle.deliveryStartMs + (reading.interval + 1) * cycle.intervalMs;
      if (ctx.context.blockTimeMs < endMs) {
        refuse(meter.participant, reading.interval, 'NOT_DUE', `interval ends at ${endMs}`);
        continue;
      }
      if (slot.byInterval[reading.interval] !== null) {
        refuse(meter.participant, reading.interval, 'DUPLICATE', 'the interval already has a reading');
        continue;
      }
      slot.byInterval[reading.interval] = reading.energyWh;
      slot.changed = true;
      accepted++;
    }
  }
  for (const name of [...lists.keys()].sort()) {
    const slot = lists.get(name)!;
    if (slot.changed) ctx.store.setMeterWh(cycle.cycleId, slot.participant, slot.byInterval);
  }
  return { meters: action.meters.length, readings: accepted, refused: refused.length, refusals: refused };
}

interface Account {
  member: Uint8Array;
  /** Its row in the settlement's `PostingTable`: a line per kind (by position in STATEMENT_KINDS) and the net. */
  row: number;
  /** Its breach cases, each as `BreachCase.sequence * 2 + side` (0 the payer's line, 1 the payee's). */
  liabilities: number[];
  contractedWh: number;
  meteredWh: number;
  deviationWh: number;
  penalisedWh: number;
}

/**
 * One breach of one contract in one interval, kept until the statements are written: both
 * statements' lines are made from it then, so a cycle's cases hold no line objects or reasons.
 */
interface BreachCase extends ReasonTerms {
  readonly payer: Party;
  /** The payer's first contract in the cycle: liability lines are grouped by it. */
  readonly payerOrder: number;
  readonly payee: Party;
  /** The interval being settled, where the contract's own `interval` is its term's. */
  readonly settledInterval: number;
  readonly code: Breach<unknown>['code'];
  readonly energyWh: number;
  readonly amount: bigint;
  /** Made for the first of its two statements, kept for the second. */
  reason: string | undefined;
}

/** Each posting kind's place in STATEMENT_KINDS, looked up once instead of at every posting. */
const KIND = Object.fromEntries(STATEMENT_KINDS.map((kind, i) => [kind, i])) as Record<StatementKind, number>;

/**
 * A party by its key's name (`keyString`), one object per name in a settlement: a contract's
 * parties are found with one lookup each, and what settlement keeps of them hangs here.
 */
interface Party {
  readonly name: string;
  key: Uint8Array | undefined;
  /** Its account, once a posting made it. */
  account: Account | undefined;
  /** Set once it is met as a metered participant. */
  metered: Metered | undefined;
}

const keyOf = (party: Party): Uint8Array => (party.key ??= keyBytes(party.name));

/** A metered participant (a generator, or the user of a direct contract) as settlement meets it. */
interface Metered {
  readonly party: Party;
  readonly key: Uint8Array;
  /** The role of its first contract in the cycle, which decides how its deviations are paid. */
  readonly role: 'generator' | 'user';
  /** Its place in contract order, which orders the liability lines it causes. */
  readonly order: number;
  readonly meterWh: (number | null)[];
  /** Its contracts in the interval being settled, in contract order. */
  contracts: ContractTerms[];
}

/**
 * Settlement, all in integer money units, as double entries (every debit has its credit, so the
 * sum of all balances, the subsidy account's included, stays zero):
 *   - a binding contract: its energy at the contract price, user to generator; the crossing fee
 *     at the contract's standard, user to grid enterprise; in grid purchase, the subsidy from the
 *     state's subsidy account to the grid enterprise (section II.B.b, mode 3);
 *   - a contract not accepted by all three parties before delivery start lapses and its energy
 *     falls back to grid purchase: the grid enterprise buys it at the benchmark price (subsidised
 *     the same way), and a direct contract's user buys it from the grid enterprise at the
 *     composite price, as in the entrusted mode's unified supply;
 *   - each participant's deviation (metered minus contracted, per interval) as imbalance with the
 *     grid enterprise at the benchmark price; a missing reading counts as exactly the contract;
 *   - the part of a deviation beyond the tolerance band pays the penalty rate to the grid enterprise;
 *   - energy of a binding contract left undelivered or untaken beyond the band pays the contract's
 *     breach liability to the other side (liability.ts), one line per contract and interval.
 * One statement per account per cycle records energy and money per kind and the net.
 */
export function settle(ctx: HandlerContext, action: Of<'settle'>): ActionDetail {
  requireMember(ctx, ['tradingCenter']);
  const cycle = requireCycle(ctx, action.cycleId, ['contracted']);
  const endMs = deliveryEndMs(cycle);
  if (ctx.context.blockTimeMs < endMs) {
    throw new MarketError('NOT_DUE', `delivery ends at ${endMs}; settlement comes after it`, {
      cycleId: cycle.cycleId,
      deliveryEndMs: endMs,
    });
  }
  return settleNow(ctx, cycle, 'SETTLED', 'settled by the trading center');
}

/** Settlement itself, by the trading center or, after the meter window, by rule. */
export function settleNow(ctx: HandlerContext, cycle: Cycle, code: string, reason: string): ActionDetail {
  const { store, config } = ctx;
  const parties = new Map<string, Party>();
  const partyOf = (name: string, key?: Uint8Array): Party => {
    let party = parties.get(name);
    if (party === undefined) {
      party = { name, key, account: undefined, metered: undefined };
      parties.set(name, party);
    }
    return party;
  };
  const accounts = new Map<string, Account>();
  const postings = new PostingTable(STATEMENT_KINDS.length);
  const accountOf = (party: Party): Account => {
    let found = party.account;
    if (found === undefined) {
      found = {
        member: keyOf(party),
        row: postings.addRow(),
        liabilities: [],
        contractedWh: 0,
        meteredWh: 0,
        deviationWh: 0,
        penalisedWh: 0,
      };
      accounts.set(party.name, found);
      party.account = found;
    }
    return found;
  };
  const transferred = new MoneySum();
  // Parties are one object per name, so the same party is the same object.
  const transfer = (
    from: Party,
    to: Party,
    amount: number | bigint,
    energyWh: number,
    fromKind: number,
    toKind: number,
  ) => {
    if (from === to) return;
    postings.post(accountOf(from).row, fromKind, energyWh, -amount);
    postings.post(accountOf(to).row, toKind, energyWh, amount);
    transferred.add(amount);
  };
  const grid = partyOf(keyString(cycle.gridEnterprise), cycle.gridEnterprise);
  const subsidy = partyOf(keyString(config.subsidyAccount), config.subsidyAccount);
  accountOf(grid);

  // The cycle is settled interval by interval, so only one interval's contracts are held at a
  // time: a province's day has about a million of them.
  let meteredCount = 0;
  let inInterval: Metered[] = [];
  const hold = (party: Party, role: 'generator' | 'user', contract: ContractTerms) => {
    let slot = party.metered;
    if (slot === undefined) {
      const key = keyOf(party);
      slot = {
        party,
        key,
        role,
        order: meteredCount++,
        meterWh: store.meterWh(cycle.cycleId, key),
        contracts: [],
      };
      party.metered = slot;
    }
    if (slot.contracts.length === 0) inInterval.push(slot);
    slot.contracts.push(contract);
  };

  const cases: BreachCase[] = [];
  let lapsedCount = 0;
  for (let interval = 0; interval < cycle.intervals; interval++) {
    for (const c of store.contractTerms(cycle.cycleId, interval)) {
      const energy = c.energyWh;
      const user = partyOf(c.user);
      const generator = partyOf(c.generator);
      if (c.status === 'binding') {
        transfer(user, generator, money(c.pricePerKwh, energy), energy, KIND.energyPurchase, KIND.energySale);
        transfer(user, grid, money(c.crossingFeePerKwh, energy), energy, KIND.crossingFee, KIND.crossingFee);
        if (c.subsidyPerKwh > 0)
          transfer(subsidy, grid, money(c.subsidyPerKwh, energy), energy, KIND.subsidy, KIND.subsidy);
      } else {
        // Lapsed: nothing is rewritten; once the cycle is settled `MarketStore.contracts` shows
        // a contract that never bound as lapsed, with its reason.
        lapsedCount++;
        transfer(
          grid,
          generator,
          money(config.benchmarkPricePerKwh, energy),
          energy,
          KIND.energyPurchase,
          KIND.energySale,
        );
        if (config.subsidyPerKwh > 0)
          transfer(subsidy, grid, money(config.subsidyPerKwh, energy), energy, KIND.subsidy, KIND.subsidy);
        transfer(
          user,
          grid,
          money(config.compositePricePerKwh, energy),
          energy,
          KIND.gridSupply,
          KIND.gridSupply,
        );
      }
      hold(generator, 'generator', c);
      if (c.mode === 'direct') hold(user, 'user', c);
    }

    for (const slot of inInterval) {
      const payer = slot.party;
      const target = accountOf(payer);
      const contracts = slot.contracts;
      slot.contracts = [];
      const contractedWh = contracts.reduce((sum, c) => sum + c.energyWh, 0);
      const meteredWh = slot.meterWh[interval] ?? contractedWh;
      target.contractedWh += contractedWh;
      target.meteredWh += meteredWh;
      const toleranceWh = Math.floor((contractedWh * config.toleranceBps) / 10_000);
      for (const breach of breachesOf(slot.role, contracts, meteredWh, toleranceWh)) {
        const payee = partyOf(breach.payee);
        transfer(payer, payee, breach.amount, breach.energyWh, KIND.breachLiability, KIND.breachLiability);
        const sequence = cases.length;
        cases.push({
          payer,
          payerOrder: slot.order,
          payee,
          settledInterval: interval,
          contractId: breach.contract.contractId,
          interval: breach.contract.interval,
          pricePerKwh: breach.contract.pricePerKwh,
          breachLiabilityBps: breach.contract.breachLiabilityBps,
          code: breach.code,
          energyWh: breach.energyWh,
          amount: breach.amount,
          reason: undefined,
        });
        target.liabilities.push(sequence * 2);
        accountOf(payee).liabilities.push(sequence * 2 + 1);
      }
      const deviation = meteredWh - contractedWh;
      if (deviation === 0) continue;
      const size = Math.abs(deviation);
      target.deviationWh += size;
      const imbalance = money(config.benchmarkPricePerKwh, size);
      // A generator short of its contract, or a user taking more, buys the difference from the
      // grid enterprise; the opposite deviations sell it to the grid enterprise.
      const participantPays = (slot.role === 'generator') === deviation < 0;
      if (participantPays) transfer(payer, grid, imbalance, size, KIND.imbalance, KIND.imbalance);
      else transfer(grid, payer, imbalance, size, KIND.imbalance, KIND.imbalance);
      const penalisedWh = Math.max(0, size - toleranceWh);
      if (penalisedWh > 0) {
        target.penalisedWh += penalisedWh;
        transfer(
          payer,
          grid,
          money(config.penaltyPerKwh, penalisedWh),
          penalisedWh,
          KIND.penalty,
          KIND.penalty,
        );
      }
    }
    inInterval = [];
  }

  // A statement lists its liability cases grouped by the payer, payers in the order of their
  // first contract, each payer's by interval, then in contract order (the order cases were
  // found in, interval by interval), the payer's line before the payee's for the same case.
  const byStatementOrder = (a: number, b: number): number =>
    cases[a >> 1]!.payerOrder - cases[b >> 1]!.payerOrder || a - b;
  const lineOf = (entry: number): LiabilityLine => {
    const breach = cases[entry >> 1]!;
    const payerSide = (entry & 1) === 0;
    breach.reason ??= breachReason(breach.code, breach.energyWh, breach, config.toleranceBps);
    return {
      contractId: breach.contractId,
      interval: breach.settledInterval,
      counterparty: keyOf(payerSide ? breach.payee : breach.payer),
      code: breach.code,
      energyWh: breach.energyWh,
      amount: payerSide ? -breach.amount : breach.amount,
      reason: breach.reason,
    };
  };
  let netSum = 0n;
  for (const name of [...accounts.keys()].sort()) {
    const acc = accounts.get(name)!;
    const statement: Statement = {
      cycleId: cycle.cycleId,
      member: acc.member,
      contractedWh: acc.contractedWh,
      meteredWh: acc.meteredWh,
      deviationWh: acc.deviationWh,
      penalisedWh: acc.penalisedWh,
      lines: STATEMENT_KINDS.flatMap((kind, i) =>
        postings.posted(acc.row, i)
          ? [{ kind, energyWh: postings.energyWh(acc.row, i), amount: postings.amount(acc.row, i) }]
          : [],
      ),
      net: postings.net(acc.row),
      liabilities: acc.liabilities.sort(byStatementOrder).map(lineOf),
    };
    store.addStatement(statement);
    store.setBalance(acc.member, store.balance(acc.member) + statement.net);
    netSum += statement.net;
  }
  if (netSum !== 0n) throw new Error(`settlement of ${cycle.cycleId} does not balance: ${netSum}`);
  moveCycle(ctx, cycle, 'settled', code, reason);
  return {
    cycleId: cycle.cycleId,
    statements: accounts.size,
    transferred: transferred.total(),
    lapsed: lapsedCount,
  };
}
