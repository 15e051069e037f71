import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadHighs } from '../../src/grid/highs.js';
import { type Application, ApplicationRouter, keyValueApplication } from '../../src/ledger/application.js';
import { marketApplication } from '../../src/market/ledger-application.js';
import { MarketStore } from '../../src/market/store.js';
import { GRID_STATE_KEY, marketPluginsFromState } from '../../src/node/market-plugins.js';
import { replayCommand, runCampaign, runSimulation } from '../../src/sim/index.js';
import { SIM_GRID_STATE_KEY } from '../../src/sim/market-workload.js';

/** The application the node runs (src/cli/run-node.ts), with the grid engine's security check. */
let nodeApplication: Application;

before(async () => {
  const highs = await loadHighs();
  nodeApplication = new ApplicationRouter([
    keyValueApplication,
    marketApplication(marketPluginsFromState(highs)),
  ]);
});

describe('simulator market workload (--execute --workload market)', () => {
  it('puts the grid model where the node finds it', () => {
    assert.deepEqual(SIM_GRID_STATE_KEY, GRID_STATE_KEY);
  });

  it('settles one trading cycle with money and energy conserved under every adversary (4/1)', () => {
    const options = {
      protocol: 'dag',
      nodes: 4,
      faulty: 1,
      byzantine: 'all',
      adversary: 'all',
      seeds: 3,
      seedStart: 1,
      execute: true,
      workload: 'market',
      executionApplication: () => nodeApplication,
    } as const;
    const report = runCampaign(options);
    assert.deepEqual(
      report.failingSeeds,
      [],
      `replay: ${replayCommand(options, report.failingSeeds[0] ?? 0)}`,
    );
    assert.ok(report.execution !== undefined);
    assert.equal(report.execution.stateRootDivergences, 0);
    assert.equal(report.execution.conservationViolations, 0);
    assert.equal(report.execution.settledCycles, 3, 'every run ends with the cycle settled');
    // Refusals are expected (a member's advanceCycle when nothing is due), but most steps execute.
    assert.ok(report.execution.executedTx > report.execution.refusedTx);
  });

  it('catches money minted at execution, though the validators agree on it', () => {
    // Every validator credits each market sender one unit more than the contract moved.
    const minting: Application = {
      types: nodeApplication.types,
      execute(state, tx, context) {
        nodeApplication.execute(state, tx, context);
        if (tx.type !== 'market') return;
        const store = new MarketStore(state);
        store.setBalance(tx.sender, store.balance(tx.sender) + 1n);
      },
    };
    const result = runSimulation({
      protocol: 'dag',
      nodes: 4,
      faulty: 0,
      byzantine: 'all',
      seed: 7,
      calm: true,
      execute: true,
      workload: 'market',
      executionApplication: () => minting,
    });
    assert.ok(result.execution !== undefined);
    assert.equal(result.execution.stateRootDivergences, 0, 'deterministic minting keeps the roots equal');
    assert.ok(result.execution.conservationViolations > 0, 'the conservation check catches it');
    assert.ok(result.problems.some((p) => p.startsWith('conservation:') && p.includes('money')));
  });
});
