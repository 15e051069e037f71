import { Prng } from '../kit/prng.js';
import { runSimulation } from './run.js';
import { describeTwinsScenario, exhaustiveTwinsScenarios } from './twins.js';

export interface TwinsExhaustiveOptions {
  readonly protocol: string;
  /** Only n = 4 is enumerated (one twinned identity, five instances). */
  readonly nodes: 4;
  readonly seed: number;
  readonly transactions: number;
  readonly phaseMs: number;
  readonly livenessBoundMs: number;
  /** Run only this scenario (its index in the enumeration), to replay a failure. */
  readonly only?: number;
}

export interface TwinsExhaustiveReport {
  readonly protocol: string;
  readonly seed: number;
  readonly twinIdentity: number;
  readonly scenarios: number;
  readonly violations: number;
  readonly agreementViolations: number;
  readonly validityViolations: number;
  readonly livenessFailures: number;
  readonly equivocationViolations: number;
  readonly failing: readonly { index: number; scenario: string; problems: readonly string[] }[];
  readonly wallMs: number;
}

/** The faulty identities of run `seed`, drawn exactly as the runner draws them. */
export function faultyIdentities(seed: number, n: number, f: number): number[] {
  const rng = new Prng(seed);
  rng.fork(1);
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  return order.slice(0, f).sort((a, b) => a - b);
}

/**
 * Every bounded twins scenario for n = 4 (see exhaustiveTwinsScenarios) under one seed: the
 * same genesis, coin and transactions each time, only the partitions change. A violation is any
 * failed check (safety, liveness after the network heals, or honest equivocation).
 */
export function runTwinsExhaustive(
  options: TwinsExhaustiveOptions,
  clock: () => number = () => 0,
): TwinsExhaustiveReport {
  const started = clock();
  const twinIdentity = faultyIdentities(options.seed, 4, 1)[0]!;
  const scenarios = exhaustiveTwinsScenarios(twinIdentity, 4, options.phaseMs);
  const failing: { index: number; scenario: string; problems: readonly string[] }[] = [];
  let agreement = 0;
  let validity = 0;
  let liveness = 0;
  let equivocation = 0;
  let ran = 0;
  scenarios.forEach((scenario, index) => {
    if (options.only !== undefined && options.only !== index) return;
    ran++;
    const result = runSimulation({
      protocol: options.protocol,
      nodes: 4,
      faulty: 1,
      byzantine: 'silent',
      seed: options.seed,
      adversary: 'twins',
      twinsScenario: scenario,
      transactions: options.transactions,
      txWindowMs: 300,
      livenessBoundMs: options.livenessBoundMs,
    });
    if (!result.agreementOk) agreement++;
    if (!result.validityOk) validity++;
    if (!result.livenessOk) liveness++;
    if (!result.equivocationOk) equivocation++;
    if (!(result.agreementOk && result.validityOk && result.livenessOk && result.equivocationOk)) {
      failing.push({ index, scenario: describeTwinsScenario(scenario), problems: result.problems });
    }
  });
  return {
    protocol: options.protocol,
    seed: options.seed,
    twinIdentity,
    scenarios: ran,
    violations: failing.length,
    agreementViolations: agreement,
    validityViolations: validity,
    livenessFailures: liveness,
    equivocationViolations: equivocation,
    failing,
    wallMs: Math.round(clock() - started),
  };
}
