import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ConsensusCore } from '../../consensus/interface.js';
import { round } from './stats.js';

export const mb = (bytes: number) => round(bytes / (1024 * 1024), 1);

/**
 * Heap in use after a full collection, so samples compare what is retained rather than where the
 * collector happened to be. `gc` is reached without a command-line flag.
 */
let collect: (() => void) | undefined;
export function liveHeapBytes(): number {
  if (collect === undefined) {
    setFlagsFromString('--expose_gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
  return process.memoryUsage().heapUsed;
}

export interface HeapSample {
  readonly atS: number;
  readonly mb: number;
  readonly retainedBatches?: number;
  readonly retainedBatchMb?: number;
}

/** Cores that report their retained-batch window (the DAG's `stats()`). */
interface RetainReporting {
  stats?: () => { retainedBatches?: number; retainedBatchBytes?: number };
}

/**
 * What the validators keep of committed batches for peers that lag, summed (transaction bytes),
 * when every core reports it: the part of the heap that grows until its bound.
 */
export function retained(cores: readonly ConsensusCore<unknown>[]): {
  retainedBatches?: number;
  retainedBatchMb?: number;
} {
  let batches = 0;
  let bytes = 0;
  for (const core of cores) {
    const stats = (core as RetainReporting).stats?.();
    if (stats?.retainedBatches === undefined || stats.retainedBatchBytes === undefined) return {};
    batches += stats.retainedBatches;
    bytes += stats.retainedBatchBytes;
  }
  return { retainedBatches: batches, retainedBatchMb: mb(bytes) };
}
