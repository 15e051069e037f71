import { bytesEqual, toHex } from '../crypto/index.js';
import { keyBytes, keyString } from '../ledger/key-string.js';
import type { MarketAction } from './actions.js';
import { deliveryEndMs, moveCycle } from './cycle-clock.js';
import { MarketError } from './errors.js';
import { type ActionDetail, type HandlerContext, requireCycle, requireMember } from './handler-context.js';
import { breachesOf } from './liability.js';
import { MoneySum, money } from './money-sum.js';
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
  /** By the kind's position in STATEMENT_KINDS. */
  lines: ({ energyWh: number; amount: MoneySum } | undefined)[];
  liabilities: OrderedLiability[];
  contractedWh: number;
  meteredWh: number;
  deviationWh: number;
  penalisedWh: number;
  net: MoneySum;
}

/**
 * A liability line with its place in the statement: the payer's first contract in the cycle,
 * then the interval, then the order the breaches were found in.
 */
interface OrderedLiability {
  readonly payerOrder: number;
  readonly interval: number;
  readonly sequence: number;
  readonly line: LiabilityLine;
}

const KIND_INDEX = new Map<StatementKind, number>(STATEMENT_KINDS.map((kind, i) => [kind, i]));

/** A party by its key's name in the settlement's maps (`keyString`); the key made when needed. */
interface Party {
  readonly name: string;
  key?: Uint8Array;
  /** Its account, once a posting made it (the grid enterprise's is found once per cycle). */
  account?: Account;
}

const keyOf = (party: Party): Uint8Array => (party.key ??= keyBytes(party.name));

/** A metered participant (a generator, or the user of a direct contract) as settlement meets it. */
interface Metered extends Party {
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
  const accounts = new Map<string, Account>();
  const accountOf = (party: Party): Account => {
    if (party.account !== undefined) return party.account;
    let found = accounts.get(party.name);
    if (found === undefined) {
      found = {
        member: keyOf(party),
        lines: [],
        liabilities: [],
        contractedWh: 0,
        meteredWh: 0,
        deviationWh: 0,
        penalisedWh: 0,
        net: new MoneySum(),
      };
      accounts.set(party.name, found);
    }
    party.account = found;
    return found;
  };
  const post = (target: Account, kind: StatementKind, energyWh: number, amount: number | bigint) => {
    const index = KIND_INDEX.get(kind)!;
    let line = target.lines[index];
    if (line === undefined) target.lines[index] = line = { energyWh: 0, amount: new MoneySum() };
    line.energyWh += energyWh;
    line.amount.add(amount);
    target.net.add(amount);
  };
  const transferred = new MoneySum();
  const transfer = (
    from: Party,
    to: Party,
    amount: number | bigint,
    energyWh: number,
    fromKind: StatementKind,
    toKind: StatementKind,
  ) => {
    if (from.name === to.name) return;
    post(accountOf(from), fromKind, energyWh, -amount);
    post(accountOf(to), toKind, energyWh, amount);
    transferred.add(amount);
  };
  const grid: Party = { name: keyString(cycle.gridEnterprise), key: cycle.gridEnterprise };
  const subsidy: Party = { name: keyString(config.subsidyAccount), key: config.subsidyAccount };
  accountOf(grid);

  // The cycle is settled interval by interval, so only one interval's contracts are held at a
  // time: a province's day has about a million of them.
  const metered = new Map<string, Metered>();
  let inInterval: Metered[] = [];
  const hold = (party: Party, role: 'generator' | 'user', contract: ContractTerms) => {
    let slot = metered.get(party.name);
    if (slot === undefined) {
      const key = keyOf(party);
      slot = {
        key,
        name: party.name,
        account: party.account,
        role,
        order: metered.size,
        meterWh: store.meterWh(cycle.cycleId, key),
        contracts: [],
      };
      metered.set(party.name, slot);
    }
    if (slot.contracts.length === 0) inInterval.push(slot);
    slot.contracts.push(contract);
  };

