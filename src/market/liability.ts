import type { ContractStatus } from './records.js';

/**
 * Breach liability (section II.B.a: the tripartite contract stipulates the liability for breach).
 * A party of a binding contract that leaves part of it unperformed (a generator that does not
 * deliver, a user that does not take) owes the other side `breachLiabilityBps` of the value of
 * the unperformed energy at the contract price, the rate written into the contract.
 */
/** What the breach rule reads of a contract; `K` is how its parties are named. */
export interface BreachTerms<K> {
  readonly contractId: string;
  readonly interval: number;
  readonly energyWh: number;
  readonly pricePerKwh: number;
  readonly breachLiabilityBps: number;
  readonly status: ContractStatus;
  readonly generator: K;
  readonly user: K;
}

export interface Breach<K> {
  readonly contract: BreachTerms<K>;
  readonly code: 'NON_DELIVERY' | 'NON_CONSUMPTION';
  /** Contracted energy neither performed nor covered by the tolerance band. */
  readonly energyWh: number;
  readonly amount: bigint;
  readonly payee: K;
}

/** What a breach's reason names of its contract. */
export type ReasonTerms = Pick<
  BreachTerms<unknown>,
  'contractId' | 'interval' | 'pricePerKwh' | 'breachLiabilityBps'
>;

/**
 * The reason a breach's liability line gives. Made apart from the breach: settlement keeps a
 * cycle's breach cases until their statements are written, and a reason is a long string.
 */
export function breachReason(
  code: Breach<unknown>['code'],
  shortWh: number,
  contract: ReasonTerms,
  toleranceBps: number,
): string {
  const role = code === 'NON_DELIVERY' ? 'generator' : 'user';
  const verb = code === 'NON_DELIVERY' ? 'delivered' : 'took';
  return `${code}: the ${role} ${verb} ${shortWh} Wh less than contract ${contract.contractId} (interval ${contract.interval}) beyond the ${toleranceBps} bps band; ${contract.breachLiabilityBps} bps of value at ${contract.pricePerKwh}/kWh`.slice(
    0,
    200,
  );
}

/** `bps` of the value of `energyWh` at `pricePerKwh`, rounded down to a whole money unit. */
export function liabilityFor(pricePerKwh: number, energyWh: number, bps: number): bigint {
  return (BigInt(pricePerKwh) * BigInt(energyWh) * BigInt(bps)) / 10_000_000n;
}

/**
 * The breaches of one participant in one interval. What it performed (metered energy, plus the
 * tolerance band, which the rules do not count as a breach) is applied to its contracts in
 * contract order; what each contract is left short of is that contract's breach. Contracts that
 * are not binding take their share of the performance but carry no liability: no party signed
 * them.
 */
export function breachesOf<K>(
  role: 'generator' | 'user',
  contracts: readonly BreachTerms<K>[],
  performedWh: number,
  toleranceWh: number,
): Breach<K>[] {
  const out: Breach<K>[] = [];
  let cover = performedWh + toleranceWh;
  for (const contract of contracts) {
    const served = Math.min(cover, contract.energyWh);
    cover -= served;
    const shortWh = contract.energyWh - served;
    if (shortWh === 0 || contract.status !== 'binding') continue;
    const amount = liabilityFor(contract.pricePerKwh, shortWh, contract.breachLiabilityBps);
    if (amount === 0n) continue;
    out.push({
      contract,
      code: role === 'generator' ? 'NON_DELIVERY' : 'NON_CONSUMPTION',
      energyWh: shortWh,
      amount,
      payee: role === 'generator' ? contract.user : contract.generator,
    });
  }
  return out;
}
