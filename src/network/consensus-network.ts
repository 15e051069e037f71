import './polyfills.js';
import type { Connection, Stream } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import type { ValidatorIndex } from '../consensus/interface.js';
import { NetworkError } from './errors.js';
import { encodeFrame, FrameReader } from './frames.js';
import { createHost, type GossipTopics, type GridShardHost } from './host.js';
import { libp2pPrivateKey, peerIdOf } from './identity.js';

export const CONSENSUS_PROTOCOL = '/gridshard/consensus/1.0.0';

export interface PeerEndpoint {
  readonly index: ValidatorIndex;
  /** Raw Ed25519 public key from genesis; it is also the peer's libp2p identity. */
  readonly publicKey: Uint8Array;
  /** Multiaddr without the /p2p part, such as /ip4/10.0.0.2/tcp/7001. */
  readonly address: string;
}

export interface ConsensusNetworkInit {
  readonly self: ValidatorIndex;
  readonly signingSeed: Uint8Array;
  readonly listen: readonly string[];
  readonly peers: readonly PeerEndpoint[];
  /**
   * Raw Ed25519 keys of observers (common nodes) that may connect for gossip. They never get a
   * consensus stream: that handler admits validator keys only.
   */
  readonly observers?: readonly Uint8Array[];
  /** The gossip topics of this chain and shard; the host's gossipsub knows no others. */
  readonly topics: GossipTopics;
  readonly onMessage: (from: ValidatorIndex, bytes: Uint8Array) => void;
  readonly maxFrameBytes?: number;
  /** Frames a peer may send per second before the rest are dropped (a token bucket, burst = rate). */
  readonly maxFramesPerSecond?: number;
  /** Frames queued per peer while it is unreachable; the oldest go first (consensus resends). */
  readonly maxQueuedFrames?: number;
  readonly now?: () => number;
}

export interface NetworkCounters {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  droppedRateLimited: number;
  droppedQueueFull: number;
  rejectedPeers: number;
  badFrames: number;
}

interface OutboundPeer {
  readonly endpoint: PeerEndpoint;
  readonly queue: Uint8Array[];
  stream: Stream | null;
  connecting: boolean;
  retryDelayMs: number;
  wake: (() => void) | null;
}

/**
 * Consensus messages between validators over js-libp2p (TCP, Noise, Yamux): one outbound stream
 * per peer carrying length-prefixed frames, re-dialled with back-off when it breaks. Inbound
 * streams are accepted only from the committee's own keys, frames are size- and rate-limited
 * per peer, and anything malformed closes that stream, never the node. The same host carries
 * gossip (src/node/gossip.ts), for which listed observers may connect too.
 */
export class ConsensusNetwork {
  readonly counters: NetworkCounters = {
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    droppedRateLimited: 0,
    droppedQueueFull: 0,
    rejectedPeers: 0,
    badFrames: 0,
  };
  private node: GridShardHost | null = null;
  private readonly outbound = new Map<ValidatorIndex, OutboundPeer>();
  private readonly indexByPeerId = new Map<string, ValidatorIndex>();
  private readonly observerIds = new Set<string>();
  private readonly buckets = new Map<ValidatorIndex, { tokens: number; at: number }>();
  private stopped = false;
  private readonly maxFrameBytes: number;
  private readonly maxFramesPerSecond: number;
  private readonly maxQueuedFrames: number;
  private readonly now: () => number;

  constructor(private readonly init: ConsensusNetworkInit) {
    this.maxFrameBytes = init.maxFrameBytes ?? 4 * 1024 * 1024;
    this.maxFramesPerSecond = init.maxFramesPerSecond ?? 20_000;
    this.maxQueuedFrames = init.maxQueuedFrames ?? 10_000;
    this.now = init.now ?? (() => Date.now());
    for (const key of init.observers ?? []) this.observerIds.add(peerIdOf(key).toString());
    for (const peer of init.peers) {
      this.indexByPeerId.set(peerIdOf(peer.publicKey).toString(), peer.index);
      if (peer.index !== init.self) {
        this.outbound.set(peer.index, {
          endpoint: peer,
          queue: [],
          stream: null,
          connecting: false,
          retryDelayMs: 100,
          wake: null,
        });
      }
    }
  }

  get peerId(): string {
    if (this.node === null) throw new NetworkError('NOT_STARTED', 'network not started', {});
    return this.node.peerId.toString();
  }

  /** The libp2p host, for gossip on the same connections; null before start. */
  get host(): GridShardHost | null {
    return this.node;
  }

