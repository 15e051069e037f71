import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Certificate,
  type DagCore,
  dagProtocol,
  headerDigest,
} from '../../../src/consensus/dag/index.js';
import { Prng } from '../../../src/kit/prng.js';
import { DagBuilder } from './builder.js';

const ROUNDS = 12;
/** More seeds: AGREEMENT_SEEDS=1000 npm test -- commit-rule-agreement */
const SEEDS = Number(process.env.AGREEMENT_SEEDS ?? 60);
const OBSERVERS = 4;

interface RandomDag {
  readonly rounds: Certificate[][];
  /** Per round, the vertex the next round mostly leaves out (its digest key), if any. */
  readonly shunned: Set<string>;
}

const keyOf = (digest: Uint8Array) => Buffer.from(digest).toString('hex');

/**
 * A DAG no honest schedule would build. Each round holds three or four vertices; when it holds
 * four, one of them is shunned: most vertices of the next round reference only the other three.
 * Leaders so get any support from 0 to 4, coin-round vertices reach them or not, and a validator
 * that never received a shunned vertex can still hold most of what comes after it.
 */
function randomDag(dag: DagBuilder, rng: Prng): RandomDag {
  const rounds: Certificate[][] = [];
  const shunned = new Set<string>();
  let previous: number[] = [];
  let avoided: number | null = null;
  for (let round = 1; round <= ROUNDS; round++) {
    const authors = rng.chance(0.75) ? [0, 1, 2, 3] : [0, 1, 2, 3].filter((a) => a !== rng.int(4));
    const vertices = authors.map((author) => {
      if (round === 1) return dag.vertex(author, round, []);
      const others = previous.filter((a) => a !== avoided);
      const parents = avoided !== null && rng.chance(0.85) ? others : rng.shuffle([...previous]).slice(0, 3);
      return dag.vertex(author, round, parents.sort());
    });
    avoided = authors.length === 4 ? rng.pick(authors) : null;
    if (avoided !== null) shunned.add(keyOf(headerDigest(vertices[authors.indexOf(avoided)]!.header)));
    rounds.push(vertices);
    previous = authors;
  }
  return { rounds, shunned };
}

/**
 * What one validator may hold: the DAG up to a random round, without some shunned vertices and
 * whatever references them. Ancestor-closed, in round order.
 */
function heldPart({ rounds, shunned }: RandomDag, rng: Prng): Certificate[] {
  const lastRound = 6 + rng.int(ROUNDS - 5);
  const held = new Set<string>();
  const out: Certificate[] = [];
  for (const vertices of rounds.slice(0, lastRound)) {
    for (const certificate of vertices) {
      const key = keyOf(headerDigest(certificate.header));
      if (shunned.has(key) && rng.chance(0.5)) continue;
      if (!certificate.header.parents.every((p) => held.has(keyOf(p)))) continue;
      held.add(key);
      out.push(certificate);
    }
  }
  return out;
}

function committedLabels(core: DagCore, certificates: readonly Certificate[]): string[] {
  const labels: string[] = [];
  for (const certificate of certificates) {
    const effects = core.handle(
      { kind: 'message', from: 0, message: { type: 'certificate', certificate } },
      0,
    );
    for (const effect of effects)
      if (effect.kind === 'commit') labels.push(new TextDecoder().decode(effect.batch.transactions[0]));
  }
  return labels;
}

describe('commit rule: validators holding different parts of one DAG never order differently', () => {
  it(`agrees on random DAGs of ${ROUNDS} rounds, ${OBSERVERS} partial views each (${SEEDS} seeds)`, () => {
    let ordered = 0;
    let partialLonger = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const rng = new Prng(seed);
      const dag = new DagBuilder(40 + (seed % 8));
      const built = randomDag(dag, rng);
      const views = [
        built.rounds.flat(),
        ...Array.from({ length: OBSERVERS - 1 }, () => heldPart(built, rng)),
      ];
      const orders = views.map((view) => committedLabels(dagProtocol.create(dag.inits[3]!) as DagCore, view));
      const [full, ...partial] = orders;
      ordered += full!.length;
      for (const order of partial) {
        const replay = `seed ${seed} (npm test -- commit-rule-agreement)`;
        assert.deepEqual(order, full!.slice(0, order.length), `a partial view diverged: ${replay}`);
        if (order.length > 0 && order.length < full!.length) partialLonger++;
      }
    }
    // The DAGs are not so broken that nothing commits, and partial views do stop short.
    assert.ok(ordered > SEEDS * 10, `only ${ordered} vertices ordered`);
    assert.ok(partialLonger > 0);
  });
});
