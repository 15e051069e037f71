import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../src/crypto/index.js';
import { Prng } from '../../src/kit/prng.js';
import { clearInterval, type OrderBook } from '../../src/market/clearing.js';
import { TariffFeeTable } from '../../src/market/crossing-tariff.js';
import { MarketError } from '../../src/market/errors.js';
import { initMarket } from '../../src/market/executor.js';
import { MemoryState } from '../../src/market/memory-state.js';
import type { MarketConfig, Quotation } from '../../src/market/records.js';
import { bid, offer, project, seedSigner, TestMarket, testConfig } from './fixture.js';

/** Trading rules, paper §II.B.a: nearest users, users who absorb all the output first, 20-50 MW within the level. */

function quote(market: TestMarket, signer: ReturnType<typeof seedSigner>, quoteId: string, q: Quotation) {
  market.driver.must(signer, { type: 'submitQuote', cycleId: 'c1', quoteId, quote: q });
}

/** A user at any voltage level (the fixture's users are all at 10 kV). */
function userAt(market: TestMarket, n: number, bus: number, voltageKv: number) {
  const signer = seedSigner(n);
  market.driver.must(signer, {
    type: 'register',
    role: 'user',
    name: `user ${n}`,
    bus,
    voltageKv,
    maxLoadKw: 1000,
    projects: [],
    meterKey: null,
  });
  market.driver.must(market.center, { type: 'audit', member: signer.publicKey, approve: true, note: '' });
  return signer;
}

const hex = (s: { publicKey: Uint8Array }) => toHex(s.publicKey);

describe('matching priority on chain', () => {
  it('a project supplies first the user who can absorb all its output', () => {
    const market = new TestMarket();
    const g1 = market.generator([project({ bus: 1 })]);
    const g2 = market.generator([project({ bus: 1 })]);
    const small = market.user(1);
    const whole = market.user(1);
    market.openCycle();
    quote(market, g1, 'o', offer(0, 300, 100_000));
    quote(market, g2, 'o', offer(0, 310, 60_000));
    quote(market, small, 'b', bid(0, 500, 60_000));
    quote(market, whole, 'b', bid(0, 450, 100_000));
    market.closeAndMatch();
    // The auction: every order trades in full at floor((450 + 310) / 2) = 380. Best bid with best
    // offer would split g1 over both users; the rule gives g1's 100 kWh to the one user taking all.
    const deals = market.store
      .allDeals('c1')
      .map((d) => [toHex(d.seller), toHex(d.buyer), d.matchedWh, d.buyerPricePerKwh]);
    assert.deepEqual(deals, [
      [hex(g1), hex(whole), 100_000, 380],
      [hex(g2), hex(small), 60_000, 380],
    ]);
    assert.equal(market.store.summary('c1', 0, 0)?.clearingPricePerKwh, 380);
  });

  it('pairs each seller with the nearest user, not the cheapest effective offer per bid', () => {
    const market = new TestMarket();
    const here = market.generator([project({ bus: 1 })]);
    const there = market.generator([project({ bus: 5 })]);
    const userHere = market.user(1);
    const userThere = market.user(5);
    market.openCycle();
    quote(market, here, 'o', offer(0, 300, 50_000));
    quote(market, there, 'o', offer(0, 270, 50_000));
    quote(market, userHere, 'b', bid(0, 500, 50_000));
    quote(market, userThere, 'b', bid(0, 500, 50_000));
    market.closeAndMatch();
    // The walk alone pairs the bus-1 user with the cheaper bus-5 offer (270 + 20 < 300) and the
    // bus-5 user with the bus-1 offer: both cross the 35 kV level. The rule pairs them locally.
    const deals = market.store.allDeals('c1').map((d) => [toHex(d.seller), toHex(d.buyer), d.feePerKwh]);
    assert.deepEqual(deals, [
      [hex(there), hex(userThere), 0],
      [hex(here), hex(userHere), 0],
    ]);
  });

  it('keeps a 20-50 MW project within its voltage level', () => {
    const market = new TestMarket();
    // 30 MW at 35 kV, absorbed locally: the 20-50 MW rule.
    const large = market.generator([project({ bus: 1, capacityKw: 30_000, voltageKv: 35 })]);
    const above = userAt(market, 500, 7, 35); // another 35 kV bus: the energy would climb to 110 kV
    const below = userAt(market, 501, 8, 10); // a 10 kV bus: reached through 35 kV
    market.openCycle();
    quote(market, large, 'o', offer(0, 300, 50_000));
    quote(market, above, 'b', bid(0, 600, 50_000));
    quote(market, below, 'b', bid(0, 400, 50_000));
    market.closeAndMatch();
    const deals = market.store.allDeals('c1');
    assert.equal(deals.length, 1);
    assert.equal(toHex(deals[0]!.buyer), hex(below));
    // 10 kV T&D price 60 less 35 kV's 40.
    assert.equal(deals[0]!.feePerKwh, 20);
  });

  it('lets a small project sell across levels', () => {
    const market = new TestMarket();
    const small = market.generator([project({ bus: 1, capacityKw: 10_000, voltageKv: 35 })]);
    const above = userAt(market, 500, 7, 35);
    market.openCycle();
    quote(market, small, 'o', offer(0, 300, 50_000));
    quote(market, above, 'b', bid(0, 600, 50_000));
    market.closeAndMatch();
    const deals = market.store.allDeals('c1');
    assert.equal(deals.length, 1);
    assert.equal(deals[0]!.feePerKwh, 20); // 35 kV T&D 40 less 110 kV's 20
  });
});

