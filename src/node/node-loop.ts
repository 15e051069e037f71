import { EffectLoop, type LoopCore, type LoopInput, type OtherEffect } from '../kit/effect-loop.js';
import type { ValidatorEffect, ValidatorInput } from '../validator/types.js';

/** The effects the node carries out itself: signed records, blocks, ordered batches. */
export type NodeEffect = OtherEffect<ValidatorEffect<unknown>>;

export interface NodeLoopInit {
  /** This validator's committee index. */
  readonly index: number;
  /** Committee size. */
  readonly identities: number;
  readonly validator: LoopCore<ValidatorInput<unknown> | LoopInput<unknown>, ValidatorEffect<unknown>>;
  readonly clock: () => number;
  /** The bytes of one send or broadcast, computed once for all its receivers. */
  readonly encode: (message: unknown) => Uint8Array;
  /** Hands the bytes to libp2p for one peer. */
  readonly send: (to: number, bytes: Uint8Array) => void;
  /**
   * Every other effect, in the validator's order. A durable write is answered later, when it is
   * done, with `feed`.
   */
  readonly effect: (effect: NodeEffect) => void;
}

/** setTimeout takes at most this (about 24.8 days); a later event is reached in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * The node's run of the shared effect loop (src/kit/effect-loop.ts) on the wall clock. This
 * process runs one instance, its own validator. The committee's other instances run in other
 * processes, so they are null here; the loop still routes envelopes to them, and the delivery
 * policy hands each to libp2p and delivers nothing locally. Peers' messages come in through
 * `feed`. Timers wait in the loop's queue: one real timer is armed for the earliest, and when it
 * fires the loop carries out everything due.
 */
export class NodeEffectLoop {
  private readonly loop: EffectLoop<unknown, ValidatorInput<unknown>, ValidatorEffect<unknown>, Uint8Array>;
  private wakeAt = Number.POSITIVE_INFINITY;
  private wakeTimer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;

  constructor(private readonly init: NodeLoopInit) {
    const cores = Array.from({ length: init.identities }, (_, i) =>
      i === init.index ? init.validator : null,
    );
    this.loop = new EffectLoop(cores, {
      identities: init.identities,
      clock: init.clock,
      network: {
        route: ({ to, message }) => {
          init.send(to, message);
          return [];
        },
      },
      outgoing: (_, message) => init.encode(message),
      effect: (_, effect) => {
        init.effect(effect);
        return undefined;
      },
      // Any input may arm a timer; one fed by the loop itself is followed by `arm` after runDue.
      afterInput: () => {
        if (!this.running) this.arm();
      },
    });
  }

  /** Hands one input to the validator now and carries out its effects; nothing once stopped. */
  feed(input: ValidatorInput<unknown>): void {
    if (this.stopped) return;
    this.loop.feed(this.init.index, input);
  }

  /** No input is taken any more, and no timer fires. */
  stop(): void {
    this.stopped = true;
    this.loop.stop(this.init.index);
    this.loop.clear();
    if (this.wakeTimer !== undefined) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
  }

  /** Arms the one real timer for the loop's next event, unless it is armed as early already. */
  private arm(): void {
    const next = this.loop.nextAt();
    if (this.stopped || next === undefined || next >= this.wakeAt) return;
    if (this.wakeTimer !== undefined) clearTimeout(this.wakeTimer);
    this.wakeAt = next;
    this.wakeTimer = setTimeout(
      () => this.wake(),
      Math.min(MAX_DELAY_MS, Math.max(0, next - this.init.clock())),
    );
  }

  private wake(): void {
    this.wakeAt = Number.POSITIVE_INFINITY;
    this.wakeTimer = undefined;
    if (this.stopped) return;
    this.running = true;
    try {
      this.loop.runDue();
    } finally {
      this.running = false;
      this.arm();
    }
  }
}
