/**
 * The projection's clock: timed tasks in a binary min-heap of parallel arrays (no object per
 * event, no swaps by destructuring: the heap holds every message and CPU task in flight, millions
 * in a large run). Ties pop in the order they were scheduled, so a run is a function of its seed.
 * Times are simulated milliseconds.
 */
export class Engine {
  now = 0;
  events = 0;
  private times: Float64Array = new Float64Array(1024);
  private seqs: Float64Array = new Float64Array(1024);
  private tasks: (() => void)[] = [];
  private size = 0;
  private seq = 0;

  at(timeMs: number, task: () => void): void {
    if (this.size === this.times.length) this.grow();
    const at = timeMs > this.now ? timeMs : this.now;
    const seq = this.seq++;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = this.times[parent]!;
      if (pt < at || (pt === at && this.seqs[parent]! < seq)) break;
      this.times[i] = pt;
      this.seqs[i] = this.seqs[parent]!;
      this.tasks[i] = this.tasks[parent]!;
      i = parent;
    }
    this.times[i] = at;
    this.seqs[i] = seq;
    this.tasks[i] = task;
  }

  /** Runs every task due up to `untilMs`; the clock then stands at `untilMs`. */
  run(untilMs: number): void {
    while (this.size > 0 && this.times[0]! <= untilMs) {
      this.now = this.times[0]!;
      const task = this.tasks[0]!;
      this.removeTop();
      this.events++;
      task();
    }
    this.now = untilMs;
  }

  private removeTop(): void {
    const last = --this.size;
    const at = this.times[last]!;
    const seq = this.seqs[last]!;
    const task = this.tasks[last]!;
    this.tasks[last] = undefined as unknown as () => void;
    if (last === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      let m = l;
      if (r < last) {
        const lt = this.times[l]!;
        const rt = this.times[r]!;
        if (rt < lt || (rt === lt && this.seqs[r]! < this.seqs[l]!)) m = r;
      }
      const mt = this.times[m]!;
      if (at < mt || (at === mt && seq < this.seqs[m]!)) break;
      this.times[i] = mt;
      this.seqs[i] = this.seqs[m]!;
      this.tasks[i] = this.tasks[m]!;
      i = m;
    }
    this.times[i] = at;
    this.seqs[i] = seq;
    this.tasks[i] = task;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    this.times = times;
    const seqs = new Float64Array(this.seqs.length * 2);
    seqs.set(this.seqs);
    this.seqs = seqs;
  }
}