function lexicallyBefore(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

describe('crossing tariff on chain', () => {
  it('prices with the grid rule and refuses the retired flat table and bad tariffs at genesis', () => {
    const config = testConfig(seedSigner(1).publicKey);
    const table = new TariffFeeTable(config);
    assert.deepEqual(table.crossing({ bus: 1, voltageKv: 10 }, { bus: 2, voltageKv: 10 }), {
      feePerKwh: 20,
      levelsAboveSeller: 1,
    });
    assert.equal(table.crossing({ bus: 1, voltageKv: 10 }, { bus: 1, voltageKv: 10 }).feePerKwh, 0);
    // Above the top level: priced at the top level; 0 kV: at the lowest.
    assert.equal(table.crossing({ bus: 1, voltageKv: 220 }, { bus: 2, voltageKv: 0 }).feePerKwh, 40);
    assert.equal(
      new TariffFeeTable({ tariffLevels: [], levelsBetweenBuses: 1 }).crossing(
        { bus: 1, voltageKv: 10 },
        { bus: 2, voltageKv: 10 },
      ).feePerKwh,
      0,
    );
    const refused = (overrides: Partial<MarketConfig>) =>
      assert.throws(
        () => initMarket(new MemoryState(), { ...config, ...overrides }),
        (e: unknown) => e instanceof MarketError && e.code === 'BAD_CONFIG',
      );
    refused({ feeLevels: [{ maxVoltageKv: 10, feePerKwh: 20 }] });
    refused({ sameBusFeePerKwh: 5 });
    refused({ tariffLevels: [{ maxVoltageKv: 0, tdPricePerKwh: 1 }] });
    refused({
      tariffLevels: [
        { maxVoltageKv: 10, tdPricePerKwh: 1 },
        { maxVoltageKv: 10, tdPricePerKwh: 2 },
      ],
    });
  });
});

/** The priority pairing written directly, from each order's traded quantity. */
function referencePairing(book: OrderBook, price: number, traded: { bids: number[]; offers: number[] }) {
  const bidLeft = [...traded.bids];
  const offerLeft = [...traded.offers];
  const owner = (list: ArrayLike<number> | undefined, i: number) => list?.[i] ?? i;
  const sum = (left: number[], list: ArrayLike<number> | undefined, o: number) =>
    left.reduce((s, q, i) => (owner(list, i) === o ? s + q : s), 0);
  const fee = (g: number, h: number) => book.crossingFee?.[g]?.[h] ?? 0;
  const offers = offerLeft.map((_, i) => i).filter((i) => offerLeft[i]! > 0);
  offers.sort((a, b) => book.offerPrice[a]! - book.offerPrice[b]! || a - b);
  const pairs: { bid: number; offer: number; quantity: number; feePerKwh: number }[] = [];
  for (const o of offers) {
    const g = book.offerGroup?.[o] ?? 0;
    while (offerLeft[o]! > 0) {
      const output = sum(offerLeft, book.offerOwner, owner(book.offerOwner, o));
      let best: number[] | null = null;
      for (let b = 0; b < bidLeft.length; b++) {
        const h = book.bidGroup?.[b] ?? 0;
        if (bidLeft[b]! === 0 || book.allowed?.[g]?.[h] === false) continue;
        if (book.bidPrice[b]! < Math.max(price, book.offerPrice[o]! + fee(g, h))) continue;
        const absorbs = sum(bidLeft, book.bidOwner, owner(book.bidOwner, b)) >= output ? 0 : 1;
        const key = [absorbs, fee(g, h), -book.bidPrice[b]!, b];
        if (best === null || lexicallyBefore(key, best)) best = key;
      }
      if (best === null) return null;
      const b = best[3]!;
      const quantity = Math.min(bidLeft[b]!, offerLeft[o]!);
      bidLeft[b]! -= quantity;
      offerLeft[o]! -= quantity;
      pairs.push({ bid: b, offer: o, quantity, feePerKwh: best[1]! });
    }
  }
  return pairs;
}

describe('priority pairing on random located books (seeded property)', () => {
  it('keeps the auction exact and pairs by the rule', () => {
    const seed = Number(process.env.MARKET_PRIORITY_SEED ?? 3);
    const random = new Prng(seed);
    let prioritised = 0;
    let walked = 0;
    let round = 0;
    try {
      for (round = 0; round < 400; round++) {
        const groups = random.range(1, 4);
        const bids = random.range(0, 25);
        const offers = random.range(0, 25);
        const book: OrderBook = {
          bidPrice: Array.from({ length: bids }, () => random.range(90, 130)),
          bidQuantity: Array.from({ length: bids }, () => random.range(1, 50)),
          bidGroup: Array.from({ length: bids }, () => random.range(0, groups - 1)),
          bidOwner: Array.from({ length: bids }, () => random.range(0, 8)),
          offerPrice: Array.from({ length: offers }, () => random.range(80, 120)),
          offerQuantity: Array.from({ length: offers }, () => random.range(1, 50)),
          offerGroup: Array.from({ length: offers }, () => random.range(0, groups - 1)),
          offerOwner: Array.from({ length: offers }, () => random.range(0, 8)),
          crossingFee: Array.from({ length: groups }, (_, g) =>
            Array.from({ length: groups }, (_, h) => (g === h ? 0 : random.range(0, 15))),
          ),
          allowed: Array.from({ length: groups }, (_, g) =>
            Array.from({ length: groups }, (_, h) => g === h || random.float() < 0.7),
          ),
        };
        const result = clearInterval(book);
        const traded = { bids: new Array<number>(bids).fill(0), offers: new Array<number>(offers).fill(0) };
        let total = 0;
        for (const pair of result.pairs) {
          const g = book.offerGroup![pair.offer]!;
          const h = book.bidGroup![pair.bid]!;
          assert.notEqual(book.allowed![g]![h], false, 'a barred pair traded');
          assert.equal(pair.feePerKwh, book.crossingFee![g]![h]);
          assert.ok(pair.buyerPricePerKwh <= book.bidPrice[pair.bid]!, 'a buyer pays above its bid');
          assert.ok(
            pair.sellerPricePerKwh >= book.offerPrice[pair.offer]!,
            'a seller is paid below its offer',
          );
          assert.equal(pair.sellerPricePerKwh, pair.buyerPricePerKwh - pair.feePerKwh);
          assert.equal(
            pair.buyerPricePerKwh,
            Math.max(result.clearingPrice!, book.offerPrice[pair.offer]! + pair.feePerKwh),
          );
          traded.bids[pair.bid]! += pair.quantity;
          traded.offers[pair.offer]! += pair.quantity;
          total += pair.quantity;
        }
        assert.equal(total, result.clearedQuantity);
        for (const [i, q] of traded.bids.entries()) assert.ok(q <= book.bidQuantity[i]!);
        for (const [i, q] of traded.offers.entries()) assert.ok(q <= book.offerQuantity[i]!);
        // Owners never change what the walk trades: the same book without them clears alike.
        const plain = clearInterval({ ...book, bidOwner: undefined, offerOwner: undefined });
        assert.equal(plain.clearingPrice, result.clearingPrice);
        assert.equal(plain.clearedQuantity, result.clearedQuantity);
        if (result.clearedQuantity === 0) continue;
        const reference = referencePairing(book, result.clearingPrice!, traded);
        if (result.pairing === 'priority') {
          prioritised++;
          assert.deepEqual(
            result.pairs.map((p) => ({
              bid: p.bid,
              offer: p.offer,
              quantity: p.quantity,
              feePerKwh: p.feePerKwh,
            })),
            reference,
          );
        } else {
          walked++;
          // The walk's pairs stand only when the rule cannot place every traded quantity.
          assert.equal(reference, null);
        }
      }
      assert.ok(
        prioritised > 200,
        `only ${prioritised} books were paired by priority (${walked} by the walk)`,
      );
    } catch (error) {
      console.error(
        `priority property failed at book ${round} with seed ${seed}; replay: MARKET_PRIORITY_SEED=${seed} node scripts/run-tests.mjs market/priority`,
      );
      throw error;
    }
  });
});
