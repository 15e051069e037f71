import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type DagMessage, dagGenesis, dagProtocol } from '../../../src/consensus/dag/index.js';
import type { ConsensusEffect } from '../../../src/consensus/interface.js';

it('smoke', () => {
  const inits = dagGenesis(4, new Uint8Array(32).fill(1));
  const cores = inits.map((i) => dagProtocol.create(i));
  type Ev = { at: number; to: number; from: number; m?: DagMessage; timer?: string };
  const q: Ev[] = [];
  const commits: string[][] = cores.map(() => []);
  let now = 0;
  const apply = (i: number, effects: ConsensusEffect<DagMessage>[]) => {
    for (const e of effects) {
      if (e.kind === 'broadcast')
        for (let j = 0; j < 4; j++) {
          if (j !== i) q.push({ at: now + 5 + ((i * 7 + j * 3) % 11), to: j, from: i, m: e.message });
        }
      else if (e.kind === 'send') q.push({ at: now + 5, to: e.to, from: i, m: e.message });
      else if (e.kind === 'timer') q.push({ at: e.atMs, to: i, from: i, timer: e.name });
      else if (e.kind === 'commit')
        commits[i]!.push(...e.batch.transactions.map((t) => Buffer.from(t).toString()));
    }
  };
  cores.forEach((c, i) => apply(i, c.handle({ kind: 'start' }, 0)));
  for (let t = 0; t < 40; t++)
    cores[t % 4]!.handle({ kind: 'transactions', transactions: [Buffer.from(`tx${t}`)] }, 0);
  let steps = 0;
  while (q.length > 0 && now < 3000 && steps < 200000) {
    q.sort((a, b) => a.at - b.at);
    const ev = q.shift()!;
    now = ev.at;
    steps++;
    const input = ev.timer
      ? { kind: 'timer' as const, name: ev.timer }
      : { kind: 'message' as const, from: ev.from, message: ev.m! };
    apply(ev.to, cores[ev.to]!.handle(input, now));
  }
  console.log(
    commits.map((c) => c.length),
    (cores[0] as any).stats(),
    steps,
  );
  assert.ok(commits[0]!.length > 0);
});
