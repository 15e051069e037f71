import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { digestHex, type ObservedRun, observeColludingDag } from './colluding-run.js';

// Seed 1 (n = 4, f = 1, faulty validator 1): the lead equivocates on rounds 10 and 18; round 10's
// second version is padded with a duplicated signer, round 18's with a vote cast for the first.
const SEED = 1;
const WINDOW_MS = 700;

interface Padded {
  readonly round: number;
  readonly author: number;
  readonly second: string;
  readonly kind: string;
}

function padded(attacks: readonly string[]): Padded[] {
  const out: Padded[] = [];
  for (const line of attacks) {
    const m =
      /^round (\d+): padded certificate for the second header ([0-9a-f]+) of (\d+) broadcast: .* \+ \d+ (duplicated signers|votes for the first header)/.exec(
        line,
      );
    if (m !== null) out.push({ round: Number(m[1]), second: m[2]!, author: Number(m[3]), kind: m[4]! });
  }
  return out;
}

describe('colluding DAG brain: double votes on an equivocating header', () => {
  let run: ObservedRun;
  before(() => {
    run = observeColludingDag(SEED, WINDOW_MS);
  });

  it('votes for both versions and broadcasts a certificate for each', () => {
    const { attacks } = run.result;
    const splits = attacks.filter((a) => /two headers of \d+, .* voted for both/.test(a));
    assert.ok(splits.length >= 2, attacks.join('\n'));
    assert.ok(
      attacks.some((a) => a.includes('certificate for the first header')),
      attacks.join('\n'),
    );
    const kinds = new Set(padded(attacks).map((p) => p.kind));
    assert.deepEqual([...kinds].sort(), ['duplicated signers', 'votes for the first header']);
  });

  it('gets no padded certificate into any honest DAG', () => {
    const all = padded(run.result.attacks);
    assert.ok(all.length >= 2);
    for (const p of all) {
      const taken = [...run.held].filter((digest) => digest.startsWith(p.second));
      assert.deepEqual(taken, [], `round ${p.round}: an honest validator holds the second version`);
    }
  });

  it('leaves a checkable proof of each equivocation with the honest validators', () => {
    for (const p of padded(run.result.attacks)) {
      const proofs = run.proofs.filter(
        ({ proof }) =>
          proof.author === p.author &&
          proof.round === p.round &&
          [digestHex(proof.first), digestHex(proof.second)].some((d) => d.startsWith(p.second)),
      );
      assert.ok(proofs.length > 0, `no honest proof of the equivocation at round ${p.round}`);
    }
  });

  it('keeps agreement, validity and liveness, and no honest validator signs twice', () => {
    const { result } = run;
    assert.equal(result.agreementOk, true, result.problems.join('; '));
    assert.equal(result.validityOk, true, result.problems.join('; '));
    assert.equal(result.livenessOk, true, result.problems.join('; '));
    assert.equal(result.equivocationOk, true, result.problems.join('; '));
  });
});
