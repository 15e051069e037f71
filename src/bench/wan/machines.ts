import type { Engine } from './engine.js';
import { COST_CATEGORIES, type CostCategory } from './types.js';
import type { Wan } from './wan.js';

const CATEGORY_INDEX = new Map(COST_CATEGORIES.map((c, i) => [c, i]));

/**
 * Every node is one CPU and one egress link, each a first-come first-served server. A task is
 * billed step by step (`spend`) and then queued (`queue`): it runs after the work queued before
 * it, for the time billed. Busy time and the bill's categories are counted inside the measured
 * window only.
 */
export class Machines {
  private readonly cpuFree: Float64Array;
  private readonly linkFree: Float64Array;
  readonly cpuBusyMs: Float64Array;
  readonly linkBusyMs: Float64Array;
  /** µs by node and category, in the window. */
  readonly spentUs: Float64Array;
  private billUs = 0;
  private windowStart = Number.POSITIVE_INFINITY;
  private windowEnd = Number.POSITIVE_INFINITY;

  constructor(
    private readonly engine: Engine,
    private readonly wan: Wan,
    readonly nodes: number,
  ) {
    this.cpuFree = new Float64Array(nodes);
    this.linkFree = new Float64Array(nodes);
    this.cpuBusyMs = new Float64Array(nodes);
    this.linkBusyMs = new Float64Array(nodes);
    this.spentUs = new Float64Array(nodes * COST_CATEGORIES.length);
  }

  measure(startMs: number, endMs: number): void {
    this.windowStart = startMs;
    this.windowEnd = endMs;
  }

  private inWindow(atMs: number): boolean {
    return atMs >= this.windowStart && atMs < this.windowEnd;
  }

  /** Adds `us` of `category` to the task being billed at `node`. */
  spend(node: number, category: CostCategory, us: number): void {
    this.billUs += us;
    if (this.inWindow(this.engine.now))
      this.spentUs[node * COST_CATEGORIES.length + CATEGORY_INDEX.get(category)!]! += us;
  }

  /** Queues the billed task on the node's CPU; `done` runs when it finishes. */
  queue(node: number, done: () => void): void {
    const start = Math.max(this.engine.now, this.cpuFree[node]!);
    const end = start + this.billUs / 1000;
    this.billUs = 0;
    this.cpuFree[node] = end;
    if (this.inWindow(start)) this.cpuBusyMs[node]! += end - start;
    this.engine.at(end, done);
  }

  /** Puts a message on the sender's link; `arrive` runs at the receiver when it gets there. */
  send(from: number, to: number, bytes: number, arrive: () => void): void {
    const start = Math.max(this.engine.now, this.linkFree[from]!);
    const end = start + this.wan.serializeMs(bytes);
    this.linkFree[from] = end;
    if (this.inWindow(start)) this.linkBusyMs[from]! += end - start;
    this.engine.at(end + this.wan.delayMs(from, to), arrive);
  }
}
