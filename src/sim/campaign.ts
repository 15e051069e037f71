import { type AdversaryName, adversaryFor } from './adversary.js';
import { type RunOptions, type RunResult, runSimulation } from './run.js';
import type { Strategy } from './strategies.js';

export interface CampaignOptions extends Omit<RunOptions, 'seed' | 'adversary'> {
  /** The adversary model of every run (`all` rotates through them by seed); none: the fault plan. */
  readonly adversary?: AdversaryName | 'all';
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
  readonly adversary: AdversaryName | 'all' | null;
  readonly seedStart: number;
  readonly runs: number;
  readonly agreementViolations: number;
  readonly validityViolations: number;
  readonly livenessFailures: number;
  /** Runs in which an honest validator signed two conflicting statements for one slot. */
  readonly equivocationViolations: number;
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
  readonly runsByAdversary: Record<string, number>;
  /** Runs in which the colluding brain got a forged vertex certified (it reached honest votes). */
  readonly forgedCertified: number;
  /** With `--execute`: blocks and state agreement of whole validators, summed over the runs. */
  readonly execution?: {
    readonly blocks: number;
    readonly executedTx: number;
    readonly refusedTx: number;
    readonly stateRootDivergences: number;
    readonly finalStateMismatches: number;
    /** Market workload: broken money or energy conservation, summed over the runs. */
    readonly conservationViolations: number;
    /** Market workload: runs whose trading cycle ended settled. */
    readonly settledCycles?: number;
  };
  readonly wallMs: number;
  /** Seeds per minute of wall time. */
  readonly seedsPerMinute: number;
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
  let equivocationViolations = 0;
  let forgedCertified = 0;
  const runsByAdversary: Record<string, number> = {};
  let committedTx = 0;
  let submittedTx = 0;
  let metadataMismatches = 0;
  const failingSeeds: number[] = [];
  const latencyP50: number[] = [];
  const latencyMax: number[] = [];
  const recovery: number[] = [];
  const runsByStrategy: Record<string, number> = {};
  const execution = {
    blocks: 0,
    executedTx: 0,
    refusedTx: 0,
    stateRootDivergences: 0,
    finalStateMismatches: 0,
    conservationViolations: 0,
  };
  let settledCycles = 0;
  for (let k = 0; k < options.seeds; k++) {
    const seed = options.seedStart + k;
    const { adversary: choice, ...rest } = options;
    const adversary = choice === undefined ? undefined : adversaryFor(choice, seed);
    const result = runSimulation({ ...rest, seed, ...(adversary === undefined ? {} : { adversary }) });
    if (!result.agreementOk) agreementViolations++;
    if (!result.validityOk) validityViolations++;
    if (!result.livenessOk) livenessFailures++;
    if (!result.equivocationOk) equivocationViolations++;
    if (!runPassed(result)) failingSeeds.push(seed);
    if (adversary !== undefined) runsByAdversary[adversary] = (runsByAdversary[adversary] ?? 0) + 1;
    if (result.attacks.some((a) => a.includes('certified forged'))) forgedCertified++;
    committedTx += result.committedTx;
    submittedTx += result.submittedTx;
    metadataMismatches += result.metadataMismatches;
    latencyP50.push(result.latencyP50Ms);
    latencyMax.push(result.latencyMaxMs);
    if (result.livenessOk) recovery.push(result.recoveryMs);
    for (const s of result.strategies) runsByStrategy[s] = (runsByStrategy[s] ?? 0) + 1;
    if (result.execution !== undefined) {
      execution.blocks += result.execution.blocks;
      execution.executedTx += result.execution.executedTx;
      execution.refusedTx += result.execution.refusedTx;
      execution.stateRootDivergences += result.execution.stateRootDivergences;
      execution.finalStateMismatches += result.execution.finalStateMismatches;
      execution.conservationViolations += result.execution.conservationViolations;
      if (result.execution.market?.cycleState === 'settled') settledCycles++;
    }
    options.onRun?.(result);
  }
  return {
    protocol: options.protocol,
    nodes: options.nodes,
    faulty: options.faulty,
    byzantine: options.byzantine,
    adversary: options.adversary ?? null,
    seedStart: options.seedStart,
    runs: options.seeds,
    agreementViolations,
    validityViolations,
    livenessFailures,
    equivocationViolations,
    committedTx,
    submittedTx,
    failingSeeds,
    metadataMismatches,
    latencyP50Ms: median(latencyP50),
    latencyMaxMs: Math.max(0, ...latencyMax),
    recoveryP50Ms: median(recovery),
    recoveryMaxMs: Math.max(0, ...recovery),
    runsByStrategy,
    runsByAdversary,
    forgedCertified,
    ...(options.execute
      ? { execution: options.workload === 'market' ? { ...execution, settledCycles } : execution }
      : {}),
    wallMs: Math.round(clock() - started),
    seedsPerMinute: seedsPerMinute(options.seeds, clock() - started),
  };
}

function seedsPerMinute(seeds: number, wallMs: number): number {
  return wallMs > 0 ? Math.round((seeds * 60_000 * 10) / wallMs) / 10 : 0;
}

/** Every check held: agreement, validity, liveness, no honest equivocation; with `execute`, state and conservation. */
export function runPassed(result: RunResult): boolean {
  const stateAgrees =
    result.execution === undefined ||
    (result.execution.stateRootDivergences === 0 &&
      result.execution.finalStateMismatches === 0 &&
      result.execution.conservationViolations === 0);
  return result.agreementOk && result.validityOk && result.livenessOk && result.equivocationOk && stateAgrees;
}

/** The one command that replays a run (options left at their defaults are not repeated). */
export function replayCommand(options: Omit<CampaignOptions, 'seeds' | 'seedStart'>, seed: number): string {
  const parts = [
    `npx gridshard sim --protocol ${options.protocol} --nodes ${options.nodes} --faulty ${options.faulty}`,
  ];
  if (options.adversary !== undefined) parts.push(`--adversary ${adversaryFor(options.adversary, seed)}`);
  parts.push(`--byzantine ${options.byzantine} --seeds 1 --seed-start ${seed}`);
  if (options.execute) parts.push('--execute');
  if (options.execute && options.workload === 'market') parts.push('--workload market');
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
