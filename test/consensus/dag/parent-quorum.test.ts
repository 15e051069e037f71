import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Certificate,
  type DagCore,
  type DagMessage,
  dagProtocol,
  decodeEquivocationProof,
  encodeEquivocationProof,
  type Header,
  headerDigest,
  verifyEquivocationProof,
  voteSigningBytes,
} from '../../../src/consensus/dag/index.js';
import type { CommittedBatch, ConsensusEffect } from '../../../src/consensus/interface.js';
import { ed25519Sign } from '../../../src/crypto/index.js';
import { DagBuilder } from './builder.js';

/**
 * The parent-quorum attack, built round by round (n = 4, f = 1, gcDepthRounds = 4).
 *
 * A Byzantine validator x, elected leader of wave W + 1, makes its round-(2W + 1) vertex X with
 * only two real round-2W parents, both of which avoid the leader L of wave W, and a third "parent"
 * that is the digest of a long-collected round-1 vertex. Validators that count a collected digest
 * as an available parent vote for X and accept its certificate. Then an honest validator A that
 * saw both supporters of L commits L directly, while an honest validator B, from which one
 * supporter is withheld, commits X first and finds no strong path from X to L: the two orders
 * diverge. The fixed core refuses X (no vote, no certificate), so B's order stays a prefix of A's.
 */
const W = 6;
const CONFIG = { gcDepthRounds: 4 };
const ALL = [0, 1, 2, 3];

interface Attack {
  readonly dag: DagBuilder;
  /** Authors: leader of wave W, Byzantine leader of wave W + 1, the withheld supporter, the last. */
  readonly l: number;
  readonly x: number;
  readonly s: number;
  readonly t: number;
  readonly prefix: Certificate[];
  readonly round2W: Certificate[];
  /** X's header as signed by x, before any vote. */
  readonly xHeader: Header;
  readonly rest: Certificate[];
}

function buildAttack(): Attack {
  let seed = 40;
  let dag = new DagBuilder(seed, CONFIG);
  while (dag.leader(W) === dag.leader(W + 1)) dag = new DagBuilder(++seed, CONFIG);
  const l = dag.leader(W);
  const x = dag.leader(W + 1);
  const [s, t] = ALL.filter((a) => a !== l && a !== x) as [number, number];
  const prefix: Certificate[] = [...dag.round(1, { 0: [], 1: [], 2: [], 3: [] })];
  for (let r = 2; r <= 2 * W - 1; r++) prefix.push(...dag.round(r, { 0: ALL, 1: ALL, 2: ALL, 3: ALL }));
  // Round 2W: l and s support L; x and t avoid it.
  const avoidL = ALL.filter((a) => a !== l);
  const round2W = dag.round(2 * W, { [l]: ALL, [s]: ALL, [x]: avoidL, [t]: avoidL });
  const collected = headerDigest(dag.vertices.get(DagBuilder.label(0, 1))!.header);
  const real = [x, t].map((a) => headerDigest(dag.vertices.get(DagBuilder.label(a, 2 * W))!.header));
  const xCertificate = dag.vertexWith(x, 2 * W + 1, [...real, collected]);
  const rest: Certificate[] = [xCertificate];
  const withoutS = [l, x, t];
  rest.push(...dag.round(2 * W + 1, { [t]: withoutS, [l]: withoutS }));
  rest.push(...dag.round(2 * W + 2, { [t]: withoutS, [l]: withoutS, [x]: withoutS }));
  rest.push(...dag.round(2 * W + 3, { [t]: withoutS, [l]: withoutS }));
  return { dag, l, x, s, t, prefix, round2W, xHeader: xCertificate.header, rest };
}

function feed(core: DagCore, certificates: readonly Certificate[]): CommittedBatch[] {
  const commits: CommittedBatch[] = [];
  for (const certificate of certificates) {
    const from = (core.index + 1) % 4;
    const message: DagMessage = { type: 'certificate', certificate };
    for (const effect of core.handle({ kind: 'message', from, message }, 0))
      if (effect.kind === 'commit') commits.push(effect.batch);
  }
  return commits;
}

