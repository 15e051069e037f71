import { DagCore } from '../consensus/dag/index.js';
import { runCampaign } from '../sim/campaign.js';
import { runSimulation } from '../sim/run.js';

export interface SimBenchOptions {
  readonly seeds: number;
  readonly longRunMs: number;
  readonly clock: () => number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * The simulator's own figures: wall time per simulated run for each protocol (n = 4, f = 1, every
 * strategy in turn), and a long calm DAG run under steady load, sampled for the size of its DAG
 * window and the process heap, to show garbage collection keeps memory flat.
 */
export function runSimBench(options: SimBenchOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const protocol of ['dag', 'pbft']) {
    const walls: number[] = [];
    let last = options.clock();
    const report = runCampaign(
      {
        protocol,
        nodes: 4,
        faulty: 1,
        byzantine: 'all',
        seeds: options.seeds,
        seedStart: 1,
        onRun: () => {
          const now = options.clock();
          walls.push(now - last);
          last = now;
        },
      },
      options.clock,
    );
    out[protocol] = {
      runs: report.runs,
      failingSeeds: report.failingSeeds,
      wallMsPerRunP50: Math.round(median(walls)),
      virtualLatencyP50Ms: report.latencyP50Ms,
      virtualLatencyMaxMs: report.latencyMaxMs,
    };
  }
  const samples: { atMs: number; dagVertices: number; heapMiB: number }[] = [];
  const started = options.clock();
  const result = runSimulation({
    protocol: 'dag',
    nodes: 4,
    faulty: 0,
    byzantine: 'silent',
    seed: 1,
    calm: true,
    transactions: Math.floor(options.longRunMs / 2),
    txWindowMs: options.longRunMs,
    sampleEveryMs: Math.max(1000, Math.floor(options.longRunMs / 10)),
    onSample: (atMs, cores) => {
      // With --expose-gc the heap is measured after a full collection, otherwise as it stands.
      (globalThis as { gc?: () => void }).gc?.();
      const core = cores[0];
      samples.push({
        atMs,
        dagVertices: core instanceof DagCore ? core.stats().dagSize : -1,
        heapMiB: Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10,
      });
    },
  });
  out.longRun = {
    virtualMs: result.virtualMs,
    committedTx: result.committedTx,
    livenessOk: result.livenessOk,
    wallMs: Math.round(options.clock() - started),
    dagVerticesStart: samples[0]?.dagVertices ?? 0,
    dagVerticesEnd: samples[samples.length - 1]?.dagVertices ?? 0,
    dagVerticesMax: Math.max(0, ...samples.map((s) => s.dagVertices)),
    heapMiBStart: samples[0]?.heapMiB ?? 0,
    heapMiBEnd: samples[samples.length - 1]?.heapMiB ?? 0,
  };
  return out;
}
