import type {
  ConsensusCore,
  ConsensusProtocol,
  ValidatorIndex,
  ValidatorInit,
} from '../../consensus/interface.js';
import { type PbftCore, pbftGenesis, pbftPrimaryOf, pbftProtocol } from '../../consensus/pbft/index.js';
import { ConsensusBenchError } from './errors.js';

export type ProtocolName = 'dag' | 'pbft';

/** Whom a protocol relies on, as one validator sees it: `epoch` orders the sightings. */
export interface ReliedOn {
  /** PBFT: the view. DAG: the wave whose coin elected the anchor. */
  readonly epoch: number;
  readonly validator: ValidatorIndex;
}

/** What the harness needs of a protocol: its factory, a genesis, and whom it relies on. */
export interface BenchProtocol {
  readonly name: ProtocolName;
  readonly protocol: ConsensusProtocol<unknown, ValidatorInit>;
  genesis(n: number, seed: Uint8Array): ValidatorInit[];
  /**
   * Asked of a validator after each input it handles: whom the protocol relies on now, as far as
   * that validator shows it, or null. The harness follows the highest epoch any validator has
   * shown: the leader-delay adversary slows every message from and to that validator, and
   * crash-one crashes it.
   */
  reliedOn(core: ConsensusCore<unknown>, n: number): ReliedOn | null;
  /** How the target is chosen, for the report. */
  readonly targetRule: string;
}

const pbft: BenchProtocol = {
  name: 'pbft',
  protocol: pbftProtocol as ConsensusProtocol<unknown, ValidatorInit>,
  genesis: (n, seed) => pbftGenesis(n, seed),
  reliedOn(core, n) {
    const view = (core as PbftCore).currentView;
    return { epoch: view, validator: pbftPrimaryOf(view, n) };
  },
  targetRule: 'primary of the highest view any validator has entered',
};

interface DagModule {
  dagProtocol?: ConsensusProtocol<unknown, ValidatorInit>;
  dagGenesis?: (n: number, seed: Uint8Array) => ValidatorInit[];
}

interface AnchorAware {
  currentAnchor?: () => { wave: number; leader: ValidatorIndex } | null;
}

interface CoinKeyed {
  readonly coinPublicKeys: { readonly threshold: number; readonly verificationKeys: readonly Uint8Array[] };
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
    // The coin keeps its decoded keys and share checks with the coin-key object a validator is
    // given: each validator gets its own copy, so none profits from another's checks.
    genesis: (n, seed) =>
      dagGenesis(n, seed).map((init) => {
        const keys = (init as unknown as CoinKeyed).coinPublicKeys;
        return {
          ...init,
          coinPublicKeys: { threshold: keys.threshold, verificationKeys: [...keys.verificationKeys] },
        } as ValidatorInit;
      }),
    reliedOn(core) {
      const anchor = (core as AnchorAware).currentAnchor?.();
      if (anchor === undefined) {
        throw new ConsensusBenchError('PROTOCOL_UNAVAILABLE', 'the DAG core exposes no currentAnchor()');
      }
      return anchor === null ? null : { epoch: anchor.wave, validator: anchor.leader };
    },
    targetRule:
      'leader the coin elected for the latest wave whose coin any validator has opened (currentAnchor)',
  };
}

export async function loadProtocol(name: string): Promise<BenchProtocol> {
  if (name === 'pbft') return pbft;
  if (name === 'dag') return loadDag();
  throw new ConsensusBenchError('BAD_OPTION', `unknown protocol "${name}" (expected dag or pbft)`, { name });
}
