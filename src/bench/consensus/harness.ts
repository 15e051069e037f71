import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import type {
  ConsensusCore,
  ConsensusEffect,
  ConsensusInput,
  ValidatorIndex,
} from '../../consensus/interface.js';
import { EffectLoop } from '../../kit/effect-loop.js';
import { Prng } from '../../kit/prng.js';
import { Fifo } from './fifo.js';
import { type HeapSample, liveHeapBytes, mb, retained } from './heap.js';
import type { BenchProtocol, ReliedOn } from './protocols.js';
import { round } from './stats.js';
import { acrossValidators, CommitTally, type ValidatorFigures } from './tally.js';
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
  /** Heap in use is also sampled every this many seconds of the window (0: start and end only). */
  readonly heapEveryS: number;
}

/** The benchmark's transactions, pre-signed before any timed window. */
export interface SignedPool {
  readonly bytes: Uint8Array;
  readonly count: number;
}

/**
 * Commit figures are counted at every honest validator (all but a crashed one) separately: a
 * transaction counts for a validator when that validator commits it. Each figure is reported for
 * the median validator and the slowest one.
 */
export interface RunResult {
  readonly protocol: string;
  readonly scenario: Scenario;
  readonly nodes: number;
  readonly durationS: number;
  /** At the median validator. */
  readonly committedTx: number;
  readonly committedTxPerSec: number;
  readonly slowestTxPerSec: number;
  readonly p50LatencyMs: number;
  readonly p99LatencyMs: number;
  readonly slowestP50LatencyMs: number;
  readonly slowestP99LatencyMs: number;
  readonly nativeVerifyPerSec: number;
  readonly verifyWorkers: number;
  readonly verificationsPerTx: number;
  readonly verifyBoundTxPerSec: number;
  readonly efficiency: number;
  readonly slowestEfficiency: number;
  readonly heapStartMb: number;
  readonly heapEndMb: number;
  /**
   * With `heapEveryS`: seconds into the window, heap in use then (after a full collection), and
   * what the validators retain for peers that lag, summed, when their cores report it.
   */
  readonly heapSamples: HeapSample[];
  readonly maxCommitGapMs: number;
  readonly slowestMaxCommitGapMs: number;
  readonly roundMs: number;
  readonly maxCommitGapRounds: number;
  /** crash-one: the longest time without a commit from the crash to the end of the window. */
  readonly maxGapAfterCrashMs: number | null;
  readonly slowestMaxGapAfterCrashMs: number | null;
  readonly maxGapAfterCrashRounds: number | null;
  /**
   * crash-one, DAG: the most protocol rounds between two consecutive decisions from the crash on
   * (a decision's round is its wave's last committed leader's; consecutive waves are 2 apart).
   */
  readonly decisionGapAfterCrashRounds: number | null;
  readonly slowestDecisionGapAfterCrashRounds: number | null;
  readonly adversaryTarget: string;
  /** How often the adversary's target moved to another validator during the run. */
  readonly targetChanges: number;
  readonly crashedValidator: number | null;
  readonly perValidator: ValidatorFigures[];
  readonly invalidTransactionsRefused: number;
  readonly messages: number;
  /** Share of the window the verification workers spent verifying (1 = every worker always busy). */
  readonly workersBusy: number;
  /** Share of the window the main thread (all validators' state machines) was busy. */
  readonly mainThreadBusy: number;
}

/** A client transaction not yet committed at every live validator. */
interface Pending {
  readonly tx: Uint8Array;
  readonly submitMs: number;
  /** The validator whose client submitted it (it waits for that validator's commit). */
  node: ValidatorIndex;
  released: boolean;
  /** 1 where a validator has committed it. */
  readonly committedBy: Uint8Array;
  count: number;
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
  /** One inbox per sender (index n is the client), drained in order, senders independently. */
  readonly inboxes: Fifo<Inbox>[];
  readonly busy: boolean[];
}

