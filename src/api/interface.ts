import type { LedgerStore, StoredBlock } from '../ledger/store.js';
import type { GenesisFile } from '../node/genesis-file.js';
import type { NodeMetrics } from '../node/metrics.js';
import type { HandoverElections } from '../roles/election.js';

/**
 * What the API reads and calls on a node. A running GridShardNode is one; tests hand in the same
 * pieces (a ledger store, metrics, an event source) without consensus or networking.
 */
export interface ApiNode {
  readonly genesis: Pick<
    GenesisFile,
    | 'chainId'
    | 'shardId'
    | 'validators'
    | 'zones'
    | 'sharding'
    | 'genesisTimeMs'
    | 'consensus'
    | 'credit'
    | 'handover'
  >;
  /** On a chain whose committee hands over: the elections, as the node computes them from its chain. */
  readonly handover?: HandoverElections;
  /** A zone shard validator's cross-zone relay, which takes vote shares as a master. */
  readonly crossRelay?: { receiveShare(trade: string, share: string): boolean };
  /** A sharded system's master beacons from the root chain's coin (src/node/master-beacon.ts). */
  readonly masterBeacon?: {
    known(cycle: number): Uint8Array | null;
    heightOf(cycle: number): number | undefined;
    resolve(cycle: number): Promise<Uint8Array | null>;
  };
  readonly index: number;
  readonly lastAppliedSequence: number;
  readonly metrics: Pick<NodeMetrics, 'apiRequests' | 'apiRejected' | 'registry' | 'commitLatency'>;
  readonly mempool: { readonly size: number };
  readonly store: Pick<
    LedgerStore,
    | 'committed'
    | 'head'
    | 'headBlockHeader'
    | 'stateRoot'
    | 'getState'
    | 'proveState'
    | 'readBlock'
    | 'readBlockByHash'
    | 'readTransaction'
    | 'proveTransaction'
    | 'readCommitProof'
    | 'readBatchProofs'
    | 'scheme'
  >;
  peers(): number[];
  /** Admits a signed transaction or throws a typed GridShardError saying why not. */
  submit(bytes: Uint8Array): { hash: string };
  on(event: 'block', listener: (block: StoredBlock) => void): unknown;
  off(event: 'block', listener: (block: StoredBlock) => void): unknown;
}
