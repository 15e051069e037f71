import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DeliveryPolicy,
  EffectLoop,
  type Envelope,
  type LoopInput,
  type TransportEffect,
} from '../../src/kit/effect-loop.js';
import { Prng } from '../../src/kit/prng.js';

type Input = LoopInput<string> | { readonly kind: 'start' } | { readonly kind: 'ack'; readonly n: number };
type Effect = TransportEffect<string> | { readonly kind: 'note'; readonly text: string };

/** A core whose behaviour is a script; it logs every input it sees, with the time. */
class Scripted {
  readonly seen: string[] = [];
  constructor(
    readonly index: number,
    private readonly script: (input: Input, nowMs: number) => Effect[],
  ) {}

  handle(input: Input, nowMs: number): Effect[] {
    this.seen.push(`${nowMs}:${describeInput(input)}`);
    return this.script(input, nowMs);
  }
}

function describeInput(input: Input): string {
  switch (input.kind) {
    case 'message':
      return `msg ${input.message} from ${input.from}`;
    case 'timer':
      return `timer ${input.name}`;
    case 'ack':
      return `ack ${input.n}`;
    default:
      return input.kind;
  }
}

/** Every validator relays each message it has not seen to everyone: a gossip flood. */
function flood(n: number): Scripted[] {
  return Array.from({ length: n }, (_, i) => {
    const known = new Set<string>();
    return new Scripted(i, (input) => {
      if (input.kind === 'start') return i === 0 ? [{ kind: 'broadcast', message: 'a' }] : [];
      if (input.kind !== 'message' || known.has(input.message)) return [];
      known.add(input.message);
      const relay: Effect[] = [{ kind: 'broadcast', message: input.message }];
      // Each validator adds one message of its own to the first one it hears: 1 + 4 in all.
      if (input.message === 'a') relay.push({ kind: 'broadcast', message: `a${i}` });
      return relay;
    });
  });
}

function randomDelays(seed: number): DeliveryPolicy<string> {
  const rng = new Prng(seed);
  return { route: (_, nowMs) => [nowMs + 1 + rng.int(20)] };
}

/** Runs a flood of n validators under a seeded random network; returns every validator's log. */
function floodTrace(seed: number): string[][] {
  const cores = flood(4);
  const loop = new EffectLoop<string, Input, Effect>(cores, { identities: 4, network: randomDelays(seed) });
  for (let i = 0; i < 4; i++) loop.feed(i, { kind: 'start' });
  loop.run(10_000);
  return cores.map((c) => c.seen);
}

