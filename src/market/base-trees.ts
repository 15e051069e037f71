import { MaxTree } from './max-tree.js';

/**
 * For one pairing, the traded bids of each base (`bid-runs.ts`) in priority order (price
 * descending, then the earlier bid), with what each bid's user can still absorb in a max tree.
 * A run's best bid that absorbs a seller's rest is then the first one of the base's reachable
 * prefix that absorbs it and lies in the run: one descent, plus one more for each bid of a group
 * outside the run that stands before it.
 */
export class BaseTrees {
  /** Per base and position: the bid's group and its slot in that group. */
  readonly group: Int32Array[] = [];
  readonly slot: Int32Array[] = [];
  /** Per base, the bids' prices (descending), to find the prefix an offer can reach. */
  readonly prices: Float64Array[] = [];
  readonly trees: MaxTree[] = [];
  /** Per base, the position of each (group, slot), numbered as `slotStart[group] + slot`. */
  private readonly position: Int32Array[] = [];
  private readonly slotStart: Int32Array;
  /** Per bid group with bids, the bases holding it. */
  private readonly basesOf: number[][];

  /**
   * `order` lists the traded bids in priority order as (group, slot) pairs; `value` is what the
   * bid at a slot can absorb now.
   */
  constructor(
    bases: readonly Uint8Array[],
    groupSizes: readonly number[],
    orderGroup: Int32Array,
    orderSlot: Int32Array,
    orderPrice: Float64Array,
    value: (group: number, slot: number) => number,
  ) {
    const groupCount = groupSizes.length;
    this.slotStart = new Int32Array(groupCount + 1);
    for (let h = 0; h < groupCount; h++) this.slotStart[h + 1] = this.slotStart[h]! + groupSizes[h]!;
    this.basesOf = Array.from({ length: groupCount }, () => []);
    bases.forEach((members, b) => {
      let count = 0;
      for (let k = 0; k < orderGroup.length; k++) count += members[orderGroup[k]!]!;
      const group = new Int32Array(count);
      const slot = new Int32Array(count);
      const prices = new Float64Array(count);
      const position = new Int32Array(this.slotStart[groupCount]!);
      let p = 0;
      for (let k = 0; k < orderGroup.length; k++) {
        const h = orderGroup[k]!;
        if (members[h] !== 1) continue;
        group[p] = h;
        slot[p] = orderSlot[k]!;
        prices[p] = orderPrice[k]!;
        position[this.slotStart[h]! + orderSlot[k]!] = p;
        p++;
      }
      const tree = new MaxTree(count);
      tree.build((i) => value(group[i]!, slot[i]!), count);
      this.group.push(group);
      this.slot.push(slot);
      this.prices.push(prices);
      this.trees.push(tree);
      this.position.push(position);
      for (let h = 0; h < groupCount; h++)
        if (members[h] === 1 && groupSizes[h]! > 0) this.basesOf[h]!.push(b);
    });
  }

  /** Records what the bid at (group, slot) can absorb now in every base holding its group. */
  set(group: number, slot: number, value: number): void {
    const holders = this.basesOf[group]!;
    for (let i = 0; i < holders.length; i++) {
      const b = holders[i]!;
      this.trees[b]!.set(this.position[b]![this.slotStart[group]! + slot]!, value);
    }
  }

  /**
   * The first position of base `b` below `limit` whose bid absorbs `need` and whose group is not
   * marked in `outside`, or -1.
   */
  first(b: number, limit: number, need: number, outside: Uint8Array | null): number {
    const tree = this.trees[b]!;
    let p = tree.first(limit, need);
    if (outside === null) return p;
    const group = this.group[b]!;
    while (p >= 0 && outside[group[p]!] === 1) p = tree.firstFrom(p + 1, limit, need);
    return p;
  }
}
