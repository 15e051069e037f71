import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Grid,
  GridError,
  PowerFlowEngine,
  parseMatpowerCase,
  runPowerFlow,
  syntheticRadialFeeder,
} from '../../src/grid/index.js';
import { Prng } from '../../src/kit/prng.js';
import { fixtureText, ieee33, loadFixtureGrid } from './cases.js';

/** Published AC power flow of the Baran & Wu feeder, slack at 1.0 pu. */
const LOSS_KW = 202.68;
const LOSS_KVAR = 135.14;
const MIN_V = 0.9131;

function withTieClosed(grid: Grid, from: number, to: number): Grid {
  return {
    ...grid,
    branches: grid.branches.map((b) => (b.from === from && b.to === to ? { ...b, inService: true } : b)),
  };
}

describe('AC power flow on the IEEE 33-bus feeder', () => {
  for (const method of ['bfs', 'nr'] as const) {
    it(`${method} reproduces the published losses and lowest voltage`, () => {
      const result = runPowerFlow(ieee33(), { method });
      assert.equal(result.method, method);
      assert.equal(result.converged, true);
      assert.ok(Math.abs(result.lossKw - LOSS_KW) / LOSS_KW < 0.0005, `lossKw ${result.lossKw}`);
      assert.ok(Math.abs(result.lossKvar - LOSS_KVAR) / LOSS_KVAR < 0.0005, `lossKvar ${result.lossKvar}`);
      assert.ok(Math.abs(result.minVoltagePu - MIN_V) <= 0.0001, `minVoltagePu ${result.minVoltagePu}`);
      assert.equal(result.minVoltageBus, 18);
      assert.equal(result.loadKw, 3715);
      // Energy balance: the substation supplies the load and the losses.
      assert.ok(Math.abs(result.substationKw - result.loadKw - result.lossKw) < 1e-6);
    });
  }

  it('chooses the sweep for the radial feeder and both methods agree bus by bus', () => {
    const sweep = runPowerFlow(ieee33());
    const newton = runPowerFlow(ieee33(), { method: 'nr' });
    assert.equal(sweep.method, 'bfs');
    sweep.buses.forEach((bus, i) => {
      assert.ok(Math.abs(bus.vmPu - newton.buses[i]!.vmPu) < 1e-9);
      assert.ok(Math.abs(bus.vaDeg - newton.buses[i]!.vaDeg) < 1e-7);
    });
    sweep.branches.forEach((branch, i) => {
      assert.ok(Math.abs(branch.pFromKw - newton.branches[i]!.pFromKw) < 1e-5);
    });
  });

  it('solves the meshed feeder with a tie switch closed by Newton-Raphson', () => {
    const meshed = withTieClosed(ieee33(), 18, 33);
    const result = runPowerFlow(meshed);
    assert.equal(result.method, 'nr');
    assert.ok(result.iterations <= 6);
    // Closing the 18-33 tie relieves the far end of the feeder: less loss, higher lowest voltage.
    const radial = runPowerFlow(ieee33());
    assert.ok(result.lossKw < radial.lossKw);
    assert.ok(result.minVoltagePu > radial.minVoltagePu);
    assert.throws(
      () => runPowerFlow(meshed, { method: 'bfs' }),
      (e: unknown) => {
        return e instanceof GridError && e.code === 'METHOD_UNSUITABLE';
      },
    );
  });

  it('Newton-Raphson on a meshed grid agrees with the sweep when the loop carries nothing', () => {
    // A tie of very high impedance closes a loop that carries almost no current: the meshed
    // solution must approach the radial one.
    const grid = ieee33();
    const meshed: Grid = {
      ...grid,
      branches: grid.branches.map((b) =>
        b.from === 12 && b.to === 22 ? { ...b, inService: true, rPu: 1e6, xPu: 1e6 } : b,
      ),
    };
    const nr = runPowerFlow(meshed);
    const bfs = runPowerFlow(grid);
    assert.equal(nr.method, 'nr');
    assert.ok(Math.abs(nr.lossKw - bfs.lossKw) < 1e-3);
    for (const [i, bus] of nr.buses.entries()) assert.ok(Math.abs(bus.vmPu - bfs.buses[i]!.vmPu) < 1e-6);
  });

  it('closing every tie switch still converges and keeps the energy balance', () => {
    const grid = ieee33();
    const meshed: Grid = { ...grid, branches: grid.branches.map((b) => ({ ...b, inService: true })) };
    const result = runPowerFlow(meshed);
    assert.ok(Math.abs(result.substationKw - result.loadKw - result.lossKw) < 1e-6);
  });

  it('reports non-convergence as an error, not an answer', () => {
    const grid = ieee33();
    const heavy: Grid = {
      ...grid,
      loads: grid.loads.map((l) => ({ ...l, pKw: l.pKw * 12, qKvar: l.qKvar * 12 })),
    };
    for (const method of ['bfs', 'nr'] as const) {
      assert.throws(
        () => runPowerFlow(heavy, { method }),
        (e: unknown) => {
          return e instanceof GridError && e.code === 'NOT_CONVERGED';
        },
      );
    }
  });

  it('adds schedule injections on top of the case loads', () => {
    const base = runPowerFlow(ieee33());
    const withPv = runPowerFlow(ieee33(), { injections: [{ bus: 18, pKw: 300 }] });
    assert.ok(withPv.minVoltagePu > base.minVoltagePu);
    assert.ok(withPv.substationKw < base.substationKw - 250);
  });

  it('refuses islands', () => {
    const grid = ieee33();
    const cut: Grid = {
      ...grid,
      branches: grid.branches.map((b) => (b.from === 17 && b.to === 18 ? { ...b, inService: false } : b)),
    };
    assert.throws(
      () => runPowerFlow(cut),
      (e: unknown) => e instanceof GridError && e.code === 'GRID_ISLANDED',
    );
  });

  it('solves the five-bus fixture with a 1.02 pu source and a PV bus by Newton-Raphson', () => {
    const grid = parseMatpowerCase(fixtureText('feeder5.m'));
    const sweep = runPowerFlow(grid);
    assert.ok(Math.abs(sweep.buses[0]!.vmPu - 1.02) < 1e-12);
    const withPv: Grid = {
      ...grid,
      buses: grid.buses.map((b) => (b.id === 4 ? { ...b, type: 'pv' } : b)),
      generators: [
        ...grid.generators,
        { bus: 4, pKw: 50, qKvar: 0, vSetPu: 1.0, inService: true, pMaxKw: 100, pMinKw: 0 },
      ],
    };
    const result = runPowerFlow(withPv);
    assert.equal(result.method, 'nr');
    assert.ok(Math.abs(result.buses[3]!.vmPu - 1.0) < 1e-12);
  });
});

