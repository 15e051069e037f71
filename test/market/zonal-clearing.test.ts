import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../src/kit/prng.js';
import { clearByZones, crossZoneTrade, type ZonalBook } from '../../src/market/zonal-clearing.js';
import { checkTrade } from '../../src/sharding/index.js';

const SESSION = new Uint8Array(16).fill(7);

describe('clearing by zones, then across them', () => {
  it('keeps a zone that balances on its own inside its shard', () => {
    const book: ZonalBook = {
      bidPrice: [500, 450],
      bidQuantity: [1000, 1000],
      bidZone: [0, 1],
      offerPrice: [300, 320],
      offerQuantity: [1000, 1000],
      offerZone: [0, 1],
    };
    const result = clearByZones(book);
    assert.equal(result.cross.length, 0);
    assert.deepEqual(
      result.local.map((p) => [p.bid, p.offer, p.quantity]),
      [
        [0, 0, 1000],
        [1, 1, 1000],
      ],
    );
  });

  it('matches only the residual across zones, with the crossing fee', () => {
    // Zone 0 has more generation than demand, zone 1 more demand than generation.
    const book: ZonalBook = {
      bidPrice: [500, 480],
      bidQuantity: [400, 900],
      bidZone: [0, 1],
      bidGroup: [0, 1],
      offerPrice: [300, 350],
      offerQuantity: [1000, 300],
      offerZone: [0, 1],
      offerGroup: [0, 1],
      crossingFee: [
        [0, 40],
        [40, 0],
      ],
    };
    const result = clearByZones(book);
    const local = result.local.map((p) => [p.bid, p.offer, p.quantity]);
    assert.deepEqual(local, [
      [0, 0, 400],
      [1, 1, 300],
    ]);
    assert.equal(result.cross.length, 1);
    const [pair] = result.cross;
    assert.equal(pair!.bid, 1);
    assert.equal(pair!.offer, 0);
    assert.equal(pair!.quantity, 600, 'the zone-1 buyer takes the zone-0 surplus it still lacks');
    assert.equal(pair!.feePerKwh, 40);
    assert.ok(pair!.buyerPricePerKwh - pair!.sellerPricePerKwh === 40);
    assert.equal(result.clearedQuantity, 1300);
  });

  it('never trades more than an order holds, and crosses zones only in the second stage (seeded books)', () => {
    const rng = new Prng(42);
    for (let round = 0; round < 300; round++) {
      const zones = 1 + rng.int(4);
      const bids = 1 + rng.int(12);
      const offers = 1 + rng.int(12);
      const bidZone = Array.from({ length: bids }, () => rng.int(zones));
      const offerZone = Array.from({ length: offers }, () => rng.int(zones));
      const fee = Array.from({ length: zones }, (_, a) =>
        Array.from({ length: zones }, (_, b) => (a === b ? 0 : 10 * (1 + rng.int(5)))),
      );
      const book: ZonalBook = {
        bidPrice: Array.from({ length: bids }, () => rng.range(200, 600)),
        bidQuantity: Array.from({ length: bids }, () => rng.range(1, 50) * 100),
        bidZone,
        bidGroup: bidZone,
        offerPrice: Array.from({ length: offers }, () => rng.range(150, 550)),
        offerQuantity: Array.from({ length: offers }, () => rng.range(1, 50) * 100),
        offerZone,
        offerGroup: offerZone,
        crossingFee: fee,
      };
      const result = clearByZones(book);
      const bidTaken = new Array(bids).fill(0);
      const offerTaken = new Array(offers).fill(0);
      for (const pair of [...result.local, ...result.cross]) {
        assert.ok(pair.quantity > 0);
        bidTaken[pair.bid] += pair.quantity;
        offerTaken[pair.offer] += pair.quantity;
        assert.ok(pair.buyerPricePerKwh <= book.bidPrice[pair.bid]!, 'no buyer pays above its bid');
        assert.ok(pair.sellerPricePerKwh >= book.offerPrice[pair.offer]!, 'no seller gets below its offer');
      }
      for (let i = 0; i < bids; i++) assert.ok(bidTaken[i] <= book.bidQuantity[i]!);
      for (let i = 0; i < offers; i++) assert.ok(offerTaken[i] <= book.offerQuantity[i]!);
      for (const pair of result.local) assert.equal(bidZone[pair.bid], offerZone[pair.offer]);
      for (const pair of result.cross) assert.notEqual(bidZone[pair.bid], offerZone[pair.offer]);
    }
  });

  it('turns a cross-zone pair into a trade that moves value without creating any', () => {
    const pair = {
      bid: 0,
      offer: 0,
      quantity: 1234,
      feePerKwh: 37,
      buyerPricePerKwh: 457,
      sellerPricePerKwh: 420,
    };
    const trade = crossZoneTrade(
      pair,
      { buyer: { account: 'user-9', zone: 2 }, seller: { account: 'pv-3', zone: 0 }, gridAccount: 'grid-z2' },
      'zone-shards',
      SESSION,
      5,
    );
    checkTrade(trade);
    assert.deepEqual(
      trade.legs.map((leg) => leg.shard),
      [0, 2],
    );
    assert.deepEqual(trade.legs[0]!.entries, [{ account: 'pv-3', money: 518n, energy: -1234n }]);
    assert.deepEqual(trade.legs[1]!.entries, [
      { account: 'user-9', money: -563n, energy: 1234n },
      { account: 'grid-z2', money: 45n, energy: 0n },
    ]);
    assert.throws(() =>
      crossZoneTrade(
        pair,
        { buyer: { account: 'a', zone: 1 }, seller: { account: 'b', zone: 1 }, gridAccount: 'g' },
        'c',
        SESSION,
        0,
      ),
    );
  });
});
