import type { Highs } from 'highs';
import type { Committee, ConsensusCore } from '../consensus/interface.js';
import type { Application } from '../ledger/application.js';
import type { ExecutedBlock } from '../ledger/chain-state.js';
import type { ProtocolAdapter } from './adapters/types.js';
import type { AdversaryName } from './adversary.js';
import type { ExecutionReport } from './execution.js';
import type { Strategy } from './strategies.js';
import type { TwinsScenario } from './twins.js';
import type { WorkloadName } from './workload.js';

export interface RunOptions {
  readonly protocol: string;
  readonly nodes: number;
  /** Byzantine validators (at most f). */
  readonly faulty: number;
  readonly byzantine: Strategy | 'all';
  readonly seed: number;
  /** An adversary model instead of the seeded fault plan (the strategies still drive lone faulty nodes). */
  readonly adversary?: AdversaryName;
  /** The twins scenario to run (exhaustive enumeration); without it twins draws one from the seed. */
  readonly twinsScenario?: TwinsScenario;
  readonly transactions?: number;
  /** Virtual time allowed after the last fault for every transaction to be committed everywhere. */
  readonly livenessBoundMs?: number;
  /** Pass every message through its encoder and decoder (slower; exercises the codec). */
  readonly wire?: boolean;
  /** Turn off the network faults (delays stay), for a clean baseline. */
  readonly calm?: boolean;
  /** Transactions are spread over this much virtual time (default 1500 ms). */
  readonly txWindowMs?: number;
  /** Called every `sampleEveryMs` of virtual time with the live cores (benchmarks). */
  readonly sampleEveryMs?: number;
  readonly onSample?: (nowMs: number, cores: readonly (ConsensusCore<unknown> | null)[]) => void;
  /** A protocol adapter to use instead of the named protocol's (tests of the runner itself). */
  readonly adapter?: ProtocolAdapter<unknown>;
  /**
   * Run whole validators (src/validator): signed ledger transactions through mempool, consensus,
   * block cut and execution, with the honest validators' blocks compared root by root.
   */
  readonly execute?: boolean;
  /**
   * With `execute`: the application of each instance instead of the standard one, which is the
   * key-value application, or for the market workload the node's own application
   * (`chainApplication` of src/market/grid-plugins.ts). A test hook: tests plant a bad one.
   */
  readonly executionApplication?: (instance: number) => Application;
  /**
   * With the market workload: the HiGHS solver the node's application checks schedules with
   * (`loadHighs()` of src/grid). It loads asynchronously and runs are synchronous, so the caller
   * loads it once; without it (and without `executionApplication`) the run is refused.
   */
  readonly highs?: Highs;
  /** With `execute`: what clients send, `kv` (default) or one trading cycle of the market. */
  readonly workload?: WorkloadName;
  /**
   * Validators share one memo of signature checks (default true; src/sim/shared-checks.ts). The
   * answers are the same either way: false is for tests that show it.
   */
  readonly shareChecks?: boolean;
  /** With `execute`: every block an honest validator executes, with its committee (tests read chains). */
  readonly onBlock?: (
    identity: number,
    block: ExecutedBlock,
    committee: Committee,
    /** The block's batch quorum proofs, kept beside it. */
    batchProofs: Uint8Array,
  ) => void;
}

export interface RunResult {
  readonly seed: number;
  readonly adversary: AdversaryName | null;
  readonly strategies: readonly Strategy[];
  readonly faultyNodes: readonly number[];
  readonly agreementOk: boolean;
  readonly validityOk: boolean;
  readonly livenessOk: boolean;
  /** No honest validator signed two conflicting statements for one slot. */
  readonly equivocationOk: boolean;
  /** Batches whose transactions agree but whose reported round or proposer differ between validators. */
  readonly metadataMismatches: number;
  readonly submittedTx: number;
  readonly committedTx: number;
  readonly virtualMs: number;
  /** Virtual time from the end of the faults until the last transaction was committed everywhere. */
  readonly recoveryMs: number;
  readonly events: number;
  readonly latencyP50Ms: number;
  readonly latencyMaxMs: number;
  /** What the colluding brain carried out (which attacks reached honest validators). */
  readonly attacks: readonly string[];
  /** Messages the network held back (released later, at the latest by its deadline). */
  readonly heldMessages: number;
  /** Restarts after a crash, and what each restart was given back. */
  readonly restarts: readonly {
    instance: number;
    atMs: number;
    fromSnapshot: boolean;
    signedRecords: number;
  }[];
  readonly problems: readonly string[];
  /** With `execute`: blocks, executed transactions and state agreement. */
  readonly execution?: ExecutionReport;
}
