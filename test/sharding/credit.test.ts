import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COIN_SHARE_LENGTH } from '../../src/consensus/coin/index.js';
import {
  encodeCertificateEvidence,
  encodeVertexEvidence,
  type Header,
  headerDigest,
  headerSigningBytes,
  voteSigningBytes,
} from '../../src/consensus/dag/index.js';
import type { Committee } from '../../src/consensus/interface.js';
import { ed25519KeyPairFromSeed, ed25519Sign } from '../../src/crypto/ed25519.js';
import { sha256 } from '../../src/crypto/hash.js';
import {
  acknowledgedVertices,
  type CertifiedVertex,
  type CommitStatement,
  CREDIT_SCALE,
  type CycleEvidence,
  carryCredit,
  creditScores,
  drawMasters,
  drawMastersByCredit,
  type Equivocation,
  electRoles,
  equivocatorOf,
  orderedVertexOf,
  signCommitStatement,
  tallyCycle,
} from '../../src/sharding/index.js';

const enc = (s: string) => new TextEncoder().encode(s);

const vertex = (
  author: number,
  round: number,
  voters: number[],
  committed = true,
  coinShare = false,
): CertifiedVertex => ({
  author,
  round,
  voters,
  coinShare,
  committed,
});

function header(author: number, round: number, text = 'tx'): Header {
  return {
    author,
    round,
    parents: [],
    weakParents: [],
    transactions: [enc(`${text} ${author}/${round}`)],
    coinShare: null,
    signature: new Uint8Array(64),
  };
}

function statement(height: number, block: string): CommitStatement {
  return {
    chainId: 'zone-shards',
    shardId: 0,
    epoch: 1,
    height,
    blockHash: sha256(enc(`${block} ${height}`)),
    stateRoot: sha256(enc(`root ${block} ${height}`)),
  };
}

/**
 * n = 4, rounds 1 … 4 (round 3 carries coin shares). 0 does everything; 1's round-4 vertex is
 * certified but not ordered; 2 authors only in rounds 1 and 2; 3 never authors and votes once.
 */
function handMade(equivocations: Equivocation[] = []): CycleEvidence {
  const q = [0, 1, 2];
  return {
    committeeSize: 4,
    firstRound: 1,
    lastRound: 4,
    vertices: [
      vertex(0, 1, [0, 1, 2, 3]),
      vertex(0, 2, q),
      vertex(0, 3, q, true, true),
      vertex(0, 4, q),
      vertex(1, 1, q),
      vertex(1, 2, q),
      vertex(1, 3, q, true, true),
      vertex(1, 4, q, false),
      vertex(2, 1, q),
      vertex(2, 2, q),
    ],
    equivocations,
  };
}

