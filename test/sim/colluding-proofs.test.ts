import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyEquivocationProof } from '../../src/consensus/dag/index.js';
import { committeeForTest, digestHex, observeColludingDag } from './colluding-run.js';

describe('equivocation proofs under the colluding DAG brain', () => {
  // Seed 1 (n = 4, f = 1): at round 10 the lead shows the first header to {2,3}, the second to
  // {0}. Validator 0 votes for the second, accepts the first one's certificate, and is then shown
  // the first header itself. It differs from the header validator 0 voted for, but it is the
  // certified one: pairing it with itself would be a "proof" that verifies nothing, so the core
  // records nothing there (validators holding the other version's certificate record the pair).
  it('records only proofs made of two different headers, each of which verifies', () => {
    const { proofs } = observeColludingDag(1, 700);
    assert.ok(proofs.length > 0);
    for (const { validator, proof } of proofs) {
      assert.notEqual(
        digestHex(proof.first),
        digestHex(proof.second),
        `validator ${validator} recorded a proof of ${proof.author}/${proof.round} made of one header twice`,
      );
      assert.ok(
        verifyEquivocationProof(committeeForTest(1), proof),
        `validator ${validator}'s proof of ${proof.author}/${proof.round} verifies`,
      );
    }
  });
});
