import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Highs } from 'highs';
import { compareBytes, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { demoGrid, demoMarketConfig, loadOrCreateDemoKeys } from '../../src/devnet/demo-market.js';
import { createNetworkFiles, type NetworkLayout } from '../../src/devnet/devnet.js';
import { loadHighs } from '../../src/grid/highs.js';
import { gridToJson } from '../../src/grid/json.js';
import { genesisState } from '../../src/ledger/genesis.js';
import { GRID_STATE_KEY, marketPluginsFromState } from '../../src/market/grid-plugins.js';
import { GridSecurityChecker } from '../../src/market/grid-security.js';
import { marketGenesisState } from '../../src/market/ledger-application.js';
import { MemoryState } from '../../src/market/memory-state.js';
import { NodeError } from '../../src/node/errors.js';
import {
  chainParametersOf,
  committeeOf,
  type GenesisFile,
  marketConfigFromJson,
  parseGenesis,
  readGenesisFile,
} from '../../src/node/genesis-file.js';
import { COMMITTEE_STATE_KEY, readCommittee } from '../../src/roles/committee-state.js';
import { CASE33_DEMO_ZONES } from '../../src/sharding/index.js';

// A chain started from a genesis file holds the file's grid in its state, where the market's
// security check finds it: the devnet's rated feeder makes its check the AC power flow.

const root = mkdtempSync(join(tmpdir(), 'gridshard-genesis-grid-'));
after(() => rmSync(root, { recursive: true, force: true }));

const keys = loadOrCreateDemoKeys(join(root, 'demo-keys.json'));

function layout(name: string, extra: Partial<NetworkLayout> = {}): NetworkLayout {
  return {
    dir: join(root, name),
    chainId: name,
    validators: 4,
    host: '127.0.0.1',
    p2pBasePort: 7100,
    apiBasePort: 8080,
    password: 'test-password',
    genesisTimeMs: 1_700_000_000_000,
    scryptCost: { n: 2 ** 10, r: 8, p: 1 },
    ...extra,
  };
}

/** The genesis `npm start` writes: the demo market, the rated demo feeder, its four zones. */
function devnetGenesis(name: string): GenesisFile {
  const { dir } = layout(name);
  createNetworkFiles(
    layout(name, { market: demoMarketConfig(keys), grid: gridToJson(demoGrid()), zones: CASE33_DEMO_ZONES }),
  );
  return readGenesisFile(join(dir, 'genesis.json'));
}

const refusedGrid = (genesis: GenesisFile, grid: unknown, reason: RegExp) =>
  assert.throws(
    () => parseGenesis({ ...genesis, grid }),
    (e: unknown) => e instanceof NodeError && e.code === 'BAD_GENESIS' && reason.test(e.message),
  );

const decode = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));

