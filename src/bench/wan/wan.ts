import type { Prng } from '../../kit/prng.js';
import type { WanModel } from './types.js';

/**
 * The default WAN: five cloud regions, round trips rounded from a published table of average
 * inter-region pings between AWS regions ("Latency Between AWS Global Regions", 2017, as tabulated
 * at acomputerscientistlearnsaws.blogspot.com/2017/04/aws-regions.html), 2 ms within a region,
 * 10 % jitter, 100 Mbit/s of egress per node. An assumption of the model, stated in
 * docs/SHARDING.md: committees spread over continents are its pessimistic case.
 */
export const DEFAULT_WAN: WanModel = {
  regions: ['us-east (N. Virginia)', 'us-west (Oregon)', 'eu (Frankfurt)', 'ap (Tokyo)', 'ap (Singapore)'],
  rttMs: [
    [2, 87, 89, 145, 217],
    [87, 2, 160, 89, 161],
    [89, 160, 2, 237, 326],
    [145, 89, 237, 2, 74],
    [217, 161, 326, 74, 2],
  ],
  jitter: 0.1,
  bandwidthMbps: 100,
};

/** Region of every node (round-robin, so each committee spans all regions) and one-way delays. */
export class Wan {
  private readonly region: Int32Array;

  constructor(
    readonly model: WanModel,
    nodes: number,
    private readonly rng: Prng,
  ) {
    this.region = new Int32Array(nodes);
    for (let i = 0; i < nodes; i++) this.region[i] = i % model.regions.length;
  }

  delayMs(from: number, to: number): number {
    const rtt = this.model.rttMs[this.region[from]!]![this.region[to]!]!;
    return (rtt / 2) * (1 + this.model.jitter * this.rng.float());
  }

  /** A client reaches a validator from inside the validator's region. */
  clientDelayMs(to: number): number {
    const rtt = this.model.rttMs[this.region[to]!]![this.region[to]!]!;
    return (rtt / 2) * (1 + this.model.jitter * this.rng.float());
  }

  /** Ms to put `bytes` on a node's egress link. */
  serializeMs(bytes: number): number {
    return (bytes * 8) / (this.model.bandwidthMbps * 1000);
  }
}
