import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writer } from '../../src/codec/index.js';
import { toHex } from '../../src/crypto/index.js';
import {
  decodeMarketPayload,
  encodeMarketPayload,
  MARKET_PAYLOAD_VERSION,
  type MarketAction,
  marketActionCodec,
} from '../../src/market/actions.js';
import { expectError } from '../../src/market/driver.js';
import { MarketError } from '../../src/market/errors.js';
import { executeMarketAction } from '../../src/market/executor.js';
import { MARKET_TX_TYPE, marketApplication } from '../../src/market/ledger-application.js';
import type { Quotation } from '../../src/market/records.js';
import { offer, project, seedSigner, TestMarket } from './fixture.js';

const context = (market: TestMarket) => ({
  chainId: market.driver.chainId,
  blockTimeMs: market.driver.blockTimeMs,
  height: market.driver.height + 1,
  txHash: new Uint8Array(32).fill(9),
});

/** Every state key whose first byte is `prefix`. */
const keysWithPrefix = (market: TestMarket, prefix: number) =>
  [...market.state.sortedEntries()].filter(([key]) => key[0] === prefix);

function refusal(run: () => unknown): MarketError {
  try {
    run();
  } catch (error) {
    if (error instanceof MarketError) return error;
    throw error;
  }
  assert.fail('expected a MarketError');
}

describe('action execution', () => {
  it('executes for the authenticated sender and keeps no nonce of its own', () => {
    const market = new TestMarket();
    const gen = market.generator([project()]);
    market.openCycle();
    const action = {
      type: 'submitQuote',
      cycleId: 'c1',
      quoteId: 'q',
      quote: offer(0, 300, 1000),
    } as const;
    assert.equal(market.driver.submit(gen.publicKey, action).ok, true);
    // The same action again is the market's to judge by its records, not by a counter.
    const root = toHex(market.state.root());
    assert.equal(expectError(market.driver.submit(gen, action)).code, 'DUPLICATE');
    assert.equal(toHex(market.state.root()), root);
    // The market's nonce records (prefix 0x05) are gone: the ledger's envelope nonce is the only one.
    assert.deepEqual(keysWithPrefix(market, 0x05), []);
  });

  it('writes nothing when an action fails part-way', () => {
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
  });

  it('refuses unknown members, wrong roles, bad senders and out-of-range values with typed errors', () => {
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
    const root = toHex(market.state.root());
    // A value the canonical encoding cannot carry is refused as a bad action.
    const unencodable: MarketAction = {
      type: 'submitQuote',
      cycleId: 'c1',
      quoteId: 'q',
      quote: { side: 'buy', mode: 'direct', project: -1, curves: [] },
    };
    const run = (sender: Uint8Array, action: unknown) =>
      executeMarketAction(market.state, sender, action as MarketAction, context(market));
    assert.equal(expectError(run(user.publicKey, unencodable)).code, 'BAD_ACTION');
    for (const action of [
      { type: 'closeGate', cycleId: 42 },
      { type: 'audit', member: 'not bytes', approve: true, note: '' },
      { type: 'audit', member: new Uint8Array(32), approve: 1, note: '' },
      { type: 'closeGate' },
      { type: 'noSuchAction' },
    ]) {
      assert.equal(expectError(run(user.publicKey, action)).code, 'BAD_ACTION', JSON.stringify(action));
    }
    for (const sender of [new Uint8Array(31), new Uint8Array(33), 'key' as unknown as Uint8Array]) {
      assert.equal(expectError(run(sender, { type: 'exit' })).code, 'BAD_SENDER');
    }
    assert.equal(toHex(market.state.root()), root);
  });
});

describe('market payload', () => {
  const action: MarketAction = { type: 'closeGate', cycleId: 'c1' };

  it('is a version byte and the canonical action, and round-trips', () => {
    const bytes = encodeMarketPayload(action);
    const writer = new Writer(16).u8(MARKET_PAYLOAD_VERSION);
    marketActionCodec.write(writer, action);
    assert.equal(toHex(bytes), toHex(writer.finish()));
    assert.deepEqual(decodeMarketPayload(bytes), action);
  });

  it('refuses trailing bytes, unknown versions, the retired signed format and junk, with typed errors', () => {
    const bytes = encodeMarketPayload(action);
    const cases: [Uint8Array, string][] = [
      [Uint8Array.from([...bytes, 0]), 'TRAILING_BYTES'],
      [Uint8Array.from([3, ...bytes.slice(1)]), 'UNKNOWN_VERSION'],
      [Uint8Array.from([0, ...bytes.slice(1)]), 'UNKNOWN_VERSION'],
      [
        Uint8Array.from([1, ...new Uint8Array(32), ...new Uint8Array(8), ...bytes.slice(1)]),
        'UNKNOWN_VERSION',
      ],
      [bytes.slice(0, -1), 'UNEXPECTED_END'],
      [Uint8Array.from([MARKET_PAYLOAD_VERSION, 200]), 'INVALID_VALUE'],
      [new Uint8Array(0), 'TRUNCATED'],
    ];
    for (const [input, cause] of cases) {
      const error = refusal(() => decodeMarketPayload(input));
      assert.equal(error.code, 'BAD_PAYLOAD', toHex(input));
      assert.equal(error.data.cause, cause, toHex(input));
    }
    assert.match(refusal(() => decodeMarketPayload(cases[3]![0])).message, /must be reset/);
    assert.equal(
      refusal(() => encodeMarketPayload({ type: 'closeGate', cycleId: 7 } as unknown as MarketAction)).code,
      'BAD_PAYLOAD',
    );
  });

  it('runs on the ledger for the envelope sender; a refused payload or action writes nothing', () => {
    const market = new TestMarket();
    const gen = market.generator([project()]);
    market.openCycle();
    const application = marketApplication();
    const envelope = (payload: Uint8Array) => ({
      chainId: 'test-chain',
      shardId: 0,
      type: MARKET_TX_TYPE,
      payload,
      sender: gen.publicKey,
      nonce: 0n,
      signature: new Uint8Array(64),
    });
    const ledgerContext = {
      chainId: 'test-chain',
      shardId: 0,
      height: market.driver.height + 1,
      timestampMs: market.driver.blockTimeMs,
      randomness: new Uint8Array(32),
      txIndex: 0,
      txHash: new Uint8Array(32).fill(0x42),
    };
    const submit: MarketAction = {
      type: 'submitQuote',
      cycleId: 'c1',
      quoteId: 'q',
      quote: offer(0, 300, 1000),
    };
    application.execute(market.state, envelope(encodeMarketPayload(submit)), ledgerContext);
    assert.notEqual(market.store.quote('c1', gen.publicKey, 'q'), undefined);
    const root = toHex(market.state.root());
    const refused = refusal(() =>
      application.execute(market.state, envelope(Uint8Array.from([1, 2, 3])), ledgerContext),
    );
    assert.equal(refused.code, 'BAD_PAYLOAD');
    const again = refusal(() =>
      application.execute(market.state, envelope(encodeMarketPayload(submit)), ledgerContext),
    );
    assert.equal(again.code, 'DUPLICATE');
    assert.equal(toHex(market.state.root()), root);
  });
});
