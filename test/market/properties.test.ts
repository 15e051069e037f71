import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../src/crypto/index.js';
import { Prng } from '../../src/kit/prng.js';
import { signerFromSeed } from '../../src/market/driver.js';
import { executeMarketAction, initMarket } from '../../src/market/executor.js';
import { checkInvariants } from '../../src/market/invariants.js';
import { MemoryState } from '../../src/market/memory-state.js';
import { runSimulation, simulateMarket } from '../../src/market/simulate.js';
import { MarketStore } from '../../src/market/store.js';

// Small random markets over fixed seeds: each run is a whole sealed cycle with two rounds.
const SEEDS = [1, 2, 3, 4, 5, 6];

describe('random markets', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: money is conserved, energy balances, capacity holds`, () => {
      const report = simulateMarket({
        participants: 20 + seed * 5,
        intervals: 1 + (seed % 4) * 2,
        seed,
        sealedBids: seed % 2 === 1,
        pricing: seed % 3 === 0 ? 'payAsBid' : 'uniform',
      });
      assert.equal(report.rejectedTransactions, 0);
      assert.ok(report.contracts > 0, 'the market trades');
      assert.equal(report.moneyConserved, true);
      assert.equal(report.energyBalanced, true);
      assert.equal(report.capacityRespected, true);
    });
  }

  it('liability, fee and subsidy lines sum to zero across all accounts, grid enterprise and subsidy account included', () => {
    const seen = new Set<string>();
    for (const seed of [52, 53, 54, 55]) {
      const run = runSimulation({ participants: 40, intervals: 3, seed, sealedBids: seed % 2 === 0 });
      const store = new MarketStore(run.state);
      const sums = new Map<string, bigint>();
      const subsidyAccount = toHex(run.config.subsidyAccount);
      for (const member of store.statementMembers('day-1')) {
        const statement = store.statement('day-1', member)!;
        if (toHex(member) === subsidyAccount) seen.add('subsidyAccount');
        for (const line of statement.lines) {
          const kind = line.kind === 'energySale' ? 'energyPurchase' : line.kind;
          sums.set(kind, (sums.get(kind) ?? 0n) + line.amount);
          seen.add(line.kind);
        }
        // Each breach case is one line on the payer's statement and its mirror on the payee's.
        const cases = statement.liabilities.reduce((sum, l) => sum + l.amount, 0n);
        assert.equal(cases, statement.lines.find((l) => l.kind === 'breachLiability')?.amount ?? 0n);
      }
      for (const [kind, sum] of sums) assert.equal(sum, 0n, `seed ${seed}: ${kind} lines sum to zero`);
      let balances = store.balance(run.config.subsidyAccount);
      for (const key of store.memberKeys()) balances += store.balance(key);
      assert.equal(balances, 0n);
      assert.ok(run.report.breaches > 0 && run.report.lapsedContracts > 0 && run.report.bindingContracts > 0);
    }
    for (const kind of ['breachLiability', 'crossingFee', 'subsidy', 'gridSupply', 'subsidyAccount'])
      assert.ok(seen.has(kind), `no seed produced ${kind}`);
  });

  it('the invariant checks notice a tampered contract and a tampered balance', () => {
    const run = runSimulation({ participants: 20, intervals: 2, seed: 41 });
    const store = new MarketStore(run.state);
    const traders: { signer: { publicKey: Uint8Array } }[] = [];
    assert.equal(checkInvariants(store, 'day-1', 2, traders).energyBalanced, true);
    const interval = store.contracts('day-1', 0).length > 0 ? 0 : 1;
    const [first, ...rest] = store.contracts('day-1', interval);
    store.setContracts('day-1', interval, [{ ...first!, energyWh: first!.energyWh + 1 }, ...rest]);
    assert.equal(checkInvariants(store, 'day-1', 2, traders).energyBalanced, false);
    const someone = store.memberKeys()[0]!;
    store.setBalance(someone, store.balance(someone) + 1n);
    assert.equal(checkInvariants(store, 'day-1', 2, traders).moneyConserved, false);
  });

  it('the same seed gives the same state root; another seed another', () => {
    const a = simulateMarket({ participants: 25, intervals: 3, seed: 11 });
    const b = simulateMarket({ participants: 25, intervals: 3, seed: 11 });
    const c = simulateMarket({ participants: 25, intervals: 3, seed: 12 });
    assert.equal(a.stateRoot, b.stateRoot);
    assert.notEqual(a.stateRoot, c.stateRoot);
  });

  it('re-executing the recorded actions on a fresh state gives the same root', () => {
    const run = runSimulation({ participants: 25, intervals: 3, seed: 21, record: true });
    const fresh = new MemoryState();
    initMarket(fresh, run.config);
    for (const { sender, action, context } of run.log)
      assert.equal(executeMarketAction(fresh, sender, action, context).ok, true);
    assert.equal(toHex(fresh.root()), run.report.stateRoot);
  });

  it('refuses every action sent by a key that is not a member, without changing state', () => {
    // Who sent an action is the ledger envelope's signer; the market's part is to refuse any
    // action its sender may not take. (Replayed envelopes are the ledger's: test/ledger.)
    const run = runSimulation({ participants: 20, intervals: 2, seed: 31, record: true });
    const random = new Prng(9_031);
    const root = toHex(run.state.root());
    const mallory = signerFromSeed(random.bytes(32)).publicKey;
    // Registering is open to anyone, and a due deadline may be advanced by anyone.
    const guarded = run.log.filter(
      ({ action }) => action.type !== 'register' && action.type !== 'advanceCycle',
    );
    for (let i = 0; i < 200; i++) {
      const { action, context } = random.pick(guarded);
      const later = { ...context, height: context.height + 10_000, blockTimeMs: context.blockTimeMs + 1 };
      const result = executeMarketAction(run.state, mallory, action, later);
      assert.equal(result.ok, false, action.type);
    }
    assert.equal(toHex(run.state.root()), root);
  });
});