const labels = (batches: readonly CommittedBatch[]) =>
  batches.map((b) => new TextDecoder().decode(b.transactions[0]));

/** Labels of the certificates among `certificates` that `core` answers a request for. */
function held(core: DagCore, certificates: readonly Certificate[]): string[] {
  const digests = certificates.map((c) => headerDigest(c.header));
  const from = (core.index + 1) % 4;
  const effects = core.handle({ kind: 'message', from, message: { type: 'request', digests } }, 0);
  return effects.flatMap((e) =>
    e.kind === 'send' && e.message.type === 'certificate'
      ? [DagBuilder.label(e.message.certificate.header.author, e.message.certificate.header.round)]
      : [],
  );
}

function votes(effects: readonly ConsensusEffect<DagMessage>[]): number {
  return effects.filter((e) => e.kind === 'send' && e.message.type === 'vote').length;
}

describe('parent quorum: a collected digest never counts as a parent', () => {
  it('no honest vote for a header whose third parent is a collected vertex', () => {
    const attack = buildAttack();
    const honest = ALL.find((a) => a !== attack.x)!;
    const core = dagProtocol.create(attack.dag.inits[honest]!) as DagCore;
    feed(core, [...attack.prefix, ...attack.round2W]);
    assert.ok(core.stats().gcRound > 1, `round-1 vertices are collected (gcRound ${core.stats().gcRound})`);
    const effects = core.handle(
      { kind: 'message', from: attack.x, message: { type: 'header', header: attack.xHeader } },
      0,
    );
    assert.equal(votes(effects), 0, 'an honest validator voted for a vertex with two real parents');
  });

  it('no such certificate is accepted, nor anything built on it', () => {
    const attack = buildAttack();
    const honest = ALL.find((a) => a !== attack.x)!;
    const core = dagProtocol.create(attack.dag.inits[honest]!) as DagCore;
    feed(core, [...attack.prefix, ...attack.round2W]);
    feed(core, attack.rest);
    // Asked for every vertex of the rest, the validator serves only those it holds: the two
    // round-(2W + 1) vertices of l and t that stand on real parents.
    const served = held(core, attack.rest);
    assert.deepEqual(served, [DagBuilder.label(attack.t, 2 * W + 1), DagBuilder.label(attack.l, 2 * W + 1)]);
    assert.equal(core.stats().buffered, 0, 'what builds on the refused vertex is dropped, not kept');
  });

  it('two honest validators never commit diverging orders', () => {
    const attack = buildAttack();
    const honest = ALL.filter((a) => a !== attack.x);
    const a = dagProtocol.create(attack.dag.inits[honest[0]!]!) as DagCore;
    const b = dagProtocol.create(attack.dag.inits[honest[1]!]!) as DagCore;
    const withheld = DagBuilder.label(attack.s, 2 * W);
    const committedA = [...feed(a, attack.prefix), ...feed(a, attack.round2W), ...feed(a, attack.rest)];
    const committedB = [
      ...feed(b, attack.prefix),
      ...feed(
        b,
        attack.round2W.filter((c) => DagBuilder.label(c.header.author, c.header.round) !== withheld),
      ),
      ...feed(b, attack.rest),
    ];
    // A saw both supporters of wave W's leader and committed it directly.
    assert.ok(labels(committedA).includes(DagBuilder.label(attack.l, 2 * W - 1)), 'A committed L');
    const shorter = Math.min(committedA.length, committedB.length);
    assert.deepEqual(
      labels(committedB.slice(0, shorter)),
      labels(committedA.slice(0, shorter)),
      'the honest orders diverge',
    );
    assert.ok(
      !labels(committedB).includes(DagBuilder.label(attack.x, 2 * W + 1)),
      'B ordered the vertex with a collected parent',
    );
  });
});

