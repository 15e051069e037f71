import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CLIENT_COUNT, type ClientKeys, TX_LENGTH, TX_MAGIC, TX_SIGNED_LENGTH } from './transactions.js';
import { WORKER_SOURCE } from './worker-source.js';

interface Reply {
  readonly id: number;
  readonly ok?: Uint8Array;
  readonly buffer?: ArrayBuffer;
  readonly done?: number;
  readonly ms?: number;
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
  /** Signatures verified through the pool since it started. */
  verifications = 0;

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
        const resolve = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        resolve?.(reply);
      });
      return slot;
    });
  }

  private run(job: Record<string, unknown>, transfer: ArrayBuffer[] = [], slot?: Slot): Promise<Reply> {
    const target = slot ?? this.slots.reduce((a, b) => (b.outstanding < a.outstanding ? b : a));
    const id = this.nextId++;
    target.outstanding++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      target.worker.postMessage({ ...job, id }, transfer);
    });
  }

  /** Verifies the transactions; resolves to one flag per transaction. */
  async verify(transactions: readonly Uint8Array[]): Promise<boolean[]> {
    const jobs: Promise<Reply>[] = [];
    for (let i = 0; i < transactions.length; i += CHUNK) {
      const part = transactions.slice(i, i + CHUNK);
      const packed = new Uint8Array(part.length * TX_LENGTH);
      part.forEach((tx, k) => {
        packed.set(tx, k * TX_LENGTH);
      });
      jobs.push(this.run({ op: 'verify', buffer: packed.buffer }, [packed.buffer]));
    }
    const replies = await Promise.all(jobs);
    this.verifications += transactions.length;
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
   * for `ms` and the rates are summed.
   */
  async calibrate(sample: Uint8Array, ms: number): Promise<number> {
    const replies = await Promise.all(
      this.slots.map((slot) => this.run({ op: 'calibrate', buffer: sample.slice().buffer, ms }, [], slot)),
    );
    return replies.reduce((sum, r) => sum + (r.done! / r.ms!) * 1000, 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

export { CLIENT_COUNT };
