import { ROOT_SHARD_ID } from '../cross-zone/root-application.js';
import { CommitteePuller } from './committee-puller.js';
import { CrossZoneRelay } from './cross-relay.js';
import type { GenesisFile } from './genesis-file.js';
import { apiRootSource, RootBeacon, storeRootSource } from './master-beacon.js';
import type { GridShardNode, NodeLogger } from './node.js';
import { getPeerJson as get, postPeerJson as post } from './peer-http.js';
import { ShardProofPuller } from './shard-proof-puller.js';

/**
 * What a validator of a sharded system runs beside its consensus: a zone shard validator its
 * cross-zone relay (votes to masters, decisions into its shard), a root validator the puller that
 * orders zone shards' commit proofs on the root chain, and every one the puller that records each
 * zone shard's handovers on its chain (committee-puller.ts). Cross-shard traffic goes over the
 * validators' HTTP APIs, whose addresses every chain's genesis lists; a shard's own consensus
 * stays on its libp2p committee. Returns null for a chain that is not sharded.
 */
export function startSharding(
  node: GridShardNode,
  genesis: GenesisFile,
  signingSeed: Uint8Array,
  log: NodeLogger,
): { stop(): void } | null {
  const { sharding } = genesis;
  if (sharding === undefined) return null;
  const withSharding = { ...genesis, sharding };
  const submit = (bytes: Uint8Array) => node.submit(bytes);
  const now = () => Date.now();
  const beacon = new RootBeacon(
    withSharding,
    genesis.shardId === ROOT_SHARD_ID
      ? storeRootSource(node.store)
      : apiRootSource(withSharding, get, node.index),
  );
  node.masterBeacon = beacon;
  const committees = new CommitteePuller({
    genesis: withSharding,
    signingSeed,
    store: node.store,
    submit,
    get,
    now,
    log,
  });
  committees.start();
  const both = (other: { stop(): void }) => ({
    stop: () => {
      committees.stop();
      other.stop();
    },
  });
  if (genesis.shardId === ROOT_SHARD_ID) {
    const puller = new ShardProofPuller({
      genesis: withSharding,
      signingSeed,
      store: node.store,
      submit,
      get,
      now,
      log,
    });
    puller.start();
    return both(puller);
  }
  const relay = new CrossZoneRelay({
    genesis: withSharding,
    signingSeed,
    store: node.store,
    submit,
    post,
    now,
    log,
    beacon,
  });
  node.crossRelay = relay;
  node.on('block', (block) => {
    relay.blockWritten(block).catch((error: Error) => log.warn({ error: error.message }, 'cross-zone relay'));
  });
  relay.start();
  relay.resume().then(
    (resumed) => {
      if (resumed > 0) log.info({ resumed }, 'cross-zone votes resumed for trades still open');
    },
    (error: Error) => log.warn({ error: error.message }, 'cross-zone relay could not resume'),
  );
  return both(relay);
}
