import { toHex } from '../crypto/index.js';
import { KeyMap } from '../kit/key-map.js';
import { keyBytes, keyString } from '../ledger/key-string.js';
import type { MarketStore } from './store.js';

/**
 * Energy per participant and interval, read by key name (cheaper than hex for a million
 * contracts) or with hex keys. Each addition finds its list by the key's bytes; a name is made
 * once per participant.
 */
export class ParticipantEnergy {
  readonly byName = new Map<string, number[]>();
  private readonly byKey = new KeyMap<number[]>();
  constructor(private readonly intervals: number) {}

  add(member: Uint8Array, interval: number, wh: number): void {
    let list = this.byKey.get(member);
    if (list === undefined) {
      list = new Array<number>(this.intervals).fill(0);
      this.byKey.set(member, list);
      this.byName.set(keyString(member), list);
    }
    list[interval]! += wh;
  }

  byHex(): Map<string, number[]> {
    return new Map([...this.byName].map(([name, list]) => [toHex(keyBytes(name)), list]));
  }
}

/** Contracted energy per metered participant (generators, direct users) and interval, keyed by hex key. */
export function contractedByParticipant(
  store: MarketStore,
  cycleId: string,
  intervals: number,
): Map<string, number[]> {
  const energy = new ParticipantEnergy(intervals);
  // Interval by interval, so a large cycle's contracts are never all decoded at once.
  const cycleIntervals = store.cycle(cycleId)?.intervals ?? 0;
  for (let interval = 0; interval < cycleIntervals; interval++) {
    for (const contract of store.contracts(cycleId, interval)) {
      energy.add(contract.generator, contract.interval, contract.energyWh);
      if (contract.mode === 'direct') energy.add(contract.user, contract.interval, contract.energyWh);
    }
  }
  return energy.byHex();
}

export interface InvariantReport {
  moneyConserved: boolean;
  energyBalanced: boolean;
  capacityRespected: boolean;
  contractedWh: number;
}

/**
 * Money: every statement's lines add up to its net and its liability cases to its liability line;
 * each kind of line (fee, subsidy, liability, ...) sums to zero across all statements, the grid
 * enterprise's and the subsidy account's included; all nets (and all balances) sum to zero.
 * Energy: per interval, the published volume equals the matched deals and the contracts equal
 * the checked deals; energy sold equals energy bought; every deviation is imbalance energy with
 * the grid enterprise.
 * Capacity: nobody's contracted energy exceeds approved capacity (or maximum load) per interval.
 */
