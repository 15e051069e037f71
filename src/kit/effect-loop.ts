import { EventQueue } from './event-queue.js';

/**
 * The one loop that carries out what sans-IO cores ask for. A core (a consensus core, a whole
 * validator, or anything with `handle(input, nowMs) → effects`) never sends, sleeps or writes: it
 * returns effects. This loop turns `send` and `broadcast` into envelopes that a delivery policy
 * routes (delay, loss, duplicate, hold), arms `timer` effects on its clock, and hands every other
 * effect (commit, persist, ordered, write-block …) to the caller, who may answer with more inputs.
 * The simulator, the consensus benchmark, the test clusters and the libp2p node (src/node/node-loop.ts)
 * all run their cores through it.
 *
 * Deterministic on virtual time: events run in time order, ties in the order they were queued
 * (see EventQueue), and the loop draws no randomness of its own; a policy that needs some is
 * given a seeded Prng by its owner. With a wall clock (`clock`), time is read from it instead and
 * the owner calls `runDue` whenever `nextAt` comes.
 */

/** The inputs the loop itself feeds a core: a delivered message, a timer that came due. */
export type LoopInput<M> =
  | { readonly kind: 'message'; readonly from: number; readonly message: M }
  | { readonly kind: 'timer'; readonly name: string };

/** The effects the loop carries out itself; every other kind goes to `EffectLoopOptions.effect`. */
export type TransportEffect<M> =
  | { readonly kind: 'send'; readonly to: number; readonly message: M }
  | { readonly kind: 'broadcast'; readonly message: M }
  | { readonly kind: 'timer'; readonly name: string; readonly atMs: number };

type TransportKind = TransportEffect<unknown>['kind'];

/** Effects of `E` the caller handles. */
export type OtherEffect<E> = Exclude<E, { readonly kind: TransportKind }>;

export interface LoopCore<I, E> {
  handle(input: I, nowMs: number): readonly E[];
}

/**
 * One message from one running instance to another. An identity (a committee index) usually runs
 * on one instance and the two numbers are equal; the simulator's twins run one identity twice.
 */
export interface Envelope<W> {
  readonly from: number;
  readonly to: number;
  /** The identity the receiver sees as the sender. */
  readonly fromId: number;
  readonly toId: number;
  readonly message: W;
}

/**
 * The network model. `route` gives the delivery times of one envelope: none (lost for good), one,
 * or more (duplicates); or null to hold it. A held envelope comes back through `release`, which
 * the loop calls after every event, or through `drain` at `releaseAllAtMs` (see `armReleases`);
 * a released one arrives 1 ms later. A policy over a real network sends the envelope itself and
 * returns none: the receiver's own process feeds it to its loop.
 */
export interface DeliveryPolicy<W> {
  route(envelope: Envelope<W>, nowMs: number): readonly number[] | null;
  release?(nowMs: number): readonly Envelope<W>[];
  drain?(): readonly Envelope<W>[];
  /** When held envelopes are let go at the latest (0 or absent: the policy never holds). */
  readonly releaseAllAtMs?: number;
  /** When set, `armReleases` makes the loop wake at least this often until releaseAllAtMs. */
  readonly tickMs?: number;
}

export interface EffectLoopOptions<M, I, E, W> {
  /**
   * Committee size: identities are 0 … identities-1. An instance whose core is null here (one that
   * runs in another process, or is down) still has envelopes routed to it through the policy.
   */
  readonly identities: number;
  /** The identity each instance runs (default: instance i runs identity i, one each). */
  readonly identityOf?: readonly number[];
  readonly network: DeliveryPolicy<W>;
  /** A wall clock in ms; absent, the loop keeps virtual time that jumps from event to event. */
  readonly clock?: () => number;
  /**
   * What goes on the wire for one send or broadcast effect, computed once for all its receivers
   * (default: the message itself). The place to encode, or to watch what a validator signs.
   */
  readonly outgoing?: (from: number, message: M) => W;
  /**
   * Takes a due envelope instead of feeding it to the receiver at once (a node that verifies
   * first, then calls `feed`). Required when the wire type differs from the core's message.
   */
  readonly deliver?: (envelope: Envelope<W>) => void;
  /**
   * Every effect that is not send, broadcast or timer, in order. Inputs returned are fed to the
   * same instance once the whole list is carried out (a durability acknowledgement, say), unless
   * the instance stopped meanwhile. Stopping the instance here drops the rest of the list: a
   * crash right after this effect.
   */
  readonly effect?: (node: number, effect: OtherEffect<E>) => readonly I[] | undefined;
  /** Right after each `handle` of a core, before its effects are carried out. */
  readonly afterHandle?: (node: number) => void;
  /** After an input fed from outside or by the loop, with its effects and follow-ups, is done. */
  readonly afterInput?: (node: number) => void;
  /** When the clock moves to the next event, before it runs. */
  readonly beforeEvent?: (atMs: number) => void;
}

