import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommittedBatch } from '../../src/consensus/interface.js';
import { InvariantChecker } from '../../src/sim/checks.js';

const tx = (s: string) => new TextEncoder().encode(s);
function batch(sequence: number, transactions: Uint8Array[], proposer = 0): CommittedBatch {
  return {
    sequence,
    round: 1,
    proposer,
    transactions,
    randomness: new Uint8Array(32),
    evidence: new Uint8Array(0),
    proof: new Uint8Array(0),
    endsCommit: true,
  };
}

describe('invariant checker', () => {
  it('accepts prefixes of one sequence and reports completion', () => {
    const checker = new InvariantChecker([0, 1], 2);
    checker.submitted(tx('a'), 0);
    checker.submitted(tx('b'), 0);
    checker.commit(0, batch(0, [tx('a')]), 10);
    checker.commit(1, batch(0, [tx('a')]), 11);
    assert.equal(checker.allCommitted(), false);
    checker.commit(0, batch(1, [tx('b')]), 12);
    checker.commit(1, batch(1, [tx('b')]), 13);
    assert.equal(checker.allCommitted(), true);
    assert.equal(checker.agreementViolated, false);
    assert.equal(checker.validityViolated, false);
    assert.equal(checker.committedEverywhere(), 2);
  });

  it('detects two validators committing different batches at one position', () => {
    const checker = new InvariantChecker([0, 1], 2);
    checker.submitted(tx('a'), 0);
    checker.submitted(tx('b'), 0);
    checker.commit(0, batch(0, [tx('a')]), 1);
    checker.commit(1, batch(0, [tx('b')]), 1);
    assert.equal(checker.agreementViolated, true);
  });

  it('detects a sequence gap', () => {
    const checker = new InvariantChecker([0], 1);
    checker.commit(0, batch(1, [tx('a')]), 1);
    assert.equal(checker.agreementViolated, true);
  });

  it('detects a transaction committed twice', () => {
    const checker = new InvariantChecker([0], 1);
    checker.submitted(tx('a'), 0);
    checker.commit(0, batch(0, [tx('a')]), 1);
    checker.commit(0, batch(1, [tx('a')]), 2);
    assert.equal(checker.validityViolated, true);
  });

  it('counts a different proposer for the same transactions as a metadata mismatch only', () => {
    const checker = new InvariantChecker([0, 1], 2);
    checker.submitted(tx('a'), 0);
    checker.commit(0, batch(0, [tx('a')], 0), 1);
    checker.commit(1, batch(0, [tx('a')], 1), 1);
    assert.equal(checker.agreementViolated, false);
    assert.equal(checker.metadataMismatches, 1);
  });

  it('accepts a restarted validator replaying what its ledger holds, and flags a different replay', () => {
    const checker = new InvariantChecker([0, 1], 2);
    checker.submitted(tx('a'), 0);
    checker.submitted(tx('b'), 0);
    checker.commit(0, batch(0, [tx('a')]), 1);
    checker.commit(0, batch(1, [tx('b')]), 2);
    checker.commit(0, batch(1, [tx('b')]), 3);
    assert.equal(checker.agreementViolated, false);
    assert.equal(checker.validityViolated, false);
    checker.commit(0, batch(0, [tx('b')]), 4);
    assert.equal(checker.agreementViolated, true);
  });

  it('lists who misses transactions', () => {
    const checker = new InvariantChecker([0, 1], 2);
    checker.submitted(tx('a'), 0);
    checker.commit(0, batch(0, [tx('a')]), 1);
    assert.deepEqual(checker.missingReport(), ['liveness: validator 1 committed 0 of 1 transactions']);
  });
});

describe('honest equivocation monitors', () => {
  it('flag a DAG validator signing two headers for one round, and votes for two headers of one slot', async () => {
    const { dagAdapter } = await import('../../src/sim/adapters/index.js');
    const { Prng } = await import('../../src/kit/prng.js');
    const adapter = dagAdapter();
    const inits = adapter.genesis(4, new Uint8Array(32));
    const core = adapter.create(inits[0]!);
    const header = core.handle({ kind: 'start' }, 0).find((e) => e.kind === 'broadcast');
    assert.ok(header !== undefined && header.kind === 'broadcast');
    const other = adapter.equivocate(header.message, inits[0]!, new Prng(1))!;
    const monitor = adapter.equivocationMonitor();
    assert.equal(monitor.signed(0, header.message), null);
    assert.equal(monitor.signed(0, header.message), null);
    assert.match(monitor.signed(0, other) ?? '', /two headers for round 1/);
  });

  it('flag a PBFT validator preparing two digests for one view and sequence', async () => {
    const { pbftAdapter } = await import('../../src/sim/adapters/index.js');
    const monitor = pbftAdapter().equivocationMonitor();
    const prepare = (digest: number) => ({
      type: 'prepare' as const,
      from: 2,
      view: 0,
      sequence: 5,
      digest: new Uint8Array(32).fill(digest),
      signature: new Uint8Array(64),
    });
    assert.equal(monitor.signed(2, prepare(1)), null);
    assert.match(monitor.signed(2, prepare(2)) ?? '', /prepares for two digests/);
  });
});