describe('transformers and orientation', () => {
  it('the sweep handles an off-nominal tap on a branch drawn from child to parent', () => {
    const grid = parseMatpowerCase(fixtureText('feeder5.m'));
    // Turn branch 2-5 into a transformer written 5 -> 2 with a 1.025 ratio and some charging.
    const turned: Grid = {
      ...grid,
      branches: grid.branches.map((b) =>
        b.from === 2 && b.to === 5 ? { ...b, from: 5, to: 2, tap: 1.025, shiftDeg: 2, bPu: 0.001 } : b,
      ),
    };
    const sweep = runPowerFlow(turned, { method: 'bfs' });
    const newton = runPowerFlow(turned, { method: 'nr' });
    assert.ok(Math.abs(sweep.lossKw - newton.lossKw) < 1e-6);
    for (const [i, bus] of sweep.buses.entries()) {
      assert.ok(Math.abs(bus.vmPu - newton.buses[i]!.vmPu) < 1e-9);
      assert.ok(Math.abs(bus.vaDeg - newton.buses[i]!.vaDeg) < 1e-7);
    }
  });
});

describe('bit-for-bit determinism of the sweep', () => {
  it('gives the same IEEE 754 results as recorded: the sweep uses only correctly rounded operations', () => {
    const result = runPowerFlow(ieee33(), { method: 'bfs' });
    assert.equal(result.lossKw, 202.67712645343767);
    assert.equal(result.lossKvar, 135.1409709717231);
    assert.equal(result.minVoltagePu, 0.9130904793616594);
    assert.equal(result.substationKw, 3917.67712643824);
  });
});