describe('equivocation evidence', () => {
  it('keeps the first of two certificates for one slot and records a proof anyone can check', () => {
    const dag = new DagBuilder(7, CONFIG);
    const first = dag.vertex(2, 1, []);
    const second = dag.sign({ ...first.header, transactions: [new TextEncoder().encode('other')] });
    const secondCertificate = { header: second, votes: first.votes };
    assert.notDeepEqual(headerDigest(second), headerDigest(first.header));
    const core = dagProtocol.create(dag.inits[0]!) as DagCore;
    feed(core, [first]);
    feed(core, [secondCertificate]); // the first one's votes do not cover it: ignored, no proof
    assert.equal(core.equivocations().length, 0);
    const resigned = {
      header: second,
      votes: dag.inits.slice(0, 3).map((voter) => ({
        voter: voter.index,
        signature: ed25519Sign(voter.signingSeed, voteSigningBytes(voter.committee, headerDigest(second))),
      })),
    };
    feed(core, [resigned]);
    const proofs = core.equivocations();
    assert.equal(proofs.length, 1);
    assert.equal(proofs[0]!.author, 2);
    assert.equal(proofs[0]!.round, 1);
    const committee = dag.inits[0]!.committee;
    const decoded = decodeEquivocationProof(encodeEquivocationProof(proofs[0]!));
    assert.ok(verifyEquivocationProof(committee, decoded));
    assert.ok(!verifyEquivocationProof(committee, { ...decoded, second: decoded.first }));
    // The first certificate stays in the slot; the second is not served.
    const answers = core
      .handle(
        {
          kind: 'message',
          from: 1,
          message: { type: 'request', digests: [headerDigest(first.header), headerDigest(second)] },
        },
        0,
      )
      .filter((e) => e.kind === 'send' && e.message.type === 'certificate');
    assert.equal(answers.length, 1);
  });

  it('proves an equivocation split between peers: the header it saw, against the certificate of the other', () => {
    const dag = new DagBuilder(9, CONFIG);
    const certified = dag.vertex(2, 1, []);
    const enc = new TextEncoder();
    const shownHere = dag.sign({
      ...certified.header,
      transactions: [enc.encode('shown to validator 0 only')],
    });
    const header: DagMessage = { type: 'header', header: shownHere };
    // Validator 0 votes for the version it was shown, then sees the other version certified.
    const voter = dagProtocol.create(dag.inits[0]!) as DagCore;
    const votes = voter.handle({ kind: 'message', from: 2, message: header }, 0);
    assert.ok(votes.some((e) => e.kind === 'send' && e.message.type === 'vote'));
    feed(voter, [certified]);
    assert.equal(voter.equivocations().length, 1);
    assert.ok(verifyEquivocationProof(dag.inits[0]!.committee, voter.equivocations()[0]!));
    // A validator that refused the version it was shown (an entry it cannot read) still keeps its signed header.
    const junk = dag.sign({ ...certified.header, transactions: [enc.encode('unreadable')] });
    const refuser = dagProtocol.create({
      ...dag.inits[1]!,
      acceptsEntry: (e) => new TextDecoder().decode(e) !== 'unreadable',
    }) as DagCore;
    const answer = refuser.handle({ kind: 'message', from: 2, message: { type: 'header', header: junk } }, 0);
    assert.ok(
      !answer.some((e) => e.kind === 'send' && e.message.type === 'vote'),
      'no vote for what it cannot read',
    );
    feed(refuser, [certified]);
    assert.equal(refuser.equivocations().length, 1);
    // The same header certified is no proof; nor is a forged signature kept as one.
    const honest = dagProtocol.create(dag.inits[3]!) as DagCore;
    honest.handle({ kind: 'message', from: 2, message: { type: 'header', header: certified.header } }, 0);
    const forged = { ...junk, signature: new Uint8Array(64) };
    const careful = dagProtocol.create({
      ...dag.inits[0]!,
      acceptsEntry: (e) => new TextDecoder().decode(e) !== 'unreadable',
    }) as DagCore;
    careful.handle({ kind: 'message', from: 2, message: { type: 'header', header: forged } }, 0);
    feed(honest, [certified]);
    feed(careful, [certified]);
    assert.equal(honest.equivocations().length, 0);
    assert.equal(careful.equivocations().length, 0);
  });
});
