import type { CoinPublicKeys } from '../consensus/coin/index.js';
import {
  type DagMessage,
  type DagValidatorInit,
  dagProtocol,
  snapshotNextSequence,
} from '../consensus/dag/index.js';
import type { ConsensusCore, ValidatorInit } from '../consensus/interface.js';
import { type PbftMessage, pbftProtocol } from '../consensus/pbft/index.js';
import { NodeError } from './errors.js';
import { type ConsensusName, coinPublicKeysOf, consensusOf, type GenesisFile } from './genesis-file.js';

/**
 * What the node needs from the chain's consensus protocol, whichever genesis names: a core built
 * from the common init, the wire codec, and which messages carry a statement this validator
 * signed (for the test capture of sent statements).
 */
export interface NodeProtocol<Message> {
  readonly name: ConsensusName;
  /**
   * `orderedThrough`: the ledger holds every batch through this sequence, copied from peers past
   * what the core can order again (catch-up.ts); only a protocol with `replayableThrough` takes it.
   */
  createCore(
    init: ValidatorInit,
    acceptsEntry: (entry: Uint8Array) => boolean,
    orderedThrough?: number,
    /** An epoch after genesis: its own coin keys (generated on the chain) and its new members. */
    epoch?: EpochSetup,
  ): ConsensusCore<Message>;
  /**
   * The last sequence a core restored from `snapshot` (none: a first start) can order again by
   * itself; absent for a protocol whose node cannot take up the order from a copied ledger.
   */
  replayableThrough?(snapshot: Uint8Array | undefined): number;
  encode(message: Message): Uint8Array;
  /** Throws a CodecError on malformed bytes. */
  decode(bytes: Uint8Array): Message;
  isSignedStatement(message: Message): boolean;
}

/** One epoch's threshold coin as this member holds it: its secret share and everyone's verification keys. */
export interface EpochCoin {
  readonly secretShare: Uint8Array;
  readonly publicKeys: CoinPublicKeys;
}

/** What a core of an epoch after genesis needs beyond the common init. */
export interface EpochSetup {
  /** The epoch's coin (absent: the keys genesis dealt). */
  readonly coin?: EpochCoin;
  /** Members new to the committee this epoch (`DagValidatorInit.newcomers`). */
  readonly newcomers: readonly number[];
}

export interface ProtocolSettings {
  /** The DAG's coin share; PBFT has no coin. */
  readonly coinSecretShare?: Uint8Array;
  /** The DAG's shortest round interval. */
  readonly minRoundIntervalMs: number;
  /** The DAG's retained window in batches (its default when absent). */
  readonly retainedBatches?: number;
}

/** The protocol genesis names, set up for this validator. */
export function nodeProtocolOf(genesis: GenesisFile, settings: ProtocolSettings): NodeProtocol<unknown> {
  const name = consensusOf(genesis);
  if (name === 'pbft') return pbftNodeProtocol() as NodeProtocol<unknown>;
  const share = settings.coinSecretShare;
  // A standby node of a chain that hands over holds no share of the genesis coin: each committee
  // it is elected into generates its keys on the chain.
  if (share === undefined && genesis.handover === undefined) {
    throw new NodeError('BAD_CONFIG', 'a DAG validator needs its coin share (config coinShare)', {});
  }
  return dagNodeProtocol(genesis, share, settings) as NodeProtocol<unknown>;
}

function dagNodeProtocol(
  genesis: GenesisFile,
  genesisShare: Uint8Array | undefined,
  settings: ProtocolSettings,
): NodeProtocol<DagMessage> {
  const genesisKeys = coinPublicKeysOf(genesis);
  return {
    name: 'dag',
    createCore: (init, acceptsEntry, orderedThrough, epoch) => {
      const coin = epoch?.coin;
      const coinSecretShare = coin?.secretShare ?? genesisShare;
      if (coinSecretShare === undefined)
        throw new NodeError('BAD_CONFIG', 'this node holds no share of the genesis coin', {});
      const dagInit: DagValidatorInit = {
        ...init,
        coinSecretShare,
        coinPublicKeys: coin?.publicKeys ?? genesisKeys,
        acceptsEntry,
        config: {
          minRoundIntervalMs: settings.minRoundIntervalMs,
          ...(settings.retainedBatches === undefined ? {} : { retainedBatches: settings.retainedBatches }),
        },
        ...(orderedThrough === undefined ? {} : { orderedThrough }),
        ...(epoch === undefined || epoch.newcomers.length === 0 ? {} : { newcomers: epoch.newcomers }),
      };
      return dagProtocol.create(dagInit);
    },
    replayableThrough: (snapshot) => (snapshot === undefined ? -1 : snapshotNextSequence(snapshot) - 1),
    encode: dagProtocol.encodeMessage,
    decode: dagProtocol.decodeMessage,
    isSignedStatement: (message) => message.type === 'header' || message.type === 'vote',
  };
}

/**
 * Every PBFT validator of a chain must run the same options; the node uses the defaults. The
 * validator's entry filter is applied when batches are executed, so the core does not need it.
 */
function pbftNodeProtocol(): NodeProtocol<PbftMessage> {
  return {
    name: 'pbft',
    createCore: (init) => pbftProtocol.create(init),
    encode: pbftProtocol.encodeMessage,
    decode: pbftProtocol.decodeMessage,
    isSignedStatement: (message) =>
      message.type === 'pre-prepare' ||
      message.type === 'prepare' ||
      message.type === 'commit' ||
      message.type === 'view-change' ||
      message.type === 'new-view',
  };
}
