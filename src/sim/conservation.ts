import type { ReadableState } from '../ledger/state-interface.js';
import { checkInvariants } from '../market/invariants.js';
import { MarketStore } from '../market/store.js';
import { readOnly, SIM_CYCLE_ID, SIM_INTERVALS } from './market-workload.js';

/** The market's conservation figures on one validator's final state. */
export interface Conservation {
  /** The cycle's last state, or `none` when it was never opened. */
  readonly cycleState: string;
  readonly contractedWh: number;
  /** The money the settlement moved: the sum of the positive statement nets. */
  readonly settledMoney: string;
  /** Conservation laws the state breaks (empty when it keeps them all). */
  readonly violations: readonly string[];
}

/**
 * Money and energy conservation as the market's own invariants state them (src/market/invariants.ts):
 * money, every statement's lines sum to its net, each kind of line sums to zero across accounts,
 * and all balances (the subsidy account's included) sum to zero; energy, per interval the
 * published volume equals the matched deals, the contracts the checked deals, and the settled
 * sales and purchases the contracts. Before settlement only what exists is held to them: the
 * balances, and once contracted, deals against contracts per interval.
 */
export function marketConservation(
  state: ReadableState,
  traders: readonly { signer: { publicKey: Uint8Array } }[],
): Conservation {
  const store = new MarketStore(readOnly(state));
  const config = store.config();
  const violations: string[] = [];
  let balances = config === undefined ? 0n : store.balance(config.subsidyAccount);
  for (const key of store.memberKeys()) balances += store.balance(key);
  if (balances !== 0n) violations.push(`money: balances sum to ${balances}, not 0`);
  const cycle = store.cycle(SIM_CYCLE_ID);
  if (cycle === undefined) return { cycleState: 'none', contractedWh: 0, settledMoney: '0', violations };
  let contractedWh = 0;
  let settledMoney = 0n;
  if (cycle.state === 'settled') {
    const report = checkInvariants(store, SIM_CYCLE_ID, SIM_INTERVALS, traders);
    contractedWh = report.contractedWh;
    if (!report.moneyConserved && balances === 0n)
      violations.push('money: settlement statements do not net to zero');
    if (!report.energyBalanced) violations.push('energy: matched, contracted and settled energy differ');
    for (const member of store.statementMembers(SIM_CYCLE_ID)) {
      const net = store.statement(SIM_CYCLE_ID, member)!.net;
      if (net > 0n) settledMoney += net;
    }
  } else if (cycle.state === 'contracted') {
    const dealWh = new Array<number>(SIM_INTERVALS).fill(0);
    const contractWh = new Array<number>(SIM_INTERVALS).fill(0);
    for (const deal of store.allDeals(SIM_CYCLE_ID)) dealWh[deal.interval]! += deal.energyWh;
    for (const contract of store.allContracts(SIM_CYCLE_ID)) {
      contractWh[contract.interval]! += contract.energyWh;
      contractedWh += contract.energyWh;
    }
    if (dealWh.some((wh, i) => wh !== contractWh[i]))
      violations.push(`energy: deals ${dealWh.join('/')} Wh, contracts ${contractWh.join('/')} Wh`);
  }
  return { cycleState: cycle.state, contractedWh, settledMoney: settledMoney.toString(), violations };
}
