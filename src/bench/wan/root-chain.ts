import { quorumSize } from '../../consensus/interface.js';
import { DagCommittee } from './dag-committee.js';
import type { Engine } from './engine.js';
import type { Entry } from './entries.js';
import type { Machines } from './machines.js';
import type { Copies, UnitCosts } from './types.js';

export interface RootLinks {
  /** The root chain ordered the proof of (shard, height) for the first time. */
  proofOrdered(shard: number, height: number): void;
  /** Proof entries ordered, copies included. */
  copiesOrdered(count: number): void;
}

interface Collected {
  readonly counts: Uint8Array;
  arrived: number;
}

/**
 * The root committee (src/sim/sharded/root-node.ts) on its own DAG: every root validator verifies
 * each shard validator's attestation; the one whose count for a block reaches 2f + 1 builds the
 * proof and, unless its root ledger already holds that block's proof, proposes it (every root
 * validator does so, as in the code, so a proof is ordered about once per root validator).
 * Each proof copy is checked by `acceptsEntry` where proposed, in every header and certificate
 * holding it, and again by `RootLedger.include` when executed. As built, each root validator's own
 * memo holds the proof's 2f + 1 signatures from the attestations it verified, so these checks cost
 * decoding and memo look-ups only; before the savings each verified the signatures again. Each
 * root block is attested to the root committee, whose validators verify the attestations.
 */
export class RootChain {
  readonly committee: DagCommittee;
  private readonly queues: Entry[][];
  private readonly heads: number[];
  private readonly executed: Int32Array;
  private readonly collected = new Map<string, Collected>();
  /** Wave of the root chain that first ordered a block's proof. */
  private readonly orderedWave = new Map<string, number>();
  private firstWaveDone = 0;
  /** µs of one proof's `acceptsEntry` and of its `RootLedger.include` (with or without the memo). */
  private readonly checkUs: number;
  private readonly includeUs: number;

  constructor(
    engine: Engine,
    private readonly machines: Machines,
    private readonly costs: UnitCosts,
    readonly base: number,
    readonly size: number,
    private readonly shardSize: number,
    private readonly links: RootLinks,
    /** `one`: only root validator (shard + height) mod size proposes a block's proof. */
    private readonly proofs: Copies,
  ) {
    const memo = proofs !== 'before-savings';
    this.checkUs = memo ? costs.proofCheckMemoUs : costs.proofCheckUs;
    this.includeUs = memo ? costs.proofIncludeMemoUs : costs.proofIncludeUs;
    this.queues = Array.from({ length: size }, () => []);
    this.heads = Array.from({ length: size }, () => 0);
    this.executed = new Int32Array(size);
    this.committee = new DagCommittee(engine, machines, costs, base, size, {
      take: (v, max) => this.take(v, max),
      checkCategory: 'commitProofs',
      checkUs: (entries) => entries.length * this.checkUs,
      bytes: (entries) => entries.length * this.costs.bytes.proof,
      execute: (v, wave, entries) => this.execute(v, wave, entries),
    });
  }

  start(): void {
    this.committee.start();
  }

  private take(v: number, max: number): Entry[] {
    const queue = this.queues[v]!;
    const head = this.heads[v]!;
    const out = queue.slice(head, head + max);
    this.heads[v] = head + out.length;
    if (this.heads[v]! > 4096 && this.heads[v]! * 2 > queue.length) {
      queue.splice(0, this.heads[v]!);
      this.heads[v] = 0;
    }
    return out;
  }

  /** A shard validator's attestation reaching root validator `r`. */
  onAttestation(r: number, shard: number, height: number): void {
    const node = this.base + r;
    this.machines.spend(node, 'codecAndHashing', this.costs.messageUs);
    this.machines.spend(node, 'commitProofs', this.costs.attestationVerifyUs);
    this.machines.queue(node, () => {
      const key = `${shard}/${height}`;
      let entry = this.collected.get(key);
      if (entry === undefined) {
        entry = { counts: new Uint8Array(this.size), arrived: 0 };
        this.collected.set(key, entry);
      }
      entry.counts[r]!++;
      if (++entry.arrived === this.size * this.shardSize) this.collected.delete(key);
      if (entry.counts[r] !== quorumSize(this.shardSize)) return;
      if (this.proofs === 'one' && (shard + height) % this.size !== r) return;
      const wave = this.orderedWave.get(key);
      if (wave !== undefined && wave <= this.executed[r]!) return;
      this.machines.spend(node, 'commitProofs', this.checkUs);
      this.machines.queue(node, () => this.queues[r]!.push({ kind: 'proof', shard, height }));
    });
  }

  private execute(r: number, wave: number, entries: readonly Entry[]): void {
    const node = this.base + r;
    const first = wave > this.firstWaveDone;
    if (first) {
      this.firstWaveDone = wave;
      this.links.copiesOrdered(entries.length);
      for (const e of entries) {
        if (e.kind !== 'proof') continue;
        const key = `${e.shard}/${e.height}`;
        if (this.orderedWave.has(key)) continue;
        this.orderedWave.set(key, wave);
        this.links.proofOrdered(e.shard, e.height);
      }
    }
    this.machines.spend(node, 'commitProofs', entries.length * this.includeUs);
    if (entries.length > 0) {
      this.machines.spend(
        node,
        'codecAndHashing',
        ((entries.length * this.costs.bytes.proof) / 1024) * this.costs.sha256UsPerKb,
      );
      this.machines.spend(node, 'commitProofs', this.costs.attestUs);
    }
    this.machines.queue(node, () => {
      this.executed[r] = wave;
      if (entries.length === 0) return;
      for (let q = 0; q < this.size; q++) {
        if (q === r) continue;
        this.machines.send(node, this.base + q, this.costs.bytes.attestation, () => {
          const to = this.base + q;
          this.machines.spend(to, 'codecAndHashing', this.costs.messageUs);
          this.machines.spend(to, 'commitProofs', this.costs.attestationVerifyUs);
          this.machines.queue(to, () => {});
        });
      }
    });
  }
}
