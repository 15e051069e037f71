import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CodecError } from '../../src/codec/index.js';
import { toHex } from '../../src/crypto/index.js';
import { Prng } from '../../src/kit/prng.js';
import { MemoryState } from '../../src/market/memory-state.js';
import { type Deal, dealListRecord, joinDealLists, TRADING_MODES } from '../../src/market/records.js';
import { joinLists, list, varuint, versioned } from '../../src/market/schema.js';
import { MarketStore } from '../../src/market/store.js';

function randomDeal(random: Prng): Deal {
  const matchedWh = random.range(0, 2 ** 40);
  return {
    round: random.range(0, 3),
    interval: random.range(0, 95),
    mode: random.pick(TRADING_MODES),
    seller: random.bytes(32),
    project: random.range(0, 300),
    buyer: random.bytes(32),
    matchedWh,
    energyWh: random.range(0, matchedWh),
    adjustmentReason:
      random.float() < 0.7
        ? ''
        : `bus ${random.range(0, 99)} export limit ✓ ${'x'.repeat(random.range(0, 150))}`,
    sellerPricePerKwh: random.range(0, 2000),
    buyerPricePerKwh: random.range(0, 2000),
    feePerKwh: random.range(0, 300),
  };
}

const randomDeals = (random: Prng, count: number) => Array.from({ length: count }, () => randomDeal(random));

describe('deal lists joined as bytes', () => {
  it('are the bytes of the whole list written at once', () => {
    const random = new Prng(31);
    // Counts around the varint's one-byte limit on either side and in the sum.
    const sizes = [0, 1, 2, 63, 64, 65, 127, 128, 129, 200];
    for (let run = 0; run < 60; run++) {
      const first = randomDeals(random, random.pick(sizes));
      const then = randomDeals(random, random.pick(sizes));
      const joined = joinDealLists(dealListRecord.encode(first), dealListRecord.encode(then));
      assert.equal(toHex(joined), toHex(dealListRecord.encode([...first, ...then])), `run ${run}`);
      assert.deepEqual(dealListRecord.decode(joined), [...first, ...then]);
    }
  });

  it('leave a store with the state root of deals decoded, extended and written whole', () => {
    const random = new Prng(32);
    const joined = new MemoryState();
    const whole = new MemoryState();
    for (let step = 0; step < 40; step++) {
      const interval = random.range(0, 4);
      const deals = randomDeals(random, random.range(1, 150));
      new MarketStore(joined).appendDeals('c1', interval, deals);
      const store = new MarketStore(whole);
      store.setDeals('c1', interval, [...store.deals('c1', interval), ...deals]);
      assert.equal(toHex(joined.root()), toHex(whole.root()), `step ${step}`);
    }
  });

  it('refuse another version and a count beyond the list limit, as the codec does', () => {
    const small = versioned(2, list(varuint, 5), 'numbers');
    const three = small.encode([1, 2, 3]);
    assert.equal(
      toHex(joinLists(2, 5, three, small.encode([4, 5]), 'numbers')),
      toHex(small.encode([1, 2, 3, 4, 5])),
    );
    assert.throws(() => small.encode([1, 2, 3, 4, 5, 6]), CodecError);
    assert.throws(() => joinLists(2, 5, three, three, 'numbers'), CodecError);
    assert.throws(() => joinLists(3, 5, three, three, 'numbers'), CodecError);
  });
});