describe('effect loop', () => {
  it('orders deliveries the same way for the same seed, and otherwise for another', () => {
    const first = floodTrace(7);
    assert.deepEqual(floodTrace(7), first);
    assert.notDeepEqual(floodTrace(8), first);
    // The flood reached everyone: each validator saw all 1 + 4 messages it did not send itself.
    for (const seen of first) assert.ok(seen.filter((s) => s.includes('msg')).length >= 4);
  });

  it('breaks ties in time by the order events were queued', () => {
    const cores = [new Scripted(0, () => []), new Scripted(1, () => [])];
    const loop = new EffectLoop<string, Input, Effect>(cores, {
      identities: 2,
      network: { route: () => [5] },
    });
    const order: string[] = [];
    loop.schedule(5, () => order.push('task'));
    loop.apply(0, [
      { kind: 'send', to: 1, message: 'x' },
      { kind: 'send', to: 1, message: 'y' },
    ]);
    loop.schedule(5, () => order.push(`task after, core saw ${cores[1]!.seen.length}`));
    loop.run(5);
    assert.deepEqual(order, ['task', 'task after, core saw 2']);
    assert.deepEqual(cores[1]!.seen, ['5:msg x from 0', '5:msg y from 0']);
    assert.equal(loop.now, 5);
  });

  it('fires only the latest arming of a timer, once, and a timer set in the past at once', () => {
    const core = new Scripted(0, (input, nowMs) => {
      if (input.kind === 'start')
        return [
          { kind: 'timer', name: 't', atMs: 100 },
          { kind: 'timer', name: 't', atMs: 40 },
          { kind: 'timer', name: 'u', atMs: 30 },
        ];
      if (input.kind === 'timer' && input.name === 'u')
        return [{ kind: 'timer', name: 'late', atMs: nowMs - 10 }];
      return [];
    });
    const loop = new EffectLoop<string, Input, Effect>([core], {
      identities: 1,
      network: { route: () => [] },
    });
    loop.feed(0, { kind: 'start' });
    loop.run(1_000);
    assert.deepEqual(core.seen, ['0:start', '30:timer u', '30:timer late', '40:timer t']);
    assert.equal(loop.now, 1_000);
  });

  it('never fires the timers of a stopped or replaced instance, nor feeds a stopped one', () => {
    const arm = (input: Input, nowMs: number): Effect[] =>
      input.kind === 'start' ? [{ kind: 'timer', name: 't', atMs: nowMs + 50 }] : [];
    const old = new Scripted(0, arm);
    const loop = new EffectLoop<string, Input, Effect>([old], {
      identities: 1,
      network: { route: () => [] },
    });
    loop.feed(0, { kind: 'start' });
    loop.stop(0);
    loop.feed(0, { kind: 'message', from: 0, message: 'lost' });
    loop.run(20);
    const fresh = new Scripted(0, arm);
    loop.replace(0, fresh);
    loop.run(60);
    assert.deepEqual(old.seen, ['0:start']);
    assert.deepEqual(fresh.seen, [], 'the timer armed by the old core did not fire on the new one');
    loop.feed(0, { kind: 'start' });
    loop.run(200);
    assert.deepEqual(fresh.seen, ['60:start', '110:timer t']);
  });

  it('loses dropped messages, delivers duplicates twice, and holds messages until released', () => {
    const receiver = new Scripted(1, () => []);
    const held: Envelope<string>[] = [];
    const policy: DeliveryPolicy<string> = {
      route: (envelope, nowMs) => {
        if (envelope.message === 'drop') return [];
        if (envelope.message === 'twice') return [nowMs + 1, nowMs + 3];
        if (envelope.message.startsWith('hold')) {
          held.push(envelope);
          return null;
        }
        return [nowMs + 1];
      },
      release: (nowMs) => {
        const first = held.findIndex((e) => e.message === 'hold-1');
        return nowMs >= 50 && first >= 0 ? held.splice(first, 1) : [];
      },
      drain: () => held.splice(0),
      releaseAllAtMs: 500,
      tickMs: 100,
    };
    const loop = new EffectLoop<string, Input, Effect>([new Scripted(0, () => []), receiver], {
      identities: 2,
      network: policy,
    });
    loop.armReleases();
    loop.apply(
      0,
      ['drop', 'twice', 'hold-1', 'hold-2', 'plain'].map((message) => ({ kind: 'send', to: 1, message })),
    );
    assert.equal(loop.held, 2);
    loop.run(1_000);
    assert.deepEqual(receiver.seen, [
      '1:msg twice from 0',
      '1:msg plain from 0',
      '3:msg twice from 0',
      // The policy lets hold-1 go at the first tick after 50; the end of holding drains the rest.
      '101:msg hold-1 from 0',
      '501:msg hold-2 from 0',
    ]);
  });

  it('hands other effects to the caller, feeds its answers after the list, and stops mid-list on a crash', () => {
    const notes: string[] = [];
    const core = new Scripted(0, (input) => {
      if (input.kind === 'start')
        return [
          { kind: 'note', text: 'one' },
          { kind: 'send', to: 1, message: 'm' },
          { kind: 'note', text: 'two' },
        ];
      if (input.kind === 'ack' && input.n === 1)
        return [
          { kind: 'note', text: 'crash' },
          { kind: 'note', text: 'lost' },
        ];
      return [];
    });
    const peer = new Scripted(1, () => []);
    const loop = new EffectLoop<string, Input, Effect>([core, peer], {
      identities: 2,
      network: { route: (_, nowMs) => [nowMs + 1] },
      effect: (node, effect) => {
        notes.push(`${node}:${effect.text}`);
        if (effect.text === 'crash') loop.stop(node);
        return effect.text === 'one'
          ? [{ kind: 'ack', n: 1 }]
          : effect.text === 'two'
            ? [{ kind: 'ack', n: 2 }]
            : [];
      },
    });
    loop.feed(0, { kind: 'start' });
    loop.run(10);
    assert.deepEqual(notes, ['0:one', '0:two', '0:crash']);
    // The second answer never reached the core: it crashed handling the first.
    assert.deepEqual(core.seen, ['0:start', '0:ack 1']);
    assert.deepEqual(peer.seen, ['1:msg m from 0'], 'the message sent before the crash still arrives');
  });

  it('gives every instance of an identity its own copy, never the sender, and names the identity', () => {
    // Identity 0 runs twice (instances 0 and 1); identity 1 runs on instance 2.
    const cores = [0, 1, 2].map((i) => new Scripted(i, () => []));
    const routed: string[] = [];
    const loop = new EffectLoop<string, Input, Effect, string>(cores, {
      identities: 2,
      identityOf: [0, 0, 1],
      network: {
        route: (e, nowMs) => {
          routed.push(`${e.from}->${e.to} (${e.fromId}->${e.toId})`);
          return [nowMs + 1];
        },
      },
      outgoing: (from, message) => `${message}@${from}`,
    });
    loop.apply(2, [{ kind: 'broadcast', message: 'b' }]);
    // To its own identity (its twin included) and outside the committee, nothing goes out.
    loop.apply(0, [
      { kind: 'send', to: 0, message: 'self' },
      { kind: 'send', to: 9, message: 'nowhere' },
      { kind: 'send', to: 1, message: 's' },
    ]);
    loop.run(10);
    assert.deepEqual(routed, ['2->0 (1->0)', '2->1 (1->0)', '0->2 (0->1)']);
    assert.deepEqual(cores[0]!.seen, ['1:msg b@2 from 1']);
    assert.deepEqual(cores[1]!.seen, ['1:msg b@2 from 1']);
    assert.deepEqual(cores[2]!.seen, ['1:msg s@0 from 0']);
    assert.throws(
      () =>
        new EffectLoop([new Scripted(0, () => [])], {
          identities: 1,
          identityOf: [3],
          network: policyNone(),
        }),
      RangeError,
    );
  });

  it('routes envelopes to an instance with no core here (another process) through the policy', () => {
    const routed: string[] = [];
    // Instance 1 runs here; 0 and 2 run elsewhere, so the policy carries their envelopes itself.
    const loop = new EffectLoop<string, Input, Effect>([null, new Scripted(1, () => []), null], {
      identities: 3,
      network: {
        route: (e) => {
          routed.push(`${e.message} ${e.fromId}->${e.toId}`);
          return [];
        },
      },
    });
    loop.apply(1, [
      { kind: 'broadcast', message: 'b' },
      { kind: 'send', to: 2, message: 's' },
    ]);
    assert.deepEqual(routed, ['b 1->0', 'b 1->2', 's 1->2']);
    assert.equal(loop.nextAt(), undefined, 'nothing is left to deliver here');
  });

  it('on a wall clock, carries out only what is due when woken', () => {
    let clock = 0;
    const receiver = new Scripted(1, () => []);
    const loop = new EffectLoop<string, Input, Effect>([new Scripted(0, () => []), receiver], {
      identities: 2,
      clock: () => clock,
      network: { route: (_, nowMs) => [nowMs + 10] },
    });
    clock = 3;
    loop.apply(0, [{ kind: 'send', to: 1, message: 'x' }]);
    assert.equal(loop.nextAt(), 13);
    clock = 12;
    loop.runDue();
    assert.deepEqual(receiver.seen, []);
    clock = 15;
    loop.runDue();
    assert.deepEqual(receiver.seen, ['15:msg x from 0'], 'time is read from the clock, not the schedule');
    assert.equal(loop.nextAt(), undefined);
  });
});

function policyNone(): DeliveryPolicy<string> {
  return { route: () => [] };
}
