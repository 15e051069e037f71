import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestHex, observeColludingDag } from './colluding-run.js';

describe('equivocation proofs under the colluding DAG brain', () => {
  // Seed 1 (n = 4, f = 1): at round 10 the lead shows the first header to {2,3}, the second to
  // {0}. Validator 0 votes for the second, then accepts the first one's certificate, then is
  // shown the first header: DagCore.onHeader sees a header differing from the one it voted for,
  // finds a certificate for the slot, and records the certified header against the new one,
  // which are the same header. Such a proof fails verifyEquivocationProof (it needs two
  // different headers), so it proves nothing to the layers above.
  // The sim CLI does not look at proofs; replay with: node scripts/run-tests.mjs colluding-proofs
  it('records only proofs made of two different headers', () => {
    const { proofs } = observeColludingDag(1, 700);
    assert.ok(proofs.length > 0);
    for (const { validator, proof } of proofs) {
      assert.notEqual(
        digestHex(proof.first),
        digestHex(proof.second),
        `validator ${validator} recorded a proof of ${proof.author}/${proof.round} made of one header twice`,
      );
    }
  });
});
