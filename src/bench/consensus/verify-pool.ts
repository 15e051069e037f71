import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Fifo } from './fifo.js';
import { CLIENT_COUNT, type ClientKeys, TX_LENGTH, TX_MAGIC, TX_SIGNED_LENGTH } from './transactions.js';
import { WORKER_SOURCE } from './worker-source.js';

interface Reply {
  readonly id: number;
  readonly ok?: Uint8Array;
  readonly buffer?: ArrayBuffer;
  readonly done?: number;
  readonly ms?: number;
}

type Priority = 'high' | 'low';

interface Queued {
  readonly message: Record<string, unknown>;
  readonly transfer: ArrayBuffer[];
}

interface Slot {
  readonly worker: Worker;
  outstanding: number;
}

/** Transactions per verify job: large enough to amortise messaging, small enough to spread. */
const CHUNK = 128;

/**
 * One worker thread per core doing every Ed25519 operation of the benchmark, so verification uses
 * the whole machine while the validators' state machines run on the main thread.
 */
export class VerifyPool {
  readonly size: number;
  private readonly slots: Slot[];
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  private nextId = 0;
  private readonly high = new Fifo<Queued>();
  private readonly low = new Fifo<Queued>();
  /** Signatures verified through the pool since it started. */
  verifications = 0;
  /** Milliseconds the workers spent verifying, summed over workers. */
  busyMs = 0;

  constructor(keys: ClientKeys, size = availableParallelism()) {
    this.size = Math.max(1, size);
    const workerData = {
      txLength: TX_LENGTH,
      signedLength: TX_SIGNED_LENGTH,
      magic: TX_MAGIC,
      publicKeys: keys.publicKeys,
      seeds: keys.seeds,
    };
    this.slots = Array.from({ length: this.size }, () => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
      const slot: Slot = { worker, outstanding: 0 };
      worker.on('message', (reply: Reply) => {
        slot.outstanding--;
        this.dispatch();
        const resolve = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        resolve?.(reply);
      });
      return slot;
    });
  }

  private run(
    job: Record<string, unknown>,
    transfer: ArrayBuffer[] = [],
    slot?: Slot,
    priority: Priority = 'high',
  ): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      const queued: Queued = { message: { ...job, id }, transfer };
      if (slot !== undefined) {
        slot.outstanding++;
        slot.worker.postMessage(queued.message, queued.transfer);
        return;
      }
      (priority === 'high' ? this.high : this.low).push(queued);
      this.dispatch();
    });
  }

  /**
   * Keeps each worker at most two jobs deep and serves peer messages before client submissions,
   * as a validator checks consensus traffic before admitting new transactions to its pool.
   */
  private dispatch(): void {
    for (const slot of this.slots) {
      while (slot.outstanding < 2) {
        const next = this.high.shift() ?? this.low.shift();
        if (next === undefined) return;
        slot.outstanding++;
        slot.worker.postMessage(next.message, next.transfer);
      }
    }
  }

  /** Verifies the transactions; resolves to one flag per transaction. */
  async verify(transactions: readonly Uint8Array[], priority: Priority = 'high'): Promise<boolean[]> {
    const jobs: Promise<Reply>[] = [];
    for (let i = 0; i < transactions.length; i += CHUNK) {
      const part = transactions.slice(i, i + CHUNK);
      const packed = new Uint8Array(part.length * TX_LENGTH);
      part.forEach((tx, k) => {
        packed.set(tx, k * TX_LENGTH);
      });
      jobs.push(this.run({ op: 'verify', buffer: packed.buffer }, [packed.buffer], undefined, priority));
    }
    const replies = await Promise.all(jobs);
    this.verifications += transactions.length;
    for (const r of replies) this.busyMs += r.ms ?? 0;
    return replies.flatMap((r) => Array.from(r.ok!, (b) => b === 1));
  }

  /** Signs `count` transactions with nonces from `startNonce`, spread over the workers. */
  async sign(startNonce: number, count: number): Promise<Uint8Array> {
    const out = new Uint8Array(count * TX_LENGTH);
    const step = 2048;
    const jobs: Promise<void>[] = [];
    for (let offset = 0; offset < count; offset += step) {
      const n = Math.min(step, count - offset);
      jobs.push(
        this.run({ op: 'sign', startNonce: startNonce + offset, count: n }).then((r) => {
          out.set(new Uint8Array(r.buffer!), offset * TX_LENGTH);
        }),
      );
    }
    await Promise.all(jobs);
    return out;
  }

  /**
   * Native Ed25519 verifications per second on all workers at once: each verifies in a tight loop
   * and the rates are summed. Taken as the best of `samples` short windows, because other work on
   * a shared machine can only lower a sample: the best is the closest to what the cores can do.
   */
  async calibrate(sample: Uint8Array, ms: number, samples = 4): Promise<number> {
    let best = 0;
    for (let k = 0; k < samples; k++) {
      const replies = await Promise.all(
        this.slots.map((slot) =>
          this.run({ op: 'calibrate', buffer: sample.slice().buffer, ms: ms / samples }, [], slot),
        ),
      );
      best = Math.max(
        best,
        replies.reduce((sum, r) => sum + (r.done! / r.ms!) * 1000, 0),
      );
    }
    return best;
  }

  /**
   * Ends a run: queued verification jobs are dropped (answered as failed, their callers have
   * stopped) and the promise resolves once the workers are idle, so the next run starts clean.
   */
  async quiesce(): Promise<void> {
    for (const queue of [this.high, this.low]) {
      for (const job of queue.drain()) {
        const id = job.message.id as number;
        const resolve = this.waiting.get(id);
        this.waiting.delete(id);
        resolve?.({ id, ok: new Uint8Array(0), ms: 0 });
      }
    }
    while (this.slots.some((s) => s.outstanding > 0)) await new Promise((r) => setTimeout(r, 5));
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

export { CLIENT_COUNT };