  let lapsedCount = 0;
  let sequence = 0;
  for (let interval = 0; interval < cycle.intervals; interval++) {
    for (const c of store.contractTerms(cycle.cycleId, interval)) {
      const energy = c.energyWh;
      const user: Party = { name: c.user };
      const generator: Party = { name: c.generator };
      if (c.status === 'binding') {
        transfer(user, generator, money(c.pricePerKwh, energy), energy, 'energyPurchase', 'energySale');
        transfer(user, grid, money(c.crossingFeePerKwh, energy), energy, 'crossingFee', 'crossingFee');
        if (c.subsidyPerKwh > 0)
          transfer(subsidy, grid, money(c.subsidyPerKwh, energy), energy, 'subsidy', 'subsidy');
      } else {
        // Lapsed: nothing is rewritten; once the cycle is settled `MarketStore.contracts` shows
        // a contract that never bound as lapsed, with its reason.
        lapsedCount++;
        transfer(
          grid,
          generator,
          money(config.benchmarkPricePerKwh, energy),
          energy,
          'energyPurchase',
          'energySale',
        );
        if (config.subsidyPerKwh > 0)
          transfer(subsidy, grid, money(config.subsidyPerKwh, energy), energy, 'subsidy', 'subsidy');
        transfer(user, grid, money(config.compositePricePerKwh, energy), energy, 'gridSupply', 'gridSupply');
      }
      hold(generator, 'generator', c);
      if (c.mode === 'direct') hold(user, 'user', c);
    }

    for (const slot of inInterval) {
      const target = accountOf(slot);
      const contracts = slot.contracts;
      slot.contracts = [];
      const contractedWh = contracts.reduce((sum, c) => sum + c.energyWh, 0);
      const meteredWh = slot.meterWh[interval] ?? contractedWh;
      target.contractedWh += contractedWh;
      target.meteredWh += meteredWh;
      const toleranceWh = Math.floor((contractedWh * config.toleranceBps) / 10_000);
      for (const breach of breachesOf(slot.role, contracts, meteredWh, toleranceWh, config.toleranceBps)) {
        const payee: Party = { name: breach.payee };
        transfer(slot, payee, breach.amount, breach.energyWh, 'breachLiability', 'breachLiability');
        const line = (counterparty: Uint8Array, amount: bigint): OrderedLiability => ({
          payerOrder: slot.order,
          interval,
          sequence: sequence++,
          line: {
            contractId: breach.contract.contractId,
            interval,
            counterparty,
            code: breach.code,
            energyWh: breach.energyWh,
            amount,
            reason: breach.reason,
          },
        });
        target.liabilities.push(line(keyOf(payee), -breach.amount));
        accountOf(payee).liabilities.push(line(slot.key, breach.amount));
      }
      const deviation = meteredWh - contractedWh;
      if (deviation === 0) continue;
      const size = Math.abs(deviation);
      target.deviationWh += size;
      const imbalance = money(config.benchmarkPricePerKwh, size);
      // A generator short of its contract, or a user taking more, buys the difference from the
      // grid enterprise; the opposite deviations sell it to the grid enterprise.
      const participantPays = (slot.role === 'generator') === deviation < 0;
      if (participantPays) transfer(slot, grid, imbalance, size, 'imbalance', 'imbalance');
      else transfer(grid, slot, imbalance, size, 'imbalance', 'imbalance');
      const penalisedWh = Math.max(0, size - toleranceWh);
      if (penalisedWh > 0) {
        target.penalisedWh += penalisedWh;
        transfer(slot, grid, money(config.penaltyPerKwh, penalisedWh), penalisedWh, 'penalty', 'penalty');
      }
    }
    inInterval = [];
  }

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
      lines: STATEMENT_KINDS.flatMap((kind, i) => {
        const line = acc.lines[i];
        return line === undefined ? [] : [{ kind, energyWh: line.energyWh, amount: line.amount.total() }];
      }),
      net: acc.net.total(),
      liabilities: acc.liabilities.sort(byStatementOrder).map((ordered) => ordered.line),
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

/**
 * A statement lists its liability cases grouped by the payer, payers in the order of their first
 * contract, each payer's by interval, then in contract order.
 */
function byStatementOrder(a: OrderedLiability, b: OrderedLiability): number {
  return a.payerOrder - b.payerOrder || a.interval - b.interval || a.sequence - b.sequence;
}
