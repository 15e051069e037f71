import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../src/crypto/hash.js';
import { GridError } from '../../src/grid/errors.js';
import { TariffFeeTable } from '../../src/market/crossing-tariff.js';
import { DEADLINE_RETRY_MS, MAX_DUE_CYCLES_PER_BLOCK, runDueDeadlines } from '../../src/market/deadlines.js';
import { BusExportLimitChecker } from '../../src/market/grid-doubles.js';
import type { CrossingFeeTable } from '../../src/market/grid-interface.js';
import { bid, offer, project, TestMarket } from './fixture.js';

const CHAIN = 'test-chain';

describe('the market begin-block work', () => {
  it('moves at most MAX_DUE_CYCLES_PER_BLOCK cycles per block, earliest deadline first', () => {
    const market = new TestMarket();
    const ids = Array.from(
      { length: MAX_DUE_CYCLES_PER_BLOCK + 4 },
      (_, i) => `c${String(i).padStart(2, '0')}`,
    );
    for (const id of ids) market.openCycle(id, 1);
    const index = market.store.deadlines();
    assert.deepEqual(
      index.map((entry) => entry.cycleId),
      ids,
      'opened a second apart, so in opening order',
    );
    const blockTimeMs = index.at(-1)!.atMs;
    assert.deepEqual(
      runDueDeadlines(market.state, { chainId: CHAIN, blockTimeMs: index[0]!.atMs - 1, height: 1 }),
      [],
    );
    const first = runDueDeadlines(market.state, { chainId: CHAIN, blockTimeMs, height: 2 });
    assert.deepEqual(
      first.map((o) => o.cycleId),
      ids.slice(0, MAX_DUE_CYCLES_PER_BLOCK),
    );
    for (const outcome of first)
      assert.deepEqual(outcome, { cycleId: outcome.cycleId, steps: ['closeGate'] });
    const second = runDueDeadlines(market.state, { chainId: CHAIN, blockTimeMs, height: 3 });
    assert.deepEqual(
      second.map((o) => o.cycleId),
      ids.slice(MAX_DUE_CYCLES_PER_BLOCK),
    );
    assert.deepEqual(runDueDeadlines(market.state, { chainId: CHAIN, blockTimeMs, height: 4 }), []);
    for (const id of ids) assert.equal(market.store.cycle(id)!.state, 'closed');
  });

  it('a cycle whose step throws keeps its state and is tried again later; the others still move', () => {
    let broken = true;
    let table: TariffFeeTable | undefined;
    const fees: CrossingFeeTable = {
      crossing(seller, buyer) {
        if (broken) throw new GridError('CONGESTION_INFEASIBLE', 'the fee table is unavailable');
        return table!.crossing(seller, buyer);
      },
    };
    const plugins = { crossingFees: fees, securityChecker: new BusExportLimitChecker([]) };
    const market = new TestMarket({}, plugins);
    table = new TariffFeeTable(market.store.config()!);
    const generator = market.generator([project()]);
    const user = market.user(2);
    market.openCycle('a', 1);
    market.openCycle('b', 1);
    market.driver.must(generator, {
      type: 'submitQuote',
      cycleId: 'a',
      quoteId: 'q',
      quote: offer(0, 300, 10_000),
    });
    market.driver.must(user, { type: 'submitQuote', cycleId: 'a', quoteId: 'q', quote: bid(0, 450, 10_000) });
    // Far past both gates: each cycle would close and match in one go.
    const blockTimeMs = market.store.cycle('b')!.deliveryStartMs - 1;
    const context = { chainId: CHAIN, blockTimeMs, height: 10 };
    const before = toHex(market.state.root());
    const outcomes = runDueDeadlines(market.state, context, plugins);
    assert.notEqual(toHex(market.state.root()), before);
    assert.deepEqual(outcomes[0], { cycleId: 'a', failed: 'CONGESTION_INFEASIBLE' });
    assert.deepEqual(outcomes[1], { cycleId: 'b', steps: ['closeGate', 'match'] });
    assert.equal(market.store.cycle('a')!.state, 'open', 'nothing of the failed step is kept');
    assert.deepEqual(
      market.store.deadlines().find((entry) => entry.cycleId === 'a'),
      { cycleId: 'a', atMs: blockTimeMs + DEADLINE_RETRY_MS },
    );
    assert.deepEqual(runDueDeadlines(market.state, { ...context, height: 11 }, plugins), []);
    broken = false;
    const retried = runDueDeadlines(
      market.state,
      {
        ...context,
        blockTimeMs: blockTimeMs + DEADLINE_RETRY_MS,
        height: 12,
      },
      plugins,
    );
    assert.deepEqual(retried[0], { cycleId: 'a', steps: ['closeGate', 'match'] });
    assert.equal(market.store.cycle('a')!.state, 'matched');
  });
});
