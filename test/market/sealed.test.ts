import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../src/crypto/index.js';
import { quoteCommitment } from '../../src/market/commitment.js';
import { expectError } from '../../src/market/driver.js';
import { quotationRecord } from '../../src/market/records.js';
import { bid, offer, project, TestMarket } from './fixture.js';

const SALT_A = new Uint8Array(32).fill(7);
const SALT_B = new Uint8Array(32).fill(8);

function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).includes(Buffer.from(needle));
}

describe('sealed quotations', () => {
  it('keeps prices unreadable on chain before the reveal', () => {
    const market = new TestMarket({ sealedBids: true });
    const gen = market.generator([project()]);
    market.openCycle();
    const quote = offer(0, 337, 123_457);
    const commitment = quoteCommitment(gen.publicKey, 'c1', 'q', quote, SALT_A);
    market.driver.must(gen, { type: 'commitQuote', cycleId: 'c1', quoteId: 'q', commitment });
    // The quotation's bytes appear nowhere in state; only the salted hash does.
    const quoteBytes = quotationRecord.encode(quote).subarray(1);
    for (const [, value] of market.state.sortedEntries())
      assert.equal(containsBytes(value, quoteBytes), false);
    assert.equal(market.store.quote('c1', gen.publicKey, 'q')!.quote, null);
    // The same quotation under another salt gives an unrelated commitment.
    assert.notEqual(toHex(quoteCommitment(gen.publicKey, 'c1', 'q', quote, SALT_B)), toHex(commitment));
  });

  it('refuses a reveal before gate closure and a reveal that does not match, with no state change', () => {
    const market = new TestMarket({ sealedBids: true });
    const gen = market.generator([project()]);
    market.openCycle();
    const quote = offer(0, 300, 1000);
    const commitment = quoteCommitment(gen.publicKey, 'c1', 'q', quote, SALT_A);
    market.driver.must(gen, { type: 'commitQuote', cycleId: 'c1', quoteId: 'q', commitment });
    const early = market.driver.submit(gen, {
      type: 'revealQuote',
      cycleId: 'c1',
      quoteId: 'q',
      quote,
      salt: SALT_A,
    });
    assert.equal(expectError(early).code, 'WRONG_CYCLE_STATE');
    market.driver.advanceTo(market.store.cycle('c1')!.gateClosureMs);
    market.driver.must(market.center, { type: 'closeGate', cycleId: 'c1' });
    const root = toHex(market.state.root());
    for (const [changed, salt] of [
      [offer(0, 299, 1000), SALT_A],
      [quote, SALT_B],
    ] as const) {
      const wrong = market.driver.submit(gen, {
        type: 'revealQuote',
        cycleId: 'c1',
        quoteId: 'q',
        quote: changed,
        salt,
      });
      assert.equal(expectError(wrong).code, 'COMMITMENT_MISMATCH');
      assert.equal(toHex(market.state.root()), root);
    }
    market.driver.must(gen, { type: 'revealQuote', cycleId: 'c1', quoteId: 'q', quote, salt: SALT_A });
    assert.deepEqual(market.store.quote('c1', gen.publicKey, 'q')!.quote, quote);
  });

  it('refuses a commitment copied from another member', () => {
    const market = new TestMarket({ sealedBids: true });
    const gen = market.generator([project()]);
    const copycat = market.generator([project()]);
    market.openCycle();
    const quote = offer(0, 300, 1000);
    const commitment = quoteCommitment(gen.publicKey, 'c1', 'q', quote, SALT_A);
    market.driver.must(gen, { type: 'commitQuote', cycleId: 'c1', quoteId: 'q', commitment });
    market.driver.must(copycat, { type: 'commitQuote', cycleId: 'c1', quoteId: 'q', commitment });
    market.driver.advanceTo(market.store.cycle('c1')!.gateClosureMs);
    market.driver.must(market.center, { type: 'closeGate', cycleId: 'c1' });
    const stolen = market.driver.submit(copycat, {
      type: 'revealQuote',
      cycleId: 'c1',
      quoteId: 'q',
      quote,
      salt: SALT_A,
    });
    assert.equal(expectError(stolen).code, 'COMMITMENT_MISMATCH');
  });

  it('amends and withdraws before gate closure, refuses both after it', () => {
    const market = new TestMarket({ sealedBids: true });
    const gen = market.generator([project()]);
    const user = market.user();
    market.openCycle();
    const first = offer(0, 350, 1000);
    const second = offer(0, 310, 1000);
    market.driver.must(gen, {
      type: 'commitQuote',
      cycleId: 'c1',
      quoteId: 'q',
      commitment: quoteCommitment(gen.publicKey, 'c1', 'q', first, SALT_A),
    });
    market.driver.must(gen, {
      type: 'amendQuote',
      cycleId: 'c1',
      quoteId: 'q',
      commitment: quoteCommitment(gen.publicKey, 'c1', 'q', second, SALT_B),
      quote: null,
    });
    const userBid = bid(0, 400, 1000);
    market.driver.must(user, {
      type: 'commitQuote',
      cycleId: 'c1',
      quoteId: 'b',
      commitment: quoteCommitment(user.publicKey, 'c1', 'b', userBid, SALT_A),
    });
    market.driver.must(user, { type: 'withdrawQuote', cycleId: 'c1', quoteId: 'b' });
    market.driver.advanceTo(market.store.cycle('c1')!.gateClosureMs);
    const late = market.driver.submit(gen, { type: 'withdrawQuote', cycleId: 'c1', quoteId: 'q' });
    assert.equal(expectError(late).code, 'GATE_CLOSED');
    market.driver.must(market.center, { type: 'closeGate', cycleId: 'c1' });
    // Only the amended quotation opens the commitment now.
    const stale = market.driver.submit(gen, {
      type: 'revealQuote',
      cycleId: 'c1',
      quoteId: 'q',
      quote: first,
      salt: SALT_A,
    });
    assert.equal(expectError(stale).code, 'COMMITMENT_MISMATCH');
    market.driver.must(gen, {
      type: 'revealQuote',
      cycleId: 'c1',
      quoteId: 'q',
      quote: second,
      salt: SALT_B,
    });
    const withdrawn = market.driver.submit(user, {
      type: 'revealQuote',
      cycleId: 'c1',
      quoteId: 'b',
      quote: userBid,
      salt: SALT_A,
    });
    assert.equal(expectError(withdrawn).code, 'NOT_FOUND');
    const detail = market.driver.must(market.center, { type: 'match', cycleId: 'c1' });
    assert.equal(detail.deals, 0);
  });

  it('refuses open quotations in a sealed market and unrevealed quotes do not trade', () => {
    const market = new TestMarket({ sealedBids: true });
    const gen = market.generator([project()]);
    const user = market.user();
    market.openCycle();
    const open = market.driver.submit(gen, {
      type: 'submitQuote',
      cycleId: 'c1',
      quoteId: 'q',
      quote: offer(0, 1, 1),
    });
    assert.equal(expectError(open).code, 'SEALED_MARKET');
    for (const [signer, quote] of [
      [gen, offer(0, 300, 1000)],
      [user, bid(0, 400, 1000)],
    ] as const) {
      const commitment = quoteCommitment(signer.publicKey, 'c1', 'q', quote, SALT_A);
      market.driver.must(signer, { type: 'commitQuote', cycleId: 'c1', quoteId: 'q', commitment });
    }
    market.driver.advanceTo(market.store.cycle('c1')!.gateClosureMs);
    market.driver.must(market.center, { type: 'closeGate', cycleId: 'c1' });
    market.driver.must(gen, {
      type: 'revealQuote',
      cycleId: 'c1',
      quoteId: 'q',
      quote: offer(0, 300, 1000),
      salt: SALT_A,
    });
    // The user's commitment may still be revealed: matching waits for the reveal deadline.
    const early = market.driver.submit(market.center, { type: 'match', cycleId: 'c1' });
    assert.equal(expectError(early).code, 'NOT_DUE');
    const deadline = market.store.cycle('c1')!.gateClosureMs + market.store.config()!.revealWindowMs;
    market.driver.advanceTo(deadline);
    const late = market.driver.submit(user, {
      type: 'revealQuote',
      cycleId: 'c1',
      quoteId: 'q',
      quote: bid(0, 400, 1000),
      salt: SALT_A,
    });
    assert.equal(expectError(late).code, 'DEADLINE_PASSED');
    const matched = market.driver.must(market.center, { type: 'match', cycleId: 'c1' });
    assert.equal(matched.deals, 0);
    assert.equal(matched.lapsed, 1);
    assert.match(market.store.cycle('c1')!.reason, /QUOTE_NOT_REVEALED/);
  });
});
