import type { Prng } from '../../kit/prng.js';

/**
 * The links that carry what is not consensus traffic: vote shares to masters, decisions and relayed
 * prepares from masters, attestations to the root committee. Delays are seeded with a heavy
 * tail; `lossy` messages (the cross-shard ones) are lost outright with the run's loss rate, the
 * protocol's resends being what brings them through; the others are retransmitted by the link.
 * A message may arrive twice.
 */
export class Courier {
  sent = 0;
  lost = 0;

  constructor(
    private readonly rng: Prng,
    private readonly lossRate: number,
    private readonly schedule: (atMs: number, task: () => void) => void,
  ) {}

  send(nowMs: number, lossy: boolean, deliver: () => void): void {
    this.sent++;
    if (lossy && this.rng.chance(this.lossRate)) {
      this.lost++;
      return;
    }
    let delay = this.rng.range(2, 60);
    if (this.rng.chance(0.1)) delay += this.rng.int(300);
    while (!lossy && this.rng.chance(this.lossRate)) delay += 150;
    this.schedule(nowMs + delay, deliver);
    if (this.rng.chance(0.03)) this.schedule(nowMs + delay + this.rng.int(200), deliver);
  }
}
