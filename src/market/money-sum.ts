import { moneyFor } from './handler-context.js';

/**
 * `moneyFor` as a number while the product is a safe integer (then so is the amount), else as a
 * bigint: a cycle posts millions of amounts, and a bigint is an allocation each.
 */
export function money(pricePerKwh: number, energyWh: number): number | bigint {
  const product = pricePerKwh * energyWh;
  if (Number.isSafeInteger(product)) return (product - (product % 1000)) / 1000;
  return moneyFor(pricePerKwh, energyWh);
}

/**
 * An exact sum of money amounts: safe integers are added as numbers while the sum stays a safe
 * integer (a double then holds it exactly), anything else goes to a bigint part.
 */
export class MoneySum {
  private small = 0;
  private big = 0n;

  add(amount: number | bigint): void {
    if (typeof amount === 'bigint') {
      this.big += amount;
      return;
    }
    const next = this.small + amount;
    if (Number.isSafeInteger(next)) this.small = next;
    else this.big += BigInt(amount);
  }

  total(): bigint {
    return this.big + BigInt(this.small);
  }
}
