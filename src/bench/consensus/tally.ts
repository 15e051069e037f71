import { LatencyHistogram, median, round } from './stats.js';

/** Latencies above two minutes are counted as two minutes (each validator has its own histogram). */
const LATENCY_CAP_MS = 120_000;

/**
 * What one validator committed inside the measured window: how many client transactions, how
 * long each took from submission to this validator's commit, and its longest pause without a
 * commit (overall, and from a crash on). Fixed size however long the run.
 */
export class CommitTally {
  committed = 0;
  readonly latencies = new LatencyHistogram(LATENCY_CAP_MS);
  maxGapMs = 0;
  maxGapAfterCrashMs: number | null = null;
  /** From a crash on: the most protocol rounds between two consecutive decisions. */
  maxDecisionGapAfterCrashRounds: number | null = null;
  private lastMs = 0;
  private crashAtMs: number | null = null;
  private lastDecisionRound: number | null = null;

  constructor(readonly validator: number) {}

  open(atMs: number): void {
    this.lastMs = atMs;
  }

  /** A validator crashed at `atMs`: pauses are also measured from then on. */
  crashed(atMs: number): void {
    this.crashAtMs = atMs;
    this.maxGapAfterCrashMs = 0;
  }

  transaction(latencyMs: number): void {
    this.committed++;
    this.latencies.add(latencyMs);
  }

  /** A commit that held at least one new transaction for this validator. */
  commit(atMs: number): void {
    this.pause(atMs);
    this.lastMs = atMs;
  }

  /**
   * A decision ended (`endsCommit`) in protocol round `round`. Gaps are counted for decisions
   * from the crash on, the one spanning the crash included.
   */
  decision(round: number): void {
    if (this.crashAtMs !== null && this.lastDecisionRound !== null) {
      const gap = round - this.lastDecisionRound;
      this.maxDecisionGapAfterCrashRounds = Math.max(this.maxDecisionGapAfterCrashRounds ?? 0, gap);
    }
    this.lastDecisionRound = round;
  }

  close(atMs: number): void {
    this.pause(atMs);
  }

  private pause(atMs: number): void {
    this.maxGapMs = Math.max(this.maxGapMs, atMs - this.lastMs);
    if (this.crashAtMs !== null && atMs >= this.crashAtMs) {
      const gap = atMs - Math.max(this.lastMs, this.crashAtMs);
      this.maxGapAfterCrashMs = Math.max(this.maxGapAfterCrashMs ?? 0, gap);
    }
  }
}

export interface ValidatorFigures {
  readonly validator: number;
  readonly committedTx: number;
  readonly txPerSec: number;
  readonly p50LatencyMs: number;
  readonly p99LatencyMs: number;
  readonly maxCommitGapMs: number;
  readonly maxGapAfterCrashMs: number | null;
  readonly maxDecisionGapAfterCrashRounds: number | null;
}

/**
 * Each figure over the honest validators: the median (for an even count, the lower of the two
 * middle values, so the worse of them for throughput) and the worst.
 */
export interface AcrossValidators {
  readonly perValidator: ValidatorFigures[];
  readonly medianTx: number;
  readonly medianTxPerSec: number;
  readonly slowestTxPerSec: number;
  readonly medianP50: number;
  readonly medianP99: number;
  readonly slowestP50: number;
  readonly slowestP99: number;
  readonly medianGap: number;
  readonly slowestGap: number;
  readonly medianGapAfterCrash: number | null;
  readonly slowestGapAfterCrash: number | null;
  readonly medianDecisionGapAfterCrash: number | null;
  readonly slowestDecisionGapAfterCrash: number | null;
}

export function acrossValidators(tallies: readonly CommitTally[], windowMs: number): AcrossValidators {
  const perValidator = tallies.map(
    (t): ValidatorFigures => ({
      validator: t.validator,
      committedTx: t.committed,
      txPerSec: round((t.committed * 1000) / windowMs, 0),
      p50LatencyMs: t.latencies.percentile(50),
      p99LatencyMs: t.latencies.percentile(99),
      maxCommitGapMs: round(t.maxGapMs),
      maxGapAfterCrashMs: t.maxGapAfterCrashMs === null ? null : round(t.maxGapAfterCrashMs),
      maxDecisionGapAfterCrashRounds: t.maxDecisionGapAfterCrashRounds,
    }),
  );
  const of = (pick: (f: ValidatorFigures) => number) => perValidator.map(pick);
  const afterCrash = perValidator.map((f) => f.maxGapAfterCrashMs).filter((g): g is number => g !== null);
  const decisionGaps = perValidator
    .map((f) => f.maxDecisionGapAfterCrashRounds)
    .filter((g): g is number => g !== null);
  // The median of "how fast" is taken from below: the lower middle of an even count.
  const lowMedian = (values: number[]) => median(values);
  // The median of "how slow" is taken from above, for the same reason.
  const highMedian = (values: number[]) => -median(values.map((v) => -v));
  return {
    perValidator,
    medianTx: lowMedian(of((f) => f.committedTx)),
    medianTxPerSec: lowMedian(of((f) => f.txPerSec)),
    slowestTxPerSec: Math.min(...of((f) => f.txPerSec)),
    medianP50: highMedian(of((f) => f.p50LatencyMs)),
    medianP99: highMedian(of((f) => f.p99LatencyMs)),
    slowestP50: Math.max(...of((f) => f.p50LatencyMs)),
    slowestP99: Math.max(...of((f) => f.p99LatencyMs)),
    medianGap: highMedian(of((f) => f.maxCommitGapMs)),
    slowestGap: Math.max(...of((f) => f.maxCommitGapMs)),
    medianGapAfterCrash: afterCrash.length === 0 ? null : highMedian(afterCrash),
    slowestGapAfterCrash: afterCrash.length === 0 ? null : Math.max(...afterCrash),
    medianDecisionGapAfterCrash: decisionGaps.length === 0 ? null : highMedian(decisionGaps),
    slowestDecisionGapAfterCrash: decisionGaps.length === 0 ? null : Math.max(...decisionGaps),
  };
}
