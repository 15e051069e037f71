import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Highs } from 'highs';
import { loadHighs } from '../../src/grid/highs.js';
import { gridFromJson, ieee33Feeder } from '../../src/grid/index.js';
import type { Application } from '../../src/ledger/application.js';
import { chainApplication, GRID_STATE_KEY } from '../../src/market/grid-plugins.js';
import { MarketStore } from '../../src/market/store.js';
import { replayCommand, runCampaign, runSimulation, SimError } from '../../src/sim/index.js';
import { MarketWorkload } from '../../src/sim/market-workload.js';

let highs: Highs;
/** The application the node runs (src/cli/run-node.ts), with the grid engine's security check. */
let nodeApplication: Application;

before(async () => {
  highs = await loadHighs();
  nodeApplication = chainApplication(highs);
});

describe('simulator market workload (--execute --workload market)', () => {
  it('puts the grid model where the node finds it', () => {
    const entry = new MarketWorkload(1, 'sim')
      .genesisState()
      .find((e) => Buffer.compare(Buffer.from(e.key), Buffer.from(GRID_STATE_KEY)) === 0);
    assert.ok(entry !== undefined, 'the genesis holds a grid model');
    const grid = gridFromJson(JSON.parse(new TextDecoder().decode(entry.value)));
    assert.equal(grid.buses.length, ieee33Feeder().buses.length);
  });

  it('refuses to run without the solver the grid check needs', () => {
    assert.throws(
      () =>
        runSimulation({
          protocol: 'dag',
          nodes: 4,
          faulty: 0,
          byzantine: 'all',
          seed: 1,
          calm: true,
          execute: true,
          workload: 'market',
        }),
      (error: unknown) => error instanceof SimError && error.code === 'BAD_OPTIONS',
    );
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
      highs,
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
