import type { ValidatorInit } from '../consensus/interface.js';
import type { Prng } from '../kit/prng.js';
import type { ProtocolAdapter } from './adapters/types.js';
import {
  type AdversaryName,
  type AdversarySetup,
  type CrashPlan,
  PuppetCore,
  type SimView,
} from './adversary.js';
import { AsyncNetwork } from './async-network.js';
import { BrainNetwork } from './brain-network.js';
import { PlanNetwork } from './network.js';
import { randomTwinsScenario, TwinsNetwork, type TwinsScenario } from './twins.js';

export interface AdversaryContext {
  readonly adapter: ProtocolAdapter<unknown>;
  readonly inits: readonly ValidatorInit[];
  readonly view: SimView;
  readonly rng: Prng;
  readonly netRng: Prng;
  readonly honest: readonly number[];
  readonly faulty: readonly number[];
  readonly txWindowMs: number | undefined;
  readonly twinsScenario: TwinsScenario | undefined;
  /** Where the brain reports what it carried out. */
  readonly attacks: string[];
}

/** The colluding brain needs vertices collected early, so its stale references exist within a run. */
export const COLLUDING_DAG_GC_DEPTH = 6;

const BRAIN_DELAY_MAX_MS = 8;

/** Protocol settings an adversary's runs use (null: the protocol's defaults). */
export function protocolConfigFor(
  adversary: AdversaryName,
  protocol: string,
): Record<string, unknown> | undefined {
  if (adversary === 'colluding' && protocol === 'dag') return { gcDepthRounds: COLLUDING_DAG_GC_DEPTH };
  return undefined;
}

/** Short, benign link delays (the adversaries below bring their own faults). */
function quietNetwork(rng: Prng): PlanNetwork {
  return new PlanNetwork(
    {
      delayMinMs: 1,
      delayMaxMs: 20,
      slowProbability: 0.05,
      slowExtraMaxMs: 100,
      duplicateProbability: 0,
      dropProbability: 0,
      retransmitMs: 0,
      partition: null,
      crash: null,
      targetDelayMs: 0,
      txWindowMs: 0,
    },
    rng,
  );
}

export function buildAdversary(name: AdversaryName, context: AdversaryContext): AdversarySetup {
  const { rng } = context;
  switch (name) {
    case 'colluding': {
      // Long enough for a few dozen waves: the attack needs the coin to pick a faulty author twice in a row.
      const txWindowMs = context.txWindowMs ?? 2000;
      const endMs = txWindowMs + 500;
      const brain = context.adapter.brain({
        inits: context.inits,
        view: context.view,
        rng: rng.fork(1),
        create: (init) => context.adapter.create(init),
        attacks: context.attacks,
        activeUntilMs: endMs,
        maxDelayMs: BRAIN_DELAY_MAX_MS,
      });
      return {
        name,
        network: new BrainNetwork(brain, context.netRng, endMs, BRAIN_DELAY_MAX_MS),
        twins: [],
        faultyCore: (init) => new PuppetCore(init.index, brain),
        crashes: [],
        lossyCrash: false,
        snapshotPeriodMs: 1000,
        endMs,
        txWindowMs,
      };
    }
    case 'twins': {
      const size = context.view.n + context.faulty.length;
      const scenario = context.twinsScenario ?? randomTwinsScenario(rng, size);
      const network = new TwinsNetwork(scenario, context.netRng, 20);
      const txWindowMs = context.txWindowMs ?? 1500;
      return {
        name,
        network,
        twins: [...context.faulty],
        crashes: [],
        lossyCrash: false,
        snapshotPeriodMs: 1000,
        endMs: Math.max(network.endMs, txWindowMs),
        txWindowMs,
      };
    }
    case 'async': {
      const txWindowMs = context.txWindowMs ?? 1500;
      const releaseAllAtMs = txWindowMs + rng.range(500, 3000);
      return {
        name,
        network: new AsyncNetwork(
          context.adapter,
          context.view,
          rng.fork(2),
          releaseAllAtMs,
          5,
          rng.range(100, 400),
        ),
        twins: [],
        crashes: [],
        lossyCrash: false,
        snapshotPeriodMs: 1000,
        endMs: releaseAllAtMs,
        txWindowMs,
      };
    }
    case 'crash-loss': {
      const txWindowMs = context.txWindowMs ?? 2500;
      const crashes: CrashPlan[] = [];
      const count = rng.range(1, 2);
      for (let k = 0; k < count; k++) {
        const atMs = rng.range(300, txWindowMs);
        crashes.push({ instance: rng.pick(context.honest), atMs, restartMs: atMs + rng.range(20, 600) });
      }
      return {
        name,
        network: quietNetwork(context.netRng),
        twins: [],
        crashes,
        lossyCrash: true,
        // A phase of its own within the period, as a node's snapshot timer has.
        snapshotPeriodMs: 1000,
        endMs: Math.max(txWindowMs, ...crashes.map((c) => c.restartMs)),
        txWindowMs,
      };
    }
  }
}
