import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { creditRulesOf, DEFAULT_CREDIT_CYCLE_MS } from '../../src/node/genesis-credit.js';
import { DEFAULT_CREDIT_CARRY, DEFAULT_CREDIT_WEIGHTS } from '../../src/sharding/index.js';

describe('the credit section of genesis', () => {
  it('fills in defaults, and follows the sharded system’s cycle', () => {
    assert.deepEqual(creditRulesOf(undefined, undefined), {
      cycleMs: DEFAULT_CREDIT_CYCLE_MS,
      weights: DEFAULT_CREDIT_WEIGHTS,
      carry: DEFAULT_CREDIT_CARRY,
    });
    assert.equal(creditRulesOf(undefined, 10_000).cycleMs, 10_000);
    assert.deepEqual(creditRulesOf({ cycleMs: 5000, weights: { missedVote: 5 }, carry: 0 }, undefined), {
      cycleMs: 5000,
      weights: { ...DEFAULT_CREDIT_WEIGHTS, missedVote: 5 },
      carry: 0,
    });
  });

  it('refuses what would let validators score differently or nonsensically', () => {
    const refused = (section: unknown, sharding?: number) =>
      assert.throws(() => creditRulesOf(section, sharding), { code: 'BAD_GENESIS' });
    refused([]);
    refused('fast');
    refused({ cycleMs: 999 });
    refused({ cycleMs: 1.5e3 + 0.5 });
    refused({ cycleMs: 5000 }, 10_000);
    refused({ weights: { vote: -1 } });
    refused({ weights: { vote: 1.5 } });
    refused({ weights: { bonus: 3 } });
    refused({ carry: 10_001 });
    refused({ cadence: 3 });
    assert.equal(
      creditRulesOf({ cycleMs: 10_000 }, 10_000).cycleMs,
      10_000,
      'equal to the sharded cycle is fine',
    );
  });
});