/** A permutation that depends only on `seed`. */
function shuffled<T>(items: readonly T[], seed: string): T[] {
  return items
    .map((item, i) => ({ item, key: sha256(enc(`${seed}/${i}`)) }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map((x) => x.item);
}

const throwsCode = (fn: () => unknown, code: string, pattern?: RegExp) =>
  assert.throws(fn, (error: { code?: string; message?: string }) => {
    assert.equal(error.code, code);
    if (pattern) assert.match(error.message ?? '', pattern);
    return true;
  });

describe('node credit', () => {
  it('scores hand-made evidence by the formula', () => {
    const tallies = tallyCycle(handMade());
    assert.deepEqual(
      tallies.map((t) => [t.votes, t.missedVotes, t.certified, t.committed, t.coinShares, t.missedRounds]),
      [
        [10, 0, 4, 4, 1, 0],
        [10, 0, 4, 3, 1, 0],
        [10, 0, 2, 2, 0, 2],
        [1, 9, 0, 0, 0, 4],
      ],
    );
    const { scores, suspended } = creditScores(handMade());
    // best = 1·10 + (4 + 2)·4 + 2·1 = 36; raw: 36, 34, 10 + 8 + 4 − 16 = 6, and below 0.
    assert.deepEqual(
      [...scores],
      [
        [0, CREDIT_SCALE],
        [1, Math.floor((34 * CREDIT_SCALE) / 36)],
        [2, Math.floor((6 * CREDIT_SCALE) / 36)],
        [3, 0],
      ],
    );
    assert.equal(suspended.size, 0);
    // Other weights: only votes count.
    const votesOnly = creditScores(handMade(), {
      vote: 1,
      certified: 0,
      committed: 0,
      coinShare: 0,
      missedRound: 0,
      missedVote: 0,
    });
    assert.deepEqual([...votesOnly.scores.values()], [10_000, 10_000, 10_000, 1_000]);
  });

  it('zeroes and suspends a proven equivocator, whichever statements it doubled', () => {
    const headers: Equivocation = {
      kind: 'headers',
      proof: { epoch: 0, author: 0, round: 2, first: header(0, 2, 'a'), second: header(0, 2, 'b') },
    };
    const attestations: Equivocation = {
      kind: 'attestations',
      evidence: {
        signer: 1,
        first: { statement: statement(7, 'x'), signer: 1, signature: new Uint8Array(64) },
        second: { statement: statement(7, 'y'), signer: 1, signature: new Uint8Array(64) },
      },
    };
    const { scores, suspended } = creditScores(handMade([headers, attestations]));
    assert.deepEqual([...suspended].sort(), [0, 1]);
    assert.equal(scores.get(0), 0);
    assert.equal(scores.get(1), 0);
    assert.equal(scores.get(2), Math.floor((6 * CREDIT_SCALE) / 36), 'the others are scored as before');
    // Two copies of one statement prove nothing.
    const same = header(0, 2, 'a');
    throwsCode(
      () =>
        creditScores(
          handMade([
            { kind: 'headers', proof: { epoch: 0, author: 0, round: 2, first: same, second: same } },
          ]),
        ),
      'BAD_CREDIT_EVIDENCE',
      /the same/,
    );
    const a = attestations.kind === 'attestations' ? attestations.evidence : undefined;
    throwsCode(
      () =>
        creditScores(
          handMade([
            {
              kind: 'attestations',
              evidence: {
                signer: 1,
                first: a!.first,
                second: { ...a!.second, statement: statement(8, 'y') },
              },
            },
          ]),
        ),
      'BAD_CREDIT_EVIDENCE',
      /different heights/,
    );
    throwsCode(
      () => creditScores(handMade([{ kind: 'attestations', evidence: { ...a!, signer: 2 } }])),
      'BAD_CREDIT_EVIDENCE',
      /not both signed/,
    );
  });

  it('gives the same scores for the same evidence in any order', () => {
    // n = 7, 40 rounds: vertices, voter lists and equivocations drawn from a fixed hash.
    const n = 7;
    const vertices: CertifiedVertex[] = [];
    for (let round = 1; round <= 40; round++) {
      for (let author = 0; author < n; author++) {
        const h = sha256(enc(`v ${round} ${author}`));
        if (h[0]! < 40) continue; // about one vertex in six is missing
        const voters = [...Array(n).keys()].filter((v) => h[1 + v]! >= 60 || v < 5).slice(0, 5 + (h[9]! % 3));
        vertices.push(vertex(author, round, voters, h[10]! >= 30, round >= 3 && round % 2 === 1));
      }
    }
    const equivocations: Equivocation[] = [
      {
        kind: 'headers',
        proof: { epoch: 0, author: 4, round: 9, first: header(4, 9, 'a'), second: header(4, 9, 'b') },
      },
      {
        kind: 'headers',
        proof: { epoch: 0, author: 4, round: 11, first: header(4, 11, 'a'), second: header(4, 11, 'b') },
      },
    ];
    const evidence: CycleEvidence = {
      committeeSize: n,
      firstRound: 1,
      lastRound: 40,
      vertices,
      equivocations,
    };
    const reference = creditScores(evidence);
    assert.ok(new Set(reference.scores.values()).size >= 4, 'the scores differ between validators');
    assert.deepEqual([...reference.suspended], [4]);
    for (const seed of ['a', 'b', 'c', 'd']) {
      const permuted: CycleEvidence = {
        ...evidence,
        vertices: shuffled(vertices, seed).map((v) => ({
          ...v,
          voters: shuffled(v.voters, `${seed}${v.round}`),
        })),
        equivocations: shuffled(equivocations, seed),
      };
      const again = creditScores(permuted);
      assert.deepEqual([...again.scores], [...reference.scores]);
      assert.deepEqual([...again.suspended], [...reference.suspended]);
    }
  });

  it('refuses evidence the chain could not have recorded, and bad weights', () => {
    const base = handMade();
    const withVertex = (v: CertifiedVertex): CycleEvidence => ({ ...base, vertices: [...base.vertices, v] });
    throwsCode(() => creditScores(withVertex(vertex(4, 3, [0, 1, 2]))), 'BAD_CREDIT_EVIDENCE', /author 4/);
    throwsCode(() => creditScores(withVertex(vertex(3, 5, [0, 1, 2]))), 'BAD_CREDIT_EVIDENCE', /outside/);
    throwsCode(
      () => creditScores(withVertex(vertex(0, 2, [0, 1, 2]))),
      'BAD_CREDIT_EVIDENCE',
      /two vertices/,
    );
    throwsCode(
      () => creditScores(withVertex(vertex(3, 2, [0, 1, 2, 3, 3]))),
      'BAD_CREDIT_EVIDENCE',
      /5 voters/,
    );
    throwsCode(() => creditScores(withVertex(vertex(3, 2, [0, 1, 1]))), 'BAD_CREDIT_EVIDENCE', /twice/);
    throwsCode(() => creditScores(withVertex(vertex(3, 2, [0, 1, 7]))), 'BAD_CREDIT_EVIDENCE', /voter 7/);
    throwsCode(
      () => creditScores(withVertex(vertex(3, 2, [0, 1, 2], true, true))),
      'BAD_CREDIT_EVIDENCE',
      /coin/,
    );
    throwsCode(() => creditScores({ ...base, lastRound: 0 }), 'BAD_CREDIT_EVIDENCE', /not a cycle/);
    throwsCode(() => creditScores({ ...base, committeeSize: 0 }), 'BAD_CREDIT_EVIDENCE');
    const weights = { vote: 1, certified: 4, committed: 2, coinShare: 2, missedRound: 8, missedVote: 2 };
    throwsCode(() => creditScores(base, { ...weights, vote: -1 }), 'BAD_CREDIT_WEIGHTS', /vote/);
    throwsCode(() => creditScores(base, { ...weights, certified: 0.5 }), 'BAD_CREDIT_WEIGHTS', /certified/);
    const { missedVote: _, ...missing } = weights;
    throwsCode(() => creditScores(base, missing as typeof weights), 'BAD_CREDIT_WEIGHTS', /missedVote/);
  });

  it('carries credit across cycles: members move toward their score, standbys keep theirs', () => {
    const previous = new Map([
      [0, 8_000],
      [1, 8_000],
      [9, 6_000],
    ]);
    const cycle = {
      scores: new Map([
        [0, 10_000],
        [1, 0],
        [2, 4_000],
      ]),
      suspended: new Set([1]),
    };
    const next = carryCredit(previous, cycle);
    // 0: (8000·7500 + 10000·2500) / 10000; 2 starts from half the scale; 9 stood by.
    assert.deepEqual(
      [...next].sort((a, b) => a[0] - b[0]),
      [
        [0, 8_500],
        [1, 0],
        [2, 4_750],
        [9, 6_000],
      ],
    );
    throwsCode(() => carryCredit(previous, cycle, 10_001), 'BAD_CREDIT_WEIGHTS');
  });
});

describe('role election', () => {
  const credit = new Map([
    [0, 9_000],
    [1, 4_000],
    [2, 7_000],
    [3, 4_000],
    [10, 4_000],
    [11, 5_000],
    [12, 5_000],
  ]);
  const none = new Set<number>();

  it('replaces the worst verification node only with a standby that beats it', () => {
    // 1 and 3 tie at 4000: the higher index, 3, is the worst; 11 and 12 tie: 11 ranks first.
    const elected = electRoles({ verification: [0, 1, 2, 3], standby: [10, 11, 12] }, credit, none);
    assert.deepEqual(elected.replaced, { out: 3, in: 11 });
    assert.deepEqual(elected.verification, [0, 1, 2, 11], 'the newcomer takes the place it fills');
    assert.deepEqual(elected.standby, [10, 3, 12]);
    assert.deepEqual(elected.removed, []);
    // A standby with equal credit does not churn the committee.
    const equal = electRoles({ verification: [0, 1, 2, 3], standby: [10] }, credit, none);
    assert.equal(equal.replaced, null);
    assert.deepEqual(equal.verification, [0, 1, 2, 3]);
    // Nobody standing by: nothing changes.
    assert.equal(electRoles({ verification: [0, 1], standby: [] }, credit, none).replaced, null);
    // A node without any credit is worth 0.
    const unknown = electRoles({ verification: [0, 7], standby: [10] }, credit, none);
    assert.deepEqual(unknown.replaced, { out: 7, in: 10 });
  });

  it('always takes out a suspended verification node, even for a weaker standby', () => {
    const elected = electRoles({ verification: [0, 1, 2, 3], standby: [10, 12] }, credit, new Set([0, 12]));
    // 0 is suspended: the best standby left (10, since 12 is suspended too) takes its place.
    assert.deepEqual(elected.removed, [{ out: 0, in: 10 }]);
    assert.deepEqual(elected.verification, [10, 1, 2, 3]);
    assert.deepEqual(elected.standby, []);
    assert.equal(elected.replaced, null);
    // No standby left: the place is emptied and reported.
    const empty = electRoles({ verification: [0, 1, 2, 3], standby: [] }, credit, new Set([2]));
    assert.deepEqual(empty.removed, [{ out: 2, in: null }]);
    assert.deepEqual(empty.verification, [0, 1, 3]);
    // After the suspensions the credit rule still runs once.
    const both = electRoles({ verification: [0, 1, 2, 3], standby: [10, 11, 12] }, credit, new Set([2]));
    assert.deepEqual(both.removed, [{ out: 2, in: 11 }]);
    assert.deepEqual(both.replaced, { out: 3, in: 12 });
    assert.deepEqual(both.verification, [0, 1, 11, 12]);
    assert.deepEqual(both.standby, [10, 3]);
  });

  it('refuses role lists that name a node twice', () => {
    throwsCode(() => electRoles({ verification: [0, 1], standby: [1] }, credit, none), 'BAD_ROLES', /twice/);
    throwsCode(() => electRoles({ verification: [0, -1], standby: [] }, credit, none), 'BAD_ROLES');
  });
});

describe('credit-weighted master draw', () => {
  const credit = new Map([
    [20, 1_000],
    [21, 2_000],
    [22, 3_000],
    [23, 4_000],
    [24, 0],
  ]);
  const candidates = [24, 23, 22, 21, 20];
  const beacon = (i: number) => sha256(enc(`beacon ${i}`));

  it('leads with each node in proportion to its credit and never draws one without credit', () => {
    const cycles = 4000;
    const first = new Map<number, number>();
    for (let cycle = 0; cycle < cycles; cycle++) {
      const order = drawMastersByCredit(beacon(cycle), cycle, 3, candidates, credit);
      assert.deepEqual([...order].sort(), [20, 21, 22, 23]);
      first.set(order[0]!, (first.get(order[0]!) ?? 0) + 1);
    }
    for (const [node, weight] of credit) {
      const p = weight / 10_000;
      const expected = cycles * p;
      const spread = 4 * Math.sqrt(cycles * p * (1 - p));
      const seen = first.get(node) ?? 0;
      assert.ok(
        Math.abs(seen - expected) <= spread,
        `node ${node}: ${seen} times first, expected ${expected}`,
      );
    }
    assert.equal(first.get(24), undefined);
  });

  it('cannot be told without the beacon: one changed bit redraws the master', () => {
    let changed = 0;
    const trials = 1000;
    for (let i = 0; i < trials; i++) {
      const b = beacon(i);
      const flipped = Uint8Array.from(b);
      flipped[i % 32]! ^= 1 << (i % 8);
      const a = drawMastersByCredit(b, 5, 1, candidates, credit);
      assert.deepEqual(drawMastersByCredit(b, 5, 1, candidates, credit), a, 'a function of its inputs');
      if (drawMastersByCredit(flipped, 5, 1, candidates, credit)[0] !== a[0]) changed++;
    }
    // Two independent draws differ in their first pick with probability 1 − Σ p² = 0.7.
    assert.ok(changed > 0.62 * trials && changed < 0.78 * trials, `${changed} of ${trials} changed`);
  });

  it('draws uniformly when no candidate has credit', () => {
    const zero = new Map<number, number>();
    assert.deepEqual(
      drawMastersByCredit(beacon(1), 2, 0, [4, 5, 6], zero),
      drawMasters(beacon(1), 2, 0, [4, 5, 6]),
    );
    throwsCode(() => drawMastersByCredit(beacon(1), 2, 0, [4, 4], zero), 'BAD_ROLES');
    throwsCode(() => drawMastersByCredit(beacon(1), 2, 0, [4], new Map([[4, -3]])), 'BAD_CREDIT_WEIGHTS');
  });
});

describe('credit evidence from the chain', () => {
  const keys = Array.from({ length: 4 }, (_, i) => ed25519KeyPairFromSeed(sha256(enc(`validator ${i}`))));
  const committee: Committee = {
    shardId: 0,
    epoch: 1,
    members: keys.map((k, index) => ({ index, publicKey: k.publicKey })),
  };

  it('reads a recorded batch as a vertex once its certificate verifies, whichever quorum signed it', () => {
    const h: Header = { ...header(2, 5), coinShare: new Uint8Array(COIN_SHARE_LENGTH).fill(7) };
    const digest = headerDigest(h);
    const voteOf = (voter: number) => ({
      voter,
      signature: ed25519Sign(keys[voter]!.seed, voteSigningBytes(committee, digest)),
    });
    const batch = {
      sequence: 17,
      round: 5,
      proposer: 2,
      transactions: h.transactions,
      evidence: encodeVertexEvidence(h),
      proof: encodeCertificateEvidence({ header: h, votes: [3, 0, 2].map(voteOf) }),
    };
    const read = orderedVertexOf(batch, committee);
    assert.equal(read.author, 2);
    assert.equal(read.round, 5);
    assert.equal(read.coinShare, true);
    assert.equal(read.digest, Buffer.from(digest).toString('hex'));
    // Another quorum's certificate of the same vertex is as good, and the block evidence the same.
    const other = { ...batch, proof: encodeCertificateEvidence({ header: h, votes: [0, 1, 3].map(voteOf) }) };
    assert.deepEqual(orderedVertexOf(other, committee), read);
    throwsCode(
      () =>
        orderedVertexOf(
          { ...batch, proof: encodeCertificateEvidence({ header: h, votes: [0, 3].map(voteOf) }) },
          committee,
        ),
      'BAD_CREDIT_EVIDENCE',
      /2 valid votes/,
    );
    throwsCode(
      () => orderedVertexOf({ ...batch, transactions: [enc('other')] }, committee),
      'BAD_CREDIT_EVIDENCE',
      /batch 17/,
    );
    throwsCode(
      () => orderedVertexOf({ ...batch, proposer: 1 }, committee),
      'BAD_CREDIT_EVIDENCE',
      /another vertex/,
    );
    const elsewhere = { ...h, parents: [new Uint8Array(32).fill(9)] };
    throwsCode(
      () => orderedVertexOf({ ...batch, evidence: encodeVertexEvidence(elsewhere) }, committee),
      'BAD_CREDIT_EVIDENCE',
      /another vertex than the block records/,
    );
    throwsCode(
      () => orderedVertexOf({ ...batch, proof: undefined }, committee),
      'BAD_CREDIT_EVIDENCE',
      /no certificate/,
    );
    // Without verification (a node's own chain) the evidence alone is read.
    assert.deepEqual(
      orderedVertexOf({ ...batch, proof: undefined, transactions: [] }, committee, false),
      read,
    );
  });

  it('counts as acknowledging a vertex every later ordered vertex that references it', () => {
    const v = (author: number, round: number, id: string, references: string[]) => ({
      author,
      round,
      digest: id,
      references,
      coinShare: false,
    });
    const vertices = [
      v(0, 1, 'a1', []),
      v(1, 1, 'b1', []),
      v(2, 1, 'c1', []),
      v(0, 2, 'a2', ['a1', 'b1', 'c1']),
      v(1, 2, 'b2', ['a1', 'b1', 'x']),
      v(2, 2, 'c2', ['a1', 'b1']),
      v(3, 3, 'd3', ['a2', 'b2', 'c2', 'c1']), // c1 as a weak parent
      v(9, 3, 'z3', ['a2']), // not a member: left out
    ];
    const acknowledged = acknowledgedVertices(vertices, 4);
    assert.deepEqual(
      acknowledged.slice(0, 7).map((x) => x.voters),
      [[0, 1, 2], [0, 1, 2], [0, 3], [3], [3], [3], []],
    );
    assert.ok(acknowledged.every((x) => x.committed));
  });

  it('convicts an equivocator only on two valid signatures', () => {
    const signed = (h: Header): Header => ({
      ...h,
      signature: ed25519Sign(keys[h.author]!.seed, headerSigningBytes(committee, headerDigest(h))),
    });
    const proof = {
      epoch: committee.epoch,
      author: 1,
      round: 4,
      first: signed(header(1, 4, 'a')),
      second: signed(header(1, 4, 'b')),
    };
    assert.equal(equivocatorOf({ kind: 'headers', proof }, committee), 1);
    const forged = { ...proof, second: { ...header(1, 4, 'b'), signature: proof.first.signature } };
    throwsCode(() => equivocatorOf({ kind: 'headers', proof: forged }, committee), 'BAD_CREDIT_EVIDENCE');
    const sign = (message: Uint8Array) => ed25519Sign(keys[3]!.seed, message);
    const first = signCommitStatement(statement(9, 'x'), 3, sign);
    const second = signCommitStatement(statement(9, 'y'), 3, sign);
    assert.equal(
      equivocatorOf({ kind: 'attestations', evidence: { signer: 3, first, second } }, committee),
      3,
    );
    const stolen = { ...second, signature: first.signature };
    throwsCode(
      () =>
        equivocatorOf({ kind: 'attestations', evidence: { signer: 3, first, second: stolen } }, committee),
      'BAD_CREDIT_EVIDENCE',
    );
  });
});
