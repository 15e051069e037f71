import type {
  ConsensusCore,
  ConsensusProtocol,
  ValidatorIndex,
  ValidatorInit,
} from '../../consensus/interface.js';
import { type PbftCore, pbftGenesis, pbftPrimaryOf, pbftProtocol } from '../../consensus/pbft/index.js';
import { ConsensusBenchError } from './errors.js';

export type ProtocolName = 'dag' | 'pbft';

/** What the harness needs of a protocol: its factory, a genesis, and whom it relies on next. */
export interface BenchProtocol {
  readonly name: ProtocolName;
  readonly protocol: ConsensusProtocol<unknown, ValidatorInit>;
  genesis(n: number, seed: Uint8Array): ValidatorInit[];
  /**
   * The validator the protocol depends on next, as the live validators see it, or null. The
   * leader-delay adversary slows every message from and to it; crash-one crashes it.
   */
  target(
    live: readonly ConsensusCore<unknown>[],
    n: number,
    lastCommitProposer: ValidatorIndex | null,
  ): ValidatorIndex | null;
  /** How `target` is chosen, for the report. */
  readonly targetRule: string;
}

const pbft: BenchProtocol = {
  name: 'pbft',
  protocol: pbftProtocol as ConsensusProtocol<unknown, ValidatorInit>,
  genesis: (n, seed) => pbftGenesis(n, seed),
  target(live, n) {
    // The primary of the highest view any live validator is in: the one the others wait on.
    let view = -1;
    for (const core of live) view = Math.max(view, (core as PbftCore).currentView);
    return view < 0 ? null : pbftPrimaryOf(view, n);
  },
  targetRule: 'primary of the highest current view among live validators',
};

interface DagModule {
  dagProtocol?: ConsensusProtocol<unknown, ValidatorInit>;
  dagGenesis?: (n: number, seed: Uint8Array) => ValidatorInit[];
}

interface LeaderAware {
  lastCommittedLeader?: () => ValidatorIndex | null;
}

/**
 * The DAG protocol is loaded at run time, so this benchmark builds and runs PBFT in a checkout
 * where the DAG is absent; asking for it then is a typed PROTOCOL_UNAVAILABLE error.
 */
async function loadDag(): Promise<BenchProtocol> {
  const specifier = '../../consensus/dag/index.js';
  let module: DagModule;
  try {
    module = (await import(specifier)) as DagModule;
  } catch (error) {
    throw new ConsensusBenchError(
      'PROTOCOL_UNAVAILABLE',
      `the DAG protocol could not be loaded: ${String(error)}`,
    );
  }
  const { dagProtocol, dagGenesis } = module;
  if (dagProtocol === undefined || dagGenesis === undefined) {
    throw new ConsensusBenchError('PROTOCOL_UNAVAILABLE', 'the DAG module exports no dagProtocol/dagGenesis');
  }
  return {
    name: 'dag',
    protocol: dagProtocol,
    genesis: (n, seed) => dagGenesis(n, seed),
    target(live, _n, lastCommitProposer) {
      // The coin elects a wave's leader only after the wave: the adversary goes after the leader it
      // has just seen committed (the DAG core reports it), else the proposer of the last batch.
      for (const core of live) {
        const leader = (core as LeaderAware).lastCommittedLeader?.();
        if (leader !== undefined && leader !== null) return leader;
      }
      return lastCommitProposer;
    },
    targetRule: 'leader of the last committed wave (lastCommittedLeader of a live validator)',
  };
}

export async function loadProtocol(name: string): Promise<BenchProtocol> {
  if (name === 'pbft') return pbft;
  if (name === 'dag') return loadDag();
  throw new ConsensusBenchError('BAD_OPTION', `unknown protocol "${name}" (expected dag or pbft)`, { name });
}
