import { type RunOptions, type RunResult, runSimulation } from './run.js';
import type { Strategy } from './strategies.js';

export interface CampaignOptions extends Omit<RunOptions, 'seed'> {
  readonly seeds: number;
  readonly seedStart: number;
  /** Called after each run (progress, failure reports). */
  readonly onRun?: (result: RunResult) => void;
}

export interface CampaignReport {
  readonly protocol: string;
  readonly nodes: number;
  readonly faulty: number;
  readonly byzantine: Strategy | 'all';
  readonly seedStart: number;
  readonly runs: number;
  readonly agreementViolations: number;
  readonly validityViolations: number;
  readonly livenessFailures: number;
  readonly committedTx: number;
  readonly submittedTx: number;
  readonly failingSeeds: number[];
  readonly metadataMismatches: number;
  /** Virtual milliseconds: medians and maxima over the runs. */
  readonly latencyP50Ms: number;
  readonly latencyMaxMs: number;
  readonly recoveryP50Ms: number;
  readonly recoveryMaxMs: number;
  readonly runsByStrategy: Record<string, number>;
  readonly wallMs: number;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs seeds seedStart … seedStart + seeds - 1 and adds up the checks. */
export function runCampaign(options: CampaignOptions, clock: () => number = () => 0): CampaignReport {
  const started = clock();
  let agreementViolations = 0;
  let validityViolations = 0;
  let livenessFailures = 0;
  let committedTx = 0;
  let submittedTx = 0;
  let metadataMismatches = 0;
  const failingSeeds: number[] = [];
  const latencyP50: number[] = [];
  const latencyMax: number[] = [];
  const recovery: number[] = [];
  const runsByStrategy: Record<string, number> = {};
  for (let k = 0; k < options.seeds; k++) {
    const seed = options.seedStart + k;
    const result = runSimulation({ ...options, seed });
    if (!result.agreementOk) agreementViolations++;
    if (!result.validityOk) validityViolations++;
    if (!result.livenessOk) livenessFailures++;
    if (!result.agreementOk || !result.validityOk || !result.livenessOk) failingSeeds.push(seed);
    committedTx += result.committedTx;
    submittedTx += result.submittedTx;
    metadataMismatches += result.metadataMismatches;
    latencyP50.push(result.latencyP50Ms);
    latencyMax.push(result.latencyMaxMs);
    if (result.livenessOk) recovery.push(result.recoveryMs);
    for (const s of result.strategies) runsByStrategy[s] = (runsByStrategy[s] ?? 0) + 1;
    options.onRun?.(result);
  }
  return {
    protocol: options.protocol,
    nodes: options.nodes,
    faulty: options.faulty,
    byzantine: options.byzantine,
    seedStart: options.seedStart,
    runs: options.seeds,
    agreementViolations,
    validityViolations,
    livenessFailures,
    committedTx,
    submittedTx,
    failingSeeds,
    metadataMismatches,
    latencyP50Ms: median(latencyP50),
    latencyMaxMs: Math.max(0, ...latencyMax),
    recoveryP50Ms: median(recovery),
    recoveryMaxMs: Math.max(0, ...recovery),
    runsByStrategy,
    wallMs: Math.round(clock() - started),
  };
}

/** The one command that replays a run (options left at their defaults are not repeated). */
export function replayCommand(options: Omit<RunOptions, 'seed'>, seed: number): string {
  const parts = [
    `npx gridshard sim --protocol ${options.protocol} --nodes ${options.nodes} --faulty ${options.faulty}`,
    `--byzantine ${options.byzantine} --seeds 1 --seed-start ${seed}`,
  ];
  if (options.transactions !== undefined && options.transactions !== 100)
    parts.push(`--transactions ${options.transactions}`);
  if (options.livenessBoundMs !== undefined && options.livenessBoundMs !== 30_000) {
    parts.push(`--liveness-bound-ms ${options.livenessBoundMs}`);
  }
  if (options.wire) parts.push('--wire');
  if (options.calm) parts.push('--calm');
  parts.push('--json');
  return parts.join(' ');
}
