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

/** Each committee's own seeded network (delays, losses, its partition), on committee indices. */
export class CommitteeNetworks implements DeliveryPolicy<unknown> {
  constructor(
    private readonly spans: readonly CommitteeSpan[],
    private readonly networks: readonly Network[],
  ) {}

  route(envelope: Envelope<unknown>, nowMs: number): readonly number[] | null {
    const c = this.committeeOf(envelope.fromId);
    const span = this.spans[c]!;
    return this.networks[c]!.route(
      { ...envelope, fromId: envelope.fromId - span.offset, toId: envelope.toId - span.offset },
      nowMs,
    );
  }

  committeeOf(id: number): number {
    for (let c = 0; c < this.spans.length; c++) {
      const span = this.spans[c]!;
      if (id >= span.offset && id < span.offset + span.size) return c;
    }
    throw new RangeError(`identity ${id} is in no committee`);
  }
}
