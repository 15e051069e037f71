import type { Committee } from '../../consensus/interface.js';
import type { ExecutedBlock } from '../../ledger/chain-state.js';
import type { Strategy } from '../strategies.js';

/**
 * Who orders a chain's messages: the seeded fault plan (partitions, loss, a crash), the consensus
 * simulator's asynchronous scheduler; twins: each Byzantine member runs as two honest instances
 * with the same keys while seeded partitions split the instances all through the cycles, so the
 * identity equivocates without any code written to lie; or the colluding brain: one brain per
 * epoch drives that committee's Byzantine members and holds the messages its attacks need held.
 */
export type EpochScheduler = 'fault-plan' | 'async' | 'twins' | 'colluding';

/**
 * How each chain's scheduler is chosen: one for every chain (`twins` and `colluding` only where
 * the chain has a Byzantine member, else the fault plan), or `all`: the asynchronous scheduler for
 * half, and the rest with a Byzantine member split evenly between the fault plan, twins and the
 * colluding brain. Absent: the fault plan or the asynchronous scheduler, half each (so a seed
 * replays as it did before twins and the brain were offered).
 */
export type ChurnAdversary = EpochScheduler | 'all';

export interface ChurnOptions {
  readonly seed: number;
  /** Committee size (every epoch's). */
  readonly nodes: number;
  /** Standby nodes outside the genesis committee, following the chain. */
  readonly standby: number;
  /** Byzantine members of the genesis committee (at most f). */
  readonly faulty: number;
  readonly byzantine: Strategy | 'all';
  /** Handovers to make: the run ends in epoch `cycles` at the earliest. */
  readonly cycles: number;
  /** Cycle length in block time: epoch e hands over once block time reaches (e + 1) · cycleMs (default 5 s with `dkg` keys, 3 s with `dealer`). */
  readonly cycleMs?: number;
  /**
   * Where each new committee's coin keys come from: `dkg` (default), generated on the chain by the
   * elected committee before it takes over (three phases of 1 s); `dealer`, a dealer seeded by the run.
   */
  readonly keys?: 'dkg' | 'dealer';
  /**
   * Who orders delivery: the seeded fault plan, or the consensus simulator's asynchronous
   * scheduler (which starves the likely supporters of a wave, coin shares or one receiver until its
   * release time). Default: drawn per seed, half each.
   */
  readonly scheduler?: 'fault-plan' | 'async';
  /** How the scheduler is drawn when `scheduler` is absent (see `ChurnAdversary`). */
  readonly adversary?: ChurnAdversary;
  readonly transactions?: number;
  /** No partition, loss or crash (delays stay). */
  readonly calm?: boolean;
  /**
   * Virtual time allowed after the last fault for the remaining handovers and every transaction
   * (default 30 s plus a cycle per handover: a committee serves a whole cycle from its start).
   */
  readonly livenessBoundMs?: number;
  /** A crash of one node instead of the fault plan's (tests place one across a boundary). */
  readonly crash?: { readonly node: number; readonly atMs: number; readonly restartMs: number };
  /** Keep the agreed chain in the result (tests read it). */
  readonly keepChain?: boolean;
}

export interface ChurnResult {
  readonly seed: number;
  readonly scheduler: EpochScheduler;
  readonly nodes: number;
  readonly standby: number;
  readonly faultyNodes: readonly number[];
  readonly strategies: readonly Strategy[];
  /** Epochs after genesis that began (handovers applied). */
  readonly reconfigurations: number;
  /** Members replaced by a standby, over all handovers: the suspended, and the worst when a standby had better credit. */
  readonly replacedVerifiers: number;
  /** Nodes the chain suspended on a proof of equivocation an honest member reported. */
  readonly suspendedNodes: number;
  /** Per suspended node: ms from the first honest core holding its proof to the block that suspended it. */
  readonly suspensionDelaysMs: readonly number[];
  /**
   * Blocks stamped with another epoch than the committee their parent's state records, blocks
   * whose batch certificates do not verify against that committee, and epochs whose order does not
   * start at sequence 0 or has a gap.
   */
  readonly epochSafetyViolations: number;
  /** Heights where two honest nodes (members or followers) hold different blocks. */
  readonly blockDivergences: number;
  readonly livenessOk: boolean;
  readonly submittedTx: number;
  readonly committedTx: number;
  readonly blocks: number;
  /** The committee of each epoch, as node ids. */
  readonly committees: readonly (readonly number[])[];
  /** Per handover: ms from the first honest node executing the boundary to the new epoch's first commit. */
  readonly boundaryPausesMs: readonly number[];
  /** Per handover: the DAG round of the new epoch's first committed leader. */
  readonly firstCommitRounds: readonly number[];
  /** Old-epoch messages the adversary delivered again, re-tagged with a newer epoch or as they were. */
  readonly replayedMessages: number;
  /** Attacks the colluding brains carried out (stale parents, double votes, steered coins). */
  readonly colludingAttacks: number;
  /** Key-generation sessions the elected committees ran (more than the handovers when one failed). */
  readonly keySessions: number;
  /** Members that gave up an epoch the chain had left and followed the blocks to catch up. */
  readonly resyncs: number;
  /** Handover votes for another committee sent for Byzantine members. */
  readonly byzantineVotes: number;
  /** Client transactions sent again because the member holding them left or lost them. */
  readonly resentTx: number;
  readonly virtualMs: number;
  readonly problems: readonly string[];
  /** With `keepChain`: the agreed blocks with their batch proofs, and the genesis committee. */
  readonly chain?: {
    readonly genesis: Committee;
    readonly blocks: readonly { readonly block: ExecutedBlock; readonly proof: Uint8Array }[];
  };
}
