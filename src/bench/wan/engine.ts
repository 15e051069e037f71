import { EventQueue } from '../../kit/event-queue.js';

/**
 * The projection's clock: timed tasks in a min-heap, ties in the order they were scheduled, so a
 * run is a function of its seed. Times are simulated milliseconds.
 */
export class Engine {
  now = 0;
  events = 0;
  private readonly queue = new EventQueue<() => void>();

  at(timeMs: number, task: () => void): void {
    this.queue.push(Math.max(timeMs, this.now), task);
  }

  /** Runs every task due up to `untilMs`; the clock then stands at `untilMs`. */
  run(untilMs: number): void {
    for (;;) {
      const next = this.queue.peekAt();
      if (next === undefined || next > untilMs) break;
      const { at, item } = this.queue.pop()!;
      this.now = at;
      this.events++;
      item();
    }
    this.now = untilMs;
  }
}