  get listenAddresses(): string[] {
    return this.node?.getMultiaddrs().map(String) ?? [];
  }

  /** Validators with an open outbound stream right now. */
  connectedPeers(): ValidatorIndex[] {
    return [...this.outbound.values()].filter((p) => p.stream !== null).map((p) => p.endpoint.index);
  }

  async start(): Promise<void> {
    const privateKey = await libp2pPrivateKey(this.init.signingSeed);
    this.node = await createHost({
      privateKey,
      listen: this.init.listen,
      topics: this.init.topics,
      // The committee and the listed observers may connect at all (the key is proven by the Noise
      // handshake); which of them may send consensus frames is decided per stream below.
      admits: (peerId) => {
        const id = peerId.toString();
        return this.indexByPeerId.has(id) || this.observerIds.has(id);
      },
      onRefused: () => {
        this.counters.rejectedPeers++;
      },
    });
    await this.node.handle(
      CONSENSUS_PROTOCOL,
      (stream, connection) => this.acceptInbound(stream, connection),
      {
        maxInboundStreams: 4,
      },
    );
    for (const peer of this.outbound.values()) void this.runOutbound(peer);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const peer of this.outbound.values()) peer.wake?.();
    await this.node?.stop();
  }

  send(to: ValidatorIndex, bytes: Uint8Array): void {
    const peer = this.outbound.get(to);
    if (peer === undefined) return;
    if (peer.queue.length >= this.maxQueuedFrames) {
      peer.queue.shift();
      this.counters.droppedQueueFull++;
    }
    peer.queue.push(encodeFrame(bytes, this.maxFrameBytes));
    peer.wake?.();
  }

  broadcast(bytes: Uint8Array): void {
    for (const index of this.outbound.keys()) this.send(index, bytes);
  }

  private async runOutbound(peer: OutboundPeer): Promise<void> {
    const node = this.node!;
    const target = multiaddr(`${peer.endpoint.address}/p2p/${peerIdOf(peer.endpoint.publicKey).toString()}`);
    while (!this.stopped) {
      if (peer.stream === null) {
        try {
          peer.stream = await node.dialProtocol(target, CONSENSUS_PROTOCOL, {
            signal: AbortSignal.timeout(5000),
          });
          peer.retryDelayMs = 100;
        } catch {
          await this.sleep(peer, peer.retryDelayMs);
          peer.retryDelayMs = Math.min(peer.retryDelayMs * 2, 5000);
          continue;
        }
      }
      const stream = peer.stream;
      try {
        while (peer.queue.length > 0 && !this.stopped) {
          const frame = peer.queue.shift()!;
          this.counters.framesOut++;
          this.counters.bytesOut += frame.length;
          if (!stream.send(frame)) await stream.onDrain({ signal: AbortSignal.timeout(10_000) });
        }
      } catch {
        stream.abort(new Error('send failed'));
        peer.stream = null;
        continue;
      }
      if (stream.status !== 'open') {
        peer.stream = null;
        continue;
      }
      await this.sleep(peer, 1000);
    }
  }

  /** Waits for the delay or for new frames to send, whichever comes first. */
  private sleep(peer: OutboundPeer, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        peer.wake = null;
        resolve();
      }
      peer.wake = peer.stream === null ? null : done;
    });
  }

  private async acceptInbound(stream: Stream, connection: Connection): Promise<void> {
    const from = this.indexByPeerId.get(connection.remotePeer.toString());
    if (from === undefined || from === this.init.self) {
      this.counters.rejectedPeers++;
      stream.abort(new Error('not a validator of this committee'));
      return;
    }
    const reader = new FrameReader(this.maxFrameBytes);
    try {
      for await (const chunk of stream) {
        for (const frame of reader.push(chunk)) {
          this.counters.framesIn++;
          this.counters.bytesIn += frame.length;
          if (!this.takeToken(from)) {
            this.counters.droppedRateLimited++;
            continue;
          }
          this.init.onMessage(from, frame);
        }
      }
    } catch {
      this.counters.badFrames++;
      stream.abort(new Error('malformed frame'));
    }
  }

  private takeToken(from: ValidatorIndex): boolean {
    const now = this.now();
    const bucket = this.buckets.get(from) ?? { tokens: this.maxFramesPerSecond, at: now };
    bucket.tokens = Math.min(
      this.maxFramesPerSecond,
      bucket.tokens + ((now - bucket.at) * this.maxFramesPerSecond) / 1000,
    );
    bucket.at = now;
    this.buckets.set(from, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
