import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { loadProtocol } from '../../src/bench/consensus/protocols.js';
import { acrossValidators, CommitTally } from '../../src/bench/consensus/tally.js';
import { coinLeader, coinName, combineCoinShares, createCoinShare } from '../../src/consensus/coin/index.js';
import { type DagCore, dagGenesis } from '../../src/consensus/dag/index.js';
import { Signatures } from '../../src/consensus/dag/signing.js';
import { ed25519VerificationCount } from '../../src/crypto/ed25519.js';
import { Cluster, txs } from '../consensus/dag/harness.js';

/** Ed25519 verifications done while `body` runs. */
function countVerifies(body: () => void): number {
  const before = ed25519VerificationCount();
  body();
  return ed25519VerificationCount() - before;
}

describe('in-process validators each pay for their own checks', () => {
  it('a signature checked by one Signatures object is checked again by another', () => {
    const seeds = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)];
    const members = seeds.map((seed, index) => ({
      index,
      publicKey: new Uint8Array(
        crypto
          .createPublicKey(
            crypto.createPrivateKey({
              key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
              format: 'der',
              type: 'pkcs8',
            }),
          )
          .export({ format: 'der', type: 'spki' })
          .subarray(12),
      ),
    }));
    const real = { shardId: 0, epoch: 0, members };
    const a = Signatures.fromSeed(real, seeds[0]!);
    const b = Signatures.fromSeed(real, seeds[1]!);
    const bytes = new Uint8Array(32).fill(7);
    const signature = a.sign(bytes);
    const calls = countVerifies(() => {
      assert.equal(a.verify(0, bytes, signature), true);
      assert.equal(a.verify(0, bytes, signature), true); // from a's own cache
      assert.equal(b.verify(0, bytes, signature), true); // b has not seen it
    });
    assert.equal(calls, 2);
  });

  it("the benchmark's DAG genesis hands each validator its own coin-key object", async () => {
    const dag = await loadProtocol('dag');
    const inits = dag.genesis(4, new Uint8Array(32).fill(1)) as unknown as {
      coinPublicKeys: { verificationKeys: Uint8Array[] };
    }[];
    assert.equal(new Set(inits.map((i) => i.coinPublicKeys)).size, 4);
    for (const init of inits) {
      assert.deepEqual(init.coinPublicKeys.verificationKeys, inits[0]!.coinPublicKeys.verificationKeys);
    }
  });
});

describe('commit figures across validators', () => {
  it('reports the median and the slowest honest validator, pauses included', () => {
    const tallies = [0, 1, 2, 3].map((v) => new CommitTally(v));
    for (const t of tallies) t.open(0);
    // Every 250 ms validator k commits 25·(k + 1) transactions, each 10·(k + 1) ms after its
    // submission; validator 3 stops after 500 ms; validator 2 crashes at 600 ms.
    for (let at = 250; at <= 1000; at += 250) {
      if (at === 750) for (const t of tallies) t.crashed(600);
      tallies.forEach((t, k) => {
        if (k === 3 && at > 500) return;
        for (let i = 0; i < 25 * (k + 1); i++) t.transaction(10 * (k + 1));
        t.commit(at);
      });
    }
    for (const t of tallies) t.close(1000);
    const honest = acrossValidators(
      tallies.filter((t) => t.validator !== 2),
      1000,
    );
    assert.deepEqual(
      honest.perValidator.map((f) => [f.validator, f.committedTx]),
      [
        [0, 100],
        [1, 200],
        [3, 200],
      ],
    );
    assert.equal(honest.medianTxPerSec, 200);
    assert.equal(honest.slowestTxPerSec, 100);
    // Latencies are read back as the upper edge of their 1 ms bucket.
    assert.equal(honest.medianP50, 21);
    assert.equal(honest.slowestP99, 41);
    assert.equal(honest.medianGap, 250);
    assert.equal(honest.slowestGap, 500);
    assert.equal(honest.medianGapAfterCrash, 250);
    assert.equal(honest.slowestGapAfterCrash, 400);
    // No decision was reported: the protocol-round gap is unknown, not zero.
    assert.equal(honest.medianDecisionGapAfterCrash, null);
  });

  it('counts protocol rounds between decisions from the crash on only', () => {
    const tallies = [0, 1, 2].map((v) => new CommitTally(v));
    // Decisions in rounds 1, 3, 9 before the crash (a 6-round gap not counted), then each
    // validator's own rounds after it (the gap from round 9 counts: it spans the crash).
    for (const t of tallies) for (const round of [1, 3, 9]) t.decision(round);
    for (const t of tallies) t.crashed(100);
    const after = [
      [11, 13, 15],
      [13, 17, 19],
      [11, 19],
    ];
    tallies.forEach((t, k) => {
      for (const round of after[k]!) t.decision(round);
    });
    const figures = acrossValidators(tallies, 1000);
    assert.deepEqual(
      figures.perValidator.map((f) => f.maxDecisionGapAfterCrashRounds),
      [2, 4, 8],
    );
    assert.equal(figures.medianDecisionGapAfterCrash, 4);
    assert.equal(figures.slowestDecisionGapAfterCrash, 8);
  });
});

/** The first genesis seed byte whose wave-1 coin elects `leader` out of all four validators. */
function seedElectingInWaveOne(leader: number): number {
  for (let seed = 1; seed < 64; seed++) {
    const inits = dagGenesis(4, new Uint8Array(32).fill(seed));
    const name = coinName(0, 0, 1);
    const shares = [0, 1].map((index) => ({
      index,
      share: createCoinShare(inits[index]!.coinSecretShare, inits[index]!.coinPublicKeys, index, name),
    }));
    if (coinLeader(combineCoinShares(inits[0]!.coinPublicKeys, name, shares), 4) === leader) return seed;
  }
  throw new Error('no seed found');
}

describe('the leader-delay target of the DAG', () => {
  it('is the leader the coin elected for the wave being decided, before that wave commits', async () => {
    const dag = await loadProtocol('dag');
    // Validator 3 is cut off and the coin gives it wave 1: that wave cannot commit, yet its coin
    // is open, and the target is validator 3 until a later wave commits.
    const cluster = new Cluster(4, seedElectingInWaveOne(3));
    cluster.cut.add(3);
    cluster.start();
    for (let i = 0; i < 3; i++) cluster.submit(i, txs(`v${i}`, 10));
    const pending = new Set<string>();
    for (let t = 5; t <= 500; t += 5) {
      cluster.run(t);
      for (const core of cluster.cores.slice(0, 3) as DagCore[]) {
        const anchor = core.currentAnchor();
        const seen = dag.reliedOn(core, 4);
        if (anchor === null) {
          assert.equal(seen, null);
          continue;
        }
        assert.deepEqual(seen, { epoch: anchor.wave, validator: anchor.leader });
        const committedWave = core.stats().committedWave;
        assert.ok(anchor.wave >= committedWave);
        // Within the wave last passed, the slot committed last is slot 0 or the slot after it.
        if (anchor.wave === committedWave)
          assert.ok([anchor.leader, (anchor.leader + 1) % 4].includes(core.lastCommittedLeader()!));
        else pending.add(`${anchor.wave}:${anchor.leader}`);
      }
      if (pending.has('1:3') && cluster.cores[0]!.stats().committedWave > 1) break;
    }
    assert.ok(pending.has('1:3'), `wave 1 elected validator 3 before any commit (${[...pending]})`);
    assert.ok(cluster.cores[0]!.stats().committedWave > 1, 'later waves commit without it');
  });
});
