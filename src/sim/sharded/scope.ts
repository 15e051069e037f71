import type { ConsensusCore, ConsensusEffect, ConsensusInput } from '../../consensus/interface.js';
import type { DeliveryPolicy, Envelope, LoopCore } from '../../kit/effect-loop.js';
import type { Network } from '../network.js';

/** Where the committees sit in the one loop of a sharded run: committee c holds ids offset … offset+size-1. */
export interface CommitteeSpan {
  readonly offset: number;
  readonly size: number;
}

/**
 * A committee's core seen from the run's one effect loop, whose identities number every validator
 * of every committee: messages in are renamed to committee indices, sends out to run identities,
 * and a broadcast reaches the core's own committee only.
 */
export function scopedCore(
  core: ConsensusCore<unknown>,
  span: CommitteeSpan,
): LoopCore<ConsensusInput<unknown>, ConsensusEffect<unknown>> {
  return {
    handle(input, nowMs) {
      const local = input.kind === 'message' ? { ...input, from: input.from - span.offset } : input;
      const out: ConsensusEffect<unknown>[] = [];
      for (const effect of core.handle(local, nowMs)) {
        switch (effect.kind) {
          case 'send':
            out.push({ ...effect, to: effect.to + span.offset });
            break;
          case 'broadcast':
            for (let i = 0; i < span.size; i++)
              if (i !== core.index) out.push({ kind: 'send', to: span.offset + i, message: effect.message });
            break;
          default:
            out.push(effect);
        }
      }
      return out;
    },
  };
}

/**
 * Each committee's own network on committee indices: its seeded fault plan (delays, losses, its
 * partition) or an adversarial scheduler that holds messages (`AsyncNetwork`). Held messages come
 * back through `release`, each committee's at the latest at its own release time.
 */
export class CommitteeNetworks implements DeliveryPolicy<unknown> {
  readonly releaseAllAtMs: number;
  readonly tickMs: number | undefined;
  /** Messages each committee's network held rather than scheduled when they were sent. */
  readonly held: number[];

  constructor(
    private readonly spans: readonly CommitteeSpan[],
    private readonly networks: readonly Network[],
  ) {
    this.releaseAllAtMs = Math.max(0, ...networks.map((network) => network.releaseAllAtMs));
    const ticks = networks.flatMap((network) =>
      network.releaseAllAtMs > 0 && network.tickMs !== undefined ? [network.tickMs] : [],
    );
    this.tickMs = ticks.length === 0 ? undefined : Math.min(...ticks);
    this.held = networks.map(() => 0);
  }

  route(envelope: Envelope<unknown>, nowMs: number): readonly number[] | null {
    const c = this.committeeOf(envelope.fromId);
    const span = this.spans[c]!;
    const due = this.networks[c]!.route(
      { ...envelope, fromId: envelope.fromId - span.offset, toId: envelope.toId - span.offset },
      nowMs,
    );
    if (due === null) this.held[c]!++;
    return due;
  }

  release(nowMs: number): readonly Envelope<unknown>[] {
    const out: Envelope<unknown>[] = [];
    this.networks.forEach((network, c) => {
      if (network.releaseAllAtMs === 0) return;
      const due = nowMs >= network.releaseAllAtMs ? network.drain() : network.release(nowMs);
      for (const envelope of due) out.push(this.toRun(c, envelope));
    });
    return out;
  }

  drain(): readonly Envelope<unknown>[] {
    return this.networks.flatMap((network, c) => network.drain().map((envelope) => this.toRun(c, envelope)));
  }

  committeeOf(id: number): number {
    for (let c = 0; c < this.spans.length; c++) {
      const span = this.spans[c]!;
      if (id >= span.offset && id < span.offset + span.size) return c;
    }
    throw new RangeError(`identity ${id} is in no committee`);
  }

  /** A held envelope back in run identities (route renamed them to the committee's). */
  private toRun(c: number, envelope: Envelope<unknown>): Envelope<unknown> {
    const { offset } = this.spans[c]!;
    return { ...envelope, fromId: envelope.fromId + offset, toId: envelope.toId + offset };
  }
}
