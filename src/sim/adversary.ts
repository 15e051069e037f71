import type {
  ConsensusCore,
  ConsensusEffect,
  ConsensusInput,
  ValidatorInit,
} from '../consensus/interface.js';
import type { ProtocolAdapter } from './adapters/types.js';
import { SimError } from './errors.js';
import type { Network } from './network.js';

/** The adversaries beyond the per-validator strategies, each its own model of the world. */
export const ADVERSARIES = ['colluding', 'twins', 'async', 'crash-loss'] as const;
export type AdversaryName = (typeof ADVERSARIES)[number];

export function parseAdversary(name: string): AdversaryName | 'all' {
  if (name === 'all' || (ADVERSARIES as readonly string[]).includes(name))
    return name as AdversaryName | 'all';
  throw new SimError(
    'UNKNOWN_ADVERSARY',
    `unknown adversary "${name}" (expected ${ADVERSARIES.join(', ')} or all)`,
    {
      name,
    },
  );
}

/** The adversary of run `seed`: `all` rotates through every one. */
export function adversaryFor(choice: AdversaryName | 'all', seed: number): AdversaryName {
  return choice === 'all' ? ADVERSARIES[seed % ADVERSARIES.length]! : choice;
}

/** What an adversary may read of the running world (it sees everything, as the network does). */
export interface SimView {
  readonly n: number;
  readonly honest: readonly number[];
  readonly faulty: readonly number[];
  now(): number;
  /** The live core of an instance (null while crashed). */
  core(instance: number): ConsensusCore<unknown> | null;
}

/** A validator restarted after a crash, from its periodic snapshot (lossy) or its last state. */
export interface CrashPlan {
  readonly instance: number;
  readonly atMs: number;
  readonly restartMs: number;
}

/**
 * One run's adversary as the runner carries it out: the network (who receives what, when), the
 * cores of the faulty identities when they act together, instances added for twins, crashes and
 * whether a crash loses what came after the last periodic snapshot.
 */
export interface AdversarySetup {
  readonly name: AdversaryName;
  readonly network: Network;
  /** Identity of each extra instance (twins): instance n + k runs identity twins[k]. */
  readonly twins: readonly number[];
  /** Cores of the faulty identities, when one brain drives them; otherwise the strategies apply. */
  faultyCore?(init: ValidatorInit, adapter: ProtocolAdapter<unknown>): ConsensusCore<unknown>;
  readonly crashes: readonly CrashPlan[];
  /** Restart from the last periodic snapshot and the signed log, not from the state at the crash. */
  readonly lossyCrash: boolean;
  readonly snapshotPeriodMs: number;
  /** When the adversary stops: the liveness bound counts from here. */
  readonly endMs: number;
  /** Transactions are handed to honest validators during [0, txWindowMs). */
  readonly txWindowMs: number;
  /** Per-run protocol settings the attack needs (e.g. a short garbage-collection depth). */
  readonly adapterConfig?: Record<string, unknown>;
}

/** A faulty identity's core that forwards to a shared brain. */
export class PuppetCore implements ConsensusCore<unknown> {
  constructor(
    readonly index: number,
    private readonly brain: {
      handle(index: number, input: ConsensusInput<unknown>, nowMs: number): ConsensusEffect<unknown>[];
      snapshot(index: number): Uint8Array;
    },
  ) {}

  handle(input: ConsensusInput<unknown>, nowMs: number): ConsensusEffect<unknown>[] {
    return this.brain.handle(this.index, input, nowMs);
  }

  snapshot(): Uint8Array {
    return this.brain.snapshot(this.index);
  }
}