export function checkInvariants(
  store: MarketStore,
  cycleId: string,
  intervals: number,
  traders: readonly { signer: { publicKey: Uint8Array } }[],
): InvariantReport {
  const cycle = store.cycle(cycleId)!;
  let moneyConserved = true;
  let netSum = 0n;
  const kindSums = new Map<string, bigint>();
  for (const member of store.statementMembers(cycleId)) {
    const statement = store.statement(cycleId, member)!;
    const lineSum = statement.lines.reduce((sum, line) => sum + line.amount, 0n);
    if (lineSum !== statement.net) moneyConserved = false;
    netSum += statement.net;
    for (const line of statement.lines) {
      // A sale is the other side of a purchase; every other kind is paid and received as itself.
      const kind = line.kind === 'energySale' ? 'energyPurchase' : line.kind;
      kindSums.set(kind, (kindSums.get(kind) ?? 0n) + line.amount);
    }
    const liabilitySum = statement.liabilities.reduce((sum, l) => sum + l.amount, 0n);
    const liabilityLine = statement.lines.find((l) => l.kind === 'breachLiability')?.amount ?? 0n;
    if (liabilitySum !== liabilityLine) moneyConserved = false;
  }
  if ([...kindSums.values()].some((sum) => sum !== 0n)) moneyConserved = false;
  // The state's subsidy account is no member but holds the other side of every subsidy.
  let balanceSum = store.balance(store.config()!.subsidyAccount);
  for (const key of store.memberKeys()) balanceSum += store.balance(key);
  if (netSum !== 0n || balanceSum !== 0n) moneyConserved = false;

  // Energy is checked across records written by different steps: the public summaries (match),
  // the deals (match, check), the contracts (contract) and the statements (settle).
  let energyBalanced = true;
  // Contracted energy per metered participant and interval.
  const perMember = new ParticipantEnergy(intervals);
  let contractedWh = 0;
  const deals = store.allDeals(cycleId);
  // Direct volume matched per round and interval, in one pass over the deals.
  const volumes = Array.from({ length: cycle.round + 1 }, () => new Array<number>(intervals).fill(0));
  for (const d of deals) {
    if (d.mode === 'direct' && d.round <= cycle.round && d.interval < intervals)
      volumes[d.round]![d.interval]! += d.matchedWh;
  }
  for (let interval = 0; interval < intervals; interval++) {
    for (let round = 0; round <= cycle.round; round++) {
      const volume = volumes[round]![interval]!;
      if ((store.summary(cycleId, round, interval)?.volumeWh ?? 0) !== volume) energyBalanced = false;
    }
  }
  const dealWh = new Array<number>(intervals).fill(0);
  for (const d of deals) dealWh[d.interval]! += d.energyWh;
  const contractWh = new Array<number>(intervals).fill(0);
  // Interval by interval, so a large cycle's contracts are never all decoded at once.
  for (let interval = 0; interval < intervals; interval++) {
    for (const c of store.contracts(cycleId, interval)) {
      contractWh[c.interval]! += c.energyWh;
      contractedWh += c.energyWh;
      perMember.add(c.generator, c.interval, c.energyWh);
      if (c.mode === 'direct') perMember.add(c.user, c.interval, c.energyWh);
    }
  }
  if (dealWh.some((wh, i) => wh !== contractWh[i])) energyBalanced = false;
  // Sold equals bought; the grid enterprise's imbalance is every participant's deviation.
  let soldWh = 0;
  let boughtWh = 0;
  let deviationWh = 0;
  let gridImbalanceWh = 0;
  const gridHex = toHex(cycle.gridEnterprise);
  for (const member of store.statementMembers(cycleId)) {
    const statement = store.statement(cycleId, member)!;
    const line = (kind: string) => statement.lines.find((l) => l.kind === kind)?.energyWh ?? 0;
    soldWh += line('energySale');
    boughtWh += line('energyPurchase');
    if (toHex(member) === gridHex) gridImbalanceWh = line('imbalance');
    else {
      deviationWh += statement.deviationWh;
      if (line('imbalance') !== statement.deviationWh) energyBalanced = false;
      if (Math.abs(statement.meteredWh - statement.contractedWh) > statement.deviationWh)
        energyBalanced = false;
    }
  }
  if (soldWh !== contractedWh || boughtWh !== contractedWh || gridImbalanceWh !== deviationWh) {
    energyBalanced = false;
  }

  // Capacity is checked on matched volume (before any curtailment), per project and interval.
  const matched = new Map<string, number[]>();
  const addMatched = (name: string, interval: number, wh: number) => {
    let list = matched.get(name);
    if (list === undefined) matched.set(name, (list = new Array<number>(intervals).fill(0)));
    list[interval]! += wh;
  };
  for (const deal of deals) {
    addMatched(`${keyString(deal.seller)}/${deal.project}`, deal.interval, deal.matchedWh);
    if (deal.mode === 'direct') addMatched(`${keyString(deal.buyer)}/0`, deal.interval, deal.matchedWh);
  }
  let capacityRespected = true;
  for (const trader of traders) {
    const member = store.member(trader.signer.publicKey);
    if (member === undefined) continue;
    const projects = member.role === 'generator' ? member.approvedKw.length : 1;
    for (let p = 0; p < projects; p++) {
      const list = matched.get(`${keyString(trader.signer.publicKey)}/${p}`);
      if (list === undefined) continue;
      const powerKw = member.role === 'generator' ? member.approvedKw[p]! : member.maxLoadKw;
      const capWh = Math.floor((powerKw * cycle.intervalMs) / 3600);
      if (list.some((wh) => wh > capWh)) capacityRespected = false;
    }
  }
  for (const trader of traders) {
    const member = store.member(trader.signer.publicKey);
    const list = perMember.byName.get(keyString(trader.signer.publicKey));
    if (member === undefined || list === undefined) continue;
    const powerKw =
      member.role === 'generator' ? member.approvedKw.reduce((a, b) => a + b, 0) : member.maxLoadKw;
    const capWh = Math.floor((powerKw * cycle.intervalMs) / 3600);
    if (list.some((wh) => wh > capWh)) capacityRespected = false;
  }
  return { moneyConserved, energyBalanced, capacityRespected, contractedWh };
}