type LoopEvent<W> =
  | { readonly kind: 'deliver'; readonly envelope: Envelope<W> }
  | { readonly kind: 'timer'; readonly node: number; readonly name: string; readonly incarnation: number }
  | { readonly kind: 'task'; readonly run: () => void };

export class EffectLoop<
  M,
  I = LoopInput<M>,
  E extends { readonly kind: string } = TransportEffect<M>,
  W = M,
> {
  /** Envelopes the policy held when routed (released later or at the end). */
  held = 0;
  private readonly queue = new EventQueue<LoopEvent<W>>();
  private readonly cores: (LoopCore<I | LoopInput<M>, E> | null)[];
  private readonly identityOf: readonly number[];
  private readonly instancesOf: number[][];
  /** Per instance, the time each named timer is armed for: only the latest arming fires. */
  private readonly timers: Map<string, number>[];
  /** Bumped when an instance stops or is replaced, so its old timers never fire. */
  private readonly incarnations: number[];
  private virtualNow = 0;

  constructor(
    cores: readonly (LoopCore<I | LoopInput<M>, E> | null)[],
    private readonly options: EffectLoopOptions<M, I, E, W>,
  ) {
    this.cores = [...cores];
    this.identityOf = options.identityOf ?? cores.map((_, i) => i);
    if (this.identityOf.length !== cores.length)
      throw new RangeError(`identityOf names ${this.identityOf.length} instances for ${cores.length} cores`);
    this.instancesOf = Array.from({ length: options.identities }, () => []);
    this.identityOf.forEach((identity, instance) => {
      const list = this.instancesOf[identity];
      if (list === undefined) throw new RangeError(`instance ${instance} runs unknown identity ${identity}`);
      list.push(instance);
    });
    this.timers = cores.map(() => new Map());
    this.incarnations = cores.map(() => 0);
  }

  get now(): number {
    return this.options.clock?.() ?? this.virtualNow;
  }

  /** Time of the next queued event (deliveries, timers, tasks), if any. */
  nextAt(): number | undefined {
    return this.queue.peekAt();
  }

  /** Feeds one input to an instance now and carries out what follows; a stopped instance ignores it. */
  feed(node: number, input: I | LoopInput<M>): void {
    if (this.cores[node] === null || this.cores[node] === undefined) return;
    this.handle(node, input);
    this.options.afterInput?.(node);
  }

  /** The instance is down: it takes no input, and the timers it armed never fire. */
  stop(node: number): void {
    this.cores[node] = null;
    this.retire(node);
  }

  /** The instance runs `core` from now on (a restart); the timers armed before never fire. */
  replace(node: number, core: LoopCore<I | LoopInput<M>, E>): void {
    this.retire(node);
    this.cores[node] = core;
  }

  /** Runs `task` at `atMs`, in order with deliveries and timers. */
  schedule(atMs: number, task: () => void): void {
    this.queue.push(atMs, { kind: 'task', run: task });
  }

  /** Queues the envelope for delivery at `atMs`, past the policy (a message it let go). */
  deliverAt(atMs: number, envelope: Envelope<W>): void {
    this.queue.push(atMs, { kind: 'deliver', envelope });
  }

  /**
   * Schedules the policy's release points: a wake-up every `tickMs` while it may hold, and at
   * `releaseAllAtMs` every envelope it still holds goes out.
   */
  armReleases(): void {
    const network = this.options.network;
    const releaseAllAtMs = network.releaseAllAtMs ?? 0;
    if (releaseAllAtMs > 0) {
      this.schedule(releaseAllAtMs, () => {
        for (const envelope of network.drain?.() ?? []) this.deliverAt(this.now + 1, envelope);
      });
    }
    const tickMs = network.tickMs;
    if (tickMs === undefined) return;
    const tick = (): void => {
      if (this.now < (network.releaseAllAtMs ?? 0)) this.schedule(this.now + tickMs, tick);
    };
    this.schedule(tickMs, tick);
  }

  /**
   * Carries out the next event if it is due by `untilMs`, then whatever the policy releases.
   * Returns false, changing nothing, when there is none.
   */
  step(untilMs = Number.POSITIVE_INFINITY): boolean {
    const at = this.queue.peekAt();
    if (at === undefined || at > untilMs) return false;
    const { item } = this.queue.pop()!;
    if (this.options.clock === undefined) this.virtualNow = at;
    this.options.beforeEvent?.(at);
    this.dispatch(item, at);
    const released = this.options.network.release?.(this.now);
    if (released !== undefined) for (const envelope of released) this.deliverAt(this.now + 1, envelope);
    return true;
  }

  /**
   * Virtual time: carries out events in order up to `untilMs` or until `done()` holds; unless it
   * does, the clock then reads `untilMs` even if nothing happened that late.
   */
  run(untilMs: number, done: () => boolean = () => false): void {
    while (!done() && this.step(untilMs)) {}
    if (!done() && this.virtualNow < untilMs) this.virtualNow = untilMs;
  }

  /** Wall clock: carries out every event already due. */
  runDue(): void {
    while (this.step(this.now)) {}
  }

  /** Drops every queued event (the end of a run). */
  clear(): void {
    this.queue.clear();
  }

  private retire(node: number): void {
    this.incarnations[node]!++;
    this.timers[node]!.clear();
  }

  private dispatch(event: LoopEvent<W>, at: number): void {
    switch (event.kind) {
      case 'deliver': {
        const { envelope } = event;
        if (this.options.deliver !== undefined) this.options.deliver(envelope);
        else
          this.feed(envelope.to, {
            kind: 'message',
            from: envelope.fromId,
            message: envelope.message as unknown as M,
          });
        return;
      }
      case 'timer': {
        if (event.incarnation !== this.incarnations[event.node]) return;
        const timers = this.timers[event.node]!;
        if (timers.get(event.name) !== at) return; // re-armed since
        timers.delete(event.name);
        this.feed(event.node, { kind: 'timer', name: event.name });
        return;
      }
      case 'task':
        event.run();
        return;
    }
  }

  /** Carries out effects an instance's core returned to a caller that called `handle` itself. */
  apply(node: number, effects: readonly E[]): void {
    this.carryOutAll(node, effects);
  }

  private handle(node: number, input: I | LoopInput<M>): void {
    const effects = this.cores[node]!.handle(input, this.now);
    this.options.afterHandle?.(node);
    this.carryOutAll(node, effects);
  }

  private carryOutAll(node: number, effects: readonly E[]): void {
    const incarnation = this.incarnations[node];
    const followUps: I[] = [];
    for (const effect of effects) {
      this.carryOut(node, effect, followUps);
      if (this.incarnations[node] !== incarnation) return; // stopped by the caller: the rest is lost
    }
    for (const next of followUps) {
      if (this.incarnations[node] !== incarnation || this.cores[node] === null) return;
      this.handle(node, next);
    }
  }

  private carryOut(node: number, effect: E, followUps: I[]): void {
    switch (effect.kind) {
      case 'send':
      case 'broadcast': {
        const transport = effect as unknown as TransportEffect<M> & { kind: 'send' | 'broadcast' };
        const identity = this.identityOf[node]!;
        const payload =
          this.options.outgoing?.(node, transport.message) ?? (transport.message as unknown as W);
        if (transport.kind === 'broadcast') {
          for (let to = 0; to < this.options.identities; to++)
            if (to !== identity) this.route(node, to, payload);
        } else if (transport.to !== identity && transport.to >= 0 && transport.to < this.options.identities) {
          this.route(node, transport.to, payload);
        }
        return;
      }
      case 'timer': {
        const { name, atMs } = effect as unknown as { name: string; atMs: number };
        const at = Math.max(this.now, atMs);
        this.timers[node]!.set(name, at);
        this.queue.push(at, { kind: 'timer', node, name, incarnation: this.incarnations[node]! });
        return;
      }
      default: {
        const more = this.options.effect?.(node, effect as OtherEffect<E>);
        if (more !== undefined) followUps.push(...more);
      }
    }
  }

  /** Every instance of identity `toId` but the sender itself gets its own envelope. */
  private route(from: number, toId: number, message: W): void {
    const fromId = this.identityOf[from]!;
    for (const to of this.instancesOf[toId]!) {
      if (to === from) continue;
      const envelope: Envelope<W> = { from, to, fromId, toId, message };
      const times = this.options.network.route(envelope, this.now);
      if (times === null) {
        this.held++;
        continue;
      }
      for (const at of times) this.deliverAt(at, envelope);
    }
  }
}
