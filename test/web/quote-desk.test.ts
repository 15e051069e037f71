import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signerFromSeed } from '../../src/market/driver.js';
import { MemoryState } from '../../src/market/memory-state.js';
import { type QuoteEntry, quoteEntryRecord } from '../../src/market/records.js';
import { MarketStore } from '../../src/market/store.js';
import { toHex } from '../../web/src/lib/hex.js';
import type { MarketRules } from '../../web/src/lib/market-chain.js';
import type { Quotation } from '../../web/src/lib/market-tx.js';
import { decodeQuoteEntry, quoteEntryKey, quoteStatus } from '../../web/src/lib/quote-entry.js';
import { checkQuotation } from '../../web/src/lib/quote-rules.js';
import {
  dropReveal,
  keepReveal,
  listReveals,
  openReveal,
  restoreReveals,
} from '../../web/src/lib/reveal-store.js';
import { nextBlockTimeMs } from '../../web/src/pages/quote-gates-time.js';

// The quotation page's pieces that need no browser: its reading of the member's quote records,
// the chain's quotation checks, the sealed reveals it keeps, and its estimate of block time.

const member = signerFromSeed(new Uint8Array(32).fill(9)).publicKey;
const quote: Quotation = {
  side: 'sell',
  mode: 'direct',
  project: 0,
  curves: [{ interval: 1, steps: [{ pricePerKwh: 400, energyWh: 7_500_000 }] }],
};

class MemoryStorage {
  private readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

describe('quotation desk', () => {
  it('reads the member’s quote entries as the market stores them', () => {
    const state = new MemoryState();
    const store = new MarketStore(state);
    const sealed: QuoteEntry = {
      round: 2,
      commitment: new Uint8Array(32).fill(4),
      quote: null,
      withdrawn: false,
    };
    store.setQuote('c-1', member, 'q-7', sealed);
    const [[key, value]] = [...state.sortedEntries()];
    assert.equal(quoteEntryKey('c-1', toHex(member), 'q-7'), toHex(key!));
    assert.deepEqual(decodeQuoteEntry(value!), {
      round: 2,
      commitment: '04'.repeat(32),
      quote: null,
      withdrawn: false,
    });
    assert.equal(quoteStatus(decodeQuoteEntry(value!)), 'sealed');
    const revealed = decodeQuoteEntry(
      quoteEntryRecord.encode({ ...sealed, quote: structuredClone(quote) as never }),
    );
    assert.deepEqual(revealed.quote, quote);
    assert.equal(quoteStatus(revealed), 'revealed');
    assert.equal(
      quoteStatus(decodeQuoteEntry(quoteEntryRecord.encode({ ...sealed, withdrawn: true }))),
      'withdrawn',
    );
    assert.equal(quoteStatus(null), 'unknown');
  });

  it('applies the chain’s quotation checks', () => {
    const rules: MarketRules = {
      marketId: 'm',
      sealedBids: true,
      priceFloorPerKwh: 100,
      priceCapPerKwh: 900,
      revealWindowMs: 1,
      stepGraceMs: 1,
    };
    const generator = { role: 'generator', maxLoadKw: 0, approvedKw: [30_000, 0] };
    const cycle = { intervals: 4, intervalMs: 900_000 };
    assert.deepEqual(checkQuotation(quote, generator, cycle, rules), []);
    const rulesOf = (q: Quotation, who = generator) =>
      checkQuotation(q, who, cycle, rules).map((p) => p.rule);
    assert.deepEqual(
      rulesOf({ ...quote, curves: [{ interval: 1, steps: [{ pricePerKwh: 901, energyWh: 1 }] }] }),
      ['price'],
    );
    assert.deepEqual(
      rulesOf({ ...quote, curves: [{ interval: 1, steps: [{ pricePerKwh: 400, energyWh: 7_500_001 }] }] }),
      ['capacity'],
    );
    assert.deepEqual(
      rulesOf({ ...quote, curves: [{ interval: 4, steps: [{ pricePerKwh: 400, energyWh: 1 }] }] }),
      ['intervalOutside'],
    );
    assert.deepEqual(rulesOf({ ...quote, project: 1 }), ['project', 'capacity']);
    assert.deepEqual(rulesOf({ ...quote, mode: 'entrusted' }), ['setPrice']);
    const user = { role: 'user', maxLoadKw: 600, approvedKw: [] };
    assert.deepEqual(
      rulesOf(
        {
          ...quote,
          side: 'buy',
          mode: 'entrusted',
          curves: [{ interval: 0, steps: [{ pricePerKwh: 0, energyWh: 1 }] }],
        },
        user,
      ),
      ['buyMode'],
    );
  });

  it('keeps reveals sealed with the member’s key: only that key opens them', async () => {
    const storage = new MemoryStorage();
    const seed = new Uint8Array(32).fill(1);
    const at = {
      member: 'aa'.repeat(32),
      cycleId: 'c-1',
      quoteId: 'q-1',
      commitment: new Uint8Array(32).fill(5),
    };
    const salt = new Uint8Array(32).fill(6);
    await keepReveal(storage, seed, at, { quote, salt });
    const [kept] = listReveals(storage, at.member);
    assert.ok(kept !== undefined);
    // The stored entry names where the quote goes, and nothing of the quote but sealed bytes:
    // no field holds its terms in the clear (the random IV and ciphertext may hold any digits).
    assert.deepEqual(Object.keys(kept).sort(), [
      'commitment',
      'cycleId',
      'iv',
      'member',
      'quoteId',
      'sealed',
      'version',
    ]);
    const clear = JSON.stringify({ ...kept, iv: '', sealed: '' });
    for (const term of ['400', '7500000', 'pricePerKwh', 'sell', 'direct'])
      assert.equal(clear.includes(term), false, `no ${term} in the clear`);
    assert.equal(
      kept.sealed.includes(JSON.stringify(quote.curves)),
      false,
      'the curves are not stored as they are',
    );
    assert.deepEqual(await openReveal(kept, seed), { quote, salt });
    assert.equal(await openReveal(kept, new Uint8Array(32).fill(2)), null);
    assert.equal(
      await openReveal({ ...kept, quoteId: 'q-2' }, seed),
      null,
      'an entry moved to another quote does not open',
    );
    const backup = JSON.stringify(listReveals(storage));
    dropReveal(storage, at);
    assert.deepEqual(listReveals(storage), []);
    assert.equal(restoreReveals(storage, backup), 1);
    assert.deepEqual(await openReveal(listReveals(storage)[0]!, seed), { quote, salt });
  });

  it('estimates the next block’s time as the chain bounds it', () => {
    assert.equal(nextBlockTimeMs(1_000_000, 1_030_000), 1_030_000);
    assert.equal(
      nextBlockTimeMs(1_000_000, 9_000_000),
      1_060_000,
      'a block is at most 60 s after its parent',
    );
    assert.equal(nextBlockTimeMs(1_000_000, 500), 1_000_000, 'and never before it');
  });
});
