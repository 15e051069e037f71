import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { LoopInput } from '../../src/kit/effect-loop.js';
import { type NodeEffect, NodeEffectLoop } from '../../src/node/node-loop.js';
import type { ValidatorEffect, ValidatorInput } from '../../src/validator/types.js';

type Input = ValidatorInput<unknown> | LoopInput<unknown>;

/** A validator whose answers are scripted; it logs each input it sees with the time. */
class Scripted {
  readonly seen: string[] = [];
  constructor(private readonly script: (input: Input, nowMs: number) => ValidatorEffect<unknown>[]) {}

  handle(input: Input, nowMs: number): ValidatorEffect<unknown>[] {
    this.seen.push(`${nowMs}:${input.kind}${input.kind === 'timer' ? ` ${input.name}` : ''}`);
    return this.script(input, nowMs);
  }
}

interface Rig {
  readonly loop: NodeEffectLoop;
  readonly sent: string[];
  readonly encoded: string[];
  /** Sends and other effects, in the order they were carried out. */
  readonly trace: string[];
}

function rig(core: Scripted, clock: () => number): Rig {
  const sent: string[] = [];
  const encoded: string[] = [];
  const trace: string[] = [];
  const loop = new NodeEffectLoop({
    index: 1,
    identities: 4,
    validator: core,
    clock,
    encode: (message) => {
      encoded.push(String(message));
      return new TextEncoder().encode(String(message));
    },
    send: (to, bytes) => {
      sent.push(`${new TextDecoder().decode(bytes)}->${to}`);
      trace.push(`send ${sent.at(-1)}`);
    },
    effect: (effect: NodeEffect) => trace.push(effect.kind),
  });
  return { loop, sent, encoded, trace };
}

describe('node effect loop', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000;
    mock.timers.enable({ apis: ['setTimeout'] });
  });
  afterEach(() => mock.timers.reset());

  it('sends to each peer but itself, encodes once per effect, and keeps the validator order', () => {
    const core = new Scripted((input) =>
      input.kind === 'start'
        ? [
            { kind: 'persist-signed', records: [new Uint8Array(1)], ticket: 1 },
            { kind: 'broadcast', message: 'b' },
            { kind: 'send', to: 3, message: 's' },
            { kind: 'send', to: 1, message: 'self' },
            { kind: 'ordered', batch: { round: 1 } as never },
          ]
        : [],
    );
    const { loop, sent, encoded, trace } = rig(core, clock);
    loop.feed({ kind: 'start' });
    assert.deepEqual(sent, ['b->0', 'b->2', 'b->3', 's->3']);
    assert.deepEqual(encoded, ['b', 's', 'self'], 'one encoding per effect, whatever its receivers');
    assert.deepEqual(trace, [
      'persist-signed',
      'send b->0',
      'send b->2',
      'send b->3',
      'send s->3',
      'ordered',
    ]);
  });

  it('fires a timer once it is due on the wall clock, only its latest arming, and answers fed later', () => {
    const core = new Scripted((input, nowMs) => {
      if (input.kind === 'start')
        return [
          { kind: 'timer', name: 't', atMs: nowMs + 500 },
          { kind: 'timer', name: 't', atMs: nowMs + 200 },
        ];
      if (input.kind === 'timer') return [{ kind: 'send', to: 0, message: `after ${input.name}` }];
      if (input.kind === 'signed-durable') return [{ kind: 'timer', name: 'u', atMs: nowMs + 50 }];
      return [];
    });
    const { loop, sent } = rig(core, clock);
    loop.feed({ kind: 'start' });
    now = 1_150;
    mock.timers.tick(150);
    assert.deepEqual(core.seen, ['1000:start']);
    now = 1_200;
    mock.timers.tick(50);
    assert.deepEqual(core.seen, ['1000:start', '1200:timer t']);
    assert.deepEqual(sent, ['after t->0']);
    // An answer that comes in later (a sync done) arms a timer of its own.
    loop.feed({ kind: 'signed-durable', ticket: 1 });
    now = 1_600;
    mock.timers.tick(400);
    assert.deepEqual(core.seen, ['1000:start', '1200:timer t', '1200:signed-durable', '1600:timer u']);
  });

  it('takes no input and fires no timer once stopped', () => {
    const core = new Scripted((input, nowMs) =>
      input.kind === 'start' ? [{ kind: 'timer', name: 't', atMs: nowMs + 10 }] : [],
    );
    const { loop } = rig(core, clock);
    loop.feed({ kind: 'start' });
    loop.stop();
    loop.feed({ kind: 'message', from: 0, message: 'late' });
    now = 2_000;
    mock.timers.tick(1_000);
    assert.deepEqual(core.seen, ['1000:start']);
  });
});
