import { DagCore, type EquivocationProof, headerDigest } from '../../src/consensus/dag/index.js';
import { decodeState } from '../../src/consensus/dag/snapshot.js';
import type { Committee } from '../../src/consensus/interface.js';
import { dagAdapter } from '../../src/sim/adapters/dag.js';
import { type RunResult, runSimulation } from '../../src/sim/index.js';

/** What the honest validators of a colluding DAG run held, sampled through the run. */
export interface ObservedRun {
  readonly result: RunResult;
  /** Hex digests of every certificate any honest validator ever held in its DAG. */
  readonly held: ReadonlySet<string>;
  /** Equivocation proofs recorded by the honest validators at the end. */
  readonly proofs: readonly { validator: number; proof: EquivocationProof }[];
  /** Per wave, the leaders honest validators found when they opened its coin. */
  readonly anchors: ReadonlyMap<number, ReadonlySet<number>>;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Runs the colluding adversary against the DAG with n = 4, f = 1, watching the honest cores. */
export function observeColludingDag(seed: number, txWindowMs: number): ObservedRun {
  const held = new Set<string>();
  const anchors = new Map<number, Set<number>>();
  let last: readonly unknown[] = [];
  const result = runSimulation({
    protocol: 'dag',
    nodes: 4,
    faulty: 1,
    byzantine: 'silent',
    seed,
    adversary: 'colluding',
    transactions: 20,
    txWindowMs,
    sampleEveryMs: 10,
    onSample: (_nowMs, cores) => {
      last = cores;
      for (const core of cores) {
        if (!(core instanceof DagCore)) continue;
        for (const certificate of decodeState(core.snapshot()).certificates)
          held.add(hex(headerDigest(certificate.header)));
        const anchor = core.currentAnchor();
        if (anchor === null) continue;
        const leaders = anchors.get(anchor.wave) ?? new Set<number>();
        leaders.add(anchor.leader);
        anchors.set(anchor.wave, leaders);
      }
    },
  });
  const proofs: { validator: number; proof: EquivocationProof }[] = [];
  for (const core of last)
    if (core instanceof DagCore)
      for (const proof of core.equivocations()) proofs.push({ validator: core.index, proof });
  return { result, held, proofs, anchors };
}

export function digestHex(proofHeader: EquivocationProof['first']): string {
  return hex(headerDigest(proofHeader));
}

/** The committee of a four-validator simulated DAG run of `seed`, built as the run builds it. */
export function committeeForTest(seed: number): Committee {
  const genesisSeed = new Uint8Array(32);
  new DataView(genesisSeed.buffer).setUint32(0, seed >>> 0);
  return dagAdapter().genesis(4, genesisSeed)[0]!.committee;
}
