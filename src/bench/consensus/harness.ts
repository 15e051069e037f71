import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type {
  ConsensusCore,
  ConsensusEffect,
  ConsensusInput,
  ValidatorIndex,
} from '../../consensus/interface.js';
import { DeliveryHeap, Fifo } from './network.js';
import type { BenchProtocol } from './protocols.js';
import { LatencyHistogram, round } from './stats.js';
import { collectTransactions, TX_LENGTH, transactionNonce } from './transactions.js';
import type { VerifyPool } from './verify-pool.js';

export type Scenario = 'normal' | 'leader-delay' | 'crash-one';
export const SCENARIOS: readonly Scenario[] = ['normal', 'leader-delay', 'crash-one'];

export interface RunOptions {
  readonly nodes: number;
  readonly scenario: Scenario;
  readonly durationS: number;
  /** One-way network latency between validators, plus a seeded jitter of up to `jitterMs`. */
  readonly latencyMs: number;
  readonly jitterMs: number;
  /** Extra delay the leader-delay adversary adds to each message from or to its target. */
  readonly leaderDelayMs: number;
  /** Client load: transactions kept in flight, in seconds of the verification bound. */
  readonly inflightS: number;
  /** Load before the measured window (which lasts `durationS`) opens. */
  readonly warmupS: number;
  readonly calibrateMs: number;
  readonly seed: number;
}

/** The benchmark's transactions, pre-signed before any timed window. */
export interface SignedPool {
  readonly bytes: Uint8Array;
  readonly count: number;
}

export interface RunResult {
  readonly protocol: string;
  readonly scenario: Scenario;
  readonly nodes: number;
  readonly durationS: number;
  readonly committedTx: number;
  readonly committedTxPerSec: number;
  readonly p50LatencyMs: number;
  readonly p99LatencyMs: number;
  readonly nativeVerifyPerSec: number;
  readonly verifyWorkers: number;
  readonly verificationsPerTx: number;
  readonly verifyBoundTxPerSec: number;
  readonly efficiency: number;
  readonly heapStartMb: number;
  readonly heapEndMb: number;
  readonly maxCommitGapMs: number;
  readonly roundMs: number;
  readonly maxCommitGapRounds: number;
  /** crash-one: the longest time without a commit from the crash to the end of the window. */
  readonly maxGapAfterCrashMs: number | null;
  readonly maxGapAfterCrashRounds: number | null;
  readonly adversaryTarget: string;
  readonly crashedValidator: number | null;
  readonly invalidTransactionsRefused: number;
  readonly messages: number;
  /** Share of the window the verification workers spent verifying (1 = every worker always busy). */
  readonly workersBusy: number;
  /** Share of the window the main thread (all validators' state machines) was busy. */
  readonly mainThreadBusy: number;
}

type Inbox =
  | { kind: 'message'; from: ValidatorIndex; bytes: Uint8Array }
  | { kind: 'client'; txs: Uint8Array[] };

