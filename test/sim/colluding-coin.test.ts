import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { runSimulation } from '../../src/sim/index.js';
import { type ObservedRun, observeColludingDag } from './colluding-run.js';

interface Learnt {
  readonly wave: number;
  readonly leader: number;
  readonly honestLeader: boolean;
  readonly openedBefore: number;
  readonly withhold: boolean;
  readonly reverse: boolean;
}

function learnt(attacks: readonly string[]): Learnt[] {
  const out: Learnt[] = [];
  for (const line of attacks) {
    const m =
      /^wave (\d+): coin known to the faulty from \d+ own shares and the share of \d+ \(leader (\d+), (honest|faulty)\); honest validators that had opened it: (\d+); (withholding|releasing)/.exec(
        line,
      );
    if (m === null) continue;
    out.push({
      wave: Number(m[1]),
      leader: Number(m[2]),
      honestLeader: m[3] === 'honest',
      openedBefore: Number(m[4]),
      withhold: m[5] === 'withholding',
      reverse: line.endsWith('(reverse)'),
    });
  }
  return out;
}

const withheldWaves = (attacks: readonly string[]): number[] =>
  attacks
    .map((a) => /^wave (\d+): (\d+) faulty share and support messages withheld, released/.exec(a))
    .filter((m) => m !== null && Number(m[2]) > 0)
    .map((m) => Number(m![1]));

function assertSafeAndLive(run: ObservedRun): void {
  const { result } = run;
  assert.equal(result.agreementOk, true, result.problems.join('; '));
  assert.equal(result.validityOk, true, result.problems.join('; '));
  assert.equal(result.livenessOk, true, result.problems.join('; '));
  assert.equal(result.equivocationOk, true, result.problems.join('; '));
}

describe('colluding DAG brain: withholding coin shares to steer commits', () => {
  // Seed 1, n = 4, f = 1: waves 2 and 12 elect honest leaders and are withheld.
  let run: ObservedRun;
  before(() => {
    run = observeColludingDag(1, 700);
  });

  it('learns each steered coin before any honest validator can open it', () => {
    const coins = learnt(run.result.attacks);
    assert.ok(coins.length >= 2, run.result.attacks.join('\n'));
    for (const coin of coins) assert.equal(coin.openedBefore, 0, `wave ${coin.wave}`);
  });

  it('learns the coin right: the honest validators elect the same leaders', () => {
    let compared = 0;
    for (const coin of learnt(run.result.attacks)) {
      const seen = run.anchors.get(coin.wave);
      if (seen === undefined) continue;
      compared++;
      assert.deepEqual([...seen], [coin.leader], `wave ${coin.wave}`);
    }
    assert.ok(compared > 0, 'no steered wave was seen opened by an honest validator');
  });

  it('withholds the faulty shares and support when the leader is honest', () => {
    const coins = learnt(run.result.attacks).filter((c) => c.withhold);
    assert.ok(coins.length >= 2);
    for (const coin of coins) assert.equal(coin.honestLeader, !coin.reverse, `wave ${coin.wave}`);
    const withheld = withheldWaves(run.result.attacks);
    assert.ok(withheld.length >= 2, run.result.attacks.join('\n'));
    assert.ok(run.result.heldMessages > 0);
  });

  it('keeps agreement, validity and liveness on the honest shares alone', () => assertSafeAndLive(run));
});

describe('colluding DAG brain: starving a faulty leader’s wave', () => {
  // Seed 4, n = 4, f = 1: wave 2 elects the faulty validator 3, in a reverse wave.
  let run: ObservedRun;
  before(() => {
    run = observeColludingDag(4, 500);
  });

  it('withholds its own support when the coin elects a faulty leader', () => {
    const starved = learnt(run.result.attacks).filter((c) => c.reverse && c.withhold);
    assert.ok(starved.length > 0, run.result.attacks.join('\n'));
    for (const coin of starved) assert.equal(coin.honestLeader, false);
    const withheld = withheldWaves(run.result.attacks);
    assert.ok(
      starved.some((c) => withheld.includes(c.wave)),
      run.result.attacks.join('\n'),
    );
  });

  it('keeps agreement, validity and liveness', () => assertSafeAndLive(run));
});

describe('colluding DAG brain with fewer faulty members than f', () => {
  it('opens a steered coin from its own share and as many honest shares as f + 1 needs, and the run stays safe and live', () => {
    // n = 7, f = 2, one faulty member: as in a committee an election left with one of two.
    const result = runSimulation({
      protocol: 'dag',
      nodes: 7,
      faulty: 1,
      byzantine: 'silent',
      seed: 2,
      adversary: 'colluding',
      transactions: 20,
    });
    assert.equal(
      result.agreementOk && result.validityOk && result.livenessOk,
      true,
      result.problems.join('; '),
    );
    const opened = result.attacks.filter((a) =>
      /coin known to the faulty from 1 own shares and the shares of \d+, \d+ /.test(a),
    );
    assert.ok(opened.length > 0, result.attacks.join('\n'));
  });
});