describe('sweep and Newton-Raphson over random feeders', () => {
  it('agree on seeded synthetic feeders with generation, shunts, charging and transformers', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const rng = new Prng(seed);
      const feeder = syntheticRadialFeeder(150 + rng.int(150), seed);
      const grid: Grid = {
        ...feeder,
        // Some sections become transformers or cables with charging; some buses get capacitors.
        branches: feeder.branches.map((b) => {
          const roll = rng.float();
          if (roll < 0.05) return { ...b, tap: 0.95 + 0.1 * rng.float(), shiftDeg: rng.between(-3, 3) };
          if (roll < 0.15) return { ...b, bPu: rng.between(0, 0.002) };
          return b;
        }),
        buses: feeder.buses.map((b) => (rng.float() < 0.05 ? { ...b, bsKvar: rng.between(50, 300) } : b)),
      };
      const injections = Array.from({ length: 10 }, () => ({
        bus: 2 + rng.int(grid.buses.length - 1),
        pKw: rng.between(-50, 200),
      }));
      const sweep = runPowerFlow(grid, { method: 'bfs', injections });
      const newton = runPowerFlow(grid, { method: 'nr', injections });
      assert.ok(Math.abs(sweep.lossKw - newton.lossKw) < 1e-6, `seed ${seed}`);
      for (const [i, bus] of sweep.buses.entries()) {
        assert.ok(Math.abs(bus.vmPu - newton.buses[i]!.vmPu) < 1e-9, `seed ${seed} bus ${bus.id}`);
        assert.ok(Math.abs(bus.vaDeg - newton.buses[i]!.vaDeg) < 1e-6, `seed ${seed} bus ${bus.id}`);
      }
    }
  });
});

describe('a transmission case with PV buses and line charging', () => {
  it('matches the published AC power flow of the nine-bus system', () => {
    const result = runPowerFlow(parseMatpowerCase(fixtureText('wscc9.m')));
    assert.equal(result.method, 'nr');
    // Published figures (as MATPOWER prints them): losses 4.641 MW and 48.38 MVAr, slack 71.64 MW.
    assert.ok(Math.abs(result.lossKw - 4641) < 1);
    assert.ok(Math.abs(result.lossKvar - 48380) < 10);
    assert.ok(Math.abs(result.substationKw - 71640) < 10);
    const angles = new Map(result.buses.map((b) => [b.id, b.vaDeg]));
    for (const [bus, deg] of [
      [2, 9.28],
      [3, 4.665],
      [4, -2.217],
      [9, -3.989],
    ] as const) {
      assert.ok(Math.abs(angles.get(bus)! - deg) < 0.001, `bus ${bus}: ${angles.get(bus)}`);
    }
  });
});

describe('Newton-Raphson tolerance on a feeder with a near-zero impedance', () => {
  // The 141-bus Caracas feeder (Khodr et al., 2008) has a 1e-5 ohm jumper (86-87): 1.6e6 pu of
  // admittance, so a power mismatch below about 1e-9 pu cannot be resolved in floating point.
  const grid = loadFixtureGrid('case141.json');

  it('converges, raising the tolerance to the floor the network allows', () => {
    const nr = runPowerFlow(grid, { method: 'nr' });
    assert.ok(nr.iterations <= 5, `${nr.iterations} iterations`);
    const bfs = runPowerFlow(grid, { method: 'bfs' });
    for (let i = 0; i < nr.buses.length; i++) {
      assert.ok(Math.abs(nr.buses[i]!.vmPu - bfs.buses[i]!.vmPu) < 1e-8, `bus ${nr.buses[i]!.id}`);
    }
    assert.ok(Math.abs(nr.lossKw - bfs.lossKw) < 1e-3);
    assert.equal(nr.minVoltageBus, 87);
  });

  it('keeps 1e-10 pu where floating point allows it', () => {
    const engine = new PowerFlowEngine(withTieClosed(ieee33(), 18, 33), 'nr');
    const floor = engine.mismatchFloorPu;
    assert.ok(floor < 1e-12, `${floor}`);
    const heavy = new PowerFlowEngine(grid, 'nr');
    const heavyFloor = heavy.mismatchFloorPu;
    assert.ok(heavyFloor > 1e-10 && heavyFloor < 1e-8, `${heavyFloor}`);
  });
});