describe('the genesis grid in chain state', () => {
  let highs: Highs;
  before(async () => {
    highs = await loadHighs();
  });

  it('writes the devnet’s rated feeder under grid/model beside the market’s records, in key order', () => {
    const genesis = devnetGenesis('devnet');
    const entries = chainParametersOf(genesis).initialState ?? [];
    for (let i = 1; i < entries.length; i++)
      assert.ok(compareBytes(entries[i - 1]!.key, entries[i]!.key) < 0);
    const grid = entries.filter((e) => compareBytes(e.key, GRID_STATE_KEY) === 0);
    assert.equal(grid.length, 1);
    const document = decode(grid[0]!.value);
    assert.deepEqual(document, gridToJson(demoGrid()));
    const rated = (document.branches as readonly { from: number; to: number; rateKva: number }[])
      .filter((b) => b.rateKva > 0)
      .map((b) => [`${b.from}-${b.to}`, b.rateKva]);
    assert.deepEqual(rated, [
      ['17-18', 200],
      ['32-33', 200],
    ]);
    // Everything else is the market's genesis, unchanged, and the committee genesis records.
    const market = marketGenesisState(marketConfigFromJson(genesis.market!));
    assert.deepEqual(
      readCommittee({ get: (key) => entries.find((e) => compareBytes(e.key, key) === 0)?.value }),
      committeeOf(genesis),
    );
    assert.deepEqual(
      entries
        .filter(
          (e) => compareBytes(e.key, GRID_STATE_KEY) !== 0 && compareBytes(e.key, COMMITTEE_STATE_KEY) !== 0,
        )
        .map((e) => [toHex(e.key), toHex(e.value)]),
      market.map((e) => [toHex(e.key), toHex(e.value)]),
    );
  });

  it('stores the grid in canonical form: defaults left out and fields reordered give the same root', () => {
    const genesis = devnetGenesis('canonical');
    const full = gridToJson(demoGrid());
    const sparse = {
      branches: full.branches.map(({ bPu: _, tap: __, shiftDeg: ___, ...b }) => b),
      buses: full.buses,
      loads: full.loads,
      generators: full.generators,
      substation: full.substation,
      baseMva: full.baseMva,
      name: full.name,
      version: full.version,
      format: full.format,
    };
    const rootOf = (g: GenesisFile) => toHex(genesisState(ed25519Scheme, chainParametersOf(g)).root());
    assert.equal(rootOf(parseGenesis({ ...genesis, grid: sparse })), rootOf(genesis));
    const { grid: _, zones: __, ...noGrid } = genesis;
    assert.notEqual(rootOf(parseGenesis(noGrid)), rootOf(genesis));
    assert.equal(
      (chainParametersOf(parseGenesis(noGrid)).initialState ?? []).some(
        (e) => compareBytes(e.key, GRID_STATE_KEY) === 0,
      ),
      false,
    );
  });

  it('gives the market the AC check on that feeder, which curtails a lateral past its 200 kVA', () => {
    const genesis = devnetGenesis('checker');
    const state = new MemoryState();
    for (const { key, value } of chainParametersOf(genesis).initialState ?? []) state.set(key, value);
    const plugins = marketPluginsFromState(highs)(state);
    assert.ok(plugins?.securityChecker instanceof GridSecurityChecker);
    // The demo's PV at bus 18 selling 360 kW for a 15-second interval (1,500 Wh) against bus 18's
    // own 90 kW load puts about 270 kVA on line 17-18.
    const result = plugins.securityChecker.check([
      {
        interval: 0,
        intervalMs: 15_000,
        entries: [
          {
            id: 0,
            seller: 'pv18',
            buyer: 'factory8',
            sellerBus: 18,
            buyerBus: 8,
            energyWh: 1500,
            powerKw: 360,
          },
        ],
      },
    ]);
    assert.deepEqual(
      result.violations.map((v) => [v.element, v.limitKw]),
      [['branch-thermal:17-18', 200]],
    );
    assert.ok(result.violations[0]!.scheduledKw > 200);
    assert.equal(result.adjustments.length, 1);
    const cut = result.adjustments[0]!;
    assert.equal(cut.id, 0);
    assert.ok(cut.energyWh < 1500 && cut.energyWh > 0, `adjusted to ${cut.energyWh} Wh`);
    assert.match(cut.reason, /^AC security check: branch-thermal:17-18/);
  });

  it('refuses a bad grid with a typed BAD_GENESIS, at node start and before genesis create writes a file', () => {
    const genesis = devnetGenesis('refusals');
    refusedGrid(genesis, 'ieee33', /grid: /);
    refusedGrid(
      genesis,
      { ...gridToJson(demoGrid()), format: 'matpower' },
      /grid: grid document: format must be/,
    );
    const broken = gridToJson(demoGrid());
    refusedGrid(
      genesis,
      { ...broken, branches: [...broken.branches, { ...broken.branches[0]!, to: 99 }] },
      /grid: /,
    );
    refusedGrid(genesis, { ...broken, name: 'x'.repeat(1_100_000) }, /grid: its document is \d+ bytes/);
    const bad = layout('bad-grid', { market: demoMarketConfig(keys), grid: { format: 'gridshard-grid' } });
    assert.throws(
      () => createNetworkFiles(bad),
      (e: unknown) => e instanceof NodeError && e.code === 'BAD_GENESIS' && /grid: /.test(e.message),
    );
    assert.equal(existsSync(bad.dir), false, 'nothing written');
  });
});