interface Validator {
  readonly index: ValidatorIndex;
  readonly core: ConsensusCore<unknown>;
  alive: boolean;
  /**
   * Nonces this validator has verified: a signature cache, so a transaction seen again (relayed,
   * re-proposed, inside a certificate) is not verified twice. Bounded, oldest out first.
   */
  readonly verified: Set<number>;
  /** Verifications under way, by nonce. */
  readonly verifying: Map<number, Promise<boolean>>;
  readonly timers: Map<string, NodeJS.Timeout>;
  /** One inbox per sender (index n is the client), drained in order, senders independently. */
  readonly inboxes: Fifo<Inbox>[];
  readonly busy: boolean[];
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const mb = (bytes: number) => round(bytes / (1024 * 1024), 1);

/**
 * One wall-clock run: n validators of one protocol in this process, real timers, an in-memory
 * network with latency, clients feeding pre-signed transactions, and every validator verifying
 * every transaction (on the worker pool) before its core sees it, be it from a client or inside a
 * peer's message.
 */
export async function runScenario(
  bench: BenchProtocol,
  options: RunOptions,
  pool: VerifyPool,
  signed: SignedPool,
): Promise<RunResult> {
  const n = options.nodes;
  const random = mulberry32(options.seed);
  const sample = signed.bytes.subarray(0, Math.min(signed.count, 512) * TX_LENGTH);
  const nativeBefore = await pool.calibrate(sample, options.calibrateMs);

  const genesisSeed = new Uint8Array(32).fill(options.seed & 0xff);
  const inits = bench.genesis(n, genesisSeed);
  const epoch = performance.now();
  const now = () => performance.now() - epoch;
  const validators: Validator[] = inits.map((init) => ({
    index: init.index,
    core: bench.protocol.create(init),
    alive: true,
    verified: new Set(),
    verifying: new Map(),
    timers: new Map(),
    inboxes: Array.from({ length: n + 1 }, () => new Fifo<Inbox>()),
    busy: new Array<boolean>(n + 1).fill(false),
  }));

  const verifyBound = nativeBefore / n;
  const inflightCap = Math.max(256, Math.round(verifyBound * options.inflightS));
  const inflight = new Map<number, { submitMs: number; node: ValidatorIndex }>();
  // Constant-size bookkeeping, so a long run measures the protocol's heap and not the harness's.
  const latencies = new LatencyHistogram();
  const everVerified = new Uint8Array(signed.count);
  let distinctVerified = 0;
  // A transaction comes back within a few seconds (relayed, proposed, certified): the cache holds
  // about four seconds of the verification bound, so it reaches its size early in a run.
  const cacheCap = 2 * inflightCap + 4096;
  const commitTimes: number[] = [];
  let windowOpen = false;
  let minRound = Number.POSITIVE_INFINITY;
  let maxRound = Number.NEGATIVE_INFINITY;
  let committedInWindow = 0;
  let invalid = 0;
  let messages = 0;
  let lastCommitProposer: ValidatorIndex | null = null;
  let crashed: number | null = null;
  let stopped = false;

  const network = new DeliveryHeap<{ to: ValidatorIndex; item: Inbox }>();
  let wakeAt = Number.POSITIVE_INFINITY;
  let wakeTimer: NodeJS.Timeout | undefined;

  const live = () => validators.filter((v) => v.alive).map((v) => v.core);
  const target = () =>
    options.scenario === 'leader-delay' ? bench.target(live(), n, lastCommitProposer) : null;

  function scheduleWake(): void {
    const next = network.peekAt();
    if (next === undefined || next >= wakeAt) return;
    if (wakeTimer !== undefined) clearTimeout(wakeTimer);
    wakeAt = next;
    wakeTimer = setTimeout(deliverDue, Math.max(0, next - now()));
  }

  function deliverDue(): void {
    wakeAt = Number.POSITIVE_INFINITY;
    wakeTimer = undefined;
    const t = now();
    while ((network.peekAt() ?? Number.POSITIVE_INFINITY) <= t) {
      const { to, item } = network.pop()!;
      enqueue(validators[to]!, item.kind === 'message' ? item.from : n, item);
    }
    scheduleWake();
  }

  function send(
    from: ValidatorIndex,
    to: ValidatorIndex,
    bytes: Uint8Array,
    slow: ValidatorIndex | null,
  ): void {
    if (!validators[to]!.alive) return;
    messages++;
    let delay = options.latencyMs + random() * options.jitterMs;
    if (slow !== null && (from === slow || to === slow)) delay += options.leaderDelayMs;
    network.push(now() + delay, { to, item: { kind: 'message', from, bytes } });
  }

  function apply(v: Validator, effects: ConsensusEffect<unknown>[]): void {
    let slow: ValidatorIndex | null | undefined;
    for (const effect of effects) {
      switch (effect.kind) {
        case 'send':
        case 'broadcast': {
          if (slow === undefined) slow = target();
          const bytes = bench.protocol.encodeMessage(effect.message);
          if (effect.kind === 'send') {
            if (effect.to !== v.index) send(v.index, effect.to, bytes, slow);
          } else {
            for (let to = 0; to < n; to++) if (to !== v.index) send(v.index, to, bytes, slow);
          }
          break;
        }
        case 'timer': {
          const old = v.timers.get(effect.name);
          if (old !== undefined) clearTimeout(old);
          const name = effect.name;
          v.timers.set(
            name,
            setTimeout(
              () => {
                v.timers.delete(name);
                handle(v, { kind: 'timer', name });
              },
              Math.max(0, effect.atMs - now()),
            ),
          );
          break;
        }
        case 'commit':
          onCommit(effect.batch.transactions, effect.batch.round, effect.batch.proposer);
          break;
      }
    }
    scheduleWake();
  }

  function onCommit(txs: readonly Uint8Array[], round: number, proposer: ValidatorIndex): void {
    lastCommitProposer = proposer;
    const t = now();
    let fresh = false;
    for (const tx of txs) {
      const nonce = transactionNonce(tx);
      const entry = inflight.get(nonce);
      if (entry === undefined) continue;
      inflight.delete(nonce);
      outstanding[entry.node]!--;
      fresh = true;
      if (windowOpen) {
        committedInWindow++;
        latencies.add(t - entry.submitMs);
      }
    }
    if (fresh && windowOpen) {
      commitTimes.push(t);
      minRound = Math.min(minRound, round);
      maxRound = Math.max(maxRound, round);
    }
  }

  function handle(v: Validator, input: ConsensusInput<unknown>): void {
    if (!v.alive || stopped) return;
    apply(v, v.core.handle(input, now()));
  }

  function enqueue(v: Validator, lane: number, item: Inbox): void {
    if (!v.alive) return;
    v.inboxes[lane]!.push(item);
    if (!v.busy[lane]) void drain(v, lane);
  }

  /** Verifies what a message or a client hands to the validator, then feeds its core, in order. */
  async function drain(v: Validator, lane: number): Promise<void> {
    v.busy[lane] = true;
    const inbox = v.inboxes[lane]!;
    for (let item = inbox.shift(); item !== undefined; item = inbox.shift()) {
      if (!v.alive || stopped) break;
      let input: ConsensusInput<unknown>;
      const found: Uint8Array[] = [];
      if (item.kind === 'client') {
        found.push(...item.txs);
        input = { kind: 'transactions', transactions: item.txs };
      } else {
        let message: unknown;
        try {
          message = bench.protocol.decodeMessage(item.bytes);
        } catch {
          continue;
        }
        collectTransactions(message, found);
        input = { kind: 'message', from: item.from, message };
      }
      // Transactions another lane of this validator is verifying right now are awaited, not
      // verified a second time.
      const unverified: Uint8Array[] = [];
      const awaited: Promise<boolean>[] = [];
      for (const tx of found) {
        const nonce = transactionNonce(tx);
        if (v.verified.has(nonce)) continue;
        const running = v.verifying.get(nonce);
        if (running !== undefined) awaited.push(running);
        else unverified.push(tx);
      }
      if (unverified.length > 0) {
        const job = pool.verify(unverified, item.kind === 'client' ? 'low' : 'high');
        unverified.forEach((tx, k) => {
          const nonce = transactionNonce(tx);
          const one = job.then((ok) => ok[k] === true);
          v.verifying.set(nonce, one);
          awaited.push(one);
        });
        void job.then((ok) => {
          unverified.forEach((tx, k) => {
            const nonce = transactionNonce(tx);
            v.verifying.delete(nonce);
            if (ok[k] !== true) return;
            v.verified.add(nonce);
            if (nonce < everVerified.length && everVerified[nonce] === 0) {
              everVerified[nonce] = 1;
              distinctVerified++;
            }
          });
          // Oldest entries out first (a Set iterates in insertion order).
          for (const nonce of v.verified) {
            if (v.verified.size <= cacheCap) break;
            v.verified.delete(nonce);
          }
        });
      }
      if (awaited.length > 0) {
        const results = await Promise.all(awaited);
        if (!v.alive || stopped) break;
        if (results.includes(false)) {
          // A forged transaction: the whole message is refused, as a validator would.
          invalid++;
          continue;
        }
      }
      handle(v, input);
    }
    v.busy[lane] = false;
  }

  /*
   * Clients: each validator has its own clients, who keep an equal share of `inflightCap`
   * transactions outstanding at it. Clients of a slow validator wait on it alone, as they would
   * in a deployment; one shared window would let a single slow validator hold everyone's slots.
   */
  let cursor = 0;
  const CHUNK = 64;
  const outstanding = new Array<number>(n).fill(0);
  function submit(v: Validator, txs: Uint8Array[], submitMs?: number[]): void {
    if (txs.length === 0) return;
    const t = now();
    txs.forEach((tx, k) => {
      inflight.set(transactionNonce(tx), { submitMs: submitMs?.[k] ?? t, node: v.index });
    });
    outstanding[v.index]! += txs.length;
    enqueue(v, n, { kind: 'client', txs });
  }
  function nextChunk(): Uint8Array[] {
    const chunk: Uint8Array[] = [];
    for (let guard = signed.count; chunk.length < CHUNK && guard > 0; guard--) {
      const tx = signed.bytes.subarray(cursor * TX_LENGTH, (cursor + 1) * TX_LENGTH);
      cursor = (cursor + 1) % signed.count;
      // A pre-signed transaction is reused only once it has committed (long runs cycle the pool).
      if (!inflight.has(transactionNonce(tx))) chunk.push(tx);
    }
    return chunk;
  }
  function topUp(): void {
    const alive = validators.filter((v) => v.alive);
    const share = inflightCap / Math.max(1, alive.length);
    for (const v of alive) {
      while (outstanding[v.index]! < share) {
        const chunk = nextChunk();
        if (chunk.length === 0) return;
        submit(v, chunk);
      }
    }
  }

  function crash(index: ValidatorIndex): void {
    const v = validators[index]!;
    v.alive = false;
    crashed = index;
    for (const timer of v.timers.values()) clearTimeout(timer);
    v.timers.clear();
    for (const inbox of v.inboxes) inbox.clear();
    // Its clients resubmit elsewhere, keeping the first submission time.
    const resubmit: { tx: Uint8Array; submitMs: number }[] = [];
    for (let i = 0; i < signed.count; i++) {
      const tx = signed.bytes.subarray(i * TX_LENGTH, (i + 1) * TX_LENGTH);
      const entry = inflight.get(transactionNonce(tx));
      if (entry !== undefined && entry.node === index) resubmit.push({ tx, submitMs: entry.submitMs });
    }
    outstanding[index] = 0;
    const alive = validators.filter((other) => other.alive);
    for (let i = 0, k = 0; i < resubmit.length; i += CHUNK, k++) {
      const part = resubmit.slice(i, i + CHUNK);
      submit(
        alive[k % alive.length]!,
        part.map((p) => p.tx),
        part.map((p) => p.submitMs),
      );
    }
  }

  // ---- the timed run ----
  const durationMs = options.durationS * 1000;
  const warmupMs = options.warmupS * 1000;
  const verificationsBefore = pool.verifications;
  for (const v of validators) handle(v, { kind: 'start' });
  const client = setInterval(topUp, 2);
  topUp();
  let heapStart = 0;
  let windowStart = 0;
  await sleep(warmupMs);
  heapStart = liveHeapBytes();
  windowOpen = true;
  windowStart = now();
  const eluStart: EventLoopUtilization = performance.eventLoopUtilization();
  const busyStart = pool.busyMs;
  let crashAt: number | null = null;
  if (options.scenario === 'crash-one') {
    await sleep(durationMs / 2);
    crashAt = now();
    crash(bench.target(live(), n, lastCommitProposer) ?? 0);
    await sleep(durationMs / 2);
  } else {
    await sleep(durationMs);
  }
  const windowEnd = now();
  windowOpen = false;
  const elu = performance.eventLoopUtilization(eluStart);
  const workersBusy = (pool.busyMs - busyStart) / ((windowEnd - windowStart) * pool.size);
  const heapEnd = liveHeapBytes();
  stopped = true;
  clearInterval(client);
  if (wakeTimer !== undefined) clearTimeout(wakeTimer);
  network.clear();
  for (const v of validators) {
    for (const timer of v.timers.values()) clearTimeout(timer);
    for (const inbox of v.inboxes) inbox.clear();
  }
  const verifications = pool.verifications - verificationsBefore;
  // Jobs of this run still queued must not run into the calibration or the next run.
  await pool.quiesce();
  const nativeAfter = await pool.calibrate(sample, options.calibrateMs);

  // The higher of the two calibrations: the bound the run is measured against is not flattered.
  const native = Math.max(nativeBefore, nativeAfter);
  const windowMs = windowEnd - windowStart;
  const rate = (committedInWindow * 1000) / windowMs;
  const bound = native / n;
  const maxGap = longestGap(commitTimes, windowStart, windowEnd);
  // The pause the crash caused: from the crash to the end, gaps between commits.
  const gapAfterCrash =
    crashAt === null
      ? null
      : longestGap(
          commitTimes.filter((t) => t >= crashAt),
          crashAt,
          windowEnd,
        );
  const rounds = maxRound - minRound;
  const roundMs = rounds > 0 ? windowMs / rounds : windowMs;
  const targetNow = bench.target(live(), n, lastCommitProposer);
  return {
    protocol: bench.name,
    scenario: options.scenario,
    nodes: n,
    durationS: options.durationS,
    committedTx: committedInWindow,
    committedTxPerSec: round(rate, 0),
    p50LatencyMs: round(latencies.percentile(50)),
    p99LatencyMs: round(latencies.percentile(99)),
    nativeVerifyPerSec: round(native, 0),
    verifyWorkers: pool.size,
    verificationsPerTx: distinctVerified > 0 ? round(verifications / distinctVerified, 2) : 0,
    verifyBoundTxPerSec: round(bound, 0),
    efficiency: round(rate / bound, 3),
    heapStartMb: mb(heapStart),
    heapEndMb: mb(heapEnd),
    maxCommitGapMs: round(maxGap),
    roundMs: round(roundMs, 2),
    maxCommitGapRounds: round(maxGap / roundMs, 2),
    maxGapAfterCrashMs: gapAfterCrash === null ? null : round(gapAfterCrash),
    maxGapAfterCrashRounds: gapAfterCrash === null ? null : round(gapAfterCrash / roundMs, 2),
    adversaryTarget:
      options.scenario === 'normal' ? 'none' : `${bench.targetRule} (last: ${targetNow ?? 'none'})`,
    crashedValidator: crashed,
    invalidTransactionsRefused: invalid,
    messages,
    workersBusy: round(workersBusy, 3),
    mainThreadBusy: round(elu.utilization, 3),
  };
}

/**
 * Heap in use after a full collection, so start and end compare what is retained rather than
 * where the collector happened to be. `gc` is reached without a command-line flag.
 */
let collect: (() => void) | undefined;
function liveHeapBytes(): number {
  if (collect === undefined) {
    setFlagsFromString('--expose_gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
  return process.memoryUsage().heapUsed;
}

/** Longest interval without a commit between `from` and `to`, commits at sorted `times`. */
function longestGap(times: readonly number[], from: number, to: number): number {
  let longest = 0;
  let previous = from;
  for (const t of [...times, to]) {
    longest = Math.max(longest, t - previous);
    previous = t;
  }
  return longest;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