/**
 * One wall-clock run: n validators of one protocol in this process, an in-memory network with
 * latency, clients feeding pre-signed transactions, and every validator verifying every
 * transaction (on the worker pool) before its core sees it, be it from a client or inside a
 * peer's message.
 *
 * The cores' effects go through the shared effect loop (src/kit/effect-loop.ts) on the wall
 * clock: it encodes and routes messages through the latency policy below, arms and fires timers,
 * and hands commits to the tally. What stays here is what a discrete-event loop cannot model: a
 * delivered message waits in the receiver's per-sender inbox until the worker threads have
 * verified its transactions (real parallel work, awaited), and only then is fed to the core.
 */
export async function runScenario(
  bench: BenchProtocol,
  options: RunOptions,
  pool: VerifyPool,
  signed: SignedPool,
): Promise<RunResult> {
  const n = options.nodes;
  const random = new Prng(options.seed);
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
    inboxes: Array.from({ length: n + 1 }, () => new Fifo<Inbox>()),
    busy: new Array<boolean>(n + 1).fill(false),
  }));

  const verifyBound = nativeBefore / n;
  const inflightCap = Math.max(256, Math.round(verifyBound * options.inflightS));
  const inflight = new Map<number, Pending>();
  // Constant-size bookkeeping, so a long run measures the protocol's heap and not the harness's.
  const tallies = validators.map((v) => new CommitTally(v.index));
  let aliveCount = n;
  const everVerified = new Uint8Array(signed.count);
  let distinctVerified = 0;
  // A transaction comes back within a few seconds (relayed, proposed, certified): the cache holds
  // about four seconds of the verification bound, so it reaches its size early in a run.
  const cacheCap = 2 * inflightCap + 4096;
  let windowOpen = false;
  let minRound = Number.POSITIVE_INFINITY;
  let maxRound = Number.NEGATIVE_INFINITY;
  let invalid = 0;
  let messages = 0;
  /** Whom the protocol relies on, at the highest epoch any validator has shown. */
  let relied: ReliedOn | null = null;
  let targetChanges = 0;
  let crashed: number | null = null;
  let stopped = false;

  let wakeAt = Number.POSITIVE_INFINITY;
  let wakeTimer: NodeJS.Timeout | undefined;

  const targetNow = (): ValidatorIndex | null => relied?.validator ?? null;
  const delayed = () => (options.scenario === 'leader-delay' ? targetNow() : null);

  /** The adversary learns whom the protocol relies on as soon as any validator shows it. */
  function observe(v: Validator): void {
    if (options.scenario === 'normal') return;
    const seen = bench.reliedOn(v.core, n);
    if (seen === null || (relied !== null && seen.epoch <= relied.epoch)) return;
    if (relied !== null && relied.validator !== seen.validator) targetChanges++;
    relied = seen;
  }

  const loop = new EffectLoop<unknown, ConsensusInput<unknown>, ConsensusEffect<unknown>, Uint8Array>(
    validators.map((v) => v.core),
    {
      identities: n,
      clock: now,
      // Latency with a seeded jitter, and the leader-delay adversary's extra on its target's links.
      network: {
        route: ({ from, to }, nowMs) => {
          if (!validators[to]!.alive) return [];
          messages++;
          let delay = options.latencyMs + random.float() * options.jitterMs;
          const slow = delayed();
          if (slow !== null && (from === slow || to === slow)) delay += options.leaderDelayMs;
          return [nowMs + delay];
        },
      },
      outgoing: (_, message) => bench.protocol.encodeMessage(message),
      deliver: ({ to, fromId, message }) =>
        enqueue(validators[to]!, fromId, { kind: 'message', from: fromId, bytes: message }),
      effect: (index, effect) => {
        if (effect.kind === 'commit') {
          onCommit(validators[index]!, effect.batch.transactions, effect.batch.round);
          // A DAG batch's round is its protocol round; a PBFT batch's is its sequence number.
          if (effect.batch.endsCommit && bench.name === 'dag' && windowOpen)
            tallies[index]!.decision(effect.batch.round);
        }
        return undefined;
      },
      afterHandle: (index) => observe(validators[index]!),
    },
  );

  /** One wall-clock timer, armed for the loop's next event. */
  function scheduleWake(): void {
    const next = loop.nextAt();
    if (next === undefined || next >= wakeAt) return;
    if (wakeTimer !== undefined) clearTimeout(wakeTimer);
    wakeAt = next;
    wakeTimer = setTimeout(wake, Math.max(0, next - now()));
  }

  function wake(): void {
    wakeAt = Number.POSITIVE_INFINITY;
    wakeTimer = undefined;
    if (stopped) return;
    loop.runDue();
    scheduleWake();
  }

  /** A transaction counts at each validator once, when that validator commits it. */
  function onCommit(v: Validator, txs: readonly Uint8Array[], round: number): void {
    const t = now();
    const tally = tallies[v.index]!;
    let fresh = false;
    for (const tx of txs) {
      const nonce = transactionNonce(tx);
      const entry = inflight.get(nonce);
      if (entry === undefined || entry.committedBy[v.index] === 1) continue;
      entry.committedBy[v.index] = 1;
      entry.count++;
      fresh = true;
      if (windowOpen) tally.transaction(t - entry.submitMs);
      if (entry.node === v.index && !entry.released) release(entry);
      if (entry.count >= aliveCount && committedByAllAlive(entry)) inflight.delete(nonce);
    }
    if (fresh && windowOpen) {
      tally.commit(t);
      minRound = Math.min(minRound, round);
      maxRound = Math.max(maxRound, round);
    }
  }

  /** The submitting client hears back from its own validator: its slot is free again. */
  function release(entry: Pending): void {
    entry.released = true;
    outstanding[entry.node]!--;
  }

  function committedByAllAlive(entry: Pending): boolean {
    for (const other of validators) if (other.alive && entry.committedBy[other.index] !== 1) return false;
    return true;
  }

  function handle(v: Validator, input: ConsensusInput<unknown>): void {
    if (!v.alive || stopped) return;
    loop.feed(v.index, input);
    scheduleWake();
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
  function submit(v: Validator, txs: Uint8Array[]): void {
    if (txs.length === 0) return;
    const t = now();
    for (const tx of txs) {
      inflight.set(transactionNonce(tx), {
        tx,
        submitMs: t,
        node: v.index,
        released: false,
        committedBy: new Uint8Array(n),
        count: 0,
      });
    }
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
    aliveCount--;
    crashed = index;
    loop.stop(index);
    for (const inbox of v.inboxes) inbox.clear();
    for (const tally of tallies) tally.crashed(now());
    // Its clients resubmit what it had not committed elsewhere, keeping the first submission time.
    const alive = validators.filter((other) => other.alive);
    const resubmit: Uint8Array[][] = alive.map(() => []);
    let k = 0;
    for (const [nonce, entry] of inflight) {
      if (committedByAllAlive(entry)) {
        inflight.delete(nonce);
        continue;
      }
      if (entry.node !== index || entry.released) continue;
      const to = alive[k++ % alive.length]!;
      entry.node = to.index;
      if (entry.committedBy[to.index] === 1) entry.released = true;
      else resubmit[alive.indexOf(to)]!.push(entry.tx);
    }
    outstanding[index] = 0;
    alive.forEach((to, i) => {
      const txs = resubmit[i]!;
      for (let at = 0; at < txs.length; at += CHUNK) {
        const part = txs.slice(at, at + CHUNK);
        outstanding[to.index]! += part.length;
        enqueue(to, n, { kind: 'client', txs: part });
      }
    });
  }

  // ---- the timed run ----
  const durationMs = options.durationS * 1000;
  const warmupMs = options.warmupS * 1000;
  const verificationsBefore = pool.verifications;
  for (const v of validators) handle(v, { kind: 'start' });
  const client = setInterval(topUp, 2);
  topUp();
  await sleep(warmupMs);
  const heapStart = liveHeapBytes();
  windowOpen = true;
  const windowStart = now();
  for (const tally of tallies) tally.open(windowStart);
  const eluStart: EventLoopUtilization = performance.eventLoopUtilization();
  const busyStart = pool.busyMs;
  let crashAt: number | null = null;
  const heapSamples: HeapSample[] = [];
  const marks: { atMs: number; kind: 'crash' | 'heap' }[] = [];
  if (options.scenario === 'crash-one') marks.push({ atMs: durationMs / 2, kind: 'crash' });
  const heapEveryMs = options.heapEveryS * 1000;
  if (heapEveryMs > 0) {
    for (let at = heapEveryMs; at < durationMs; at += heapEveryMs) marks.push({ atMs: at, kind: 'heap' });
  }
  marks.sort((a, b) => a.atMs - b.atMs);
  for (const mark of marks) {
    await sleep(windowStart + mark.atMs - now());
    if (mark.kind === 'crash') {
      crashAt = now();
      crash(targetNow() ?? 0);
    } else {
      const bytes = liveHeapBytes();
      heapSamples.push({
        atS: round((now() - windowStart) / 1000, 1),
        mb: mb(bytes),
        ...retained(validators.map((v) => v.core)),
      });
    }
  }
  await sleep(windowStart + durationMs - now());
  const windowEnd = now();
  windowOpen = false;
  for (const tally of tallies) tally.close(windowEnd);
  const elu = performance.eventLoopUtilization(eluStart);
  const workersBusy = (pool.busyMs - busyStart) / ((windowEnd - windowStart) * pool.size);
  const heapEnd = liveHeapBytes();
  if (heapEveryMs > 0) {
    const atS = round((windowEnd - windowStart) / 1000, 1);
    heapSamples.push({ atS, mb: mb(heapEnd), ...retained(validators.map((v) => v.core)) });
  }
  stopped = true;
  clearInterval(client);
  if (wakeTimer !== undefined) clearTimeout(wakeTimer);
  loop.clear();
  for (const v of validators) for (const inbox of v.inboxes) inbox.clear();
  const verifications = pool.verifications - verificationsBefore;
  // Jobs of this run still queued must not run into the calibration or the next run.
  await pool.quiesce();
  const nativeAfter = await pool.calibrate(sample, options.calibrateMs);

  // The higher of the two calibrations: the bound the run is measured against is not flattered.
  const native = Math.max(nativeBefore, nativeAfter);
  const windowMs = windowEnd - windowStart;
  const bound = native / n;
  const honest = acrossValidators(
    tallies.filter((t) => validators[t.validator]!.alive),
    windowMs,
  );
  const rounds = maxRound - minRound;
  const roundMs = rounds > 0 ? windowMs / rounds : windowMs;
  const target = targetNow() ?? 'none';
  return {
    protocol: bench.name,
    scenario: options.scenario,
    nodes: n,
    durationS: options.durationS,
    committedTx: honest.medianTx,
    committedTxPerSec: honest.medianTxPerSec,
    slowestTxPerSec: honest.slowestTxPerSec,
    p50LatencyMs: honest.medianP50,
    p99LatencyMs: honest.medianP99,
    slowestP50LatencyMs: honest.slowestP50,
    slowestP99LatencyMs: honest.slowestP99,
    nativeVerifyPerSec: round(native, 0),
    verifyWorkers: pool.size,
    verificationsPerTx: distinctVerified > 0 ? round(verifications / distinctVerified, 2) : 0,
    verifyBoundTxPerSec: round(bound, 0),
    efficiency: round(honest.medianTxPerSec / bound, 3),
    slowestEfficiency: round(honest.slowestTxPerSec / bound, 3),
    heapStartMb: mb(heapStart),
    heapEndMb: mb(heapEnd),
    heapSamples,
    maxCommitGapMs: honest.medianGap,
    slowestMaxCommitGapMs: honest.slowestGap,
    roundMs: round(roundMs, 2),
    maxCommitGapRounds: round(honest.medianGap / roundMs, 2),
    maxGapAfterCrashMs: crashAt === null ? null : honest.medianGapAfterCrash,
    slowestMaxGapAfterCrashMs: crashAt === null ? null : honest.slowestGapAfterCrash,
    maxGapAfterCrashRounds:
      crashAt === null || honest.medianGapAfterCrash === null
        ? null
        : round(honest.medianGapAfterCrash / roundMs, 2),
    decisionGapAfterCrashRounds: crashAt === null ? null : honest.medianDecisionGapAfterCrash,
    slowestDecisionGapAfterCrashRounds: crashAt === null ? null : honest.slowestDecisionGapAfterCrash,
    adversaryTarget: options.scenario === 'normal' ? 'none' : `${bench.targetRule} (last: ${target})`,
    targetChanges,
    crashedValidator: crashed,
    perValidator: honest.perValidator,
    invalidTransactionsRefused: invalid,
    messages,
    workersBusy: round(workersBusy, 3),
    mainThreadBusy: round(elu.utilization, 3),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
