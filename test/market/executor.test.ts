import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../src/crypto/index.js';
import {
  type MarketTransaction,
  marketTransactionRecord,
  signMarketTransaction,
} from '../../src/market/actions.js';
import { expectError } from '../../src/market/driver.js';
import { executeMarketTransaction } from '../../src/market/executor.js';
import type { Quotation } from '../../src/market/records.js';
import { offer, project, seedSigner, TestMarket } from './fixture.js';

const context = (market: TestMarket) => ({
  chainId: market.driver.chainId,
  blockTimeMs: market.driver.blockTimeMs,
  height: market.driver.height + 1,
});

describe('transaction execution', () => {
  it('rejects a replayed transaction with no state change', () => {
    const market = new TestMarket();
    const gen = market.generator([project()]);
    market.openCycle();
    const tx = market.driver.sign(gen, {
      type: 'submitQuote',
      cycleId: 'c1',
      quoteId: 'q',
      quote: offer(0, 300, 1000),
    });
    assert.equal(market.driver.execute(tx).ok, true);
    const root = toHex(market.state.root());
    const replay = expectError(market.driver.execute(tx));
    assert.equal(replay.code, 'BAD_NONCE');
    assert.equal(toHex(market.state.root()), root);
  });

  it('rejects a foreign-signed transaction and one signed for another chain, with no state change', () => {
    const market = new TestMarket();
    const gen = market.generator([project()]);
    market.openCycle();
    const root = toHex(market.state.root());
    const action = { type: 'submitQuote', cycleId: 'c1', quoteId: 'q', quote: offer(0, 300, 1000) } as const;
    const mallory = seedSigner(999);
    const forged = signMarketTransaction('test-chain', mallory, 0n, action);
    const claimed: MarketTransaction = { ...forged, sender: gen.publicKey };
    assert.equal(
      expectError(executeMarketTransaction(market.state, claimed, context(market))).code,
      'BAD_SIGNATURE',
    );
    const otherChain = signMarketTransaction('other-chain', gen, 0n, action);
    assert.equal(
      expectError(executeMarketTransaction(market.state, otherChain, context(market))).code,
      'BAD_SIGNATURE',
    );
    const tampered: MarketTransaction = { ...market.driver.sign(gen, action), nonce: 5n };
    assert.equal(
      expectError(executeMarketTransaction(market.state, tampered, context(market))).code,
      'BAD_SIGNATURE',
    );
    assert.equal(toHex(market.state.root()), root);
  });

  it('writes nothing, not even the nonce, when an action fails part-way', () => {
    const market = new TestMarket();
    const gen = market.generator([project({ capacityKw: 1000 })], true, false);
    market.openCycle();
    const root = toHex(market.state.root());
    // Interval 0 is valid, interval 1 exceeds 1000 kW x 1 h: the whole quotation is refused.
    const quote: Quotation = {
      side: 'sell',
      mode: 'direct',
      project: 0,
      curves: [
        { interval: 0, steps: [{ pricePerKwh: 300, energyWh: 1000 }] },
        { interval: 1, steps: [{ pricePerKwh: 300, energyWh: 1_000_001 }] },
      ],
    };
    const error = expectError(
      market.driver.submit(gen, {
        type: 'submitQuote',
        cycleId: 'c1',
        quoteId: 'q',
        quote,
      }),
    );
    assert.equal(error.code, 'CAPACITY_EXCEEDED');
    assert.equal(toHex(market.state.root()), root);
    assert.equal(market.store.nonce(gen.publicKey), 1n);
  });

  it('refuses unknown members, wrong roles and out-of-range values with typed errors', () => {
    const market = new TestMarket();
    const stranger = seedSigner(500);
    assert.equal(
      expectError(market.driver.submit(stranger, { type: 'closeGate', cycleId: 'c1' })).code,
      'UNKNOWN_MEMBER',
    );
    const user = market.user();
    assert.equal(
      expectError(market.driver.submit(user, { type: 'closeGate', cycleId: 'c1' })).code,
      'NOT_AUTHORISED',
    );
    // A value the canonical encoding cannot carry is refused before any signature check.
    const unencodable: MarketTransaction = {
      sender: user.publicKey,
      nonce: 2n,
      action: {
        type: 'submitQuote',
        cycleId: 'c1',
        quoteId: 'q',
        quote: { side: 'buy', mode: 'direct', project: -1, curves: [] },
      },
      signature: new Uint8Array(64),
    };
    assert.equal(
      expectError(executeMarketTransaction(market.state, unencodable, context(market))).code,
      'BAD_ACTION',
    );
    for (const action of [
      { type: 'closeGate', cycleId: 42 },
      { type: 'audit', member: 'not bytes', approve: true, note: '' },
      { type: 'audit', member: new Uint8Array(32), approve: 1, note: '' },
      { type: 'closeGate' },
      { type: 'noSuchAction' },
    ]) {
      const wrongType = { ...unencodable, action } as unknown as MarketTransaction;
      assert.equal(
        expectError(executeMarketTransaction(market.state, wrongType, context(market))).code,
        'BAD_ACTION',
      );
    }
    const shortKey: MarketTransaction = { ...unencodable, sender: new Uint8Array(31) };
    assert.equal(
      expectError(executeMarketTransaction(market.state, shortKey, context(market))).code,
      'BAD_SIGNATURE',
    );
  });

  it('round-trips the transaction wire form and refuses trailing bytes', () => {
    const market = new TestMarket();
    const tx = market.driver.sign(market.center, { type: 'closeGate', cycleId: 'c1' });
    const bytes = marketTransactionRecord.encode(tx);
    const decoded = marketTransactionRecord.decode(bytes);
    assert.deepEqual(marketTransactionRecord.encode(decoded), bytes);
    assert.deepEqual(decoded.action, tx.action);
    assert.throws(() => marketTransactionRecord.decode(new Uint8Array([...bytes, 0])));
  });
});
