import './polyfills.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { type GossipSub, gossipsub, StrictSign } from '@libp2p/gossipsub';
import { createTopicScoreParams, type TopicScoreParams } from '@libp2p/gossipsub/score';
import { type Identify, identify } from '@libp2p/identify';
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';

export type GridShardHost = Libp2p<{ identify: Identify; pubsub: GossipSub }>;

/** Largest gossip RPC a peer may send us; a transaction is at most 70 KiB, an announcement ~120 bytes. */
export const MAX_GOSSIP_RPC_BYTES = 512 * 1024;

export interface GossipTopics {
  readonly tx: string;
  readonly blocks: string;
  /** Validators' signed commit statements, from which every node builds commit proofs. */
  readonly attestations: string;
}

/** One set of topics per chain and shard, so nodes of other chains never share a mesh by accident. */
export function gossipTopics(chainId: string, shardId: number): GossipTopics {
  return {
    tx: `/gridshard/${chainId}/${shardId}/tx/1`,
    blocks: `/gridshard/${chainId}/${shardId}/blocks/1`,
    attestations: `/gridshard/${chainId}/${shardId}/attestations/1`,
  };
}

export interface HostInit {
  readonly privateKey: PrivateKey;
  readonly listen: readonly string[];
  readonly topics: GossipTopics;
  /** Decides who may hold a connection at all; the Noise handshake has proven the key by then. */
  readonly admits: (peer: PeerId) => boolean;
  /** Counts refused inbound connections. */
  readonly onRefused?: () => void;
}

/**
 * Scores only punish: a peer whose messages our validators reject loses score fast and is pruned
 * from the mesh, then graylisted. Delivery rewards and the mesh-delivery quota stay off, because
 * announcements come once per block and a quiet topic must not look like a misbehaving peer.
 */
function topicScore(): TopicScoreParams {
  return createTopicScoreParams({
    topicWeight: 1,
    timeInMeshWeight: 0,
    firstMessageDeliveriesWeight: 0,
    meshMessageDeliveriesWeight: 0,
    meshFailurePenaltyWeight: 0,
    invalidMessageDeliveriesWeight: -100,
    invalidMessageDeliveriesDecay: 0.9,
  });
}

/**
 * The one libp2p host of a process: TCP, Noise, Yamux, identify (gossipsub learns a peer's
 * protocols through it) and gossipsub tuned for a permissioned network of a few to a few dozen
 * peers. Every message is signed by its author (StrictSign) so a receiver can check who wrote it,
 * not only who relayed it; peer exchange is off because the peer set comes from genesis.
 */
export async function createHost(init: HostInit): Promise<GridShardHost> {
  const topics = [init.topics.tx, init.topics.blocks, init.topics.attestations];
  return createLibp2p({
    privateKey: init.privateKey,
    addresses: { listen: [...init.listen] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: {
      denyInboundEncryptedConnection: (peerId) => {
        const denied = !init.admits(peerId);
        if (denied) init.onRefused?.();
        return denied;
      },
      denyOutboundEncryptedConnection: (peerId) => !init.admits(peerId),
    },
    services: {
      identify: identify(),
      pubsub: gossipsub({
        globalSignaturePolicy: StrictSign,
        emitSelf: false,
        // With 4–20 peers a mesh of 4 reaches everyone in two hops; publishing floods to every
        // subscribed peer anyway, so the mesh only carries what others relay.
        D: 4,
        Dlo: 3,
        Dhi: 8,
        Dout: 2,
        Dscore: 2,
        Dlazy: 4,
        floodPublish: true,
        doPX: false,
        allowPublishToZeroTopicPeers: true,
        allowedTopics: topics,
        maxInboundDataLength: MAX_GOSSIP_RPC_BYTES,
        scoreParams: {
          topics: Object.fromEntries(topics.map((t) => [t, topicScore()])),
          // Loopback devnets put every peer on one IP; the colocation penalty would punish them all.
          IPColocationFactorWeight: 0,
        },
      }),
    },
  });
}
