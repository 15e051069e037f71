/**
 * What settlement posts to each account, kind by kind, with the account's net, in flat arrays: a
 * cycle makes millions of postings into some ten thousand accounts, and a row of numbers per
 * account is read and written far faster than an object per line with a sum object inside.
 *
 * Money stays exact as in `MoneySum`: each cell adds numbers while its sum is a safe integer
 * (a double then holds it exactly) and moves anything else into a bigint part of its own.
 */
export class PostingTable {
  /** Cells per account: one per kind, then the net. */
  private readonly width: number;
  private energy: Float64Array;
  private small: Float64Array;
  private used: Uint8Array;
  /** The bigint parts, by cell; almost always empty. */
  private readonly big = new Map<number, bigint>();
  private rows = 0;

  constructor(
    readonly kinds: number,
    capacity = 64,
  ) {
    this.width = kinds + 1;
    this.energy = new Float64Array(capacity * this.width);
    this.small = new Float64Array(capacity * this.width);
    this.used = new Uint8Array(capacity * this.width);
  }

  /** A new account's row, every kind unposted and its net zero. */
  addRow(): number {
    const needed = (this.rows + 1) * this.width;
    if (needed > this.used.length) {
      const capacity = this.used.length * 2;
      const energy = new Float64Array(capacity);
      energy.set(this.energy);
      this.energy = energy;
      const small = new Float64Array(capacity);
      small.set(this.small);
      this.small = small;
      const used = new Uint8Array(capacity);
      used.set(this.used);
      this.used = used;
    }
    return this.rows++;
  }

  /** Adds energy and money to one kind of a row, and the money to its net. */
  post(row: number, kind: number, energyWh: number, amount: number | bigint): void {
    const cell = row * this.width + kind;
    this.used[cell] = 1;
    this.energy[cell] += energyWh;
    this.addMoney(cell, amount);
    this.addMoney(row * this.width + this.kinds, amount);
  }

  /** Whether anything was posted to this kind of the row, a zero amount included. */
  posted(row: number, kind: number): boolean {
    return this.used[row * this.width + kind] === 1;
  }

  energyWh(row: number, kind: number): number {
    return this.energy[row * this.width + kind]!;
  }

  amount(row: number, kind: number): bigint {
    return this.total(row * this.width + kind);
  }

  net(row: number): bigint {
    return this.total(row * this.width + this.kinds);
  }

  private addMoney(cell: number, amount: number | bigint): void {
    if (typeof amount === 'bigint') {
      this.big.set(cell, (this.big.get(cell) ?? 0n) + amount);
      return;
    }
    const next = this.small[cell]! + amount;
    if (Number.isSafeInteger(next)) this.small[cell] = next;
    else this.big.set(cell, (this.big.get(cell) ?? 0n) + BigInt(amount));
  }

  private total(cell: number): bigint {
    return (this.big.get(cell) ?? 0n) + BigInt(this.small[cell]!);
  }
}
